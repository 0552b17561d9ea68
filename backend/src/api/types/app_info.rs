use async_graphql::{Enum, SimpleObject};

/// Facts about this deployment of the app.
#[derive(SimpleObject, Clone, Debug)]
pub struct AppInfo {
    /// The app's version (semver, from the backend crate).
    pub version: String,
    /// Where this instance runs.
    pub environment: Environment,
    /// The X-JOBBER-GRAPHQL-VERSION this app sends to Jobber.
    pub jobber_api_version: String,
    /// True when the app talks to the built-in Jobber sandbox instead of Jobber.
    pub sandbox_mode: bool,
    /// The app's name as merchants see it.
    pub app_name: String,
    /// Where merchants get help (`SUPPORT_URL`); null when unset.
    pub support_url: Option<String>,
    /// The privacy policy (`PRIVACY_URL`); null when unset.
    pub privacy_url: Option<String>,
}

/// Where an instance runs.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Local development: playground on, sandbox when no Jobber credentials are set.
    Development,
    /// Production: real Jobber credentials and keys required.
    Production,
}
