//! A small HTTP/1.1 load generator: N keep-alive connections, each driven by one task.
//!
//! Hand-written on hyper's low-level client (rather than a load-testing crate such as goose) so
//! that the generator costs little CPU on a 2-core machine it shares with the server, and so that
//! requests can differ per sequence number (signed webhook bodies with distinct ids).
//!
//! Two modes:
//! - [`Mode::Closed`]: every connection sends its next request as soon as the previous answer is
//!   read: the maximum throughput the server sustains at that concurrency.
//! - [`Mode::Open`]: requests are due at a fixed rate whatever the server does. Latency is measured
//!   from the moment a request was due when no connection was free to send it (so a stalled server
//!   shows up in the percentiles instead of slowing the generator down: no "coordinated
//!   omission"), and from the moment it was sent otherwise.
//!
//! Both modes stop at a request count and at a deadline, whichever comes first; each request has a
//! timeout.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::{net::TcpStream, time::Instant};

/// Builds request number `n` (0-based). The URI is a path (`/healthz`); `Host` is added if absent.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;
/// Decides whether an answer counts as a success (status and the whole body).
pub type Check = Arc<dyn Fn(StatusCode, &[u8]) -> bool + Send + Sync>;

/// Longest a single request may take before it is counted as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What to load.
#[derive(Clone)]
pub struct Target {
    /// A loopback address.
    pub addr: SocketAddr,
    /// Request factory.
    pub make: MakeRequest,
    /// Success test.
    pub check: Check,
}

impl Target {
    /// A target; panics unless `addr` is a loopback address (load goes to this machine only).
    pub fn new(addr: SocketAddr, make: MakeRequest, check: Check) -> Self {
        assert!(addr.ip().is_loopback(), "load is only generated against 127.0.0.1, not {addr}");
        Self { addr, make, check }
    }

    /// `GET path` that succeeds on 200.
    pub fn get(addr: SocketAddr, path: &'static str) -> Self {
        Self::new(
            addr,
            Arc::new(move |_| {
                Request::get(path).body(Full::new(Bytes::new())).expect("static request is valid")
            }),
            Arc::new(|status, _| status == StatusCode::OK),
        )
    }
}

/// How to load it.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// `concurrency` connections, back to back, for at most `duration` and `max_requests`.
    Closed { concurrency: usize, duration: Duration, max_requests: u64 },
    /// `rate` requests per second for `duration` over up to `connections` connections.
    Open { rate: f64, duration: Duration, connections: usize },
}

/// The figures of one run.
pub struct Outcome {
    /// Requests that got an answer.
    pub answered: u64,
    /// Answers that passed the [`Check`].
    pub ok: u64,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection error or timeout).
    pub transport_errors: u64,
    /// Open loop: requests that found no free connection when due (their latency counts from
    /// when they were due).
    pub late: u64,
    /// Latency of answered requests, in microseconds.
    pub latency: Histogram<u64>,
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
}

impl Outcome {
    /// Successful answers per second.
    pub fn ok_per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// All answers per second.
    pub fn answered_per_sec(&self) -> f64 {
        self.answered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0.0–1.0) of latency.
    pub fn quantile(&self, q: f64) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(q))
    }

    /// Answers that failed the check plus requests without an answer.
    pub fn failures(&self) -> u64 {
        self.answered - self.ok + self.transport_errors
    }

    fn empty() -> Self {
        Self {
            answered: 0,
            ok: 0,
            statuses: BTreeMap::new(),
            transport_errors: 0,
            late: 0,
            latency: new_histogram(),
            elapsed: Duration::ZERO,
        }
    }

    /// Adds another run's figures to these (wall times add up: the runs are sequential).
    pub fn absorb(&mut self, other: Self) {
        let elapsed = self.elapsed + other.elapsed;
        self.merge(other);
        self.elapsed = elapsed;
    }

    fn merge(&mut self, other: Self) {
        self.answered += other.answered;
        self.ok += other.ok;
        self.transport_errors += other.transport_errors;
        self.late += other.late;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.latency.add(&other.latency).expect("histograms share bounds");
    }
}

/// A latency histogram from 1 µs to 60 s with 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static bounds are valid")
}

/// Records `d` in microseconds, clamped to the histogram's range.
pub fn record(h: &mut Histogram<u64>, d: Duration) {
    let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).clamp(1, 60_000_000);
    h.record(micros).expect("value clamped to bounds");
}

/// Runs `mode` against `target` and returns the merged figures.
pub async fn run(target: &Target, mode: Mode) -> Outcome {
    let (workers, duration) = match mode {
        Mode::Closed { concurrency, duration, .. } => (concurrency.max(1), duration),
        Mode::Open { connections, duration, .. } => (connections.max(1), duration),
    };
    // Connect everyone first, so connection set-up is not part of the measurement.
    let mut conns = Vec::with_capacity(workers);
    for _ in 0..workers {
        conns.push(Conn::open(target.addr).await);
    }
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(20);
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(workers);
    for conn in conns {
        let target = target.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            match mode {
                Mode::Closed { max_requests, .. } => {
                    closed_worker(conn, &target, &next, start, deadline, max_requests).await
                }
                Mode::Open { rate, .. } => open_worker(conn, &target, &next, start, deadline, rate).await,
            }
        }));
    }
    let mut total = Outcome::empty();
    for task in tasks {
        let outcome = task.await.expect("load worker panicked");
        total.merge(outcome);
    }
    total.elapsed = Instant::now().saturating_duration_since(start);
    total
}

async fn closed_worker(
    mut conn: Conn,
    target: &Target,
    next: &AtomicU64,
    start: Instant,
    deadline: Instant,
    max_requests: u64,
) -> Outcome {
    let mut out = Outcome::empty();
    tokio::time::sleep_until(start).await;
    loop {
        if Instant::now() >= deadline {
            break;
        }
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= max_requests {
            break;
        }
        let sent = Instant::now();
        if conn.exchange(target, n, &mut out).await {
            record(&mut out.latency, sent.elapsed());
        }
    }
    out
}

async fn open_worker(
    mut conn: Conn,
    target: &Target,
    next: &AtomicU64,
    start: Instant,
    deadline: Instant,
    rate: f64,
) -> Outcome {
    let mut out = Outcome::empty();
    let interval = Duration::from_secs_f64(1.0 / rate.max(1e-3));
    let total = (rate * deadline.saturating_duration_since(start).as_secs_f64()).floor() as u64;
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= total {
            break;
        }
        let due = start + interval.mul_f64(n as f64);
        let now = Instant::now();
        // Hard stop: a server that falls far behind does not keep the run going.
        if now > deadline + Duration::from_secs(5) {
            break;
        }
        let from = if due < now {
            // Every connection was busy when this one was due: the wait is part of its latency.
            out.late += 1;
            due
        } else {
            tokio::time::sleep_until(due).await;
            // The timer wakes up to a millisecond late; that slack is the generator's, not the
            // server's.
            Instant::now()
        };
        if conn.exchange(target, n, &mut out).await {
            record(&mut out.latency, from.elapsed());
        }
    }
    out
}

/// One keep-alive HTTP/1.1 connection that reconnects after an error.
struct Conn {
    addr: SocketAddr,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let host = HeaderValue::from_str(&addr.to_string()).expect("an address is a valid Host");
        let mut conn = Self { addr, host, sender: None };
        let _ = conn.sender().await;
        conn
    }

    async fn sender(&mut self) -> Option<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
            self.sender = None;
            let stream = TcpStream::connect(self.addr).await.ok()?;
            let _ = stream.set_nodelay(true);
            let (sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut()
    }

    /// Sends request `n`, reads the whole answer and counts it in `out`; true when an answer came.
    async fn exchange(&mut self, target: &Target, n: u64, out: &mut Outcome) -> bool {
        let mut req = (target.make)(n);
        if !req.headers().contains_key(header::HOST) {
            req.headers_mut().insert(header::HOST, self.host.clone());
        }
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let sender = self.sender().await.ok_or(())?;
            sender.ready().await.map_err(|_| ())?;
            let res = sender.send_request(req).await.map_err(|_| ())?;
            let status = res.status();
            let body = res.into_body().collect().await.map_err(|_| ())?.to_bytes();
            Ok::<_, ()>((status, body))
        })
        .await;
        match result {
            Ok(Ok((status, body))) => {
                out.answered += 1;
                *out.statuses.entry(status.as_u16()).or_default() += 1;
                if (target.check)(status, &body) {
                    out.ok += 1;
                }
                true
            }
            Ok(Err(())) | Err(_) => {
                out.transport_errors += 1;
                self.sender = None;
                // Do not spin on a refused connection.
                tokio::time::sleep(Duration::from_millis(5)).await;
                false
            }
        }
    }
}
