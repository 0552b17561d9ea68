//! The OAuth token client against a fake `/api/oauth/token`, on every answer shape Jobber gives.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::DateTime;
use jobber_graphql::{OAuthClient, TokenError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::support::{Fake, config, fake, fixture, fixture_json, json_reply};

/// exp of `jwt-sample.txt`.
const SAMPLE_EXP: i64 = 1_655_140_617;

async fn token_fake(status: StatusCode, body: impl Into<String>) -> Fake {
    let body = body.into();
    fake("/api/oauth/token", move |_| json_reply(status, body.clone())).await
}

fn oauth(fake: &Fake) -> OAuthClient {
    OAuthClient::new(&config(&fake.url)).unwrap()
}

fn form(fake: &Fake) -> Vec<(String, String)> {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    serde_urlencoded_pairs(&requests[0].body)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn refresh_token(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[tokio::test]
async fn authorize_url_has_the_documented_parameters() {
    let fake = token_fake(StatusCode::OK, "{}").await;
    let client = oauth(&fake);
    let url = client.authorize_url("https://app.example.com/oauth/callback?x=1", Some("st ate"));
    assert_eq!(url.path(), "/api/oauth/authorize");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("response_type".into(), "code".into()),
            ("client_id".into(), "client-id".into()),
            ("redirect_uri".into(), "https://app.example.com/oauth/callback?x=1".into()),
            ("state".into(), "st ate".into()),
        ]
    );
    // The redirect URI is encoded, not pasted.
    assert!(url.as_str().contains("redirect_uri=https%3A%2F%2Fapp.example.com"));
    // Marketplace-started flows carry no state.
    let url = client.authorize_url("https://app.example.com/cb", None);
    assert!(url.query_pairs().all(|(k, _)| k != "state"));
}

#[tokio::test]
async fn code_exchange_without_expires_in_uses_the_jwt_exp() {
    let fake = token_fake(StatusCode::OK, fixture("token-response.json")).await;
    let tokens = oauth(&fake).exchange_code("the-code", "https://app.example.com/cb").await.unwrap();
    let expected = fixture_json("token-response.json");
    assert_eq!(tokens.access_token.expose_secret(), expected["access_token"]);
    assert_eq!(tokens.refresh_token.expose_secret(), expected["refresh_token"]);
    assert_eq!(tokens.expires_at, DateTime::from_timestamp(SAMPLE_EXP, 0).unwrap());
    assert_eq!(tokens.warning, None);
    assert_eq!(
        form(&fake),
        [
            ("client_id".into(), "client-id".into()),
            ("client_secret".into(), "client-secret".into()),
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), "the-code".into()),
            ("redirect_uri".into(), "https://app.example.com/cb".into()),
        ]
    );
    // Debug output never shows the tokens.
    let debug = format!("{tokens:?}");
    assert!(!debug.contains("eyJ") && !debug.contains(expected["refresh_token"].as_str().unwrap()));
}

#[test]
fn jwt_sample_exp() {
    let jwt = fixture("jwt-sample.txt");
    assert_eq!(jobber_graphql::oauth::jwt_expiry(&jwt).unwrap().timestamp(), SAMPLE_EXP);
}

#[tokio::test]
async fn refresh_with_expires_at_and_warning_rotates_the_token() {
    let mut body = fixture_json("refresh-response.json");
    body["warning"] = json!(
        "Refresh token rotation is off. This setting is required for apps to be published in the Jobber App Marketplace"
    );
    let fake = token_fake(StatusCode::OK, body.to_string()).await;
    let tokens = oauth(&fake).refresh(&refresh_token("23792a2304922e1c658abb4725b4b8d2")).await.unwrap();
    assert_eq!(
        tokens.refresh_token.expose_secret(),
        "5f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e",
        "the rotated token comes back"
    );
    assert_eq!(tokens.expires_at, DateTime::from_timestamp(SAMPLE_EXP, 0).unwrap());
    assert!(tokens.warning.unwrap().starts_with("Refresh token rotation is off"));
    assert_eq!(
        form(&fake),
        [
            ("client_id".into(), "client-id".into()),
            ("client_secret".into(), "client-secret".into()),
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), "23792a2304922e1c658abb4725b4b8d2".into()),
        ]
    );
}

#[tokio::test]
async fn opaque_access_token_falls_back_to_expires_at_then_expires_in() {
    let fake = token_fake(
        StatusCode::OK,
        r#"{"access_token":"opaque","refresh_token":"r2","expires_at":"2022-06-13 17:16:57 UTC"}"#,
    )
    .await;
    let tokens = oauth(&fake).refresh(&refresh_token("r1")).await.unwrap();
    assert_eq!(tokens.expires_at, DateTime::from_timestamp(SAMPLE_EXP, 0).unwrap());

    let fake = token_fake(
        StatusCode::OK,
        r#"{"access_token":"opaque","refresh_token":"r2","expires_in":3600,"token_type":"bearer"}"#,
    )
    .await;
    let before = chrono::Utc::now();
    let tokens = oauth(&fake).refresh(&refresh_token("r1")).await.unwrap();
    let lifetime = tokens.expires_at - before;
    assert!(lifetime.num_seconds() >= 3_599 && lifetime.num_seconds() <= 3_601);
}

#[tokio::test]
async fn invalid_code() {
    let fake = token_fake(
        StatusCode::BAD_REQUEST,
        r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}"#,
    )
    .await;
    let err = oauth(&fake).exchange_code("used-code", "https://app.example.com/cb").await.unwrap_err();
    assert!(matches!(err, TokenError::InvalidCode(_)), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_refresh_token_in_every_known_shape() {
    for (status, body) in [
        (
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_grant","error_description":"The provided refresh token is not valid."}"#,
        ),
        (StatusCode::UNAUTHORIZED, r#"{"message":"The provided refresh token is not valid."}"#),
        (StatusCode::BAD_REQUEST, "The provided refresh token is not valid."),
        (StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#),
    ] {
        let fake = token_fake(status, body).await;
        let err = oauth(&fake).refresh(&refresh_token("old")).await.unwrap_err();
        assert!(matches!(err, TokenError::InvalidRefreshToken(_)), "{body}: {err:?}");
    }
}

#[tokio::test]
async fn bad_client_credentials() {
    for (status, body) in [
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client","error_description":"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}"#,
        ),
        (StatusCode::UNAUTHORIZED, ""),
        (
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_request","error_description":"The provided redirect URI \"https://x/cb\" isn't valid"}"#,
        ),
    ] {
        let fake = token_fake(status, body).await;
        let err = oauth(&fake).exchange_code("code", "https://x/cb").await.unwrap_err();
        assert!(matches!(err, TokenError::InvalidClient(_)), "{body}: {err:?}");
        let err = oauth(&fake).refresh(&refresh_token("r")).await.unwrap_err();
        assert!(matches!(err, TokenError::InvalidClient(_)), "{body}: {err:?}");
    }
}

#[tokio::test]
async fn server_errors_are_transient() {
    for status in
        [StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE]
    {
        let fake =
            fake("/api/oauth/token", move |_| (status, "Service temporarily unavailable").into_response())
                .await;
        let err = oauth(&fake).refresh(&refresh_token("r")).await.unwrap_err();
        assert!(matches!(err, TokenError::Transient(_)), "{status}: {err:?}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn connection_failure_is_transient() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = config(&format!("http://127.0.0.1:{port}").parse().unwrap());
    let err = OAuthClient::new(&cfg).unwrap().refresh(&refresh_token("r")).await.unwrap_err();
    assert!(matches!(err, TokenError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn malformed_answers() {
    for body in [r#"{"refresh_token":"r"}"#, "not json", r#"{"access_token":""}"#] {
        let fake = token_fake(StatusCode::OK, body).await;
        let err = oauth(&fake).exchange_code("code", "https://x/cb").await.unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{body}: {err:?}");
    }
}
