//! OAuth: consent page, allow/deny redirects, code exchange and refresh-token rotation.

use jobber_sandbox::SandboxConfig;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{REDIRECT, TestSandbox};

fn location(resp: &reqwest::Response) -> String {
    resp.headers().get("location").expect("location header").to_str().unwrap().to_owned()
}

async fn decide(t: &TestSandbox, decision: &str, state: Option<&str>, account: &str) -> reqwest::Response {
    let mut query =
        vec![("response_type", "code"), ("client_id", "sandbox-client-id"), ("redirect_uri", REDIRECT)];
    if let Some(s) = state {
        query.push(("state", s));
    }
    let page = t.http.get(t.url("/api/oauth/authorize")).query(&query).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        "Allow Access",
        "Deny",
        "<select id=\"account\" name=\"account\">",
        "Green Thumb Landscaping",
        "Spark Electric Co.",
        "Sandbox App",
        "action=\"\"",
    ] {
        assert!(html.contains(needle), "consent page lacks {needle}: {html}");
    }
    // The form posts back to the same URL (query included), with the fields a browser sends.
    t.http
        .post(t.url("/api/oauth/authorize"))
        .query(&query)
        .form(&[("account", account), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn allow_redirects_with_code_and_state() {
    let t = TestSandbox::default().await;
    let resp = decide(&t, "allow", Some("xyz 1"), &t.green()).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = url::Url::parse(&location(&resp)).unwrap();
    assert!(loc.as_str().starts_with(REDIRECT));
    let pairs: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!(pairs[0].0, "code");
    assert_eq!(pairs[1], ("state".to_owned(), "xyz 1".to_owned()));
    let (status, body) = t.exchange(&pairs[0].1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(t.sandbox.accounts()[0].app_connected);
}

#[tokio::test]
async fn allow_without_state_sends_only_the_code() {
    let t = TestSandbox::default().await;
    let resp = decide(&t, "allow", None, &t.spark()).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = url::Url::parse(&location(&resp)).unwrap();
    let keys: Vec<String> = loc.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["code"]);
}

#[tokio::test]
async fn deny_redirects_with_no_parameters() {
    let t = TestSandbox::default().await;
    let resp = decide(&t, "deny", Some("s"), &t.green()).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(location(&resp), REDIRECT);
    assert!(!t.sandbox.accounts()[0].app_connected);
}

#[tokio::test]
async fn bad_redirect_uri_or_client_gets_an_error_page() {
    let t = TestSandbox::start(SandboxConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..SandboxConfig::default()
    })
    .await;
    for (client, redirect) in [
        ("sandbox-client-id", "http://app.test/oauth/callback/"),
        ("sandbox-client-id", "http://evil.test/cb"),
        ("someone-else", REDIRECT),
    ] {
        let resp = t
            .http
            .get(t.url("/api/oauth/authorize"))
            .query(&[("client_id", client), ("redirect_uri", redirect)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{client} {redirect}");
        assert!(!resp.text().await.unwrap().contains("Allow Access"));
    }
    // Any http(s) URL is fine when none is configured, but not other schemes.
    let open = TestSandbox::default().await;
    let resp = open
        .http
        .get(open.url("/api/oauth/authorize"))
        .query(&[("client_id", "sandbox-client-id"), ("redirect_uri", "javascript:alert(1)")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn code_exchange_answers_like_jobber() {
    let t = TestSandbox::default().await;
    let code = t.sandbox.issue_code(&t.green(), REDIRECT);
    let (status, body) = t.exchange(&code).await;
    assert_eq!(status, StatusCode::OK);
    let obj = body.as_object().unwrap();
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "refresh_token"], "no expires_in, no token_type");
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(refresh.len(), 32);
    assert!(refresh.chars().all(|c| c.is_ascii_hexdigit()));

    let jwt = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
    assert!(header.typ.is_none(), "Jobber's header is only {{\"alg\":\"HS256\"}}");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    let claims: Value =
        jsonwebtoken::decode::<Value>(jwt, &jsonwebtoken::DecodingKey::from_secret(b"unused"), &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["iss"], "https://api.getjobber.com");
    assert_eq!(claims["client_id"], "sandbox-client-id");
    assert!(claims["account_id"].is_u64());
    let account = t.sandbox.accounts()[0].clone();
    assert_eq!(claims["account_id"], account.numeric_id);
    assert_eq!(claims["sub"], claims["user_id"]);
    assert!(claims["scope"].as_str().unwrap().contains("read_clients"));
    let exp = claims["exp"].as_i64().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!((now + 3500..=now + 3700).contains(&exp), "60 minute token");
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_redirect_uri() {
    let t = TestSandbox::default().await;
    let code = t.sandbox.issue_code(&t.green(), REDIRECT);
    assert_eq!(t.exchange(&code).await.0, StatusCode::OK);
    let (status, body) = t.exchange(&code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let other = t.sandbox.issue_code(&t.green(), "http://other.test/cb");
    let (status, body) = t.exchange(&other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies_at_once() {
    let t = TestSandbox::default().await;
    let first = t.connect(&t.green()).await;
    let (status, body) = t.refresh(&first.refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expires_at = body["expires_at"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(expires_at, "%Y-%m-%d %H:%M:%S UTC").is_ok(),
        "{expires_at}"
    );
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first.refresh);

    let (status, body) = t.refresh(&first.refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_grant",
                           "error_description": "The provided refresh token is not valid."})
    );
    // The new access token works, the rotated refresh token works once more.
    let access = t.refresh(&second).await.1["access_token"].as_str().unwrap().to_owned();
    t.gql(&access, "{ account { id } }", Value::Null).await;

    let stats = t.sandbox.stats();
    assert_eq!(stats.refresh_requests, 3);
    assert_eq!(stats.token_requests["refresh_token"], 3);
    assert_eq!(stats.token_requests["authorization_code"], 1);
}

#[tokio::test]
async fn bad_client_secret_is_invalid_client() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let (status, body) = t
        .token_request(&[
            ("client_id", "sandbox-client-id"),
            ("client_secret", "wrong"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh),
        ])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    // A rejected client does not burn the refresh token.
    assert_eq!(t.refresh(&tokens.refresh).await.0, StatusCode::OK);
}

#[tokio::test]
async fn codes_are_short_lived() {
    let t = TestSandbox::start(SandboxConfig {
        code_lifetime: std::time::Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let code = t.sandbox.issue_code(&t.green(), REDIRECT);
    let (status, body) = t.exchange(&code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}
