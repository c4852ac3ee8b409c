//! `pcc-hooks status` reads what the hooks wrote: on an empty data directory, and on a database of
//! 100,000 events (its speed there is measured in the closing note, not asserted here).

use crate::common::*;
use serde_json::Value;

fn status_json(home: &std::path::Path) -> Value {
    let output = command(home)
        .args(["status", "--json"])
        .output()
        .expect("run status");
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("status --json is JSON")
}

#[test]
fn status_on_a_fresh_machine_creates_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let data = home.path().join("data");
    assert_eq!(status_json(&data)["sessions"], serde_json::json!([]));
    assert!(!data.exists(), "looking must not create the data directory");
    let output = command(&data).arg("status").output().expect("run status");
    assert!(
        text(&output.stdout).contains("No sessions recorded yet"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn status_counts_a_hundred_thousand_events_per_session() {
    let home = tempfile::tempdir().expect("tempdir");
    // Create the schema through the real entry point, then bulk-load events.
    let first =
        serde_json::json!({"session_id": "s0", "cwd": "/p", "hook_event_name": "SessionStart"});
    assert!(
        run_hook(home.path(), first.to_string().as_bytes())
            .status
            .success()
    );
    let conn = db(home.path());
    conn.execute_batch(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO sessions (id, cwd, project_root, first_seen_ms, last_seen_ms, last_event, state, event_count)
             SELECT 's' || i, '/p' || i, '/p' || i, i, i, 'Stop', 'idle', 0 FROM n WHERE i < 50;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO events (session_id, at_ms, event, tool_name, summary)
             SELECT 's' || (i % 50), i, CASE i % 4 WHEN 0 THEN 'PreToolUse' WHEN 1 THEN 'PostToolUse'
                 WHEN 2 THEN 'Stop' ELSE 'UserPromptSubmit' END, 'Bash', 'Bash: ls' FROM n;
         UPDATE sessions SET event_count = (SELECT COUNT(*) FROM events WHERE session_id = sessions.id);
         COMMIT;",
    )
    .expect("bulk load");
    let report = status_json(home.path());
    let sessions = report["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 50);
    let total: i64 = sessions
        .iter()
        .map(|s| s["events_total"].as_i64().expect("total"))
        .sum();
    assert_eq!(total, 100_001, "100,000 loaded plus the SessionStart");
    for session in sessions {
        let by_event: i64 = session["event_counts"]
            .as_object()
            .expect("counts")
            .values()
            .map(|v| v.as_i64().expect("n"))
            .sum();
        assert_eq!(
            by_event,
            session["events_total"].as_i64().expect("total"),
            "{session}"
        );
    }
    let s7 = sessions
        .iter()
        .find(|s| s["session_id"] == "s7")
        .expect("s7");
    // i ≡ 7 (mod 50) makes i odd, so i mod 4 alternates between 1 and 3 over its 2,000 values.
    assert_eq!(
        s7["event_counts"],
        serde_json::json!({"PostToolUse": 1000, "UserPromptSubmit": 1000}),
        "{s7}"
    );
}
