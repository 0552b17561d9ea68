//! Issue 5: crash safety. The server is SIGKILLed during a burst of webhooks and restarted; every
//! delivery that got a 200 must be in the inbox exactly once and be processed.
use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use jobber_app::db::entities::webhook_events;
use sea_orm::{Database, EntityTrait};

use crate::{
    support::{eventually, free_port, fresh_database_url, serve_command, wait_ready},
    webhooks::{event, sign},
};

fn start(dir: &std::path::Path, port: u16, database_url: &str) -> tokio::process::Child {
    serve_command(port, database_url, &dir.join("data"))
        .env("SANDBOX_BIND_ADDR", "127.0.0.1:0")
        .spawn()
        .expect("start jobber-app")
}

async fn wait_healthy(port: u16) {
    wait_ready(port, "/healthz", Duration::from_secs(60)).await;
}

#[tokio::test]
async fn every_acknowledged_webhook_survives_a_sigkill_and_is_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let port = free_port();
    let mut server = start(dir.path(), port, &database_url);
    wait_healthy(port).await;

    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let sent = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let url = format!("http://127.0.0.1:{port}/webhooks/jobber");
    let mut senders = Vec::new();
    for worker in 0..16 {
        let (acked, sent, stop, url) = (acked.clone(), sent.clone(), stop.clone(), url.clone());
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            for i in 0..2_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let item = format!("w{worker}-i{i}");
                let body = event("APP_CONNECT", "Y3Jhc2g=", &item, "2026-11-28T12:00:00Z");
                let sig = sign(&body, "sandbox-client-secret");
                sent.fetch_add(1, Ordering::Relaxed);
                match client.post(&url).header("X-Jobber-Hmac-SHA256", sig).body(body).send().await {
                    Ok(r) if r.status() == 200 => {
                        acked.lock().unwrap().insert(item);
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Kill it mid-burst, without warning.
    eventually(Duration::from_secs(60), "a few hundred acknowledged deliveries", || async {
        (acked.lock().unwrap().len() >= 400).then_some(())
    })
    .await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < sent.load(Ordering::Relaxed), "the kill landed mid-burst");

    // Restart on the same database: nothing acknowledged may be missing, nothing doubled.
    let mut server = start(dir.path(), port, &database_url);
    wait_healthy(port).await;
    let db = Database::connect(&database_url).await.unwrap();
    let rows = eventually(Duration::from_secs(90), "every recorded event to be processed", || async {
        let rows = webhook_events::Entity::find().all(&db).await.unwrap();
        rows.iter().all(|r| r.status == "PROCESSED").then_some(rows)
    })
    .await;
    let mut seen = HashSet::new();
    for r in &rows {
        assert!(seen.insert(r.item_id.clone()), "item {} recorded twice", r.item_id);
    }
    let missing: Vec<_> = acked.iter().filter(|i| !seen.contains(*i)).collect();
    assert!(missing.is_empty(), "{} acknowledged deliveries lost, e.g. {:?}", missing.len(), missing.first());
    let _ = db.close().await;
    server.start_kill().unwrap();
    let _ = server.wait().await;
}
