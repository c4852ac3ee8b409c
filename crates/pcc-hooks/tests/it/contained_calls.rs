//! Unattended, a MEDIUM Bash call whose effects the sandbox keeps in the project is allowed
//! with its command rewritten to run contained; what still needs a human is denied as
//! before; `PCC_SANDBOX=off` and `[sandbox] mode = "off"` switch containment off.

use crate::common::{command, run_with_stdin, text};
use serde_json::{Value, json};
use std::path::Path;

fn pre_tool_use(project: &Path, command_line: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "session_id": "3f6a1c2e-0000-4000-8000-000000000001",
        "transcript_path": project.join("t.jsonl"),
        "cwd": project,
        "permission_mode": "bypassPermissions",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command_line, "description": "run it", "timeout": 60000},
        "tool_use_id": "toolu_01"
    }))
    .expect("json")
}

fn answer(home: &Path, project: &Path, command_line: &str, env: &[(&str, &str)]) -> Value {
    let mut hook = command(home);
    hook.arg("hook").env("HOME", home).env_remove("PCC_SANDBOX");
    for (key, value) in env {
        hook.env(key, value);
    }
    let output = run_with_stdin(&mut hook, &pre_tool_use(project, command_line));
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", text(&output.stdout)))
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let project = root.path().join("proj");
    std::fs::create_dir_all(project.join("scripts")).expect("project");
    (root, project)
}

/// These tests need bubblewrap, which `scripts/test` installs: without it they fail, they
/// are not skipped.
fn bwrap_present() -> bool {
    let found = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"]
        .iter()
        .any(|p| Path::new(p).exists());
    assert!(
        found,
        "bubblewrap is missing: scripts/test installs it (apt-get install bubblewrap)"
    );
    found
}

#[test]
fn project_code_runs_contained_with_the_original_command_inside() {
    assert!(bwrap_present());
    let (root, project) = setup();
    let reply = answer(
        root.path(),
        &project,
        "python3 scripts/gen.py && git add -A",
        &[],
    );
    let output = &reply["hookSpecificOutput"];
    assert_eq!(output["permissionDecision"], "allow", "{reply}");
    let wrapped = output["updatedInput"]["command"]
        .as_str()
        .expect("a command");
    assert!(
        wrapped.contains("' contain --project '")
            && wrapped.ends_with("-- 'python3 scripts/gen.py && git add -A'"),
        "{wrapped}"
    );
    assert!(
        !wrapped.contains("--network"),
        "offline unless it needs the network: {wrapped}"
    );
    assert_eq!(output["updatedInput"]["description"], "run it");
    assert_eq!(output["updatedInput"]["timeout"], 60000);
    assert!(
        output["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("contained")),
        "{reply}"
    );
    let db = crate::common::db(root.path());
    let stored: String = db
        .query_row("SELECT answer || ' ' || rule FROM decisions", [], |row| {
            row.get(0)
        })
        .expect("a decision");
    assert_eq!(stored, "contained sandbox.contained");
    assert_eq!(
        crate::common::count(&db, "SELECT count(*) FROM escalations"),
        0
    );
}

#[test]
fn declared_installs_run_contained_with_the_network() {
    assert!(bwrap_present());
    let (root, project) = setup();
    let reply = answer(root.path(), &project, "npm ci", &[]);
    let wrapped = reply["hookSpecificOutput"]["updatedInput"]["command"]
        .as_str()
        .expect("a command");
    assert!(wrapped.contains(" --network -- 'npm ci'"), "{wrapped}");
}

#[test]
fn what_needs_a_human_is_denied_and_escalated_not_contained() {
    assert!(bwrap_present());
    let (root, project) = setup();
    for line in [
        "git push origin main",
        "curl https://example.com/x",
        "cat ~/.ssh/id_rsa",
    ] {
        let reply = answer(root.path(), &project, line, &[]);
        let output = &reply["hookSpecificOutput"];
        assert_eq!(output["permissionDecision"], "deny", "{line}: {reply}");
        assert!(output.get("updatedInput").is_none(), "{line}: {reply}");
    }
}

#[test]
fn containment_can_be_switched_off_for_a_process_or_in_the_config() {
    assert!(bwrap_present());
    let (root, project) = setup();
    let reply = answer(
        root.path(),
        &project,
        "python3 scripts/gen.py",
        &[("PCC_SANDBOX", "off")],
    );
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "deny",
        "{reply}"
    );
    std::fs::write(
        root.path().join("config.toml"),
        "[sandbox]\nmode = \"off\"\n",
    )
    .expect("config");
    let reply = answer(root.path(), &project, "python3 scripts/gen.py", &[]);
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "deny",
        "{reply}"
    );
}

#[test]
fn a_project_file_cannot_switch_its_own_sandbox_off() {
    assert!(bwrap_present());
    let (root, project) = setup();
    std::fs::create_dir_all(project.join(".claude")).expect("dir");
    std::fs::write(
        project.join(".claude/pcc-hooks.toml"),
        "[sandbox]\nmode = \"off\"\n",
    )
    .expect("project config");
    let reply = answer(root.path(), &project, "python3 scripts/gen.py", &[]);
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "allow",
        "{reply}"
    );
    assert!(reply["hookSpecificOutput"]["updatedInput"]["command"].is_string());
}

#[test]
fn interactive_sessions_keep_asking_unless_the_user_opts_in() {
    assert!(bwrap_present());
    let (root, project) = setup();
    let mut input: Value =
        serde_json::from_slice(&pre_tool_use(&project, "python3 scripts/gen.py")).expect("json");
    input["permission_mode"] = json!("default");
    let run = |home: &Path| {
        let mut hook = command(home);
        hook.arg("hook")
            .env("HOME", home)
            .env_remove("PCC_SANDBOX")
            .env("PCC_MODE", "interactive");
        let output = run_with_stdin(&mut hook, &serde_json::to_vec(&input).expect("json"));
        text(&output.stdout)
    };
    assert_eq!(
        run(root.path()),
        "",
        "interactive MEDIUM: Claude Code's own dialog"
    );
    std::fs::write(
        root.path().join("config.toml"),
        "[sandbox]\ninteractive = true\n",
    )
    .expect("config");
    assert!(run(root.path()).contains("contain --project"));
}
