//! Browser sessions. Only a hash of the session token is stored; a session names the connection
//! generation it was issued for, so any disconnect (which bumps the generation) kills it.
use sea_orm_migration::prelude::*;

use crate::m20261128_000001_create_connections::Connections;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    ConnectionId,
    ConnectionGeneration,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(ColumnDef::new(Sessions::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Sessions::TokenHash).string().not_null().unique_key())
                    .col(ColumnDef::new(Sessions::ConnectionId).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::ConnectionGeneration).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Sessions::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Sessions::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::ConnectionId)
                            .to(Connections::Table, Connections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_connection")
                    .table(Sessions::Table)
                    .col(Sessions::ConnectionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await
    }
}
