//! What the Manage page needs to speak plainly about a connection:
//! - `connections.disconnect_source`: who ended a connection (`MERCHANT`, `JOBBER`, `OPERATOR`),
//!   so a browser that was signed in can be told what happened;
//! - `sync_state.problem`: why a resource's last attempt failed, as a typed value (the `error`
//!   text is for developers);
//! - `sessions.jobber_user_id` / `user_name`: which Jobber admin a session belongs to (several
//!   admins of one account can be signed in; the connection keeps the connecting user's tokens).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Connections {
    Table,
    DisconnectSource,
}

#[derive(DeriveIden)]
enum SyncState {
    Table,
    Problem,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    JobberUserId,
    UserName,
}

fn add(table: impl IntoIden, column: impl IntoIden) -> TableAlterStatement {
    Table::alter().table(table).add_column(ColumnDef::new(column).string().null()).to_owned()
}

fn drop(table: impl IntoIden, column: impl IntoIden) -> TableAlterStatement {
    Table::alter().table(table).drop_column(column).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        manager.alter_table(add(Connections::Table, Connections::DisconnectSource)).await?;
        manager.alter_table(add(SyncState::Table, SyncState::Problem)).await?;
        manager.alter_table(add(Sessions::Table, Sessions::JobberUserId)).await?;
        manager.alter_table(add(Sessions::Table, Sessions::UserName)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(drop(Sessions::Table, Sessions::UserName)).await?;
        manager.alter_table(drop(Sessions::Table, Sessions::JobberUserId)).await?;
        manager.alter_table(drop(SyncState::Table, SyncState::Problem)).await?;
        manager.alter_table(drop(Connections::Table, Connections::DisconnectSource)).await
    }
}
