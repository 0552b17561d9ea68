//! The `jobber-sandbox` binary's `sign` and `trigger` commands.

use std::path::PathBuf;

use jobber_sandbox::webhooks;

use crate::support::Receiver;

const BIN: &str = env!("CARGO_BIN_EXE_jobber-sandbox");

#[tokio::test]
async fn sign_prints_the_fixture_signature() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/jobber");
    let out = tokio::process::Command::new(BIN)
        .arg("sign")
        .arg(dir.join("webhook-app-disconnect.json"))
        .args(["--secret", "example-client-secret"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "ApbZHsDcXPoDwwj+9PZgz7Jexkdp4T3zGHRhm04NMt0=");
}

#[tokio::test]
async fn trigger_sends_one_signed_delivery() {
    let receiver = Receiver::start(Vec::new()).await;
    let out = tokio::process::Command::new(BIN)
        .args(["trigger", "CLIENT_UPDATE", "--account", "QUNDT1VOVA==", "--item", "SVRFTQ=="])
        .args(["--url", receiver.url.as_str(), "--secret", "s3cret", "--app-id", "app-1"])
        .env_remove("SANDBOX_CLIENT_SECRET")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "200 OK");
    let d = &receiver.wait_for(1).await[0];
    let event = &d.json()["data"]["webHookEvent"];
    assert_eq!(event["topic"], "CLIENT_UPDATE");
    assert_eq!(event["accountId"], "QUNDT1VOVA==");
    assert_eq!(event["itemId"], "SVRFTQ==");
    assert_eq!(event["appId"], "app-1");
    assert_eq!(d.headers["x-jobber-hmac-sha256"].to_str().unwrap(), webhooks::sign("s3cret", &d.body));
}
