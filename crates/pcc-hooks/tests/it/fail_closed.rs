//! Our silence must never let a call run: when the config or the database breaks, the built
//! binary still answers every `PreToolUse` / `PermissionRequest`, judged by the built-in policy
//! alone (only what it proves LOW is allowed), records the decision when the database works, and
//! is loud about a config file it cannot use (stderr, `hook_errors`, `status`, `doctor`, a
//! deduplicated notification).

use crate::common::*;
use pcc_testkit::http::{Loopback, Reply};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// A data directory and a project directory (its `.claude/pcc-hooks.toml` is the project file).
struct Place {
    _dir: tempfile::TempDir,
    data: PathBuf,
    project: PathBuf,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("pcc-home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(project.join(".claude")).expect("project dir");
        Place {
            _dir: dir,
            data,
            project,
        }
    }

    fn project_file(&self) -> PathBuf {
        self.project.join(".claude/pcc-hooks.toml")
    }

    fn write_global(&self, toml: &str) {
        std::fs::create_dir_all(&self.data).expect("data dir");
        std::fs::write(self.data.join("config.toml"), toml).expect("write config.toml");
    }

    fn write_project(&self, toml: &str) {
        std::fs::write(self.project_file(), toml).expect("write the project file");
    }

    /// `pcc-hooks hook` with no `PCC_MODE` unless `mode` is given.
    fn hook(&self, mode: Option<&str>, stdin: &Value) -> Output {
        let mut command = command(&self.data);
        command
            .arg("hook")
            .current_dir(&self.project)
            .env_remove("PCC_MODE");
        if let Some(mode) = mode {
            command.env("PCC_MODE", mode);
        }
        run_with_stdin(&mut command, stdin.to_string().as_bytes())
    }

    fn bash(&self, event: &str, command: &str) -> Value {
        json!({"session_id": "s-fail", "cwd": self.project, "hook_event_name": event,
               "permission_mode": "bypassPermissions", "tool_name": "Bash",
               "tool_input": {"command": command}, "tool_use_id": "toolu_1"})
    }

    fn db(&self) -> rusqlite::Connection {
        db(&self.data)
    }
}

/// The PreToolUse answer: (permissionDecision, permissionDecisionReason).
#[track_caller]
fn pre_tool_use_answer(output: &Output) -> (String, String) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
    let reply: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "a reply is printed ({error}): stdout {:?}, stderr {}",
            text(&output.stdout),
            text(&output.stderr)
        )
    });
    let specific = &reply["hookSpecificOutput"];
    assert_eq!(specific["hookEventName"], "PreToolUse", "{reply}");
    (
        specific["permissionDecision"]
            .as_str()
            .expect("a decision")
            .to_owned(),
        specific["permissionDecisionReason"]
            .as_str()
            .expect("a reason")
            .to_owned(),
    )
}

const BROKEN_PROJECT: &str = "[permissions]\ndeny = [\"Bash(ls)\"]\nask = [\"Bash(make:*)\"\n";

#[test]
fn a_malformed_project_config_denies_what_is_not_low_names_the_error_and_records_it() {
    let place = Place::new();
    place.write_project(BROKEN_PROJECT);
    let output = place.hook(None, &place.bash("PreToolUse", "rm -rf ~/victim"));
    let (answer, reason) = pre_tool_use_answer(&output);
    assert_eq!(answer, "deny", "{reason}");
    let file = place.project_file().display().to_string();
    assert!(
        reason.contains(&format!("config error in {file}: line 3")),
        "{reason}"
    );
    assert!(
        reason.contains("judged by the built-in policy: HIGH"),
        "{reason}"
    );
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&file), "loud on stderr: {stderr}");
    let conn = place.db();
    let (level, stored_answer, rule, mode): (String, String, String, String) = conn
        .query_row(
            "SELECT level, answer, rule, mode FROM decisions WHERE session_id = 's-fail'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .expect("the decision is recorded");
    assert_eq!(
        (
            level.as_str(),
            stored_answer.as_str(),
            rule.as_str(),
            mode.as_str()
        ),
        ("HIGH", "deny", "fail_closed.config", "unattended")
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM events"), 1);
    let error: String = conn
        .query_row(
            "SELECT message FROM hook_errors WHERE kind = 'config'",
            [],
            |row| row.get(0),
        )
        .expect("a config row in hook_errors");
    assert!(error.contains(&file), "{error}");
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM escalations"),
        0,
        "nothing a human could approve through the path that failed"
    );

    // A LOW call is still allowed: the built-in policy proves it harmless.
    let (answer, reason) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "git status")));
    assert_eq!(answer, "allow", "{reason}");
    // The broken file adds nothing: its `deny = ["Bash(ls)"]` does not apply.
    let (answer, reason) = pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "ls")));
    assert_eq!(answer, "allow", "{reason}");
}

#[test]
fn with_a_human_there_a_broken_config_asks_and_a_permission_request_leaves_the_dialog() {
    let place = Place::new();
    place.write_project(BROKEN_PROJECT);
    let mut pre = place.bash("PreToolUse", "rm -rf ~/victim");
    pre["permission_mode"] = json!("default");
    let (answer, reason) = pre_tool_use_answer(&place.hook(Some("interactive"), &pre));
    assert_eq!(answer, "ask", "{reason}");
    assert!(reason.contains("A human must approve this"), "{reason}");

    let request = json!({"session_id": "s-fail", "cwd": place.project, "hook_event_name": "PermissionRequest",
        "permission_mode": "default", "tool_name": "Bash", "tool_input": {"command": "rm -rf ~/victim"}});
    let output = place.hook(Some("interactive"), &request);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stdout.is_empty(),
        "Claude Code's own dialog asks the human: {}",
        text(&output.stdout)
    );
    let output = place.hook(Some("unattended"), &request);
    let reply: Value = serde_json::from_slice(&output.stdout).expect("a reply");
    assert_eq!(
        reply["hookSpecificOutput"]["decision"]["behavior"], "deny",
        "{reply}"
    );
    assert!(
        reply["hookSpecificOutput"]["decision"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("config error in")),
        "{reply}"
    );
    assert_eq!(
        count(
            &place.db(),
            "SELECT COUNT(*) FROM decisions WHERE hook_event = 'PermissionRequest'"
        ),
        2
    );
}

#[test]
fn a_malformed_project_config_leaves_the_global_config_in_force() {
    let place = Place::new();
    place.write_global(
        "mode = \"interactive\"\n[permissions]\ndeny = [\"Bash(git status)\"]\nallow = [\"Bash(make deploy)\"]\n",
    );
    place.write_project(BROKEN_PROJECT);
    let (answer, reason) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "git status")));
    assert_eq!(
        answer, "deny",
        "the global deny rule still applies: {reason}"
    );
    assert!(reason.contains("Bash(git status)"), "{reason}");
    assert!(reason.contains("config error in"), "{reason}");
    // The global `mode` is trusted; the global allow rule does not loosen a call that is not LOW.
    let mut call = place.bash("PreToolUse", "make deploy");
    call["permission_mode"] = json!("default");
    let (answer, reason) = pre_tool_use_answer(&place.hook(None, &call));
    assert_eq!(answer, "ask", "{reason}");
}

#[test]
fn a_malformed_global_config_means_the_built_in_defaults() {
    let place = Place::new();
    // Its allow rule would let rm run; the file is not used at all.
    place.write_global("mode = \"interactive\"\n[permissions]\nallow = [\"Bash(rm:*)\"]\n[brain\n");
    let mut call = place.bash("PreToolUse", "rm -rf ~/victim");
    call["permission_mode"] = json!("default");
    let output = place.hook(None, &call);
    let (answer, reason) = pre_tool_use_answer(&output);
    assert_eq!(
        answer, "deny",
        "the broken file's mode is not trusted either: {reason}"
    );
    let file = place.data.join("config.toml").display().to_string();
    assert!(
        reason.contains(&format!("config error in {file}: line 4")),
        "{reason}"
    );
    assert!(
        text(&output.stderr).contains("built-in defaults are in force"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn other_hooks_keep_working_with_a_broken_config_and_say_so() {
    let place = Place::new();
    place.write_project(BROKEN_PROJECT);
    for event in [
        json!({"session_id": "s-other", "cwd": place.project, "hook_event_name": "Stop",
               "stop_hook_active": false}),
        json!({"session_id": "s-other", "cwd": place.project, "hook_event_name": "Notification",
               "message": "Claude is waiting", "notification_type": "idle_prompt"}),
        json!({"session_id": "s-other", "cwd": place.project, "hook_event_name": "PostToolUse",
               "tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "toolu_9",
               "tool_response": {"stdout": ""}}),
    ] {
        let output = place.hook(None, &event);
        assert_eq!(output.status.code(), Some(0), "{event}");
        assert!(
            output.stdout.is_empty(),
            "{event}: {}",
            text(&output.stdout)
        );
        let reads_config = event["hook_event_name"] != "PostToolUse";
        assert_eq!(
            text(&output.stderr).contains("config error in"),
            reads_config,
            "{event}: {}",
            text(&output.stderr)
        );
    }
    let conn = place.db();
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE session_id = 's-other'"
        ),
        3,
        "every event is recorded"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM hook_errors WHERE kind = 'config'"
        ),
        2,
        "Stop and Notification read the config; this PostToolUse had no reason to"
    );
}

#[test]
fn status_and_doctor_name_the_broken_file_and_line() {
    let place = Place::new();
    place.write_project(BROKEN_PROJECT);
    place.write_global("[permissions\n");
    place.hook(None, &place.bash("PreToolUse", "git status"));
    let file = place.project_file().display().to_string();
    let status = command(&place.data)
        .arg("status")
        .current_dir(&place.project)
        .output()
        .expect("status");
    assert!(status.status.success(), "{}", text(&status.stderr));
    let shown = text(&status.stdout);
    assert!(
        shown.lines().any(|line| line.contains("config broken")
            && line.contains(&file)
            && line.contains("line 3")),
        "{shown}"
    );
    let json_status = command(&place.data)
        .args(["status", "--json"])
        .current_dir(&place.project)
        .output()
        .expect("status --json");
    let report: Value = serde_json::from_slice(&json_status.stdout).expect("JSON");
    let errors = report["config_errors"].as_array().expect("config_errors");
    assert_eq!(errors.len(), 2, "{report}");
    assert!(
        errors
            .iter()
            .any(|error| error["scope"] == "project" && error["file"] == file.as_str()),
        "{report}"
    );
    assert!(
        errors.iter().any(|error| error["scope"] == "global"),
        "{report}"
    );

    let doctor = command(&place.data)
        .arg("doctor")
        .current_dir(&place.project)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("doctor");
    assert_eq!(doctor.status.code(), Some(2), "problems found");
    let shown = text(&doctor.stdout);
    assert!(
        shown.lines().any(|line| line.contains("problem")
            && line.contains("config")
            && line.contains(&file)
            && line.contains("line 3")),
        "{shown}"
    );
}

#[test]
fn a_config_error_is_notified_once_per_file_and_error() {
    let place = Place::new();
    let server = Loopback::start(Reply::Status(200));
    place.write_global(&format!(
        "[notify]\ndesktop = false\n[[notify.webhooks]]\nurl = \"{}\"\nformat = \"json\"\n",
        server.url("/config")
    ));
    place.write_project(BROKEN_PROJECT);
    let hook = |command: &str| {
        let mut hook = crate::common::command(&place.data);
        hook.arg("hook")
            .current_dir(&place.project)
            .env_remove("PCC_NOTIFY")
            .env_remove("PCC_MODE");
        run_with_stdin(
            &mut hook,
            place.bash("PreToolUse", command).to_string().as_bytes(),
        )
    };
    pre_tool_use_answer(&hook("git status"));
    let sent = server
        .next(Duration::from_secs(20))
        .expect("the webhook is told");
    let body = sent.json();
    assert_eq!(body["kind"], "config_error", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("line 3")),
        "{body}"
    );
    pre_tool_use_answer(&hook("rm -rf ~/victim"));
    let conn = place.db();
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'config_error'"
        ),
        2
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'config_error' AND state = 'duplicate'"
        ),
        1,
        "the second call's message is held back as a duplicate, so no second sender starts"
    );
    // Another error in the same file is news.
    place.write_project("mode = \n");
    pre_tool_use_answer(&hook("git status"));
    let again = server
        .next(Duration::from_secs(20))
        .expect("a new error is sent");
    assert!(
        again.json()["message"]
            .as_str()
            .is_some_and(|message| message.contains("line 1")),
        "{}",
        again.text()
    );
}

#[test]
fn a_corrupt_database_still_answers_by_the_built_in_policy() {
    let place = Place::new();
    std::fs::create_dir_all(&place.data).expect("data dir");
    let garbage = b"not a database at all, just bytes ".repeat(200);
    std::fs::write(place.data.join("pcc.db"), &garbage).expect("write garbage");
    let output = place.hook(None, &place.bash("PreToolUse", "rm -rf ~/victim"));
    let (answer, reason) = pre_tool_use_answer(&output);
    assert_eq!(answer, "deny", "{reason}");
    assert!(reason.contains("could not use the database"), "{reason}");
    assert!(
        text(&output.stderr).contains("not recorded"),
        "{}",
        text(&output.stderr)
    );
    let log = std::fs::read_to_string(place.data.join("logs/pcc-hooks.log")).expect("a log");
    assert!(
        log.contains("judged by the built-in policy") && log.contains("permissionDecision"),
        "the reply is logged: {log}"
    );
    // A LOW call with a broken store is still allowed.
    let (answer, reason) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "git status")));
    assert_eq!(answer, "allow", "{reason}");
    // Interactive: the human is asked.
    let mut call = place.bash("PreToolUse", "rm -rf ~/victim");
    call["permission_mode"] = json!("default");
    let (answer, _) = pre_tool_use_answer(&place.hook(Some("interactive"), &call));
    assert_eq!(answer, "ask");
    assert_eq!(
        std::fs::read(place.data.join("pcc.db")).expect("read"),
        garbage,
        "the file is left alone"
    );
}

#[test]
fn a_data_directory_that_is_a_file_still_answers() {
    let place = Place::new();
    std::fs::write(&place.data, b"x").expect("a file where the data directory should be");
    let (answer, reason) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "rm -rf ~/victim")));
    assert_eq!(answer, "deny", "{reason}");
    let (answer, _) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "git status")));
    assert_eq!(answer, "allow");
}

#[test]
fn a_database_locked_past_the_busy_timeout_still_answers() {
    let place = Place::new();
    let first = place.hook(None, &place.bash("PreToolUse", "git status"));
    assert_eq!(
        pre_tool_use_answer(&first).0,
        "allow",
        "create the database"
    );
    let holder = place.db();
    holder
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("take the write lock");
    // The hook waits out its busy timeout while we hold the lock, then answers anyway.
    let output = place.hook(None, &place.bash("PreToolUse", "rm -rf ~/victim"));
    holder.execute_batch("ROLLBACK").expect("release");
    let (answer, reason) = pre_tool_use_answer(&output);
    assert_eq!(answer, "deny", "{reason}");
    assert!(reason.contains("locked"), "{reason}");
    assert_eq!(
        count(&place.db(), "SELECT COUNT(*) FROM decisions"),
        1,
        "only the first call could be recorded"
    );
}

/// Makes `dir` and everything in it (the database's files, the spool) unwritable, for root too
/// (`chattr +i`), and undoes it when dropped so the temporary directory can be removed.
struct ReadOnly {
    paths: Vec<PathBuf>,
    immutable: bool,
}

impl ReadOnly {
    fn make(dir: &Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("list")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.push(dir.to_path_buf());
        for path in &paths {
            let mode = if path.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let probe = dir.join("probe");
        let mut guard = ReadOnly {
            paths,
            immutable: false,
        };
        if std::fs::write(&probe, b"x").is_ok() {
            // Root ignores modes; the immutable attribute stops root too.
            let _ = std::fs::remove_file(&probe);
            let status = Command::new("chattr")
                .arg("+i")
                .args(&guard.paths)
                .status()
                .expect("chattr (e2fsprogs) is needed to make a directory read-only for root");
            assert!(status.success(), "chattr +i");
            guard.immutable = true;
        }
        assert!(
            std::fs::write(&probe, b"x").is_err(),
            "the directory is really read-only"
        );
        guard
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").args(&self.paths).status();
        }
        for path in &self.paths {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
        }
    }
}

#[test]
fn a_read_only_database_directory_still_answers() {
    let place = Place::new();
    let first = place.hook(None, &place.bash("PreToolUse", "git status"));
    assert_eq!(
        pre_tool_use_answer(&first).0,
        "allow",
        "create the database"
    );
    let before = count(&place.db(), "SELECT COUNT(*) FROM decisions");
    let read_only = ReadOnly::make(&place.data);
    let output = place.hook(None, &place.bash("PreToolUse", "rm -rf ~/victim"));
    let (answer, reason) = pre_tool_use_answer(&output);
    assert_eq!(answer, "deny", "{reason}");
    assert!(reason.contains("could not use the database"), "{reason}");
    let (answer, reason) =
        pre_tool_use_answer(&place.hook(None, &place.bash("PreToolUse", "git status")));
    assert_eq!(answer, "allow", "{reason}");
    drop(read_only);
    assert_eq!(
        count(&place.db(), "SELECT COUNT(*) FROM decisions"),
        before,
        "nothing could be written"
    );
}

#[test]
fn install_registers_on_failure_block_for_the_permission_events() {
    let place = Place::new();
    let bin = place.project.join("fake-bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    pcc_testkit::claude::link_as_claude(&bin);
    let config_dir = place.project.join("claude-config");
    let output = command(&place.data)
        .args(["install", "--scope", "user"])
        .current_dir(&place.project)
        .env("CLAUDE_CONFIG_DIR", &config_dir)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env(pcc_testkit::claude::VERSION_ENV, "2.1.197 (Claude Code)")
        .output()
        .expect("install");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let settings: Value = serde_json::from_slice(
        &std::fs::read(config_dir.join("settings.json")).expect("settings.json"),
    )
    .expect("JSON");
    for (event, groups) in settings["hooks"].as_object().expect("hooks") {
        let expected =
            matches!(event.as_str(), "PreToolUse" | "PermissionRequest").then_some("block");
        assert_eq!(
            groups[0]["hooks"][0]["onFailure"].as_str(),
            expected,
            "{event}"
        );
    }
    assert!(
        text(&output.stdout).contains("2.1.197 (Claude Code) ignores \"onFailure\""),
        "{}",
        text(&output.stdout)
    );
}
