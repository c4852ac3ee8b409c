//! The LOW path (`hook/quick.rs`): a call the built-in policy proves LOW is answered without
//! opening the database and kept in the spool, which the next writer or reader folds in; what
//! needs the database still takes the usual path, and a spool that cannot be written costs
//! nothing but speed.
//!
//! The first call of a data directory takes the usual path (it marks the deferrals an earlier
//! version made, `pcc_store`'s `deferral_marks.rs`), so each test makes one first, then moves the
//! database away: a later call that opened it would make a new one.

use crate::common::{command, db, run_hook, text};
use serde_json::{Value, json};
use std::path::Path;

fn bash(project: &Path, command: &str, tool_use_id: &str) -> Vec<u8> {
    json!({"session_id": "s1", "cwd": project, "hook_event_name": "PreToolUse",
           "permission_mode": "default", "tool_name": "Bash",
           "tool_input": {"command": command}, "tool_use_id": tool_use_id})
    .to_string()
    .into_bytes()
}

fn answer(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply: Value = serde_json::from_slice(&output.stdout).expect("a reply");
    reply["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .expect("a decision")
        .to_owned()
}

/// A data directory after its first call, with the database moved aside.
fn first_call_then_database_away(home: &Path, project: &Path) {
    assert_eq!(
        answer(&run_hook(home, &bash(project, "pwd", "t0"))),
        "allow"
    );
    drop(db(home));
    for name in ["pcc.db", "pcc.db-wal", "pcc.db-shm"] {
        if home.join(name).exists() {
            std::fs::rename(home.join(name), home.join(format!("away-{name}"))).expect("move");
        }
    }
}

fn database_back(home: &Path) {
    for name in ["pcc.db", "pcc.db-wal", "pcc.db-shm"] {
        let away = home.join(format!("away-{name}"));
        if away.exists() {
            std::fs::rename(away, home.join(name)).expect("move back");
        }
    }
}

fn spooled(home: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(home.join("spool")).map_or_else(
        |_| Vec::new(),
        |entries| {
            entries
                .map(|entry| entry.expect("entry").path())
                .filter(|path| path.to_string_lossy().ends_with(".event.json"))
                .collect()
        },
    )
}

#[test]
fn a_low_call_is_answered_without_opening_the_database_and_read_back_by_the_next_reader() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("pcc");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    first_call_then_database_away(&home, &project);
    let output = run_hook(&home, &bash(&project, "git status", "t1"));
    assert_eq!(answer(&output), "allow");
    assert_eq!(text(&output.stderr), "", "no complaint about a database");
    assert!(!home.join("pcc.db").exists(), "the database was not opened");
    database_back(&home);
    let files = spooled(&home);
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0])
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the spool file is private");

    let output = command(&home)
        .args(["decisions", "--json"])
        .output()
        .expect("decisions");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rows = shown["decisions"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "the first call and this one: {shown}");
    assert_eq!(rows[0]["level"], "LOW", "{shown}");
    assert_eq!(rows[0]["decision"], "allow", "{shown}");
    assert!(spooled(&home).is_empty(), "the reader folded the spool");

    // A call that needs the database (a HIGH one may have an approval) opens it and records it
    // there, with the LOW call's rows already in place.
    let _ = run_hook(&home, &bash(&project, "git push --force origin main", "t2"));
    let conn = db(&home);
    let levels: Vec<String> = conn
        .prepare("SELECT level FROM decisions ORDER BY id")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(levels, ["LOW", "LOW", "HIGH"]);
}

#[test]
fn a_spool_that_cannot_be_written_sends_the_call_to_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("pcc");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    std::fs::create_dir_all(&home).expect("home");
    // A file where the spool directory should be: no spool file can be made.
    std::fs::write(home.join("spool"), b"not a directory").expect("block");
    assert_eq!(
        answer(&run_hook(&home, &bash(&project, "ls -la", "t1"))),
        "allow"
    );
    let conn = rusqlite::Connection::open(home.join("pcc.db")).expect("the database was used");
    let count: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM decisions WHERE level = 'LOW'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(count, 1);
}

#[test]
fn a_users_deny_rule_on_a_low_call_is_kept_on_the_low_path_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("pcc");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::write(
        home.join("config.toml"),
        "[permissions]\ndeny = [\"Bash(git status)\"]\n",
    )
    .expect("config");
    assert_eq!(
        answer(&run_hook(&home, &bash(&project, "git status", "t1"))),
        "deny"
    );
    assert_eq!(
        answer(&run_hook(&home, &bash(&project, "git log", "t2"))),
        "allow"
    );
    let conn = db(&home);
    let rules: Vec<String> = conn
        .prepare("SELECT rule FROM decisions ORDER BY id")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0], "config.deny");
}

#[test]
fn the_events_around_a_low_call_are_kept_in_the_spool_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("pcc");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    let event = |name: &str, extra: Value| {
        let mut input = json!({"session_id": "s1", "cwd": project, "hook_event_name": name});
        for (key, value) in extra.as_object().expect("object") {
            input[key] = value.clone();
        }
        input.to_string().into_bytes()
    };
    let calls = [
        event("UserPromptSubmit", json!({"prompt": "look around"})),
        bash(&project, "git status", "t1"),
        event(
            "PostToolUse",
            json!({"tool_name": "Bash", "tool_input": {"command": "git status"},
                   "tool_response": {"stdout": "clean"}, "tool_use_id": "t1"}),
        ),
    ];
    first_call_then_database_away(&home, &project);
    for call in &calls {
        let output = run_hook(&home, call);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    assert!(!home.join("pcc.db").exists(), "no call opened the database");
    database_back(&home);
    assert_eq!(spooled(&home).len(), calls.len());
    let conn = db(&home);
    // Folded in the order of their clock readings; calls in the same millisecond may swap.
    let events: Vec<String> = conn
        .prepare("SELECT event FROM events WHERE tool_use_id IS NOT 't0' ORDER BY event")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(events, ["PostToolUse", "PreToolUse", "UserPromptSubmit"]);
}
