//! The audit log (issue 15): one row per lifecycle change of an install (connect, sign-in, refresh
//! failure and recovery, disconnect) and per operator action (key rotation, redrive, …), written
//! in the same transaction as the change. Append-only: only retention (`AUDIT_RETENTION_DAYS`)
//! deletes rows, and a trigger refuses every `UPDATE` on both databases.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    JobberAccountId,
    AccountName,
    Kind,
    Actor,
    ActorName,
    Detail,
}

/// The same trigger on both databases: an `UPDATE` of an audit row fails.
const SQLITE_NO_UPDATE: &str = "CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log \
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END";
const POSTGRES_NO_UPDATE: [&str; 2] = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(ColumnDef::new(AuditLog::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AuditLog::At).timestamp_with_time_zone().not_null())
                    // NULL for fleet-wide entries (key rotation, a redrive of every account).
                    .col(ColumnDef::new(AuditLog::JobberAccountId).string().null())
                    // The account's name when the entry was written.
                    .col(ColumnDef::new(AuditLog::AccountName).string().null())
                    .col(ColumnDef::new(AuditLog::Kind).string().not_null())
                    .col(ColumnDef::new(AuditLog::Actor).string().not_null())
                    .col(ColumnDef::new(AuditLog::ActorName).string().null())
                    .col(ColumnDef::new(AuditLog::Detail).text().not_null())
                    .to_owned(),
            )
            .await?;
        // One install's timeline, newest first (keyset on id).
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_account")
                    .table(AuditLog::Table)
                    .col(AuditLog::JobberAccountId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        // `since` filters and retention.
        manager
            .create_index(
                Index::create().name("idx_audit_log_at").table(AuditLog::Table).col(AuditLog::At).to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                for sql in POSTGRES_NO_UPDATE {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                db.execute_unprepared(SQLITE_NO_UPDATE).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table drops its indexes and its trigger; PostgreSQL's function remains.
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()")
                .await?;
        }
        Ok(())
    }
}
