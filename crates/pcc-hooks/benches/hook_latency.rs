//! Hook latency: process start to exit of `pcc-hooks hook` for a PreToolUse call, including its
//! record (a LOW call's goes to the spool, folded into the database by the next reader),
//! against spawning `/bin/true`, interleaved call by call so that load on the machine hits every
//! program alike; with each program's size and peak RSS.
//!
//! Run: `cargo bench -p pcc-hooks --bench hook_latency` (release profile). `PCC_BENCH_RUNS` sets
//! the number of calls per program (default 1000). `PCC_BENCH_COMPARE=/path/a:/path/b` adds other
//! builds of pcc-hooks to the same interleaved run — an A/B of before and after, or of the
//! binary `scripts/install` builds (statically linked) against this one. Targets: median ≤ 2 ×
//! `/bin/true`, peak RSS ≤ 10 MB.
#![allow(unsafe_code, missing_docs)] // wait4 is the one way to read one child's peak RSS

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pcc-hooks");

/// One program under measurement, with its own data directory so each keeps its own database.
struct Program {
    label: String,
    path: PathBuf,
    args: &'static [&'static str],
    home: tempfile::TempDir,
    times: Vec<Duration>,
    peak_rss_kib: i64,
}

impl Program {
    fn new(label: &str, path: &Path, args: &'static [&'static str]) -> Program {
        Program {
            label: label.to_owned(),
            path: path.to_path_buf(),
            args,
            home: tempfile::tempdir().expect("tempdir"),
            times: Vec::new(),
            peak_rss_kib: 0,
        }
    }

    /// Runs the program once with the hook input on stdin; returns its wall time and records its
    /// peak RSS.
    #[expect(
        clippy::zombie_processes,
        reason = "the child is reaped by wait4, which std's wait does not offer"
    )]
    fn run_once(&mut self, stdin: &[u8]) -> Duration {
        let started = Instant::now();
        let mut child = Command::new(&self.path)
            .args(self.args)
            .env("PCC_HOME", self.home.path())
            .env("CLAUDE_PROJECT_DIR", "/home/dev/project")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        if let Some(mut pipe) = child.stdin.take() {
            // /bin/true does not read its stdin; a closed pipe is fine there.
            let _ = pipe.write_all(stdin);
        }
        let (status, rss_kib) = wait_with_rusage(child.id());
        let elapsed = started.elapsed();
        assert!(status.success(), "{} failed: {status}", self.label);
        self.peak_rss_kib = self.peak_rss_kib.max(rss_kib);
        elapsed
    }
}

/// Waits for `pid` and returns its exit status and peak RSS in KiB.
fn wait_with_rusage(pid: u32) -> (ExitStatus, i64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our unwaited child; `status` and `usage` are valid and writable.
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4 failed");
    (ExitStatus::from_raw(status), usage.ru_maxrss)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn main() {
    let runs: usize = std::env::var("PCC_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/claude-code/v2.1.329-PreToolUse.json");
    let input = std::fs::read(&fixture).expect("PreToolUse fixture");

    let mut programs = vec![
        Program::new("/bin/true", Path::new("/bin/true"), &[]),
        Program::new("pcc-hooks hook (this build)", Path::new(BIN), &["hook"]),
    ];
    if let Ok(list) = std::env::var("PCC_BENCH_COMPARE") {
        for path in list.split(':').filter(|path| !path.is_empty()) {
            programs.push(Program::new(
                &format!("{path} hook"),
                Path::new(path),
                &["hook"],
            ));
        }
    }

    // Warm up: create and migrate each database, fill the page cache with every program.
    for program in &mut programs {
        for _ in 0..20 {
            program.run_once(&input);
        }
    }
    for _ in 0..runs {
        for program in &mut programs {
            let elapsed = program.run_once(&input);
            program.times.push(elapsed);
        }
    }

    for program in programs.iter().skip(1) {
        // A LOW call keeps its rows in the spool; opening the store folds them in.
        let database = program.home.path().join("pcc.db");
        drop(pcc_store::Store::open(&database).expect("fold the spool"));
        let stored: i64 = rusqlite::Connection::open(&database)
            .and_then(|conn| conn.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0)))
            .expect("count events");
        assert_eq!(
            stored as usize,
            runs + 20,
            "every call of {} stored its event",
            program.label
        );
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for program in &mut programs {
        program.times.sort();
    }
    let true_median = percentile(&programs[0].times, 0.5);
    println!("{runs} calls per program, interleaved (PreToolUse + SQLite write for pcc-hooks):");
    for program in &programs {
        let median = percentile(&program.times, 0.5);
        let size_mb = std::fs::metadata(&program.path)
            .map(|metadata| metadata.len() as f64 / 1e6)
            .unwrap_or(f64::NAN);
        println!(
            "  {:<45} median {:.3} ms  p99 {:.3} ms  max {:.3} ms  {:.2}x /bin/true  size {:.1} MB  peak RSS {:.1} MB",
            program.label,
            ms(median),
            ms(percentile(&program.times, 0.99)),
            ms(program.times[program.times.len() - 1]),
            ms(median) / ms(true_median),
            size_mb,
            program.peak_rss_kib as f64 / 1024.0,
        );
    }
}
