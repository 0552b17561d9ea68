//! Several admins per account: adding users (`USER_CREATE`), codes and consent for a chosen
//! user, and tokens that carry that user (the `user` query without an id, the JWT's
//! `user_id`). This is what a second admin's Manage App arrival looks like.

use jobber_sandbox::{Sandbox, SandboxConfig, UserInput};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{REDIRECT, Receiver, TestSandbox};

const ME: &str =
    "{ user { id name { full } email { raw } isAccountOwner isAccountAdmin isCurrentUser account { id } } }";

fn claims(jwt: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(jwt, &jsonwebtoken::DecodingKey::from_secret(b"unused"), &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn a_second_admins_code_yields_that_admins_tokens() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let owner = t.sandbox.accounts()[0].user.clone();
    let second = t.sandbox.add_user(&account, "Jordan", "Lee", "jordan@greenthumb.example").unwrap();
    assert_eq!(receiver.wait_for(1).await[0].topic(), "USER_CREATE");
    assert_eq!(receiver.events()[0].1, second);
    let info = t.sandbox.accounts()[0].clone();
    assert_eq!(info.user, owner, "`user` stays the owner");
    assert_eq!(info.users.len(), 2);
    assert!(info.users[0].is_account_owner && !info.users[1].is_account_owner);
    assert_eq!((info.users[1].id.as_str(), info.users[1].name.as_str()), (second.as_str(), "Jordan Lee"));

    let first_admin = t.connect(&account).await;
    let code = t.sandbox.issue_code_for_user(&account, &second, REDIRECT);
    let (status, body) = t.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let me = t.gql(&access, ME, Value::Null).await["data"]["user"].clone();
    assert_eq!(me["id"], second);
    assert_eq!(me["name"]["full"], "Jordan Lee");
    assert_eq!(me["email"]["raw"], "jordan@greenthumb.example");
    assert_eq!((me["isAccountOwner"].clone(), me["isAccountAdmin"].clone()), (json!(false), json!(true)));
    assert_eq!(me["account"]["id"], account);
    let jordan_number = jobber_sandbox::ids::decode("User", &second).unwrap();
    assert_eq!(claims(&access)["user_id"], jordan_number);
    assert_eq!(claims(&access)["sub"], jordan_number);

    // The first admin's tokens still belong to the owner, and both see each other by id.
    let me = t.gql(&first_admin.access, ME, Value::Null).await["data"]["user"].clone();
    assert_eq!((me["id"].as_str(), me["isAccountOwner"].clone()), (Some(owner.id.as_str()), json!(true)));
    let q = "query($id: EncodedId) { user(id: $id) { id isCurrentUser } }";
    let other = t.gql(&first_admin.access, q, json!({"id": second})).await["data"]["user"].clone();
    assert_eq!((other["id"].clone(), other["isCurrentUser"].clone()), (json!(second), json!(false)));
    // A refresh keeps the user.
    let refreshed = t.refresh(body["refresh_token"].as_str().unwrap()).await.1;
    let me =
        t.gql(refreshed["access_token"].as_str().unwrap(), ME, Value::Null).await["data"]["user"].clone();
    assert_eq!(me["id"], second);
    // Users of one account are invisible to another's tokens.
    let spark = t.connect(&t.spark()).await;
    assert_eq!(t.gql(&spark.access, q, json!({"id": second})).await["data"]["user"], Value::Null);
}

async fn consent(t: &TestSandbox, form: &[(&str, &str)]) -> reqwest::Response {
    let query = [("client_id", "sandbox-client-id"), ("redirect_uri", REDIRECT)];
    t.http.post(t.url("/api/oauth/authorize")).query(&query).form(form).send().await.unwrap()
}

async fn user_behind(t: &TestSandbox, resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let body = t.exchange(&code).await.1;
    t.gql(body["access_token"].as_str().unwrap(), ME, Value::Null).await["data"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_consent_page_lets_the_person_pick_the_user() {
    let t = TestSandbox::default().await;
    let account = t.green();
    let second = t.sandbox.add_user(&account, "Jordan", "Lee", "jordan@greenthumb.example").unwrap();
    let page = t
        .http
        .get(t.url("/api/oauth/authorize"))
        .query(&[("client_id", "sandbox-client-id"), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let owner_option = format!("<option value=\"{account}\">Green Thumb Landscaping (Alex Green)</option>");
    let second_option =
        format!("<option value=\"{account}:{second}\">Green Thumb Landscaping (Jordan Lee)</option>");
    assert!(page.contains(&owner_option), "{page}");
    assert!(page.contains(&second_option), "{page}");
    assert!(page.find(&owner_option) < page.find(&second_option), "the owner comes first");

    let composite = format!("{account}:{second}");
    let chosen = consent(&t, &[("account", composite.as_str()), ("decision", "allow")]).await;
    assert_eq!(user_behind(&t, chosen).await, second);
    let separate =
        consent(&t, &[("account", account.as_str()), ("user", second.as_str()), ("decision", "allow")]).await;
    assert_eq!(user_behind(&t, separate).await, second);
    let owner = consent(&t, &[("account", account.as_str()), ("decision", "allow")]).await;
    assert_eq!(user_behind(&t, owner).await, t.sandbox.accounts()[0].user.id);

    // A user of another account is refused.
    let spark_owner = t.sandbox.accounts()[1].user.id.clone();
    let wrong = format!("{account}:{spark_owner}");
    let resp = consent(&t, &[("account", wrong.as_str()), ("decision", "allow")]).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap().contains("not a user of the chosen account"));
}

#[tokio::test]
async fn users_through_the_admin_api() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let base = format!("/sandbox/accounts/{}/users", t.spark());
    let body = json!({"firstName": "Riley", "lastName": "Ng", "email": "riley@spark.example"});
    let id = t.admin_id(Method::POST, &base, Some(body.clone())).await;
    let (status, _) = t.admin(Method::POST, &base, Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "emails are unique in an account");
    let (status, _) = t.admin(Method::POST, &base, Some(json!({"firstName": "No"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    t.admin_id(Method::PATCH, &format!("{base}/{id}"), Some(json!({"lastName": "Nguyen"}))).await;
    assert_eq!(t.sandbox.accounts()[1].users[1].name, "Riley Nguyen");
    t.sandbox
        .update_user(&t.spark(), &id, UserInput { first_name: Some("Rae".into()), ..Default::default() })
        .unwrap();
    receiver.wait_for(3).await;
    let topics: Vec<String> = receiver.events().into_iter().map(|e| e.0).collect();
    assert_eq!(topics, ["USER_CREATE", "USER_UPDATE", "USER_UPDATE"]);
}

#[test]
#[should_panic(expected = "is not a user of")]
fn issue_code_for_user_rejects_a_stranger() {
    let sandbox = Sandbox::new(SandboxConfig::default());
    let accounts = sandbox.accounts();
    sandbox.issue_code_for_user(&accounts[0].id, &accounts[1].user.id, REDIRECT);
}
