//! Running workers for a fixed time and summarising what they saw.
//!
//! Every scenario is "N workers, each doing one request after another until
//! the deadline": the same loop whether a step is a GraphQL request or a raw
//! SQL statement, so the two halves of a comparison are measured alike.
//! Latencies are kept whole (microseconds, a few MB for a long run) rather
//! than in a histogram: exact percentiles, and nothing to configure.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::process::{CpuMeter, CpuUse, peak_rss_kib};

/// Longest one step may take before it counts as an error: the run stays
/// bounded even if the server or the database stops answering.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// How many distinct error messages a summary keeps, to show.
const MESSAGES_KEPT: usize = 5;

/// Why a step failed. RATE_LIMITED is counted apart: it is the server
/// protecting itself as designed, not a fault.
#[derive(Debug)]
pub enum Failure {
    RateLimited(String),
    Other(String),
}

impl Failure {
    pub fn other(message: impl Into<String>) -> Failure {
        Failure::Other(message.into())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::RateLimited(m) | Failure::Other(m) => f.write_str(m),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(format!("{e:#}"))
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Failure {
        Failure::Other(format!("SQL: {e}"))
    }
}

/// One worker of a timed run.
pub trait Worker: Send + 'static {
    /// Untimed preparation before each step (waiting for a user whose rate
    /// budget allows another post). Must return by `deadline`.
    fn prepare(&mut self, deadline: Instant) -> impl Future<Output = ()> + Send {
        let _ = deadline;
        async {}
    }

    /// One timed request; `Ok(n)` with the number of items it returned
    /// (messages on a page, 1 for a post), so both halves of a comparison
    /// can be seen to do the same work.
    fn step(&mut self) -> impl Future<Output = Result<u64, Failure>> + Send;
}

/// What a set of workers recorded.
#[derive(Default)]
pub struct Recorder {
    /// Latency of each successful step, in microseconds.
    latencies_us: Vec<u64>,
    items: u64,
    errors: u64,
    rate_limited: u64,
    /// The first few distinct error messages.
    messages: Vec<String>,
}

/// Where [`steps`] puts each step's outcome as it completes.
pub trait Record {
    fn record(&mut self, latency: Duration, result: Result<u64, Failure>);
}

impl Record for Recorder {
    fn record(&mut self, latency: Duration, result: Result<u64, Failure>) {
        match result {
            Ok(items) => {
                self.latencies_us
                    .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
                self.items += items;
            }
            Err(Failure::RateLimited(message)) => {
                self.rate_limited += 1;
                self.keep(message);
            }
            Err(Failure::Other(message)) => {
                self.errors += 1;
                self.keep(message);
            }
        }
    }
}

impl Recorder {
    fn keep(&mut self, message: String) {
        if self.messages.len() < MESSAGES_KEPT && !self.messages.contains(&message) {
            self.messages.push(message);
        }
    }

    fn merge(&mut self, other: Recorder) {
        self.latencies_us.extend(other.latencies_us);
        self.items += other.items;
        self.errors += other.errors;
        self.rate_limited += other.rate_limited;
        for message in other.messages {
            self.keep(message);
        }
    }
}

/// The outcome of a timed run.
pub struct Run {
    pub recorder: Recorder,
    pub elapsed: Duration,
    /// The server's CPU over the run, when its pid was given.
    pub server_cpu: Option<CpuUse>,
    /// The server's peak resident memory since it started (VmHWM), in KiB,
    /// read at the end of the run, when its pid was given.
    pub server_peak_kib: Option<u64>,
}

impl Run {
    /// Adds a later run of the same phase (another round) to this one.
    pub fn absorb(&mut self, later: Run) {
        self.recorder.merge(later.recorder);
        self.elapsed += later.elapsed;
        self.server_cpu = match (self.server_cpu.take(), later.server_cpu) {
            (Some(a), Some(b)) => Some(CpuUse {
                secs: a.secs + b.secs,
                wall: a.wall + b.wall,
            }),
            (a, b) => a.or(b),
        };
        self.server_peak_kib = self.server_peak_kib.max(later.server_peak_kib);
    }

    pub fn ok(&self) -> u64 {
        self.recorder.latencies_us.len() as u64
    }

    /// Successful steps per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok() as f64 / secs
        } else {
            0.0
        }
    }

    /// Prints the summary block under `title`.
    pub fn print(&mut self, title: &str) {
        let r = &mut self.recorder;
        r.latencies_us.sort_unstable();
        let ok = r.latencies_us.len() as u64;
        let total = ok + r.errors + r.rate_limited;
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { ok as f64 / secs } else { 0.0 };
        println!("── {title}");
        println!(
            "  requests     {total} in {secs:.2} s; {ok} ok, {rate:.1} ok/s",
            secs = self.elapsed.as_secs_f64()
        );
        if ok > 0 {
            let l = &r.latencies_us;
            println!(
                "  latency      p50 {}  p99 {}  max {}  (successful requests)",
                ms(percentile(l, 50.0)),
                ms(percentile(l, 99.0)),
                ms(l.last().copied().unwrap_or(0)),
            );
            println!("  items/req    {:.1}", r.items as f64 / ok as f64);
        }
        println!("  errors       {}", r.errors);
        if r.rate_limited > 0 {
            println!("  RATE_LIMITED {}", r.rate_limited);
        }
        for message in &r.messages {
            println!("    e.g. {message}");
        }
        if let Some(cpu) = &self.server_cpu {
            println!("  server CPU   {}", cpu.describe(ok, "successful request"));
        }
        if let Some(kib) = self.server_peak_kib {
            println!(
                "  server peak  {:.1} MiB resident (VmHWM: the most since it started)",
                kib as f64 / 1024.0
            );
        }
    }
}

/// Runs `workers` concurrently: first unrecorded for `warmup` (connections
/// open, statements get prepared and planned on every pooled connection,
/// caches fill), then recorded until `duration` more is over. A step started
/// before a deadline finishes, bounded by [`STEP_TIMEOUT`].
///
/// With `server_pid`, the summary also tells the CPU the server process
/// spent over the measured part.
pub async fn drive<W: Worker>(
    workers: Vec<W>,
    warmup: Duration,
    duration: Duration,
    server_pid: Option<u32>,
) -> anyhow::Result<Run> {
    let start = Instant::now() + warmup;
    let deadline = start + duration;
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|mut worker| {
            tokio::spawn(async move {
                let mut warming = Recorder::default();
                steps(&mut worker, start, &mut warming).await;
                let mut recorder = Recorder::default();
                steps(&mut worker, deadline, &mut recorder).await;
                recorder
            })
        })
        .collect();
    tokio::time::sleep_until(start.into()).await;
    let cpu = CpuMeter::start(server_pid)?;
    let mut recorder = Recorder::default();
    for task in tasks {
        recorder.merge(task.await.context("a worker panicked")?);
    }
    let elapsed = start.elapsed();
    let server_cpu = cpu.stop()?;
    let server_peak_kib = server_pid.map(peak_rss_kib).transpose()?;
    Ok(Run {
        recorder,
        elapsed,
        server_cpu,
        server_peak_kib,
    })
}

/// Steps `worker` until `deadline`, into `recorder`.
pub async fn steps<W: Worker, R: Record>(worker: &mut W, deadline: Instant, recorder: &mut R) {
    loop {
        if Instant::now() >= deadline {
            break;
        }
        worker.prepare(deadline).await;
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        let result = match tokio::time::timeout(STEP_TIMEOUT, worker.step()).await {
            Ok(result) => result,
            Err(_) => Err(Failure::other(format!(
                "no answer within {} s",
                STEP_TIMEOUT.as_secs()
            ))),
        };
        recorder.record(began.elapsed(), result);
    }
}

/// The `p`th percentile (nearest rank) of sorted values; 0 when empty.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Microseconds as milliseconds, for printing.
pub fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

/// The GraphQL rate over the raw SQL one (0 when either is 0).
pub fn ratio(graphql: &Run, raw: &Run) -> f64 {
    let (g, r) = (graphql.rate(), raw.rate());
    if r > 0.0 && g > 0.0 { g / r } else { 0.0 }
}

/// Prints how the GraphQL rate compares with the raw SQL one.
pub fn print_ratio(graphql: &Run, raw: &Run) {
    let (g, r) = (graphql.rate(), raw.rate());
    if r > 0.0 && g > 0.0 {
        println!(
            "── GraphQL / raw SQL: {:.3} ({g:.1} vs {r:.1} ok/s; raw SQL is {:.1}x the GraphQL rate)",
            g / r,
            r / g
        );
    } else {
        println!("── GraphQL / raw SQL: n/a ({g:.1} vs {r:.1} ok/s)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 99.0), 99);
        assert_eq!(percentile(&values, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn errors_are_counted_apart_and_messages_kept_once() {
        let mut r = Recorder::default();
        r.record(Duration::from_millis(2), Ok(50));
        r.record(
            Duration::from_millis(1),
            Err(Failure::RateLimited("slow down".into())),
        );
        r.record(Duration::from_millis(1), Err(Failure::other("boom")));
        r.record(Duration::from_millis(1), Err(Failure::other("boom")));
        assert_eq!(r.latencies_us, vec![2000]);
        assert_eq!((r.errors, r.rate_limited, r.items), (2, 1, 50));
        assert_eq!(r.messages, vec!["slow down".to_owned(), "boom".to_owned()]);
    }
}
