//! The CPU the local stack used over a window (Linux `/proc`), split by who used it: the
//! emulator (one Python process: every AWS API, the DNS server and the Step Functions
//! interpreter), the Redis nodes it runs, the Lambda host and the functions it runs (the
//! product's binaries). The AZ outage's latency on a 2-core machine is bound by this;
//! the figures say whether the product or the stack standing in for AWS was the queue.
//!
//! The stack's processes are found from `REPLICA_DNS_RUN_DIR/pids` (written by
//! `tests/localstack/run`) and their descendants from `/proc`. Processes that ended in
//! the window count through their parent's `cutime`/`cstime` (the kernel adds a reaped
//! child's time there). Shares are in cores: ticks over the machine's ticks per core, so
//! no clock-tick rate is needed.

use std::collections::BTreeMap;
use std::path::Path;

/// Who used the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Emulator,
    Nodes,
    LambdaHost,
    Functions,
}

/// The machine's ticks (the `cpu` line of `/proc/stat`) and each stack process's.
#[derive(Debug, Clone)]
pub struct CpuSample {
    cores: usize,
    total: u64,
    idle: u64,
    steal: u64,
    /// Each process's (or reaped children's) part and ticks.
    processes: BTreeMap<Ticked, (Part, u64)>,
}

/// Whose ticks: a living process's own (utime + stime), or the children a root reaped
/// (its cutime + cstime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ticked {
    Process(u32),
    ReapedBy(u32),
}

/// What the stack used between two samples, in cores.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuUse {
    pub cores: usize,
    /// Cores busy on anything (user, system, interrupts), steal excluded.
    pub busy: f64,
    /// Share of the machine's time the hypervisor gave to other guests (`steal`).
    pub steal_share: f64,
    pub emulator: f64,
    pub nodes: f64,
    pub lambda_host: f64,
    pub functions: f64,
}

impl std::fmt::Display for CpuUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cores, {:.2} busy, steal {:.0} %; emulator {:.2} core (one Python process), its Redis nodes {:.2}, Lambda host {:.2}, the functions {:.2}",
            self.cores,
            self.busy,
            self.steal_share * 100.0,
            self.emulator,
            self.nodes,
            self.lambda_host,
            self.functions
        )
    }
}

impl CpuSample {
    /// A sample of the stack whose run directory is `run_dir`; `None` off Linux or when
    /// the stack's pids are not known.
    pub fn take(run_dir: &Path) -> Option<Self> {
        let roots = std::fs::read_to_string(run_dir.join("pids")).ok()?;
        let root = |name: &str| {
            roots.lines().find_map(|line| {
                let (n, pid) = line.split_once(' ')?;
                (n == name)
                    .then(|| pid.trim().parse::<u32>().ok())
                    .flatten()
            })
        };
        let emulator = root("emulator")?;
        let lambda_host = root("lambda-host")?;
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let (cores, total, idle, steal) = machine_ticks(&stat)?;
        let all = all_processes();
        let mut processes = BTreeMap::new();
        for (root_pid, own, children) in [
            (emulator, Part::Emulator, Part::Nodes),
            (lambda_host, Part::LambdaHost, Part::Functions),
        ] {
            let Some(stat) = all.get(&root_pid) else {
                continue;
            };
            processes.insert(Ticked::Process(root_pid), (own, stat.own));
            processes.insert(Ticked::ReapedBy(root_pid), (children, stat.reaped));
            for pid in descendants(root_pid, &all) {
                if let Some(s) = all.get(&pid) {
                    processes.insert(Ticked::Process(pid), (children, s.own));
                }
            }
        }
        Some(CpuSample {
            cores,
            total,
            idle,
            steal,
            processes,
        })
    }

    /// What was used from `self` to `later`.
    pub fn until(&self, later: &CpuSample) -> CpuUse {
        let per_core = later.total.saturating_sub(self.total) as f64 / self.cores.max(1) as f64;
        let cores_of = |ticks: u64| {
            if per_core > 0.0 {
                ticks as f64 / per_core
            } else {
                0.0
            }
        };
        let mut by_part: BTreeMap<Part, u64> = BTreeMap::new();
        for (whose, (part, ticks)) in &later.processes {
            let before = self.processes.get(whose).map_or(0, |(_, t)| *t);
            *by_part.entry(*part).or_default() += ticks.saturating_sub(before);
        }
        let part = |p: Part| cores_of(by_part.get(&p).copied().unwrap_or_default());
        let total = later.total.saturating_sub(self.total);
        let idle = later.idle.saturating_sub(self.idle);
        let steal = later.steal.saturating_sub(self.steal);
        CpuUse {
            cores: later.cores,
            busy: cores_of(total.saturating_sub(idle).saturating_sub(steal)),
            steal_share: if total > 0 {
                steal as f64 / total as f64
            } else {
                0.0
            },
            emulator: part(Part::Emulator),
            nodes: part(Part::Nodes),
            lambda_host: part(Part::LambdaHost),
            functions: part(Part::Functions),
        }
    }
}

/// (cores, all ticks, idle + iowait ticks, steal ticks) from `/proc/stat`.
fn machine_ticks(stat: &str) -> Option<(usize, u64, u64, u64)> {
    let cores = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    if fields.len() < 8 {
        return None;
    }
    Some((cores, fields.iter().sum(), fields[3] + fields[4], fields[7]))
}

struct ProcessTicks {
    parent: u32,
    own: u64,
    reaped: u64,
}

/// Every process's parent and ticks (`/proc/<pid>/stat`: after the command's closing
/// parenthesis, field 4 is the parent, 14–17 utime, stime, cutime, cstime).
fn all_processes() -> BTreeMap<u32, ProcessTicks> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(ticks) = process_ticks(&stat) {
            out.insert(pid, ticks);
        }
    }
    out
}

fn process_ticks(stat: &str) -> Option<ProcessTicks> {
    let (_, rest) = stat.rsplit_once(')')?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Option<u64> { f.get(n - 3)?.parse().ok() };
    Some(ProcessTicks {
        parent: u32::try_from(field(4)?).ok()?,
        own: field(14)? + field(15)?,
        reaped: field(16)? + field(17)?,
    })
}

fn descendants(root: u32, all: &BTreeMap<u32, ProcessTicks>) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![root];
    while let Some(parent) = todo.pop() {
        for (pid, t) in all {
            if t.parent == parent && *pid != root && !found.contains(pid) {
                found.push(*pid);
                todo.push(*pid);
            }
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_process_stat_line_gives_its_parent_and_ticks_even_with_spaces_in_its_name() {
        let line = "4242 (python3 -m x) S 4200 4242 4200 0 -1 4194304 10 0 0 0 150 25 7 3 20 0 1 0 100 0 0";
        let t = process_ticks(line).unwrap();
        assert_eq!((t.parent, t.own, t.reaped), (4200, 175, 10));
    }

    #[test]
    fn machine_ticks_count_cores_and_split_idle_and_steal() {
        let stat = "cpu  100 0 50 800 20 0 5 25 0 0\ncpu0 50 0 25 400 10 0 2 13 0 0\ncpu1 50 0 25 400 10 0 3 12 0 0\nintr 1\n";
        assert_eq!(machine_ticks(stat), Some((2, 1000, 820, 25)));
    }

    #[test]
    fn use_is_the_difference_in_cores() {
        let sample = |total: u64, idle: u64, steal: u64, emulator: u64| CpuSample {
            cores: 2,
            total,
            idle,
            steal,
            processes: BTreeMap::from([(Ticked::Process(1), (Part::Emulator, emulator))]),
        };
        // 10 s on 2 cores at 100 ticks/s: 2,000 ticks; 900 of them the emulator's.
        let used = sample(0, 0, 0, 0).until(&sample(2000, 500, 100, 900));
        assert_eq!(used.cores, 2);
        assert!((used.busy - 1.4).abs() < 1e-9, "{used}");
        assert!((used.steal_share - 0.05).abs() < 1e-9, "{used}");
        assert!((used.emulator - 0.9).abs() < 1e-9, "{used}");
        assert_eq!(used.functions, 0.0);
    }
}
