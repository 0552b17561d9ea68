//! The HTTP/1.1 accept loop: hyper's connection builder with a header-read timeout (which hyper
//! also starts when a keep-alive connection goes idle), a cap on open connections, the peer
//! address for every request, and graceful shutdown.
//!
//! `axum::serve` offers none of the timeouts or the cap, so this loop replaces it; it does what
//! `axum::serve` does otherwise (one task per connection, WebSocket upgrades, graceful shutdown
//! of open connections once the shutdown future resolves).

use std::{future::Future, net::SocketAddr, pin::pin, sync::Arc, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::AsyncWriteExt as _,
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt as _;

/// The connection-level limits (from `config::HttpSettings`).
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Complete request headers must arrive within this, from connect or from going idle.
    pub header_timeout: Duration,
    /// Connections served at once; past it a connection gets a 503 and is closed.
    pub max_connections: usize,
}

/// What a connection over the cap is told before it is closed.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\
retry-after: 1\r\nconnection: close\r\ncontent-length: 33\r\n\r\nToo many connections; try again.\n";

/// Serves `app` on `listener` until `shutdown` resolves, then lets open connections finish their
/// current request and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let closing = CancellationToken::new();
    let connections = TaskTracker::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("http_connections_refused_total").increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let service = app.clone().map_request(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(remote));
            req
        });
        let conn =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)).with_upgrades();
        let closing = closing.clone();
        connections.spawn(async move {
            let mut conn = pin!(conn);
            tokio::select! {
                result = conn.as_mut() => log_end(result.err(), remote),
                () = closing.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    log_end(conn.await.err(), remote);
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

fn log_end(err: Option<hyper::Error>, remote: SocketAddr) {
    if let Some(err) = err {
        if err.is_timeout() {
            metrics::counter!("http_header_timeouts_total").increment(1);
        }
        tracing::debug!(error = %err, %remote, "connection ended with an error");
    }
}

/// Over the cap: a short 503, then close (the socket is not held while the client dawdles).
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(REFUSED).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// A failed accept: per-connection errors are skipped; others (such as running out of file
/// descriptors) pause the loop for a moment instead of spinning.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed; pausing for a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let text = std::str::from_utf8(super::REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
    }
}
