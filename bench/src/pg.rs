//! Fresh PostgreSQL databases for a benchmark run, created and dropped through an admin URL.

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, Database};

/// The default admin URL: the local server with trust authentication.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Creates a uniquely named database next to `admin_url`'s and returns its URL.
pub async fn create(admin_url: &str) -> anyhow::Result<String> {
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(admin_url).await.with_context(|| format!("connecting to {admin_url}"))?;
    conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.context("CREATE DATABASE")?;
    let _ = conn.close().await;
    let (base, _) = admin_url.rsplit_once('/').context("the admin URL ends with a database name")?;
    Ok(format!("{base}/{name}"))
}

/// Drops a database made by [`create`] (best effort: a leftover bench database is harmless).
pub async fn drop(admin_url: &str, url: &str) {
    let Some((_, name)) = url.rsplit_once('/') else { return };
    if !name.starts_with("bench_") {
        return;
    }
    if let Ok(conn) = Database::connect(admin_url).await {
        let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        let _ = conn.close().await;
    }
}
