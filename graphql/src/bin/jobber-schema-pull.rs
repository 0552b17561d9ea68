//! Refreshes `graphql/schema/jobber.graphql` from Jobber's live API by introspection.
//!
//! ```sh
//! JOBBER_ACCESS_TOKEN=… cargo run -p jobber-graphql --features schema-pull --bin jobber-schema-pull
//! ```
//! Environment: `JOBBER_ACCESS_TOKEN` (required; an app token, e.g. from Developer Center →
//! "Test in GraphiQL"), `JOBBER_API_URL` (default `https://api.getjobber.com`),
//! `JOBBER_GRAPHQL_VERSION` (default the client's version). The first argument, if any, is the
//! output path. It runs the standard introspection query (June 2018 spec, which Jobber serves) and
//! prints SDL with `cynic-introspection`, so nothing here hand-writes a schema printer. The token
//! is never printed.

use std::error::Error;
use std::path::PathBuf;

use cynic_introspection::{IntrospectionQuery, SpecificationVersion};
use jobber_graphql::DEFAULT_GRAPHQL_VERSION;
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let token = std::env::var("JOBBER_ACCESS_TOKEN")
        .map_err(|_| "JOBBER_ACCESS_TOKEN is not set: use an access token of the app")?;
    let api_url = std::env::var("JOBBER_API_URL").unwrap_or_else(|_| jobber_graphql::DEFAULT_API_URL.into());
    let version =
        std::env::var("JOBBER_GRAPHQL_VERSION").unwrap_or_else(|_| DEFAULT_GRAPHQL_VERSION.to_owned());
    let out = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/jobber.graphql"),
        PathBuf::from,
    );
    let endpoint = format!("{}/api/graphql", api_url.trim_end_matches('/'));

    let query = IntrospectionQuery::with_capabilities(SpecificationVersion::June2018.capabilities());
    let response = reqwest::Client::new()
        .post(&endpoint)
        .bearer_auth(token)
        .header("X-JOBBER-GRAPHQL-VERSION", &version)
        .json(&query)
        .send()
        .await?;
    let status = response.status();
    let body: Value =
        response.json().await.map_err(|e| format!("HTTP {status}: the answer is not JSON ({e})"))?;
    if let Some(errors) = body.get("errors").filter(|e| !e.is_null()) {
        return Err(format!("HTTP {status}: introspection failed: {errors}").into());
    }
    if !status.is_success() {
        return Err(format!("HTTP {status}: {body}").into());
    }
    let served =
        body.pointer("/extensions/versioning/version").and_then(Value::as_str).unwrap_or(&version).to_owned();
    let data = body.get("data").cloned().ok_or("the answer has no data")?;
    let schema = serde_json::from_value::<IntrospectionQuery>(data)?.into_schema()?;
    let sdl = schema.to_sdl();

    let tmp = out.with_extension("graphql.tmp");
    std::fs::write(&tmp, sdl)?;
    std::fs::rename(&tmp, &out)?;
    println!("wrote {} ({} types, API version {served})", out.display(), schema.types.len());
    Ok(())
}
