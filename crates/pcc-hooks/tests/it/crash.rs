//! A hook process killed with SIGKILL at any moment, including in the middle of its write, leaves
//! a database that opens and passes `PRAGMA integrity_check`.

use crate::common::*;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

const TRIALS: u32 = 200;

fn input(trial: u32) -> Vec<u8> {
    // A large input makes the hook's work (parse, redact, write) long enough to be hit mid-way.
    serde_json::json!({"session_id": "crash", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Write", "tool_input": {"file_path": format!("/p/{trial}"),
        "content": "API_KEY=abc ".repeat(20_000)}, "tool_use_id": format!("toolu_{trial}")})
    .to_string()
    .into_bytes()
}

/// How long a complete hook call takes here, so kills can be spread over its whole life.
fn typical_lifetime(home: &std::path::Path) -> Duration {
    let mut times: Vec<Duration> = (0..15)
        .map(|trial| {
            let started = Instant::now();
            assert!(run_hook(home, &input(100_000 + trial)).status.success());
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

#[test]
fn sigkill_at_any_moment_leaves_a_sound_database() {
    let home = tempfile::tempdir().expect("tempdir");
    let lifetime = typical_lifetime(home.path());
    let before = count(&db(home.path()), "SELECT COUNT(*) FROM events");
    for trial in 0..TRIALS {
        let mut child = command(home.path())
            .arg("hook")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        let _ = stdin.write_all(&input(trial));
        drop(stdin);
        // Kill times sweep evenly from "just started" to "about done" (not a synchronisation).
        std::thread::sleep(lifetime.mul_f64(1.2 * f64::from(trial) / f64::from(TRIALS)));
        let _ = child.kill();
        child.wait().expect("reap");
    }
    let conn = db(home.path());
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("check");
    assert_eq!(integrity, "ok");
    let survived = count(&conn, "SELECT COUNT(*) FROM events") - before;
    assert!(
        survived > 0 && survived < i64::from(TRIALS),
        "the kills must land both before and after commits to prove the window was covered; \
         {survived} of {TRIALS} calls committed (lifetime {lifetime:?})"
    );
    let sessions_total = count(&conn, "SELECT event_count FROM sessions WHERE id = 'crash'");
    assert_eq!(
        sessions_total,
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE session_id = 'crash'"
        ),
        "the session counter and the event rows were written in one transaction"
    );
    // The next ordinary call still works on the same file.
    assert!(run_hook(home.path(), &input(999_999)).status.success());
}
