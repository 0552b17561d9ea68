//! Contract: the sandbox's one topic list (`jobber_sandbox::topics`) is exactly the union of
//! `WebHookTopicEnum` in the vendored 2023 schema and in the newer fragments; and `trigger`
//! sends every one of them but refuses anything else unless told `--any-topic`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{TypeKind, TypeSystemDefinition};
use jobber_sandbox::topics::{WEBHOOK_TOPICS, is_known};

use crate::support::Receiver;

const BIN: &str = env!("CARGO_BIN_EXE_jobber-sandbox");

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../graphql/schema")
}

/// The enum's values in the 2023 dump (a real SDL file).
fn topics_2023() -> BTreeSet<String> {
    let sdl = std::fs::read_to_string(schema_dir().join("jobber.graphql")).unwrap();
    let doc = parse_schema(&sdl).unwrap();
    doc.definitions
        .into_iter()
        .find_map(|d| match d {
            TypeSystemDefinition::Type(t) if t.node.name.node == "WebHookTopicEnum" => match t.node.kind {
                TypeKind::Enum(e) => Some(e.values.iter().map(|v| v.node.value.node.to_string()).collect()),
                _ => None,
            },
            _ => None,
        })
        .expect("WebHookTopicEnum in jobber.graphql")
}

/// The enum's values in the fragments file, which is notes rather than valid SDL: the block
/// `enum WebHookTopicEnum { … }`, `#` comments dropped.
fn topics_current() -> BTreeSet<String> {
    let text = std::fs::read_to_string(schema_dir().join("current-fragments.graphql")).unwrap();
    let start = text.find("enum WebHookTopicEnum {").expect("the enum in current-fragments.graphql");
    let body = &text[start + "enum WebHookTopicEnum {".len()..];
    let body = &body[..body.find('}').expect("the enum's closing brace")];
    body.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .flat_map(str::split_whitespace)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_topic_list_is_the_union_of_both_schema_files() {
    let old = topics_2023();
    let current = topics_current();
    assert!(old.len() >= 30 && current.len() >= 46, "{} and {} topics parsed", old.len(), current.len());
    let union: BTreeSet<String> = old.union(&current).cloned().collect();
    let ours: BTreeSet<String> = WEBHOOK_TOPICS.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(ours.len(), WEBHOOK_TOPICS.len(), "no duplicates");
    let missing: Vec<_> = union.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&union).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the sandbox: {missing:?}; not Jobber's: {extra:?}"
    );
    assert_eq!(ours.len(), 46);
}

#[tokio::test]
async fn trigger_sends_every_current_topic() {
    let receiver = Receiver::start(Vec::new()).await;
    for topic in WEBHOOK_TOPICS {
        let out = tokio::process::Command::new(BIN)
            .args(["trigger", topic, "--account", "QUNDT1VOVA==", "--url", receiver.url.as_str()])
            .env_remove("SANDBOX_CLIENT_SECRET")
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{topic}: {out:?}");
    }
    let topics: Vec<String> =
        receiver.wait_for(WEBHOOK_TOPICS.len()).await.iter().map(|d| d.topic()).collect();
    assert_eq!(topics, WEBHOOK_TOPICS);
}

#[tokio::test]
async fn trigger_refuses_an_unknown_topic_unless_told_otherwise() {
    let receiver = Receiver::start(Vec::new()).await;
    let run = |extra: &'static [&'static str]| {
        let url = receiver.url.to_string();
        async move {
            tokio::process::Command::new(BIN)
                .args(["trigger", "CLIENT_ARCHIVE", "--account", "QUNDT1VOVA==", "--url", &url])
                .args(extra)
                .output()
                .await
                .unwrap()
        }
    };
    assert!(!is_known("CLIENT_ARCHIVE"));
    let out = run(&[]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown webhook topic CLIENT_ARCHIVE"), "{err}");
    assert!(err.contains("--any-topic") && err.contains("VISIT_COMPLETE"), "{err}");
    assert!(receiver.deliveries().is_empty());

    let out = run(&["--any-topic"]).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(receiver.wait_for(1).await[0].topic(), "CLIENT_ARCHIVE");
}
