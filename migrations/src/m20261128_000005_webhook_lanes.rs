//! Inbox claims that cost the same however long the backlog is.
//!
//! Two consumers read the inbox: the lifecycle worker (`APP_*`) and the sync consumer (data
//! topics). Each used to find its due rows through an index on `(status, next_attempt_at)` and
//! filter on `topic`, then sort by `id`: a claim read every pending row, and each claim held
//! SQLite's single write lock for that long while webhook acks waited. Now every row carries its
//! `lane`, fixed at insert, and a partial index holds only the rows still to be worked, in the
//! order they are due: a claim reads just the rows it takes. A second partial index counts dead
//! letters for `/metrics` without reading the table.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Lane,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEvents::Table)
                    .add_column(ColumnDef::new(WebhookEvents::Lane).string().not_null().default("data"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Partial indexes: the same SQL on SQLite and PostgreSQL (sea-query has no builder for them).
        for sql in [
            "UPDATE webhook_events SET lane = 'lifecycle' WHERE topic IN ('APP_CONNECT', 'APP_DISCONNECT')",
            "DROP INDEX idx_webhook_events_due",
            "CREATE INDEX idx_webhook_events_due ON webhook_events (lane, next_attempt_at, id) \
             WHERE status IN ('PENDING', 'FAILED')",
            "CREATE INDEX idx_webhook_events_dead ON webhook_events (id) WHERE status = 'DEAD'",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX idx_webhook_events_dead",
            "DROP INDEX idx_webhook_events_due",
            "CREATE INDEX idx_webhook_events_due ON webhook_events (status, next_attempt_at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .alter_table(
                Table::alter().table(WebhookEvents::Table).drop_column(WebhookEvents::Lane).to_owned(),
            )
            .await
    }
}
