//! Issue 10: the HTTP edge. Body limits, content types, origins, bounded metrics, security headers,
//! timeouts and the connection cap, strict production settings, GraphQL cost limits,
//! subscriptions that follow their session.
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::support::{TestApp, app_binary, eventually};

const GREEN: &str = "Green Thumb Landscaping";
const LIMIT: usize = 64 * 1024;
const CONTRACT_CSP: &str = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; connect-src 'self'";

fn host(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Sends `bytes` on a fresh connection (write errors ignored: the server may close early) and
/// returns what came back until the server closed, or until `deadline`.
async fn raw(base: &str, bytes: Vec<u8>, deadline: Duration) -> String {
    let stream = TcpStream::connect(host(base)).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        for chunk in bytes.chunks(16 * 1024) {
            if wr.write_all(chunk).await.is_err() {
                break;
            }
        }
        wr
    });
    let mut out = Vec::new();
    let _ = tokio::time::timeout(deadline, async {
        let mut buf = [0u8; 8192];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    // One complete answer is enough when the server keeps the connection.
                    if complete_answer(&out) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    writer.abort();
    String::from_utf8_lossy(&out).into_owned()
}

/// True once `out` holds a head and the body its content-length announces.
fn complete_answer(out: &[u8]) -> bool {
    let text = String::from_utf8_lossy(out);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    head.lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| body.len() >= n)
}

fn status_of(answer: &str) -> u16 {
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// A GraphQL JSON body of exactly `len` bytes (padded with spaces inside the object).
fn padded_body(len: usize) -> Vec<u8> {
    let head = br#"{"query":"{ appInfo { version } }""#;
    let mut body = head.to_vec();
    body.resize(len - 1, b' ');
    body.push(b'}');
    body
}

fn post_head(base: &str, extra: &str) -> String {
    format!("POST /graphql HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n{extra}\r\n", host(base))
}

#[tokio::test]
async fn graphql_bodies_are_limited_to_64_kib_while_reading() {
    let app = TestApp::spawn().await;

    // Exactly the limit: executed.
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(padded_body(LIMIT))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["data"]["appInfo"]["version"].is_string(), "{body}");

    // One byte over, declared: 413 with a GraphQL-shaped error.
    let over = padded_body(LIMIT + 1);
    let mut req = post_head(&app.base, &format!("content-length: {}\r\n", over.len())).into_bytes();
    req.extend_from_slice(&over);
    let answer = raw(&app.base, req, Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");

    // 48 MiB declared, only the headers sent: refused without waiting for the body.
    let req = post_head(&app.base, "content-length: 50331648\r\n").into_bytes();
    let answer = raw(&app.base, req, Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 413, "{answer}");

    // Chunked: under the limit works, past it is refused while reading.
    let chunked = |body: &[u8]| {
        let mut req = post_head(&app.base, "transfer-encoding: chunked\r\n").into_bytes();
        for chunk in body.chunks(4096) {
            req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            req.extend_from_slice(chunk);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(b"0\r\n\r\n");
        req
    };
    let answer = raw(&app.base, chunked(&padded_body(1000)), Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 200, "{answer}");
    let answer = raw(&app.base, chunked(&padded_body(LIMIT + 8192)), Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 413, "{answer}");
}

#[tokio::test]
async fn webhook_route_keeps_its_256_kib_limit() {
    let app = TestApp::spawn().await;
    // Over the GraphQL limit but under the webhook's: reaches the signature check.
    let res = app
        .client
        .post(app.url("/webhooks/jobber"))
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let mut req = format!(
        "POST /webhooks/jobber HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        host(&app.base),
        300 * 1024
    )
    .into_bytes();
    req.extend(std::iter::repeat_n(b' ', 300 * 1024));
    let answer = raw(&app.base, req, Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 413, "{answer}");
}

async fn still_connected(app: &TestApp) -> bool {
    let body = app.graphql("{ connection { status } }").await;
    body["data"]["connection"]["status"] == "CONNECTED"
}

const DISCONNECT: &str = r#"{"query":"mutation { disconnect { disconnected } }"}"#;

#[tokio::test]
async fn graphql_takes_json_only_and_runs_nothing_else() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let multipart = "--X\r\ncontent-disposition: form-data; name=\"operations\"\r\n\r\n\
        {\"query\":\"mutation { disconnect { disconnected } }\"}\r\n--X--\r\n";
    let cases: [(Option<&str>, &str); 5] = [
        (Some("text/plain"), DISCONNECT),
        (Some("text/plain;charset=UTF-8"), DISCONNECT),
        (
            Some("application/x-www-form-urlencoded"),
            "query=mutation%20%7B%20disconnect%20%7B%20disconnected%20%7D%20%7D",
        ),
        (Some("multipart/form-data; boundary=X"), multipart),
        (None, DISCONNECT),
    ];
    for (content_type, body) in cases {
        let mut req = app.client.post(app.url("/graphql")).body(body.to_owned());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 415, "{content_type:?}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE", "{answer}");
        assert!(still_connected(&app).await, "{content_type:?} ran the mutation");
    }
    for ct in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"] {
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", ct)
            .body(r#"{"query":"{ connection { status } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{ct}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["data"]["connection"]["status"], "CONNECTED", "{ct}");
    }
}

#[tokio::test]
async fn state_changes_from_other_origins_are_refused() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let post = |headers: &[(&'static str, &str)]| {
        let mut req =
            app.client.post(app.url("/graphql")).header("content-type", "application/json").body(DISCONNECT);
        for (k, v) in headers {
            req = req.header(*k, (*v).to_owned());
        }
        req.send()
    };
    for refused in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("origin", "http://127.0.0.1:1")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", app.base.as_str()), ("sec-fetch-site", "cross-site")],
    ] {
        let res = post(&refused).await.unwrap();
        assert_eq!(res.status(), 403, "{refused:?}");
        assert!(still_connected(&app).await, "{refused:?} ran the mutation");
    }
    // Logout is state-changing too.
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(still_connected(&app).await, "a cross-site logout ended the session");

    // Our own origin, the Vite dev server (development), and no header at all pass.
    let query = r#"{"query":"{ connection { status } }"}"#;
    for allowed in [
        vec![("origin", app.base.as_str()), ("sec-fetch-site", "same-origin")],
        vec![("origin", "http://localhost:5173"), ("sec-fetch-site", "same-site")],
        vec![("origin", "http://127.0.0.1:5173")],
        vec![],
    ] {
        let mut req =
            app.client.post(app.url("/graphql")).header("content-type", "application/json").body(query);
        for (k, v) in &allowed {
            req = req.header(*k, (*v).to_owned());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{allowed:?}");
    }
    // Reads from anywhere still work (links, the SPA's own GETs).
    let res =
        app.client.get(app.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = post(&[("origin", app.base.as_str())]).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!still_connected(&app).await, "the same-origin disconnect ran");
}

#[tokio::test]
async fn websocket_upgrade_checks_the_origin() {
    let app = TestApp::spawn().await;
    let upgrade = |origin: Option<&str>| {
        let mut req = format!("{}/graphql/ws", app.base.replace("http", "ws")).into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req)
    };
    match upgrade(Some("https://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("a foreign origin upgraded: {:?}", other.map(|(_, r)| r.status())),
    }
    assert!(upgrade(Some("null")).await.is_err());
    let (mut ws, res) = upgrade(Some(&app.base)).await.expect("own origin upgrades");
    assert_eq!(res.status(), 101);
    ws.send(Message::text(json!({"type": "connection_init"}).to_string())).await.unwrap();
    let ack: Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(ack["type"], "connection_ack");
    assert!(upgrade(None).await.is_ok(), "no Origin (not a browser) upgrades");
}

#[tokio::test]
async fn security_headers_on_every_answer() {
    let app = TestApp::spawn().await;
    let answers = [
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        app.client.get(app.url("/")).header("accept", "text/html").send().await.unwrap(),
        app.client.get(app.url("/no/such/thing.png")).send().await.unwrap(),
        app.client.get(app.url("/auth/jobber/callback?state=forged")).send().await.unwrap(),
        app.client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(r#"{"query":"{ appInfo { version } }"}"#)
            .send()
            .await
            .unwrap(),
    ];
    for res in &answers {
        let h = res.headers();
        let what = res.url().path();
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{what}");
        assert!(h.get("strict-transport-security").is_none(), "{what}: HSTS over http");
        // Pages get the policy; JSON and plain text (which `nosniff` keeps from being rendered
        // as anything else) do not need it.
        let content_type = h["content-type"].to_str().unwrap();
        if content_type.starts_with("text/html") {
            assert_eq!(h["content-security-policy"], CONTRACT_CSP, "{what}");
        } else {
            assert!(
                content_type.starts_with("application/") && content_type.contains("json")
                    || content_type.starts_with("text/plain"),
                "{what}: {content_type}"
            );
            assert!(h.get("content-security-policy").is_none(), "{what}");
        }
    }
    let pages =
        answers.iter().filter(|r| r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(pages.count(), 2, "the SPA and the callback's page");
    assert_eq!(jobber_app::http::security::CONTENT_SECURITY_POLICY, CONTRACT_CSP);
    assert_eq!(answers[4].headers()["cache-control"], "no-store");

    let https = TestApp::builder().env("APP_BASE_URL", "https://fieldsync.example.com").spawn().await;
    let res = https.client.get(https.url("/healthz")).send().await.unwrap();
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let app = TestApp::builder()
        .env("HTTP_HEADER_TIMEOUT_SECS", "1")
        .env("HTTP_REQUEST_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    // Half a request line, then nothing: the server hangs up (read returns end of stream).
    let mut half = TcpStream::connect(host(&app.base)).await.unwrap();
    half.write_all(b"GET /healthz HT").await.unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(15), half.read(&mut buf))
        .await
        .expect("the server closed a connection with half a request line")
        .unwrap_or(0);
    assert_eq!(n, 0, "{}", String::from_utf8_lossy(&buf[..n]));

    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(host(&app.base)).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", host(&app.base)).as_bytes())
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        let mut seen = Vec::new();
        loop {
            match idle.read(&mut buf).await {
                Ok(0) | Err(_) => return seen,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closed an idle keep-alive connection");
    assert!(String::from_utf8_lossy(&closed).starts_with("HTTP/1.1 200"));

    // A body that never finishes: the whole-request timeout answers.
    let req = post_head(&app.base, "content-length: 100\r\n") + r#"{"query":"#;
    let answer = raw(&app.base, req.into_bytes(), Duration::from_secs(15)).await;
    assert_eq!(status_of(&answer), 503, "{answer}");

    // Still serving.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_cleanly() {
    let app = TestApp::builder().env("HTTP_MAX_CONNECTIONS", "2").spawn().await;
    let first = TcpStream::connect(host(&app.base)).await.unwrap();
    let second = TcpStream::connect(host(&app.base)).await.unwrap();
    let healthz = format!("GET /healthz HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n", host(&app.base));
    let answer = raw(&app.base, healthz.clone().into_bytes(), Duration::from_secs(10)).await;
    assert_eq!(status_of(&answer), 503, "{answer}");
    drop(first);
    drop(second);
    eventually(Duration::from_secs(10), "a connection to be served again", || {
        let (base, healthz) = (app.base.clone(), healthz.clone());
        async move {
            let answer = raw(&base, healthz.into_bytes(), Duration::from_secs(5)).await;
            (status_of(&answer) == 200).then_some(())
        }
    })
    .await;
}

/// Starts the release-shaped binary on a free port (its own metrics recorder); returns it and
/// its base URL once `/healthz` answers.
async fn spawn_binary(dir: &std::path::Path) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(app_binary())
        .arg("serve")
        .env_clear()
        .env("ADMIN_BIND_ADDR", "off")
        .env("PUBLIC_METRICS", "true")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("DATA_DIR", dir)
        .env("DATABASE_URL", format!("sqlite://{}/app.db?mode=rwc", dir.display()))
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .current_dir(dir)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually(Duration::from_secs(30), "the server to answer /healthz", || {
        let (client, url) = (client.clone(), format!("{base}/healthz"));
        async move { client.get(url).send().await.ok().filter(|r| r.status() == 200) }
    })
    .await;
    (child, base)
}

#[tokio::test]
async fn junk_methods_and_paths_do_not_grow_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (_child, base) = spawn_binary(dir.path()).await;
    let client = reqwest::Client::new();
    let scrape =
        || async { client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap() };
    // Two scrapes first: the series of `/metrics` itself exist from the second one on.
    scrape().await;
    let before = scrape().await;
    for i in 0..900 {
        let method = reqwest::Method::from_bytes(format!("JUNK{i}X").as_bytes()).unwrap();
        let path = match i % 3 {
            0 => format!("/junk/{i}/{}", uuid::Uuid::new_v4().simple()),
            1 => "/healthz".to_owned(),
            _ => format!("/graphql/{i}"),
        };
        let method = if i % 4 == 0 { reqwest::Method::GET } else { method };
        let _ = client.request(method, format!("{base}{path}")).send().await.unwrap();
    }
    let after = scrape().await;
    let growth = after.len().saturating_sub(before.len());
    assert!(growth < 30_000, "900 junk requests grew /metrics by {growth} bytes");
    assert!(!after.contains("JUNK") && !after.contains("/junk/"), "request data became a label");
    assert!(after.contains(r#"method="other""#) && after.contains(r#"route="unmatched""#), "{after}");
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_48_mib_body_is_refused_without_growing_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base) = spawn_binary(dir.path()).await;
    let pid = child.id().unwrap();
    let before = rss_kib(pid);
    let body = vec![b' '; 48 * 1024 * 1024];
    // Declared length and chunked framing, as a text/plain body (the attack) and as JSON.
    for (content_type, chunked) in
        [("text/plain", false), ("application/json", false), ("application/json", true)]
    {
        let framing = if chunked {
            "transfer-encoding: chunked\r\n".to_owned()
        } else {
            format!("content-length: {}\r\n", body.len())
        };
        let mut req = format!(
            "POST /graphql HTTP/1.1\r\nhost: {}\r\ncontent-type: {content_type}\r\n{framing}\r\n",
            host(&base)
        )
        .into_bytes();
        if chunked {
            for chunk in body.chunks(1024 * 1024) {
                req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                req.extend_from_slice(chunk);
                req.extend_from_slice(b"\r\n");
            }
            req.extend_from_slice(b"0\r\n\r\n");
        } else {
            req.extend_from_slice(&body);
        }
        let answer = raw(&base, req, Duration::from_secs(20)).await;
        let status = status_of(&answer);
        assert!(status == 413 || status == 415, "{content_type} chunked={chunked}: {answer}");
    }
    let after = rss_kib(pid);
    assert!(after < before + 8 * 1024, "RSS grew from {before} KiB to {after} KiB");
}

fn production_run(extra: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(app_binary());
    cmd.arg("serve")
        .env_clear()
        .env("ADMIN_BIND_ADDR", "off")
        .env("APP_ENV", "production")
        .env("APP_BASE_URL", "https://fieldsync.example.com")
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .env("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .env("SESSION_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef")
        .env("DATA_DIR", dir.path())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", format!("sqlite://{}/app.db?mode=rwc", dir.path().display()))
        .current_dir(dir.path());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    // A configuration that is accepted serves forever: give it a moment to fail, then stop it.
    crate::support::output_within(&mut cmd, Duration::from_secs(20))
}

#[test]
fn production_refuses_insecure_settings_by_name() {
    for (var, value) in [
        ("APP_BASE_URL", "http://fieldsync.example.com"),
        ("TOKEN_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ("SESSION_SECRET", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("SESSION_SECRET", "abababababababababababababababababab"),
    ] {
        let out = production_run(&[(var, value)]);
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
}

#[tokio::test]
async fn production_hides_the_schema_unless_the_playground_is_on() {
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
    let body = app.graphql("{ __schema { types { name } } }").await;
    assert!(body["data"]["__schema"]["types"].is_null(), "{body}");
    let body = app.graphql(r#"{ __type(name: "Query") { fields { name } } }"#).await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    let body = app.graphql("{ appInf { version } }").await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    assert!(app.graphql("{ appInfo { version } }").await["data"]["appInfo"]["version"].is_string());

    let app = prod("true").await;
    let body = app.graphql("{ __schema { types { name } } }").await;
    assert!(body["data"]["__schema"]["types"].is_array(), "{body}");

    // Development keeps both.
    let dev = TestApp::spawn().await;
    let body = dev.graphql("{ appInf { version } }").await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{body}");
}

/// Signs a fresh browser in through the Manage App button; returns its cookie header.
async fn session_cookie(app: &TestApp, account: &str) -> String {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let code = app.sandbox().issue_code(&app.account_id(account), &app.url("/auth/jobber/callback"));
    let res = browser.get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Opens a graphql-transport-ws socket with `cookie` and starts `syncProgress` (id 1) and
/// `connectionChanged` (id 2); returns once both sent their first value.
async fn subscribe_both(app: &TestApp, cookie: &str) -> Socket {
    let mut req = app.url("/graphql/ws").replace("http", "ws").into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::text(json!({"type": "connection_init"}).to_string())).await.unwrap();
    for (id, query) in [
        ("1", "subscription { syncProgress { resource state } }"),
        ("2", "subscription { connectionChanged { status } }"),
    ] {
        ws.send(Message::text(
            json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
    }
    let mut first = std::collections::HashSet::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while first.len() < 2 {
            let v = next_message(&mut ws).await.expect("the socket stayed open");
            if v["type"] == "next" {
                assert!(!v["payload"]["data"].is_null(), "{v}");
                first.insert(v["id"].as_str().unwrap().to_owned());
            }
        }
    })
    .await
    .expect("both subscriptions sent a first value");
    ws
}

async fn next_message(ws: &mut Socket) -> Option<Value> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Waits (at most `within`) until both subscriptions completed or the socket closed.
async fn both_end_within(ws: &mut Socket, within: Duration, what: &str) {
    let mut completed = std::collections::HashSet::new();
    tokio::time::timeout(within, async {
        while completed.len() < 2 {
            match next_message(ws).await {
                None => return,
                Some(v) if v["type"] == "complete" => {
                    completed.insert(v["id"].as_str().unwrap().to_owned());
                }
                Some(v) if v["type"] == "next" && v["id"] == "1" => {}
                Some(v) => assert!(v["type"] == "next", "{v}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!("subscriptions still running {within:?} after {what}: {completed:?} completed")
    });
}

#[tokio::test]
async fn subscriptions_end_after_logout() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let cookie = session_cookie(&app, GREEN).await;
    let mut ws = subscribe_both(&app, &cookie).await;
    let res = app.client.post(app.url("/auth/logout")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(res.status(), 204);
    both_end_within(&mut ws, Duration::from_secs(5), "logout").await;
}

#[tokio::test]
async fn subscriptions_end_after_a_marketplace_disconnect() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let cookie = session_cookie(&app, GREEN).await;
    let mut ws = subscribe_both(&app, &cookie).await;
    app.sandbox().marketplace_disconnect(&app.account_id(GREEN)).await;
    eventually(Duration::from_secs(10), "the webhook to disconnect the account", || async {
        (app.connection_row(GREEN).await.status == "DISCONNECTED").then_some(())
    })
    .await;
    both_end_within(&mut ws, Duration::from_secs(5), "the disconnect").await;
}

#[tokio::test]
async fn graphql_cost_limits_count_pages_and_aliases() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;

    // 100 aliases of a 100-item page: 100 × 100 items, refused before anything runs.
    let aliases: String =
        (0..100).map(|i| format!("c{i}: clients(first: 100) {{ nodes {{ id }} }} ")).collect();
    let body = app.graphql(&format!("{{ {aliases} }}")).await;
    assert!(body["data"].is_null(), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    // One such page is fine.
    let body = app.graphql("{ clients(first: 100) { nodes { id } totalCount } }").await;
    assert_eq!(body["errors"], Value::Null, "{body}");

    // At most 100 root fields, however cheap (aliases count, fragments too).
    let fields = |n: usize| (0..n).map(|i| format!("a{i}: appInfo {{ version }} ")).collect::<String>();
    let body = app.graphql(&format!("{{ {} }}", fields(100))).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let body = app.graphql(&format!("{{ {} }}", fields(101))).await;
    assert!(body["data"].is_null(), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("root fields"), "{body}");
    let body = app
        .graphql(&format!(
            "{{ ...F ... on Query {{ {} }} }} fragment F on Query {{ {} }}",
            fields(60),
            fields(60)
        ))
        .await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("root fields"), "{body}");

    // `first` past 100: the argument's own error, and the SDL says so.
    let body = app.graphql("{ clients(first: 101) { nodes { id } } }").await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("100"), "{body}");
    assert!(jobber_app::api::sdl().contains("`first`: 1 to 100 (default 20)."));
}

#[tokio::test]
async fn long_searches_get_a_clear_error_not_a_500() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let search = |s: String| {
        app.graphql_vars(
            "query($s: String) { clients(first: 5, search: $s) { totalCount } jobs(first: 5, search: $s) { totalCount } }",
            json!({ "s": s }),
        )
    };
    let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    for too_long in [words.join(" "), words[..11].join(" "), "x".repeat(201)] {
        let body = search(too_long).await;
        assert!(body["data"].is_null(), "{body}");
        for err in body["errors"].as_array().unwrap() {
            assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{body}");
            assert!(err["message"].as_str().unwrap().contains("at most"), "{body}");
        }
    }
    let body = search(words[..10].join(" ")).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    assert_eq!(body["data"]["clients"]["totalCount"], 0);
}

const SPARK: &str = "Spark Electric Co.";

fn code_for(app: &TestApp, account: &str) -> String {
    app.sandbox().issue_code(&app.account_id(account), &app.url("/auth/jobber/callback"))
}

fn code_exchanges(app: &TestApp) -> u64 {
    app.sandbox().stats().token_requests.get("authorization_code").copied().unwrap_or(0)
}

async fn signed_in_to(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    let body: Value = client
        .post(app.url("/graphql"))
        .json(&json!({"query": "{ connection { account { name } } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["connection"]["account"]["name"].as_str().map(str::to_owned)
}

/// The one-time token in a confirmation page.
fn confirm_token(page: &str) -> String {
    let start =
        page.find(r#"name="token" value=""#).expect("a token field") + r#"name="token" value=""#.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn confirm(app: &TestApp, client: &reqwest::Client, token: &str, decision: &str) -> reqwest::Response {
    client
        .post(app.url("/auth/jobber/confirm"))
        .header("origin", app.base.clone())
        .form(&[("token", token), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stateless_arrival_never_switches_a_signed_in_browser_silently() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    // The same account through the Manage App button: signed in at once.
    let res =
        app.client.get(app.url(&format!("/manage?code={}", code_for(&app, GREEN)))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");

    // Another account's code, through the callback or the Manage App URL: a confirmation page
    // that names the account and the user, and the browser stays where it was.
    let mut tokens = Vec::new();
    for path in ["/auth/jobber/callback?code=", "/manage?code="] {
        let res = app.client.get(app.url(&format!("{path}{}", code_for(&app, SPARK)))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let page = res.text().await.unwrap();
        assert!(page.contains("Continue as Spark Electric Co.?"), "{page}");
        assert!(page.contains("Sam Spark") && page.contains("sam@sparkelectric.example"), "{page}");
        assert!(page.contains(GREEN), "names the account the browser is signed in to: {page}");
        assert_eq!(signed_in_to(&app, &app.client).await.as_deref(), Some(GREEN), "{path}");
        tokens.push(confirm_token(&page));
    }

    // Cancel keeps the session.
    let res = confirm(&app, &app.client, &tokens[0], "cancel").await;
    assert_eq!(res.status(), 303);
    assert_eq!(signed_in_to(&app, &app.client).await.as_deref(), Some(GREEN));
    // A cross-site POST of the form is refused, even with a valid token.
    let res = app
        .client
        .post(app.url("/auth/jobber/confirm"))
        .header("origin", "https://evil.example")
        .form(&[("token", tokens[1].as_str()), ("decision", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(signed_in_to(&app, &app.client).await.as_deref(), Some(GREEN));
    // Continue switches; the token works once.
    let res = confirm(&app, &app.client, &tokens[1], "continue").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");
    assert_eq!(signed_in_to(&app, &app.client).await.as_deref(), Some(SPARK));
    let res = confirm(&app, &app.client, &tokens[1], "continue").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("expired"));
    let res = confirm(&app, &app.client, &tokens[0], "continue").await;
    assert_eq!(res.status(), 400, "a cancelled arrival cannot be continued");
}

#[tokio::test]
async fn a_stateless_arrival_during_a_pending_flow_asks_first() {
    let app = TestApp::spawn().await;
    // A browser that started Connect (its state cookie is pending) and is sent someone's code.
    let res = app.client.get(app.url("/auth/jobber")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    for path in ["/auth/jobber/callback?code=", "/manage?code="] {
        if path.starts_with("/manage") {
            app.client.get(app.url("/auth/jobber")).send().await.unwrap();
        }
        let res = app.client.get(app.url(&format!("{path}{}", code_for(&app, SPARK)))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let page = res.text().await.unwrap();
        assert!(page.contains("Continue as Spark Electric Co.?"), "{page}");
        assert_eq!(signed_in_to(&app, &app.client).await, None, "{path}");
        assert_eq!(app.state.db.find_connection_by_account(&app.account_id(SPARK)).await.unwrap(), None);
    }

    // A fresh browser (no session, no pending flow) is connected at once, as before.
    let fresh = crate::support::client();
    let res = fresh
        .get(app.url(&format!("/auth/jobber/callback?code={}", code_for(&app, SPARK))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");
    assert_eq!(signed_in_to(&app, &fresh).await.as_deref(), Some(SPARK));
}

#[tokio::test]
async fn malformed_codes_are_refused_without_asking_jobber() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(513);
    for code in ["", "a%20b", "%3Cscript%3E", "abc%00", "a%2Bb%2F%3D", long.as_str()] {
        for path in ["/auth/jobber/callback?code=", "/manage?code="] {
            let res = app.client.get(app.url(&format!("{path}{code}"))).send().await.unwrap();
            assert_eq!(res.status(), 303, "{path}{code}");
            assert_eq!(res.headers()["location"], "/connect-error?reason=invalid_code", "{path}{code}");
        }
    }
    assert_eq!(code_exchanges(&app), 0);
    // A well-formed code of the maximum length is asked about.
    let res = app
        .client
        .get(app.url(&format!("/auth/jobber/callback?code={}", "a".repeat(512))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/connect-error?reason=invalid_code");
    assert_eq!(code_exchanges(&app), 1);
}

#[tokio::test]
async fn code_exchanges_are_rate_limited_per_client_address() {
    let app = TestApp::spawn().await;
    let mut limited = 0;
    for i in 0..60 {
        let path = if i % 2 == 0 { "/auth/jobber/callback" } else { "/manage" };
        let res =
            crate::support::client().get(app.url(&format!("{path}?code=junk{i}"))).send().await.unwrap();
        if res.status() == 429 {
            limited += 1;
            assert_eq!(res.headers()["retry-after"], "60");
            assert!(res.text().await.unwrap().contains("Too many sign-in attempts"));
        }
    }
    assert!(limited > 0, "no 429 in 60 exchanges");
    let calls = code_exchanges(&app);
    assert!(calls <= 20, "{calls} token calls for 60 junk codes");

    // X-Forwarded-For is ignored unless a proxy is trusted...
    let res = crate::support::client()
        .get(app.url("/auth/jobber/callback?code=junk"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // ...and then the last entry (the proxy's) is the client.
    let proxied = TestApp::builder().env("TRUST_PROXY_HEADERS", "true").spawn().await;
    for i in 0..30 {
        let _ = crate::support::client()
            .get(proxied.url(&format!("/auth/jobber/callback?code=junk{i}")))
            .header("x-forwarded-for", "198.51.100.7, 203.0.113.1")
            .send()
            .await
            .unwrap();
    }
    let res = crate::support::client()
        .get(proxied.url("/auth/jobber/callback?code=junk"))
        .header("x-forwarded-for", "203.0.113.1, 203.0.113.2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "another client address has its own allowance");
}

async fn open_socket(app: &TestApp, cookie: &str) -> Result<Socket, u16> {
    let mut req = app.url("/graphql/ws").replace("http", "ws").into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((mut ws, _)) => {
            ws.send(Message::text(json!({"type": "connection_init"}).to_string())).await.unwrap();
            assert_eq!(next_message(&mut ws).await.unwrap()["type"], "connection_ack");
            Ok(ws)
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(err) => panic!("{err}"),
    }
}

#[tokio::test]
async fn subscriptions_and_sockets_are_capped() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let cookie = session_cookie(&app, GREEN).await;

    // At most 10 subscriptions at once on one socket.
    let mut ws = open_socket(&app, &cookie).await.unwrap();
    for id in 1..=11 {
        let query = "subscription { syncProgress { resource } }";
        ws.send(Message::text(
            json!({"id": id.to_string(), "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
    }
    // They start concurrently: whichever comes eleventh is refused.
    let (mut running, mut refused) = (Vec::new(), Vec::new());
    tokio::time::timeout(Duration::from_secs(20), async {
        while running.len() + refused.len() < 11 {
            let v = next_message(&mut ws).await.expect("the socket stayed open");
            let id = v["id"].as_str().unwrap().to_owned();
            if v["type"] != "next" || running.contains(&id) || refused.contains(&id) {
                continue;
            }
            if v["payload"]["errors"].is_array() {
                assert!(v.to_string().contains("Too many subscriptions"), "{v}");
                refused.push(id);
            } else {
                running.push(id);
            }
        }
    })
    .await
    .expect("an answer to each subscription");
    assert_eq!((running.len(), refused.len()), (10, 1), "{running:?} {refused:?}");
    // Completing one frees its slot.
    ws.send(Message::text(json!({"id": running[0], "type": "complete"}).to_string())).await.unwrap();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let query = "subscription { syncProgress { resource } }";
        let id = uuid::Uuid::new_v4().to_string();
        ws.send(Message::text(
            json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
        let v = loop {
            let v = next_message(&mut ws).await.expect("the socket stayed open");
            if v["id"] == id.as_str() {
                break v;
            }
        };
        if v["type"] == "next" {
            break;
        }
        assert!(tokio::time::Instant::now() < until, "no slot was freed: {v}");
    }

    // At most 5 sockets per session: the sixth upgrade is refused, another session's is not.
    let mut sockets = vec![ws];
    for _ in 0..4 {
        sockets.push(open_socket(&app, &cookie).await.unwrap());
    }
    assert_eq!(open_socket(&app, &cookie).await.err(), Some(429));
    let other = session_cookie(&app, GREEN).await;
    assert!(open_socket(&app, &other).await.is_ok());
    // Closing one lets a new one in.
    drop(sockets.pop());
    eventually(Duration::from_secs(10), "a freed socket slot", || async {
        open_socket(&app, &cookie).await.ok().map(|_| ())
    })
    .await;
}
