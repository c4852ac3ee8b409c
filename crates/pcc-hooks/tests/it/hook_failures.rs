//! Bad input and broken databases: a clear error and a blocking exit for input that is not a
//! hook call; no decision (exit 0) for the events that are not permission questions. What the
//! permission events answer when something breaks is `fail_closed.rs`.

use crate::common::*;

fn stop_input(session: &str) -> Vec<u8> {
    serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "Stop"})
        .to_string()
        .into_bytes()
}

#[test]
fn malformed_input_is_a_one_line_error_with_exit_2_and_is_counted() {
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "invalid JSON",
            b"{\"session_id\": ".to_vec(),
            "not valid JSON",
        ),
        ("empty stdin", Vec::new(), "no hook input"),
        (
            "a JSON array",
            b"[1, 2, 3]".to_vec(),
            "must be a JSON object",
        ),
        (
            "no session",
            br#"{"cwd": "/p", "hook_event_name": "Stop"}"#.to_vec(),
            "`session_id`",
        ),
        (
            "invalid UTF-8",
            b"{\"session_id\": \"\xff\xfe\"}".to_vec(),
            "not valid JSON",
        ),
        (
            "wrong field type",
            br#"{"session_id": "s", "cwd": "/p", "hook_event_name": "PreToolUse", "tool_name": 7}"#
                .to_vec(),
            "wrong type",
        ),
    ];
    let home = tempfile::tempdir().expect("tempdir");
    for (what, stdin, expected) in &cases {
        let output = run_hook(home.path(), stdin);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{what}: exit 2 blocks (exit 1 would not): {}",
            text(&output.stderr)
        );
        assert!(
            output.stdout.is_empty(),
            "{what}: stdout {:?}",
            text(&output.stdout)
        );
        let stderr = text(&output.stderr);
        assert_eq!(
            stderr.lines().count(),
            1,
            "{what}: one line, got {stderr:?}"
        );
        assert!(
            stderr.contains(expected),
            "{what}: {stderr:?} lacks {expected:?}"
        );
    }
    let conn = db(home.path());
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM hook_errors WHERE kind = 'input'"
        ),
        cases.len() as i64
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM events"), 0);
}

#[test]
fn input_over_the_limit_is_refused_without_reading_it_all() {
    let home = tempfile::tempdir().expect("tempdir");
    let huge = vec![b' '; 8 * 1024 * 1024 + 1];
    let output = run_hook(home.path(), &huge);
    assert_eq!(output.status.code(), Some(2), "exit 2 blocks");
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("larger than 8 MiB"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert_eq!(
        count(
            &db(home.path()),
            "SELECT COUNT(*) FROM hook_errors WHERE kind = 'input'"
        ),
        1
    );
}

#[test]
fn a_large_valid_input_is_recorded_with_a_bounded_summary() {
    let home = tempfile::tempdir().expect("tempdir");
    let content = "x".repeat(7 * 1024 * 1024);
    let input = serde_json::json!({"session_id": "big", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Write", "tool_input": {"file_path": "/p/big.txt", "content": content}});
    let output = run_hook(home.path(), input.to_string().as_bytes());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let length = count(&db(home.path()), "SELECT LENGTH(summary) FROM events");
    assert!(
        length <= 1000,
        "summary is bounded, got {length} characters"
    );
}

#[test]
fn unknown_events_and_fields_are_recorded_not_rejected() {
    let home = tempfile::tempdir().expect("tempdir");
    let input =
        br#"{"session_id": "s", "cwd": "/p", "hook_event_name": "TeammateIdle", "team": "x"}"#;
    let output = run_hook(home.path(), input);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    let event: String = db(home.path())
        .query_row("SELECT event FROM events", [], |row| row.get(0))
        .expect("row");
    assert_eq!(event, "TeammateIdle");
    let input = br#"{"session_id": "s", "cwd": "/p", "hook_event_name": "Stop", "new_field": 1}"#;
    assert!(run_hook(home.path(), input).status.success());
    let unknown: String = db(home.path())
        .query_row(
            "SELECT unknown_fields FROM events WHERE event = 'Stop'",
            [],
            |row| row.get(0),
        )
        .expect("row");
    assert_eq!(unknown, "new_field");
}

#[test]
fn a_corrupt_database_gives_no_decision_and_is_left_alone() {
    let home = tempfile::tempdir().expect("tempdir");
    let garbage = b"not a database at all, just bytes ".repeat(200);
    std::fs::write(home.path().join("pcc.db"), &garbage).expect("write garbage");
    let output = run_hook(home.path(), &stop_input("s"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "internal errors exit 0 so Claude goes on"
    );
    assert!(
        output.stdout.is_empty(),
        "no decision: {:?}",
        text(&output.stdout)
    );
    assert!(
        text(&output.stderr).contains("could not record Stop"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        std::fs::read(home.path().join("pcc.db")).expect("read"),
        garbage
    );
    let log = std::fs::read_to_string(home.path().join("logs/pcc-hooks.log"))
        .expect("the failure is logged");
    assert!(log.contains("answered with no decision"), "{log}");
}

#[test]
fn an_unwritable_data_directory_gives_no_decision() {
    let home = tempfile::tempdir().expect("tempdir");
    let not_a_dir = home.path().join("file");
    std::fs::write(&not_a_dir, b"x").expect("write");
    let output = run_hook(&not_a_dir, &stop_input("s"));
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    assert!(
        text(&output.stderr).contains("could not record Stop"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_database_locked_past_the_busy_timeout_gives_no_decision() {
    let home = tempfile::tempdir().expect("tempdir");
    assert!(
        run_hook(home.path(), &stop_input("first")).status.success(),
        "create the database"
    );
    let holder = db(home.path());
    holder
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("take the write lock");
    // The hook waits out its busy timeout while we hold the lock, then gives up.
    let output = run_hook(home.path(), &stop_input("second"));
    holder.execute_batch("ROLLBACK").expect("release");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    assert!(
        text(&output.stderr).contains("locked"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_broken_rule_leaves_the_built_in_policy_alone_and_keeps_the_event() {
    let home = tempfile::tempdir().expect("tempdir");
    let low = serde_json::json!({"session_id": "cfg", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git status"}, "tool_use_id": "t1"});
    // A rule that cannot be parsed: ignoring only it could ignore a deny the user meant, so the
    // whole file is not used and only what the built-in policy proves LOW is allowed.
    std::fs::write(
        home.path().join("config.toml"),
        "[permissions]\ndeny = [\"Bash(git push\"]\n",
    )
    .expect("write config");
    let output = run_hook(home.path(), low.to_string().as_bytes());
    assert_eq!(output.status.code(), Some(0));
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a reply");
    assert_eq!(reply["hookSpecificOutput"]["permissionDecision"], "allow");
    let reason = reply["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .expect("a reason");
    assert!(reason.contains("Bash(git push"), "{reason}");
    assert!(
        reason.contains("judged by the built-in policy: LOW"),
        "{reason}"
    );
    assert!(
        text(&output.stderr).contains("Bash(git push"),
        "{}",
        text(&output.stderr)
    );
    let conn = db(home.path());
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE session_id = 'cfg'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM decisions WHERE rule = 'fail_closed.config' AND answer = 'allow'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM hook_errors WHERE kind = 'config'"
        ),
        1
    );

    std::fs::write(home.path().join("config.toml"), "mode = \"sometimes\"\n")
        .expect("write config");
    let rm = serde_json::json!({"session_id": "cfg", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "rm -rf ~/victim"}, "tool_use_id": "t2"});
    let output = run_hook(home.path(), rm.to_string().as_bytes());
    let reply: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("an invalid config file still answers");
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "deny",
        "not LOW, and no trusted mode: the stricter reading"
    );
    assert!(
        text(&output.stderr).contains("config.toml: line 1"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn user_rules_from_the_config_file_are_applied() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join("config.toml"),
        "[permissions]\ndeny = [\"Bash(git status)\"]\n",
    )
    .expect("write config");
    let input = serde_json::json!({"session_id": "cfg", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git status"}});
    let output = run_hook(home.path(), input.to_string().as_bytes());
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a reply");
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "deny",
        "{reply}"
    );
    assert!(
        reply["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("Bash(git status)")),
        "{reply}"
    );
}
