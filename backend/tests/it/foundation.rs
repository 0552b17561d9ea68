//! Issue 2: operations routes, our GraphQL API, the SPA fallback, the SDL snapshot, the process.
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::support::{TestApp, app_binary, eventually, free_port};

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok");

    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ready");

    let body = app.metrics().await;
    assert!(body.contains("http_requests_total{"), "{body}");
    assert!(body.contains(r#"route="/healthz""#), "{body}");
    assert!(body.contains("http_request_duration_seconds_bucket{"), "{body}");
    assert!(body.contains("webhook_inbox_events{"), "{body}");
}

#[tokio::test]
async fn readyz_is_503_until_migrations_are_applied() {
    // Production does not migrate at startup: `jobber-app migrate` does.
    let app = TestApp::builder()
        .env("APP_ENV", "production")
        .env("APP_BASE_URL", "https://fieldsync.example.com")
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .env("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .env("SESSION_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef")
        .spawn()
        .await;
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert!(body["reason"].as_str().unwrap().contains("migration"), "{body}");

    app.state.db.migrate().await.unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Migrations are reversible: roll everything back and forth again.
    app.state.db.rollback(None).await.unwrap();
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    app.state.db.migrate().await.unwrap();
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn app_info_and_no_session() {
    let app = TestApp::spawn().await;
    let body = app
        .graphql("{ appInfo { version environment jobberApiVersion sandboxMode } connection { status } }")
        .await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    assert_eq!(body["data"]["appInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["data"]["appInfo"]["environment"], "DEVELOPMENT");
    assert_eq!(body["data"]["appInfo"]["jobberApiVersion"], "2025-04-16");
    assert_eq!(body["data"]["connection"], Value::Null);

    for q in ["{ webhookEvents(first: 5) { nodes { id } } }", "mutation { disconnect { disconnected } }"] {
        let body = app.graphql(q).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{q}: {body}");
    }
}

#[tokio::test]
async fn malformed_graphql_gets_coded_errors() {
    let app = TestApp::spawn().await;
    let body = app.graphql("{ appInfo { version ").await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{body}");

    let body = app.graphql("{ appInfo { nope } }").await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");

    let body = app.graphql("{ webhookEvents(first: 1000) { nodes { id } } }").await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("100"), "{body}");

    // Deeper than the limit: nested introspection.
    let mut deep = "name".to_owned();
    for _ in 0..20 {
        deep = format!("ofType {{ {deep} }}");
    }
    let body = app.graphql(&format!("{{ __schema {{ types {{ fields {{ type {{ {deep} }} }} }} }} }}")).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{body}");

    // More complex than the limit: many aliased fields.
    let fields: String = (0..2100).map(|i| format!("a{i}: appInfo {{ version }} ")).collect();
    let body = app.graphql(&format!("{{ {fields} }}")).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{body}");

    // Not JSON at all: a 400, not a crash.
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn playground_in_development_only() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let served = res.text().await.unwrap();
    assert!(served.to_lowercase().contains("graphiql"), "{served}");
    assert_eq!(served, std::fs::read_to_string(app.state.config.spa_dir.join("playground.html")).unwrap());

    // The page the frontend builds (its source, and the build when there is one) loads nothing
    // from another origin: no absolute URL at all.
    let frontend = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend");
    for page in [frontend.join("playground.html"), frontend.join("dist/playground.html")] {
        let Ok(html) = std::fs::read_to_string(&page) else {
            assert!(!page.ends_with("frontend/playground.html"), "the playground's Vite entry is missing");
            continue;
        };
        for scheme in ["http://", "https://"] {
            assert!(!html.contains(scheme), "{} references {scheme}…", page.display());
        }
        // Protocol-relative addresses (`//unpkg.com/…`) load from another origin too.
        for quote in ["\"//", "'//", "(//", "=//"] {
            assert!(!html.contains(quote), "{} references another origin ({quote}…)", page.display());
        }
    }
    // The built page is served only by its route, never as a file (which would skip the
    // playground's switch).
    let res = app.client.get(app.url("/playground.html")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn playground_off_in_production_unless_asked() {
    let prod = |playground: &'static str| {
        TestApp::builder()
            .env("APP_ENV", "production")
            .env("APP_BASE_URL", "https://fieldsync.example.com")
            .env("GRAPHQL_PLAYGROUND", playground)
            .env("JOBBER_CLIENT_ID", "id")
            .env("JOBBER_CLIENT_SECRET", "secret")
            .env("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
            .env("SESSION_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef")
            .spawn()
    };
    let app = prod("false").await;
    let res = app.client.get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Nor as the built file the route would have served.
    for path in ["/playground.html", "/index.html", "/admin.html"] {
        let res = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let app = prod("true").await;
    let res = app.client.get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn spa_history_fallback_and_404s() {
    let app = TestApp::spawn().await;
    let get =
        |path: &str, accept: &str| app.client.get(app.url(path)).header("accept", accept.to_owned()).send();
    for path in ["/", "/manage", "/denied", "/some/deep/route"] {
        let res = get(path, "text/html,application/xhtml+xml").await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.text().await.unwrap().contains("<div id=root>"), "{path}");
    }
    for path in
        ["/assets/missing.js", "/favicon-missing.png", "/auth/nope", "/webhooks/nope", "/graphql/nope"]
    {
        let res = get(path, "text/html").await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().await.unwrap().contains("<div id=root>"), "{path}");
    }
    // A client that does not accept HTML gets a 404, not the app.
    assert_eq!(get("/manage", "application/json").await.unwrap().status(), 404);
    // Real assets are served, cached forever (their names carry a hash).
    let res = get("/assets/app-abc123.js", "*/*").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn subscription_over_graphql_transport_ws() {
    let app = TestApp::spawn().await;
    let mut req = format!("{}/graphql/ws", app.base.replace("http", "ws")).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket");
    ws.send(Message::text(json!({"type": "connection_init"}).to_string())).await.unwrap();
    let ack: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(ack["type"], "connection_ack");
    ws.send(Message::text(
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { connectionChanged { status } }"}})
            .to_string(),
    ))
    .await
    .unwrap();
    let next: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["payload"]["data"]["connectionChanged"], Value::Null);
    let done: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(done["type"], "complete", "{done}");
}

#[test]
fn committed_sdl_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let current = jobber_app::api::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == current,
        "backend/schema.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p jobber-app --test it committed_sdl_is_current` and regenerate the frontend types (`npm run codegen`)"
    );
}

#[tokio::test]
async fn process_serves_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = tokio::process::Command::new(app_binary())
        .arg("serve")
        .env_clear()
        .env("ADMIN_BIND_ADDR", "off")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", dir.path())
        .env("DATABASE_URL", format!("sqlite://{}/app.db?mode=rwc", dir.path().display()))
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .current_dir(dir.path())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    eventually(Duration::from_secs(30), "the server to answer /healthz", || {
        let client = client.clone();
        async move {
            client
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .ok()
                .filter(|r| r.status() == 200)
        }
    })
    .await;
    let pid = child.id().unwrap();
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("exits").unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn bad_config_and_unreachable_database_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |k: &str, v: &str| {
        std::process::Command::new(app_binary())
            .arg("serve")
            .env_clear()
            .env("ADMIN_BIND_ADDR", "off")
            .env("DATA_DIR", dir.path())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env(k, v)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run("BIND_ADDR", "localhost");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BIND_ADDR") && stderr.contains("expected"), "{stderr}");

    let out = run("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nowhere");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect to the database"), "{stderr}");
}

#[tokio::test]
async fn production_refuses_to_start_without_credentials_or_keys() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(app_binary());
        cmd.arg("serve")
            .env_clear()
            .env("ADMIN_BIND_ADDR", "off")
            .env("APP_ENV", "production")
            .env("APP_BASE_URL", "https://fieldsync.example.com")
            .env("DATA_DIR", dir.path())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", format!("sqlite://{}/app.db?mode=rwc", dir.path().display()))
            .current_dir(dir.path());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&[("JOBBER_CLIENT_ID", "id"), ("JOBBER_CLIENT_SECRET", "secret")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TOKEN_ENCRYPTION_KEY") && stderr.contains("SESSION_SECRET"), "{stderr}");

    let keys = [
        ("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
        ("SESSION_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef"),
    ];
    let out = run(&keys);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JOBBER_CLIENT_ID"), "no sandbox in production: {stderr}");
    assert!(!dir.path().join("dev-keys.json").exists(), "production never generates keys");
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let app = TestApp::spawn().await;
    app.connect("Green Thumb Landscaping").await;
    // The disconnect mutation waits on (slow) Jobber while the shutdown starts.
    app.sandbox().faults().set_latency(Duration::from_millis(700));
    let before = app.sandbox().stats().graphql_requests;
    let request = {
        let req = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({"query": "mutation { disconnect { disconnected jobberConfirmed } }"}));
        tokio::spawn(async move { req.send().await })
    };
    eventually(Duration::from_secs(10), "the request to reach Jobber", || async {
        (app.sandbox().stats().graphql_requests > before).then_some(())
    })
    .await;
    let state = app.state.clone();
    app.stop().await;
    let res = request.await.unwrap().expect("the in-flight request was answered");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["disconnect"]["jobberConfirmed"], true, "{body}");
    assert!(state.shutdown.is_cancelled(), "background workers were told to stop");
}
