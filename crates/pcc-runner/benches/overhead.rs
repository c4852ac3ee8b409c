//! Runner overhead per task: `run_child` on a fake `claude` that prints an init and a result line
//! and exits at once, against spawning the same program directly and waiting for it (the child's
//! own wall time). Target: ≤ 20 ms per task.
//!
//! Run with `cargo bench -p pcc-runner` (env `PCC_RUNNER_BENCH_TASKS` sets the count, default 200).

use pcc_runner::{CancelToken, ChildSpec, ChildStatus, run_child};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FAKE: &str = r#"#!/bin/sh
p=$(cat)
n=${p##*TASK-COMPLETE }
printf '{"type":"system","subtype":"init","session_id":"s"}\n{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"ok"}]}}\n{"type":"result","subtype":"success","is_error":false,"result":"ok\\nTASK-COMPLETE %s","session_id":"s","num_turns":1,"total_cost_usd":0}\n' "$n"
"#;

fn main() {
    let tasks: u32 = std::env::var("PCC_RUNNER_BENCH_TASKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let fake = dir.path().join("claude");
    std::fs::write(&fake, FAKE).unwrap_or_else(|err| panic!("write fake: {err}"));
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|err| panic!("chmod: {err}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"));

    let mut spec = ChildSpec::new("Say ok", dir.path());
    spec.claude_program = fake.clone();
    spec.extra_env = vec![("PCC_TASK_ID".into(), "bench".into())];
    let cancel = CancelToken::new();

    // Warm-up (page cache, first-spawn costs) for both.
    for _ in 0..5 {
        direct(&fake, dir.path());
        runtime.block_on(run_child(spec.clone(), |_| {}, &cancel));
    }

    let started = Instant::now();
    for _ in 0..tasks {
        direct(&fake, dir.path());
    }
    let direct_total = started.elapsed();

    let started = Instant::now();
    for _ in 0..tasks {
        let outcome = runtime.block_on(run_child(spec.clone(), |_| {}, &cancel));
        assert_eq!(
            outcome.status,
            ChildStatus::Succeeded,
            "{:?} {}",
            outcome.error,
            outcome.output_tail
        );
    }
    let runner_total = started.elapsed();

    let per = |total: Duration| total.as_secs_f64() * 1000.0 / f64::from(tasks);
    let overhead = per(runner_total) - per(direct_total);
    println!("pcc-runner overhead, {tasks} tasks with a fake child that exits at once:");
    println!(
        "  child spawned and awaited directly: {:7.3} ms per task",
        per(direct_total)
    );
    println!(
        "  run_child (spawn, stream, judge):   {:7.3} ms per task",
        per(runner_total)
    );
    println!("  runner overhead:                    {overhead:7.3} ms per task (target <= 20 ms)");
}

/// The child's own wall time as a minimal parent sees it: spawn, write the prompt to its stdin,
/// collect output, wait.
fn direct(fake: &Path, cwd: &Path) {
    let mut child = Command::new(fake)
        .args(["-p", "--output-format", "stream-json", "--verbose"])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("direct spawn: {err}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"Say ok\n\nTASK-COMPLETE 00")
            .unwrap_or_else(|err| panic!("write the prompt: {err}"));
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|err| panic!("direct wait: {err}"));
    assert!(output.status.success());
}
