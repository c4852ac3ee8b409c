//! Many hook processes writing one database at once, as Claude Code's parallel hooks and many
//! sessions do: nothing may be dropped, and no `database is locked` may reach Claude.

use crate::common::*;

const WORKERS: usize = 16;
const CALLS_PER_WORKER: usize = 200;

#[test]
fn sixteen_processes_times_two_hundred_calls_lose_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for call in 0..CALLS_PER_WORKER {
                    let input = serde_json::json!({
                        "session_id": format!("session-{}", worker % 4),
                        "cwd": "/p", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                        "tool_input": {"command": format!("echo {worker}-{call}")},
                        "tool_use_id": format!("toolu_{worker}_{call}"),
                    });
                    let output = run_hook(&home, input.to_string().as_bytes());
                    let allowed = serde_json::from_slice::<serde_json::Value>(&output.stdout)
                        .is_ok_and(|reply| {
                            reply["hookSpecificOutput"]["permissionDecision"] == "allow"
                        });
                    if !output.status.success() || !output.stderr.is_empty() || !allowed {
                        failures.push(format!(
                            "worker {worker} call {call}: {:?} stdout={} stderr={}",
                            output.status,
                            text(&output.stdout),
                            text(&output.stderr)
                        ));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = workers
        .into_iter()
        .flat_map(|worker| worker.join().expect("worker thread"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} calls failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    let conn = db(home.path());
    let expected = (WORKERS * CALLS_PER_WORKER) as i64;
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM events"), expected);
    assert_eq!(
        count(&conn, "SELECT COUNT(DISTINCT tool_use_id) FROM events"),
        expected,
        "no duplicates"
    );
    assert_eq!(
        count(&conn, "SELECT SUM(event_count) FROM sessions"),
        expected,
        "session counters agree"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM decisions WHERE answer = 'allow'"
        ),
        expected,
        "one decision each"
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM hook_errors"), 0);
}
