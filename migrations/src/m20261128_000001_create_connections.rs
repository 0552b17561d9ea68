//! The Jobber accounts this app is connected to, with their (encrypted) tokens.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Connections {
    Table,
    Id,
    JobberAccountId,
    AccountName,
    Status,
    Generation,
    ConnectedAt,
    DisconnectedAt,
    ConnectedByUserId,
    ConnectedByName,
    ConnectedByEmail,
    AccessTokenCiphertext,
    RefreshTokenCiphertext,
    TokenKeyId,
    TokenExpiresAt,
    TokenVersion,
    LastRefreshAt,
    LastError,
    RefreshFailures,
    RefreshNotBefore,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .col(
                        ColumnDef::new(Connections::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Connections::JobberAccountId).string().not_null().unique_key())
                    .col(ColumnDef::new(Connections::AccountName).string().not_null())
                    .col(ColumnDef::new(Connections::Status).string().not_null())
                    // Bumped on every (re)connect and disconnect: sessions bound to an older
                    // generation are dead.
                    .col(ColumnDef::new(Connections::Generation).big_integer().not_null().default(1))
                    .col(ColumnDef::new(Connections::ConnectedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Connections::DisconnectedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Connections::ConnectedByUserId).string().null())
                    .col(ColumnDef::new(Connections::ConnectedByName).string().null())
                    .col(ColumnDef::new(Connections::ConnectedByEmail).string().null())
                    .col(ColumnDef::new(Connections::AccessTokenCiphertext).string().null())
                    .col(ColumnDef::new(Connections::RefreshTokenCiphertext).string().null())
                    .col(ColumnDef::new(Connections::TokenKeyId).string().null())
                    .col(ColumnDef::new(Connections::TokenExpiresAt).timestamp_with_time_zone().null())
                    // Compare-and-set guard: a writer that read an older version never overwrites
                    // a newer token pair.
                    .col(ColumnDef::new(Connections::TokenVersion).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Connections::LastRefreshAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Connections::LastError).string().null())
                    .col(ColumnDef::new(Connections::RefreshFailures).integer().not_null().default(0))
                    .col(ColumnDef::new(Connections::RefreshNotBefore).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Connections::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Connections::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Connections::Table).to_owned()).await
    }
}
