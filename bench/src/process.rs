//! What the server process costs, read from /proc: resident memory (per
//! open subscription, in `fanout`) and CPU time (per request, in `feed` and
//! `post`), so a figure can be pinned on the server rather than on the
//! database or the bench itself, which share the machine.

use anyhow::Context;

/// Clock ticks per second of /proc/PID/stat: USER_HZ, 100 on Linux.
const USER_HZ: f64 = 100.0;

/// The resident memory of `pid` in KiB (VmRSS).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_kib(pid, "VmRSS")
}

/// The most resident memory `pid` has had since it started, in KiB
/// (VmHWM): the peak under a load, on a freshly started server.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_kib(pid, "VmHWM")
}

/// A `KiB` field of /proc/PID/status.
fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    field_kib(&read_status(pid)?, field)
}

fn read_status(pid: u32) -> anyhow::Result<String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status (--pid)"))
}

/// A `KiB` field of the text of one /proc/PID/status read.
fn field_kib(status: &str, field: &str) -> anyhow::Result<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("no {field} in /proc/PID/status"))
}

/// CPU seconds (user + system, all threads) `pid` has used so far.
pub fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat (--pid)"))?;
    // The command name may hold spaces; the fields after it are plain.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15, i.e. 12 and 13 after the name.
    let ticks = |i: usize| -> anyhow::Result<f64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .context("unexpected /proc/PID/stat")
    };
    Ok((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// Measures the CPU a process spends from `start` to `stop`.
pub struct CpuMeter {
    pid: Option<u32>,
    before: f64,
    started: std::time::Instant,
}

/// CPU seconds used over wall-clock seconds.
pub struct CpuUse {
    pub secs: f64,
    pub wall: f64,
}

impl CpuUse {
    /// "1.2 s in 10.0 s (0.12 cores), 0.34 ms per <what>".
    pub fn describe(&self, count: u64, what: &str) -> String {
        let per = if count == 0 {
            format!("no {what} to divide by")
        } else {
            format!("{:.3} ms per {what}", 1000.0 * self.secs / count as f64)
        };
        format!(
            "{:.1} s in {:.1} s ({:.2} cores), {per}",
            self.secs,
            self.wall,
            self.secs / self.wall.max(1e-9),
        )
    }
}

impl CpuMeter {
    /// Starts measuring `pid`; measures nothing without one.
    pub fn start(pid: Option<u32>) -> anyhow::Result<CpuMeter> {
        let before = pid.map(cpu_secs).transpose()?.unwrap_or(0.0);
        Ok(CpuMeter {
            pid,
            before,
            started: std::time::Instant::now(),
        })
    }

    /// What the process used since `start`, if a pid was given.
    pub fn stop(&self) -> anyhow::Result<Option<CpuUse>> {
        let Some(pid) = self.pid else {
            return Ok(None);
        };
        Ok(Some(CpuUse {
            secs: cpu_secs(pid)? - self.before,
            wall: self.started.elapsed().as_secs_f64(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_can_be_measured() -> anyhow::Result<()> {
        let pid = std::process::id();
        assert!(rss_kib(pid)? > 0);
        assert!(peak_rss_kib(pid)? > 0);
        // The peak is at least the current size only within one read: the
        // other tests run on threads beside this one, so the resident size
        // may grow between two reads (CI saw VmHWM then a larger VmRSS).
        let status = read_status(pid)?;
        assert!(field_kib(&status, "VmHWM")? >= field_kib(&status, "VmRSS")?);
        assert!(cpu_secs(pid)? >= 0.0);
        Ok(())
    }
}
