//! Issue 11: operations that lose nothing: refreshes across shutdown, no stale tokens after a
//! refresh, retention, backups, file modes.
use std::time::Duration;

use chrono::Utc;
use jobber_app::db::{
    entities::{connections, sessions, sync_changes, sync_records, webhook_events},
    enums::{EventStatus, Lane, Resource},
};
use jobber_graphql::{
    Priority,
    operations::{Account, account},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use crate::{
    support::{
        TestApp, client, eventually, free_port, fresh_database_url, postgres_admin_url, run_command,
        serve_command, wait_ready,
    },
    webhooks::{event, sign},
};

const GREEN: &str = "Green Thumb Landscaping";
const SECRET: &str = "sandbox-client-secret";

async fn expire_soon(app: &TestApp, account_id: &str) {
    let row = app.state.db.find_connection_by_account(account_id).await.unwrap().expect("connection row");
    let mut a: connections::ActiveModel = row.into();
    a.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
    a.update(app.state.db.writer()).await.unwrap();
}

/// Connects `account_id` of `jobber`'s sandbox to `app` the way Jobber's Marketplace does (a code
/// sent to the callback without `state`).
async fn marketplace_connect(jobber: &TestApp, app: &TestApp, account_id: &str) {
    let code = jobber.sandbox().issue_code(account_id, &app.url("/auth/jobber/callback"));
    let res = app.client.get(app.url(&format!("/auth/jobber/callback?code={code}"))).send().await.unwrap();
    assert_eq!(res.status(), 303, "callback");
}

#[tokio::test]
async fn a_refresh_in_flight_at_shutdown_is_stored_and_the_next_one_works() {
    // `jobber` only hosts the sandbox; `app` talks to it as it would to Jobber.
    let jobber = TestApp::spawn().await;
    let env = jobber.jobber_env();
    let spawn = |builder: crate::support::TestAppBuilder| {
        let env = env.clone();
        async move {
            env.into_iter()
                .fold(builder, |b, (k, v)| b.env(k, v))
                .env("SYNC_INTERVAL_MINUTES", "600")
                .spawn()
                .await
        }
    };
    let app = spawn(TestApp::builder()).await;
    let account = jobber.account_id(GREEN);
    marketplace_connect(&jobber, &app, &account).await;

    // Jobber rotates as soon as it gets the grant, then takes 1.5 s to answer.
    let sandbox = jobber.sandbox();
    sandbox.faults().set(jobber_sandbox::Faults { refresh_delay_ms: 1500, ..Default::default() });
    expire_soon(&app, &account).await;
    let before = sandbox.stats().refresh_requests;
    let caller = {
        let state = app.state.clone();
        let account = account.clone();
        tokio::spawn(async move { state.tokens.valid_access_token(&account).await })
    };
    eventually(Duration::from_secs(10), "the refresh grant to reach Jobber", || async {
        (sandbox.stats().refresh_requests > before).then_some(())
    })
    .await;
    // Shutdown begins while Jobber's answer is on its way; the request that asked is gone too.
    caller.abort();
    let again = TestApp::builder().same_database_as(&app);
    let db = app.state.db.clone();
    let version = db.find_connection_by_account(&account).await.unwrap().unwrap().token_version;
    app.stop().await;
    // Shutdown returned only once the rotated pair was stored (the sandbox is still holding its
    // answer for most of the 1.5 s when shutdown begins).
    let row = db.find_connection_by_account(&account).await.unwrap().unwrap();
    assert!(row.token_version > version, "shutdown returned before the refresh's answer was stored");
    sandbox.faults().clear();

    let app = spawn(again).await;
    let row = app.state.db.find_connection_by_account(&account).await.unwrap().unwrap();
    assert_eq!(row.status, "CONNECTED", "{:?}", row.last_error);
    expire_soon(&app, &account).await;
    let token = app.state.tokens.valid_access_token(&account).await.expect("the rotated refresh token works");
    assert_eq!(sandbox.refresh_log().iter().filter(|r| r.account_id == account).count(), 2);
    let answer = app
        .state
        .jobber
        .client
        .execute::<Account>(
            &account,
            secrecy::ExposeSecret::expose_secret(&token.token),
            account::Variables,
            Priority::High,
        )
        .await
        .expect("the new access token works");
    assert_eq!(answer.data.account.unwrap().id, account);
}

/// The binary, as an operator runs it: SIGTERM while Jobber holds a rotated refresh answer; the
/// process stores the answer before it exits 0, and the next run refreshes with the rotated token.
#[tokio::test]
async fn sigterm_mid_refresh_stores_the_rotated_tokens_before_the_binary_exits() {
    use jobber_sandbox::{Sandbox, SandboxConfig};
    let config = SandboxConfig::default();
    let (sandbox, sandbox_url) = Sandbox::spawn(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let start = || {
        serve_command(port, &database_url, &dir.path().join("data"))
            .env("JOBBER_API_URL", sandbox_url.as_str())
            .env("JOBBER_CLIENT_ID", &config.client_id)
            .env("JOBBER_CLIENT_SECRET", &config.client_secret)
            .env("SYNC_INTERVAL_MINUTES", "600")
            .env("SHUTDOWN_GRACE_SECS", "20")
            .spawn()
            .expect("start jobber-app")
    };
    let http = client();
    let ready = || wait_ready(port, "/readyz", Duration::from_secs(30));
    let mut child = start();
    ready().await;

    // Connect as Jobber's Marketplace does (a code sent to the callback without `state`); the
    // browser keeps the session cookie.
    let account = sandbox.account_id_by_name(GREEN).unwrap();
    let code = sandbox.issue_code(&account, &format!("{base}/auth/jobber/callback"));
    let res = http.get(format!("{base}/auth/jobber/callback?code={code}")).send().await.unwrap();
    assert_eq!(res.status(), 303, "callback");
    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    let row = || async {
        connections::Entity::find()
            .filter(connections::Column::JobberAccountId.eq(&account))
            .one(&db)
            .await
            .unwrap()
            .expect("connection row")
    };
    // A sync asks for a token; with the token about to expire, that is a refresh.
    let refresh_through_a_sync = || async {
        let mut a: connections::ActiveModel = row().await.into();
        a.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
        a.update(&db).await.unwrap();
        let before = sandbox.stats().refresh_requests;
        let res = http
            .post(format!("{base}/graphql"))
            .json(&serde_json::json!({ "query": "mutation { startSync(full: false) { resource } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        eventually(Duration::from_secs(30), "the refresh grant to reach Jobber", || async {
            (sandbox.stats().refresh_requests > before).then_some(())
        })
        .await;
    };

    sandbox.faults().set_refresh_delay(Duration::from_millis(1500));
    let version = row().await.token_version;
    refresh_through_a_sync().await;
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("exit").unwrap();
    assert!(status.success(), "SIGTERM mid-refresh: {status}");
    let stored = row().await;
    assert_eq!(stored.status, "CONNECTED", "{:?}", stored.last_error);
    assert!(stored.token_version > version, "the binary exited before storing the rotated tokens");
    assert_eq!(sandbox.refresh_log().iter().filter(|r| r.account_id == account).count(), 1);

    // The next run refreshes with the rotated refresh token.
    sandbox.faults().clear();
    let mut child = start();
    ready().await;
    refresh_through_a_sync().await;
    eventually(Duration::from_secs(30), "the second refresh to be stored", || async {
        let now = row().await;
        (now.token_version > stored.token_version).then_some(now)
    })
    .await;
    let now = row().await;
    assert_eq!(now.status, "CONNECTED", "{:?}", now.last_error);
    assert_eq!(sandbox.refresh_log().iter().filter(|r| r.account_id == account).count(), 2);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn after_a_refresh_no_call_carries_the_old_token() {
    let app = TestApp::builder().env("SYNC_INTERVAL_MINUTES", "600").spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let sandbox = app.sandbox();
    eventually(Duration::from_secs(60), "the first sync", || async {
        let body = app.graphql("{ syncStatus { state } }").await;
        let list = body["data"]["syncStatus"].as_array()?.clone();
        (list.len() == 5 && list.iter().all(|s| s["state"] == "DONE")).then_some(())
    })
    .await;
    let clients: Vec<String> = sync_records::Entity::find()
        .filter(sync_records::Column::JobberAccountId.eq(&account))
        .filter(sync_records::Column::Kind.eq(Resource::Clients))
        .all(app.state.db.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.jobber_id)
        .collect();
    assert!(clients.len() >= 10, "seeded clients");
    let refreshes_before = sandbox.refresh_log().len();

    // Jobber stops accepting the current access token; 100 API callers and 50 webhooks use it.
    sandbox.expire_access_tokens(&account);
    let mut callers = Vec::new();
    for _ in 0..100 {
        let state = app.state.clone();
        let account = account.clone();
        callers.push(tokio::spawn(async move {
            state.tokens.execute::<Account>(&account, account::Variables, Priority::Normal).await
        }));
    }
    let http = client();
    for (i, id) in clients.iter().cycle().take(50).enumerate() {
        let body =
            event("CLIENT_UPDATE", &account, id, &format!("2026-12-07T10:{:02}:{:02}Z", i / 60, i % 60));
        let res = http
            .post(app.url("/webhooks/jobber"))
            .header("content-type", "application/json")
            .header("X-Jobber-Hmac-SHA256", sign(&body, SECRET))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    for c in callers {
        c.await.unwrap().expect("every caller succeeds after one refresh");
    }
    eventually(Duration::from_secs(30), "the webhooks' fetches", || async {
        let open = webhook_events::Entity::find()
            .filter(webhook_events::Column::JobberAccountId.eq(&account))
            .filter(webhook_events::Column::Status.is_in(EventStatus::OPEN))
            .count(app.state.db.reader())
            .await
            .unwrap();
        (open == 0).then_some(())
    })
    .await;

    let log = sandbox.refresh_log();
    let new: Vec<_> = log[refreshes_before..].iter().filter(|r| r.account_id == account).collect();
    assert_eq!(new.len(), 1, "exactly one refresh: {new:?}");
    let old = sandbox
        .token_usage_of(new[0].replaced_access_token.as_deref().expect("the refresh replaced a token"))
        .expect("the old token's usage");
    let last_use = old.last_used_at.expect("the old token was used");
    assert!(
        last_use <= new[0].at + chrono::Duration::seconds(1),
        "the old token was still sent {} ms after the refresh",
        (last_use - new[0].at).num_milliseconds()
    );
    let fresh = sandbox.token_usage_of(&new[0].new_access_token).unwrap();
    assert!(fresh.uses >= 100, "the callers and webhooks used the new token: {}", fresh.uses);
}

async fn insert_event(app: &TestApp, n: u32, status: EventStatus, age: chrono::Duration) -> i64 {
    let at = Utc::now() - age;
    webhook_events::ActiveModel {
        dedupe_key: Set(format!("test-{n}-{}", uuid::Uuid::new_v4().simple())),
        topic: Set("CLIENT_UPDATE".into()),
        app_id: Set("app".into()),
        jobber_account_id: Set("acct".into()),
        item_id: Set(format!("item-{n}")),
        occurred_at: Set(at),
        received_at: Set(at),
        status: Set(status),
        attempts: Set(1),
        // Open rows are not due: no worker settles them while the test looks (an event of an
        // account that is not connected would be settled IGNORED, and then pruned).
        next_attempt_at: Set(if matches!(status, EventStatus::Pending | EventStatus::Failed) {
            Utc::now() + chrono::Duration::days(1)
        } else {
            at
        }),
        locked_until: Set(None),
        last_error: Set(None),
        processed_at: Set(None),
        lane: Set(Lane::Data),
        ..Default::default()
    }
    .insert(app.state.db.writer())
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn pruning_removes_old_settled_events_and_dead_sessions_only() {
    // Rows get ids in the order they arrive (the walk relies on it): the old ones first.
    let app = TestApp::spawn().await;
    let day = chrono::Duration::days(1);
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    // More than one batch of old settled events, so the walk crosses batches.
    for n in 0..(jobber_app::db::retention::BATCH as u32 + 20) {
        let status = if n % 2 == 0 { EventStatus::Processed } else { EventStatus::Ignored };
        removed.push(insert_event(&app, n, status, day * 40).await);
    }
    for (n, status) in [EventStatus::Pending, EventStatus::Failed, EventStatus::Dead].into_iter().enumerate()
    {
        kept.push(insert_event(&app, 10_000 + n as u32, status, day * 40).await);
    }
    kept.push(insert_event(&app, 20_000, EventStatus::Processed, day * 29).await);
    kept.push(insert_event(&app, 20_001, EventStatus::Ignored, chrono::Duration::minutes(5)).await);
    app.connect(GREEN).await;

    // Sessions: the live one (this browser's), one expired, one revoked.
    let live =
        sessions::Entity::find().one(app.state.db.reader()).await.unwrap().expect("the browser's session");
    for (expires, revoked) in [(Utc::now() - day, None), (Utc::now() + day, Some(Utc::now()))] {
        let mut s: sessions::ActiveModel = live.clone().into();
        s.id = sea_orm::ActiveValue::NotSet;
        s.token_hash = Set(uuid::Uuid::new_v4().to_string());
        s.expires_at = Set(expires);
        s.revoked_at = Set(revoked);
        s.insert(app.state.db.writer()).await.unwrap();
    }

    // Sync bookkeeping: changes made 3 days ago go, those of the last hours stay (webhook health
    // reads the last 24 hours).
    let mut old_changes = Vec::new();
    for (n, age) in [
        (1, day * 3),
        (2, day * 3),
        (3, day * 2 + chrono::Duration::hours(1)),
        (4, chrono::Duration::hours(1)),
        (5, day),
    ] {
        let change = sync_changes::ActiveModel {
            jobber_account_id: Set("acct-bookkeeping".into()),
            kind: Set(Resource::Clients),
            jobber_id: Set(format!("client-{n}")),
            changed_at: Set(Utc::now() - age),
            found_at: Set(Utc::now() - age),
            prefetched: Set(false),
            announced: Set(Some(true)),
            ..Default::default()
        }
        .insert(app.state.db.writer())
        .await
        .unwrap();
        if age > day * 2 {
            old_changes.push(change.id);
        }
    }

    let db = &app.state.db;
    let retention = jobber_app::ops::Retention {
        webhook_events: Duration::from_secs(30 * 86_400),
        audit_log: Duration::from_secs(365 * 86_400),
    };
    let dry = jobber_app::ops::prune(db, retention, true).await.unwrap();
    assert_eq!((dry.webhook_events, dry.sessions), (removed.len() as u64, 2));
    assert_eq!(dry.sync_changes, old_changes.len() as u64);
    // Whatever else arrived (the connect's own events) is recent: kept too.
    let all: Vec<i64> =
        webhook_events::Entity::find().all(db.reader()).await.unwrap().into_iter().map(|e| e.id).collect();
    let mut kept: Vec<i64> = all.into_iter().filter(|id| !removed.contains(id)).collect();
    kept.sort();

    let done = jobber_app::ops::prune(db, retention, false).await.unwrap();
    assert_eq!(done, dry, "a run removes what the dry run counted");
    let mut left: Vec<i64> =
        webhook_events::Entity::find().all(db.reader()).await.unwrap().into_iter().map(|e| e.id).collect();
    left.sort();
    assert_eq!(left, kept);
    let sessions_left = sessions::Entity::find().all(db.reader()).await.unwrap();
    assert_eq!(sessions_left.iter().map(|s| s.id).collect::<Vec<_>>(), vec![live.id]);
    let changes_left = sync_changes::Entity::find().all(db.reader()).await.unwrap();
    assert!(changes_left.iter().all(|c| !old_changes.contains(&c.id)), "{changes_left:?}");
    assert_eq!(changes_left.iter().filter(|c| c.jobber_account_id == "acct-bookkeeping").count(), 2);
    assert_eq!(app.graphql("{ connection { status } }").await["data"]["connection"]["status"], "CONNECTED");
    assert_eq!(jobber_app::ops::prune(db, retention, false).await.unwrap(), Default::default());
}

#[tokio::test]
async fn the_operator_commands_run_against_the_database() {
    // `migrate` on a new database, as the README's upgrade steps run it before `serve`.
    let dir = tempfile::tempdir().unwrap();
    let fresh = crate::support::fresh_database_url(dir.path()).await;
    let migrate = |args: &[&str]| {
        let out = run_command(&fresh, dir.path(), args, &[]);
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    assert!(migrate(&["migrate", "status"]).contains("pending: m2026"));
    assert!(migrate(&["migrate"]).contains("migrations applied"));
    assert!(migrate(&["migrate", "status"]).contains("up to date"));

    let app = TestApp::spawn().await;
    insert_event(&app, 1, EventStatus::Processed, chrono::Duration::days(40)).await;
    insert_event(&app, 2, EventStatus::Dead, chrono::Duration::hours(1)).await;
    app.connect(GREEN).await;
    // The commands run beside the serving app; its first sync is a burst of long write
    // transactions, which on a loaded CI machine once held SQLite's lock past the command's
    // 10 s busy timeout ("database is locked"). Start once it is done.
    eventually(Duration::from_secs(60), "the first sync to finish", || async {
        let body = app.graphql("{ connection { sync { state } } }").await;
        (body["data"]["connection"]["sync"]["state"] == "UP_TO_DATE").then_some(())
    })
    .await;
    let run =
        |args: &[&str]| run_command(&app.state.config.database_url, &app.state.config.data_dir, args, &[]);
    let out = run(&["webhooks", "redrive"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("re-queued 1 dead-lettered webhook event(s)"), "{stdout}");
    let out = run(&["prune", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("would remove 1 settled webhook event(s) older than 30 day(s)"), "{stdout}");
    let out = run(&["prune"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("removed 1 settled webhook event(s)"), "{stdout}");
    assert!(stdout.contains("sync change record(s) older than 48 hours"), "{stdout}");

    let dest = app.dir.path().join("backups/copy.db");
    let out = run(&["backup", dest.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if postgres_admin_url().is_some() {
        assert!(!out.status.success() && stderr.contains("pg_dump"), "{stdout}{stderr}");
        return;
    }
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("connections: 1 row(s)") && stdout.contains("mode 0600"), "{stdout}");
    let again = run(&["backup", dest.to_str().unwrap()]);
    assert!(!again.status.success(), "an existing backup is never overwritten");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn a_backup_during_a_webhook_burst_holds_every_acknowledged_event() {
    if postgres_admin_url().is_some() {
        return; // SQLite's backup; PostgreSQL's is pg_dump (the command test checks the message)
    }
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = tokio_util::sync::CancellationToken::new();
    let mut senders = Vec::new();
    for sender in 0..4 {
        let (acked, stop, url, account) =
            (acked.clone(), stop.clone(), app.url("/webhooks/jobber"), account.clone());
        senders.push(tokio::spawn(async move {
            let http = client();
            for n in 0.. {
                if stop.is_cancelled() {
                    break;
                }
                let item = format!("burst-{sender}-{n}");
                let body = event("CLIENT_UPDATE", &account, &item, "2026-12-07T10:00:00Z");
                let res = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("X-Jobber-Hmac-SHA256", sign(&body, SECRET))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                acked.lock().unwrap().push(item);
            }
        }));
    }
    eventually(Duration::from_secs(10), "the burst to get going", || async {
        (acked.lock().unwrap().len() >= 200).then_some(())
    })
    .await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    let dest = app.dir.path().join("backup.db");
    let report = jobber_app::ops::backup(&app.state.db, &dest).await.expect("backup while serving");
    let during = acked.lock().unwrap().len();
    stop.cancel();
    for s in senders {
        s.await.unwrap();
    }
    assert!(during > before.len(), "webhooks kept flowing while the backup ran");
    assert_eq!(mode(&dest), 0o600);
    assert!(
        report.bytes > 0
            && report.rows.iter().any(|(t, n)| t == "webhook_events" && *n >= before.len() as u64)
    );

    let copy = sea_orm::Database::connect(format!("sqlite://{}?mode=ro", dest.display())).await.unwrap();
    let check = copy
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(check, "ok");
    let stored: std::collections::HashSet<String> = webhook_events::Entity::find()
        .filter(webhook_events::Column::JobberAccountId.eq(&account))
        .all(&copy)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.item_id)
        .collect();
    let missing: Vec<_> = before.iter().filter(|i| !stored.contains(*i)).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but not in it: {missing:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_and_data_directory_are_owner_only() {
    if postgres_admin_url().is_some() {
        return;
    }
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let db_file = app.dir.path().join("app.db");
    let side = |suffix: &str| app.dir.path().join(format!("app.db{suffix}"));
    for f in [db_file.clone(), side("-wal"), side("-shm")] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&app.state.config.data_dir), 0o700, "DATA_DIR");
    assert_eq!(mode(&app.state.config.data_dir.join("dev-keys.json")), 0o600);

    // Files left looser by an older version are tightened on the next start.
    use std::os::unix::fs::PermissionsExt as _;
    for f in [db_file.clone(), side("-wal"), side("-shm")] {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(&app.state.config.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut config = app.state.config.clone();
    config.database_url = format!("sqlite://{}?mode=rwc", app.state.config.data_dir.join("app.db").display());
    let db = jobber_app::db::Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    let second = app.state.config.data_dir.join("app.db");
    assert_eq!(mode(&second), 0o600);
    assert_eq!(mode(&app.state.config.data_dir), 0o700, "DATA_DIR tightened");
    let db_again = jobber_app::db::Db::connect(&app.state.config).await.unwrap();
    drop(db_again);
    for f in [db_file, side("-wal"), side("-shm")] {
        assert_eq!(mode(&f), 0o600, "tightened: {}", f.display());
    }
}
