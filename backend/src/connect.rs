//! Connecting a Jobber account: exchange the code, learn who we are talking to, store the
//! encrypted tokens on the account's connection row (reused on reconnect).

use jobber_graphql::{
    Priority, TokenError,
    operations::{Account, CurrentUser, account, current_user},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TryIntoModel};
use secrecy::ExposeSecret;

use crate::{
    connections::{Status, now},
    db::entities::connections,
    jobber::callback_url,
    state::AppState,
    tokens::encrypt_pair,
};

/// Why a connect failed; `reason()` is what the SPA's error page shows.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("Jobber did not tell us the account: {0}")]
    Jobber(#[from] jobber_graphql::JobberError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl ConnectError {
    /// A short code for `/connect-error?reason=…`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Token(TokenError::InvalidCode(_)) => "invalid_code",
            Self::Token(TokenError::InvalidClient(_)) => "app_misconfigured",
            Self::Token(_) | Self::Jobber(_) => "jobber_unavailable",
            Self::Db(_) => "internal",
        }
    }
}

/// Exchanges `code` and upserts the connection. A reconnect reuses the row, replaces the tokens,
/// clears any needs-reauth state, and bumps the generation (old sessions stay dead).
pub async fn connect_with_code(state: &AppState, code: &str) -> Result<connections::Model, ConnectError> {
    let tokens = state.jobber.oauth.exchange_code(code, &callback_url(&state.config)).await?;
    let client = &state.jobber.client;
    let token = tokens.access_token.expose_secret();
    // The account id is not known yet; the governor keys these two calls on the connect flow.
    let account =
        client.execute::<Account>("connect", token, account::Variables, Priority::High).await?.data.account;
    let user = client
        .execute::<CurrentUser>("connect", token, current_user::Variables, Priority::High)
        .await?
        .data
        .user;
    let account = account.ok_or_else(|| jobber_graphql::JobberError::Decode("`account` was null".into()))?;
    let pair = encrypt_pair(state, &account.id, &tokens);

    let txn = state.db.begin_write().await?;
    let existing = crate::db::entities::connections::Entity::find_by_account(&txn, &account.id).await?;
    let t = now();
    let mut row = match existing {
        Some(m) => {
            let (generation, version) = (m.generation, m.token_version);
            let mut a: connections::ActiveModel = m.into();
            a.generation = Set(generation + 1);
            a.token_version = Set(version + 1);
            a
        }
        None => connections::ActiveModel {
            jobber_account_id: Set(account.id.clone()),
            generation: Set(1),
            token_version: Set(1),
            created_at: Set(t),
            ..Default::default()
        },
    };
    row.account_name = Set(account.name.clone());
    row.status = Set(Status::Connected.as_str().to_owned());
    row.connected_at = Set(t);
    row.disconnected_at = Set(None);
    row.connected_by_user_id = Set(user.as_ref().map(|u| u.id.clone()));
    row.connected_by_name = Set(user.as_ref().map(|u| u.name.full.clone()));
    row.connected_by_email = Set(user.as_ref().map(|u| u.email.raw.clone()));
    row.access_token_ciphertext = Set(Some(pair.access));
    row.refresh_token_ciphertext = Set(Some(pair.refresh));
    row.token_key_id = Set(Some(pair.key_id));
    row.token_expires_at = Set(Some(pair.expires_at));
    row.last_refresh_at = Set(None);
    row.last_error = Set(None);
    row.refresh_failures = Set(0);
    row.refresh_not_before = Set(None);
    row.updated_at = Set(t);
    let saved = row.save(&txn).await?;
    txn.commit().await?;
    let model: connections::Model = saved.try_into_model()?;
    tracing::info!(account.id = %model.jobber_account_id, generation = model.generation, "Jobber account connected");
    Ok(model)
}
