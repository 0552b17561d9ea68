//! `connections`: one row per Jobber account this app has been connected to.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub jobber_account_id: String,
    pub account_name: String,
    pub status: crate::db::enums::ConnectionStatus,
    pub generation: i64,
    pub connected_at: DateTimeUtc,
    pub disconnected_at: Option<DateTimeUtc>,
    pub connected_by_user_id: Option<String>,
    pub connected_by_name: Option<String>,
    pub connected_by_email: Option<String>,
    pub access_token_ciphertext: Option<String>,
    pub refresh_token_ciphertext: Option<String>,
    pub token_key_id: Option<String>,
    pub token_expires_at: Option<DateTimeUtc>,
    pub token_version: i64,
    pub last_refresh_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub refresh_failures: i32,
    pub refresh_not_before: Option<DateTimeUtc>,
    /// Who ended the connection (set with `DISCONNECTED`).
    pub disconnect_source: Option<crate::db::enums::DisconnectSource>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The connection for Jobber's account id.
    pub async fn find_by_account<C: ConnectionTrait>(
        db: &C,
        jobber_account_id: &str,
    ) -> Result<Option<Model>, DbErr> {
        Self::find().filter(Column::JobberAccountId.eq(jobber_account_id)).one(db).await
    }
}
