//! Hook calls under a storm of concurrent writers: latency per call (p50, p99, max), permission
//! calls answered by the fail-closed path because the database stayed locked, and events lost.
//!
//! Run: `cargo bench -p pcc-hooks --bench hook_storm` (release profile). `PCC_STORM_WRITERS`
//! lists the writer counts (default `16,32,64`), `PCC_STORM_CALLS` the calls per writer (default
//! 100). Each writer runs its calls one after another, cycling through `PreToolUse`,
//! `PostToolUse`, `UserPromptSubmit` and `Stop`, each against a fresh data directory per level.
//! An event is lost when its call returned and no row in `events` carries it once the spool is
//! folded (by one last call after the storm).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pcc-hooks");
/// A call outside the storm's sessions.
const QUIET: &str = r#"{"session_id":"quiet","cwd":"/home/dev/project","hook_event_name":"UserPromptSubmit","prompt":"hi"}"#;
const EVENTS: [&str; 4] = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop"];

/// One call's outcome.
struct Call {
    elapsed: Duration,
    fail_closed: bool,
}

fn input(worker: usize, call: usize) -> serde_json::Value {
    let event = EVENTS[call % EVENTS.len()];
    let mut input = serde_json::json!({
        "session_id": format!("storm-{}", worker % 8),
        "cwd": "/home/dev/project", "hook_event_name": event,
        "prompt": format!("prompt {worker}-{call}"),
    });
    if event.ends_with("ToolUse") {
        input["tool_name"] = "Bash".into();
        input["tool_input"] = serde_json::json!({"command": format!("echo {worker}-{call}")});
        input["tool_use_id"] = format!("toolu_{worker}_{call}").into();
        input["tool_response"] = serde_json::json!({"stdout": "ok"});
    }
    input
}

fn run(pcc_home: &Path, stdin: &[u8]) -> Call {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("hook")
        .env("PCC_HOME", pcc_home)
        .env("PCC_NOTIFY", "off")
        .env("CLAUDE_PROJECT_DIR", "/home/dev/project")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pcc-hooks");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin).expect("write stdin");
    }
    let output = child.wait_with_output().expect("wait");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "pcc-hooks failed: {output:?}");
    Call {
        elapsed,
        fail_closed: String::from_utf8_lossy(&output.stdout).contains("fail_closed")
            || !output.stderr.is_empty(),
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn storm(writers: usize, calls: usize) {
    let home = tempfile::tempdir().expect("tempdir");
    // Create and migrate the database first: the storm measures writers, not the first call.
    run(home.path(), QUIET.as_bytes());
    let threads: Vec<_> = (0..writers)
        .map(|worker| {
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                (0..calls)
                    .map(|call| run(&home, input(worker, call).to_string().as_bytes()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Call> = threads
        .into_iter()
        .flat_map(|thread| thread.join().expect("writer"))
        .collect();
    // One quiet call folds whatever the storm left in the spool.
    run(home.path(), QUIET.as_bytes());
    let conn = rusqlite::Connection::open(home.path().join("pcc.db")).expect("open");
    let stored: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE session_id LIKE 'storm-%'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    let sent = (writers * calls) as i64;
    let mut times: Vec<Duration> = results.iter().map(|call| call.elapsed).collect();
    times.sort();
    let fail_closed = results.iter().filter(|call| call.fail_closed).count();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{writers:>3} writers × {calls} calls: p50 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   \
         answered by fail-closed or with stderr: {fail_closed}   events lost: {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1]),
        sent - stored,
    );
}

fn main() {
    let writers: Vec<usize> = std::env::var("PCC_STORM_WRITERS")
        .unwrap_or_else(|_| "16,32,64".to_owned())
        .split(',')
        .filter_map(|count| count.trim().parse().ok())
        .collect();
    let calls: usize = std::env::var("PCC_STORM_CALLS")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(100);
    for count in writers {
        storm(count, calls);
    }
}
