//! Every hook input captured from the real Claude Code CLI, fed through the built binary.

use crate::common::*;

/// What a hook may print for `event`: nothing, or one JSON reply of that event's shape.
#[track_caller]
fn assert_protocol_reply(name: &str, event: &str, stdout: &[u8]) {
    if stdout.is_empty() {
        return;
    }
    assert!(
        matches!(event, "PreToolUse" | "PermissionRequest"),
        "{name}: only permission events are answered, got {:?}",
        text(stdout)
    );
    let reply: serde_json::Value =
        serde_json::from_slice(stdout).expect("the reply is one JSON object");
    assert_eq!(
        reply["hookSpecificOutput"]["hookEventName"], event,
        "{name}: {reply}"
    );
}

#[test]
fn every_captured_event_is_recorded_and_answered_in_protocol() {
    let home = tempfile::tempdir().expect("tempdir");
    let fixtures = hook_fixtures();
    assert!(
        fixtures.len() >= 25,
        "expected the captured fixtures, found {}",
        fixtures.len()
    );
    for (name, stdin) in &fixtures {
        let output = run_hook(home.path(), stdin.to_string().as_bytes());
        assert!(
            output.status.success(),
            "{name}: exit {:?}, stderr {}",
            output.status,
            text(&output.stderr)
        );
        let session = stdin["session_id"].as_str().expect("fixture has a session");
        let event = stdin["hook_event_name"]
            .as_str()
            .expect("fixture has an event");
        assert_protocol_reply(name, event, &output.stdout);
        let rows: i64 = db(home.path())
            .query_row(
                "SELECT COUNT(*) FROM events WHERE session_id = ?1 AND event = ?2",
                [session, event],
                |row| row.get(0),
            )
            .expect("query");
        assert!(rows >= 1, "{name}: no {event} row for session {session}");
    }
    let conn = db(home.path());
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM events"),
        fixtures.len() as i64
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM hook_errors"), 0);
    let permission_events = fixtures
        .iter()
        .filter(|(_, stdin)| {
            matches!(
                stdin["hook_event_name"].as_str(),
                Some("PreToolUse" | "PermissionRequest")
            )
        })
        .count();
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM decisions"),
        permission_events as i64,
        "every permission event leaves a decision"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE unknown_fields IS NOT NULL"
        ),
        0,
        "the typed models know every field Claude Code sent in the captures"
    );
}

#[test]
fn tool_events_keep_their_tool_and_a_redacted_summary() {
    let home = tempfile::tempdir().expect("tempdir");
    let (_, mut stdin) = hook_fixtures()
        .into_iter()
        .find(|(name, _)| name == "v2.1.329-PreToolUse.json")
        .expect("PreToolUse fixture");
    stdin["tool_input"]["command"] =
        "curl -H 'Authorization: Bearer sk-ant-abcdefghijklmnopqrstuvwxyz' https://x".into();
    let output = run_hook(home.path(), stdin.to_string().as_bytes());
    assert!(output.status.success());
    let (tool, tool_use_id, summary): (String, String, String) = db(home.path())
        .query_row(
            "SELECT tool_name, tool_use_id, summary FROM events",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("one event");
    assert_eq!(tool, "Bash");
    assert_eq!(tool_use_id, "toolu_01RM");
    assert!(
        summary.starts_with("Bash: curl -H 'Authorization: [REDACTED]'"),
        "{summary}"
    );
    assert!(!summary.contains("abcdefghijklmnop"), "{summary}");
}

#[test]
fn sessions_follow_their_events() {
    let home = tempfile::tempdir().expect("tempdir");
    let base =
        serde_json::json!({"session_id": "s-state", "cwd": "/work/p", "transcript_path": "/t"});
    let send = |event: &str, extra: serde_json::Value| {
        let mut input = base.clone();
        input["hook_event_name"] = event.into();
        for (key, value) in extra.as_object().expect("object") {
            input[key] = value.clone();
        }
        let output = run_hook(home.path(), input.to_string().as_bytes());
        assert!(output.status.success(), "{event}: {}", text(&output.stderr));
        db(home.path())
            .query_row(
                "SELECT state FROM sessions WHERE id = 's-state'",
                [],
                |row| row.get::<_, String>(0),
            )
            .expect("session row")
    };
    assert_eq!(
        send("SessionStart", serde_json::json!({"source": "startup"})),
        "working"
    );
    assert_eq!(
        send(
            "Notification",
            serde_json::json!({"notification_type": "permission_prompt", "message": "m"})
        ),
        "waiting_for_user"
    );
    assert_eq!(
        send("Stop", serde_json::json!({"stop_hook_active": false})),
        "idle"
    );
    assert_eq!(
        send("StopFailure", serde_json::json!({"error": "rate_limit"})),
        "errored"
    );
    assert_eq!(
        send("SessionEnd", serde_json::json!({"reason": "other"})),
        "ended"
    );
}

#[test]
fn the_project_root_comes_from_claude_project_dir() {
    let home = tempfile::tempdir().expect("tempdir");
    let input = serde_json::json!({"session_id": "s-root", "cwd": "/work/p/sub", "hook_event_name": "Stop"});
    let output = run_with_stdin(
        command(home.path())
            .arg("hook")
            .env("CLAUDE_PROJECT_DIR", "/work/p"),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success());
    let (root, cwd): (String, String) = db(home.path())
        .query_row("SELECT project_root, cwd FROM sessions", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("session");
    assert_eq!((root.as_str(), cwd.as_str()), ("/work/p", "/work/p/sub"));
}
