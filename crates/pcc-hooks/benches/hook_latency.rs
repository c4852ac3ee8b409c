//! Hook latency: process start to exit of `pcc-hooks hook` for a PreToolUse call, including its
//! database write, against spawning `/bin/true` in the same run; and the hook's peak RSS.
//!
//! Run: `cargo bench -p pcc-hooks --bench hook_latency` (release profile). `PCC_BENCH_RUNS` sets
//! the number of calls (default 1000). Targets (issue 2): median ≤ 3 ms, ≤ 4 × `/bin/true`,
//! peak RSS ≤ 10 MB.
#![allow(unsafe_code, missing_docs)] // getrusage is the one way to read a child's peak RSS

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pcc-hooks");

fn spawn_once(program: &str, args: &[&str], stdin: &[u8], pcc_home: &Path) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env("PCC_HOME", pcc_home)
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
    let status = child.wait().expect("wait");
    let elapsed = started.elapsed();
    assert!(status.success(), "{program} failed: {status}");
    elapsed
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn measure(runs: usize, mut call: impl FnMut() -> Duration) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs).map(|_| call()).collect();
    times.sort();
    times
}

fn peak_child_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage; RUSAGE_CHILDREN covers waited-for children.
    let result = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(result, 0, "getrusage failed");
    usage.ru_maxrss
}

fn main() {
    let runs: usize = std::env::var("PCC_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let home = tempfile::tempdir().expect("tempdir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/claude-code/v2.1.329-PreToolUse.json");
    let input = std::fs::read(&fixture).expect("PreToolUse fixture");

    // Warm up: create and migrate the database, fill the page cache with both programs.
    for _ in 0..20 {
        spawn_once(BIN, &["hook"], &input, home.path());
        spawn_once("/bin/true", &[], &input, home.path());
    }
    let hook = measure(runs, || spawn_once(BIN, &["hook"], &input, home.path()));
    let hook_rss_kib = peak_child_rss_kib();
    let baseline = measure(runs, || spawn_once("/bin/true", &[], &input, home.path()));

    let stored: i64 = rusqlite::Connection::open(home.path().join("pcc.db"))
        .and_then(|conn| conn.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0)))
        .expect("count events");
    assert_eq!(stored as usize, runs + 20, "every call stored its event");

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (hook_median, true_median) = (percentile(&hook, 0.5), percentile(&baseline, 0.5));
    println!("pcc-hooks hook (PreToolUse + SQLite write), {runs} calls:");
    println!(
        "  median {:.3} ms   p99 {:.3} ms   max {:.3} ms",
        ms(hook_median),
        ms(percentile(&hook, 0.99)),
        ms(hook[hook.len() - 1])
    );
    println!("/bin/true, {runs} calls:");
    println!(
        "  median {:.3} ms   p99 {:.3} ms",
        ms(true_median),
        ms(percentile(&baseline, 0.99))
    );
    println!(
        "ratio of medians: {:.2}x /bin/true",
        ms(hook_median) / ms(true_median)
    );
    println!(
        "peak RSS of a hook process: {:.1} MB",
        hook_rss_kib as f64 / 1024.0
    );
}
