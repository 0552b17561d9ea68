//! Resident memory of a process, from `/proc/<pid>/status` (Linux).

/// `VmRSS` (now) and `VmHWM` (the peak so far), in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rss {
    /// Resident set size now.
    pub current_kib: u64,
    /// High-water mark of the resident set since the process started.
    pub peak_kib: u64,
}

impl Rss {
    /// Reads `pid`'s figures; `None` if the process is gone or this is not Linux.
    pub fn of(pid: u32) -> Option<Self> {
        Self::parse(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
    }

    /// This process's figures.
    pub fn own() -> Option<Self> {
        Self::of(std::process::id())
    }

    fn parse(status: &str) -> Option<Self> {
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        };
        Some(Self { current_kib: field("VmRSS:")?, peak_kib: field("VmHWM:")? })
    }
}

/// CPU time (user + system) `pid` has used so far, from `/proc/<pid>/stat`; `None` if the process
/// is gone or this is not Linux. Resolution: one clock tick (Linux's USER_HZ, 1/100 s).
pub fn cpu_time(pid: u32) -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
    // state, ppid, … with utime and stime the 12th and 13th of them.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let ticks = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let rss = Rss::parse("Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n").unwrap();
        assert_eq!((rss.current_kib, rss.peak_kib), (10240, 20480));
        assert_eq!(mib(rss.peak_kib), "20.0 MiB");
    }
}
