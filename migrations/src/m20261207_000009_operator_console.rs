//! The operator console (issue 15):
//! - `jobber_api_warnings`: every distinct `extensions.versioning` warning Jobber sent (Jobber
//!   silently upgrades requests for a removed version, so a warning is the only notice), with the
//!   version it served and when it was first and last seen;
//! - `idx_connections_console`: the installs list pages by (status, name, id) with keyset paging;
//!   it also holds the Jobber account id, so a search (name or id) and the troubled-or-not test
//!   (by account id) read the index alone, not every row of the status (at 10,000 installs a
//!   filtered page read 8,500 rows for each of its tier and count queries: 12 ms each on SQLite);
//! - `idx_webhook_events_open`: a partial index over the events not yet settled for good
//!   (PENDING, FAILED, DEAD), so an install's pending and dead-letter counts never scan its
//!   processed history. Settled rows (nearly all of them) stay out of it, so webhook ingest pays
//!   for it only while an event is open;
//! - `idx_sync_state_failed`: the accounts whose last run of some resource failed, without a scan.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobberApiWarnings {
    Table,
    Message,
    ServedVersion,
    FirstSeenAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Status,
    AccountName,
    Id,
    JobberAccountId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobberApiWarnings::Table)
                    .col(ColumnDef::new(JobberApiWarnings::Message).text().not_null().primary_key())
                    .col(ColumnDef::new(JobberApiWarnings::ServedVersion).string().null())
                    .col(ColumnDef::new(JobberApiWarnings::FirstSeenAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(JobberApiWarnings::LastSeenAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connections_console")
                    .table(Connections::Table)
                    .col(Connections::Status)
                    .col(Connections::AccountName)
                    .col(Connections::Id)
                    .col(Connections::JobberAccountId)
                    .to_owned(),
            )
            .await?;
        // Partial indexes are spelled the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_webhook_events_open ON webhook_events (jobber_account_id, status) \
                 WHERE status IN ('PENDING', 'FAILED', 'DEAD')",
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_sync_state_failed ON sync_state (jobber_account_id) WHERE state = 'FAILED'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX idx_sync_state_failed").await?;
        manager.get_connection().execute_unprepared("DROP INDEX idx_webhook_events_open").await?;
        manager
            .drop_index(Index::drop().name("idx_connections_console").table(Connections::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(JobberApiWarnings::Table).to_owned()).await
    }
}
