//! The foundation against the real Claude Code CLI: every hook event of a real `claude -p`
//! session lands in SQLite under the right session id, whether our hooks come from the plugin
//! (`--plugin-dir`, or installed from the repository's marketplace) or from `pcc-hooks install`.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, SessionOutcome, Turn, pcc_binary};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}

/// A turn that runs a tool, then a final answer: enough for every per-turn event to fire.
fn one_tool_scenario() -> MockApi {
    MockApi::start([
        Turn::text("Let me look.").with_tool("Bash", json!({"command": "echo recorded-by-pcc"})),
        Turn::text("All done."),
    ])
}

/// The events stored for `session`.
fn stored_events(sandbox: &Sandbox, session: &str) -> Vec<String> {
    let conn =
        rusqlite::Connection::open(sandbox.pcc_home().join("pcc.db")).expect("database exists");
    let mut statement = conn
        .prepare("SELECT event FROM events WHERE session_id = ?1 ORDER BY id")
        .expect("prepare");
    statement
        .query_map([session], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// `pcc-hooks` with the sandbox's Claude Code first on PATH (install registers the MCP server
/// through `claude mcp add`).
fn pcc_hooks(sandbox: &Sandbox) -> Command {
    let mut command = Command::new(pcc_binary("pcc-hooks"));
    let claude_dir = pcc_e2e::ensure_claude()
        .parent()
        .expect("claude's directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(claude_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    command
        .env("PATH", path)
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("PCC_HOME", sandbox.pcc_home())
        .env("HOME", sandbox.home())
        .env("CLAUDE_CONFIG_DIR", sandbox.config_dir())
        .current_dir(sandbox.project_dir());
    command
}

#[track_caller]
fn assert_recorded(sandbox: &Sandbox, out: &SessionOutcome) {
    out.assert_success();
    let session = out.expect_session_id();
    let events: BTreeSet<String> = stored_events(sandbox, session).into_iter().collect();
    for expected in [
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "Stop",
    ] {
        assert!(
            events.contains(expected),
            "no {expected} row for {session}; stored: {events:?}\n{out}"
        );
    }
    // Stdout is the protocol: permission events get one JSON reply, every other event nothing.
    for response in out.hook_responses("*") {
        assert_eq!(response["exit_code"], 0, "{response}");
        let stdout = response["stdout"].as_str().unwrap_or("");
        let event = response["hook_event"].as_str().unwrap_or("");
        if event == "PreToolUse" || event == "PermissionRequest" {
            let reply: Value = serde_json::from_str(stdout).expect("a JSON reply");
            assert_eq!(
                reply["hookSpecificOutput"]["hookEventName"], event,
                "{response}"
            );
        } else {
            assert_eq!(stdout, "", "{response}");
        }
    }
    let status = pcc_hooks(sandbox)
        .args(["status", "--json"])
        .output()
        .expect("run status");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: Value = serde_json::from_slice(&status.stdout).expect("status --json is JSON");
    let listed = report["sessions"]
        .as_array()
        .expect("sessions array")
        .iter()
        .find(|entry| entry["session_id"] == session)
        .unwrap_or_else(|| panic!("status does not list {session}: {report}"));
    assert_eq!(
        listed["state"], "ended",
        "SessionEnd is the last event of a -p run: {listed}"
    );
    assert!(
        listed["event_counts"]["PreToolUse"].as_i64() >= Some(1),
        "{listed}"
    );
    assert_eq!(
        listed["cwd"],
        sandbox
            .project_dir()
            .canonicalize()
            .expect("cwd")
            .display()
            .to_string()
    );
}

#[test]
fn plugin_dir_records_every_event_of_a_real_session() {
    let mock = one_tool_scenario();
    let sandbox = Sandbox::new();
    let out = ClaudeSession::new(&mock, "record this session")
        .sandbox(&sandbox)
        .plugin_dir(repo_root().join("plugin"))
        .env("PCC_HOOKS_BIN", pcc_binary("pcc-hooks"))
        .env("PCC_HOME", sandbox.pcc_home())
        .run();
    assert_recorded(&sandbox, &out);
    // The tool really ran and the model saw its output.
    let requests = mock.scripted_requests();
    assert!(
        requests.iter().any(|request| request
            .tool_results()
            .iter()
            .any(|r| r.text.contains("recorded-by-pcc"))),
        "the Bash tool's output reached the model"
    );
}

#[test]
fn install_project_scope_registers_hooks_that_claude_runs_and_uninstall_removes_them() {
    let sandbox = Sandbox::new();
    let installed = pcc_hooks(&sandbox)
        .args(["install", "--scope", "project"])
        .output()
        .expect("install");
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let settings = sandbox.project_dir().join(".claude/settings.json");
    assert!(settings.exists(), "install wrote {}", settings.display());
    let mcp: Value = serde_json::from_slice(
        &std::fs::read(sandbox.project_dir().join(".mcp.json"))
            .expect("install registered the MCP server"),
    )
    .expect(".mcp.json is JSON");
    assert_eq!(
        mcp["mcpServers"]["pcc"]["command"],
        pcc_binary("pcc-mcp")
            .canonicalize()
            .expect("pcc-mcp")
            .display()
            .to_string(),
        "{mcp}"
    );

    let mock = one_tool_scenario();
    let out = ClaudeSession::new(&mock, "record via settings")
        .sandbox(&sandbox)
        .env("PCC_HOME", sandbox.pcc_home())
        .run();
    assert_recorded(&sandbox, &out);

    let removed = pcc_hooks(&sandbox)
        .args(["uninstall", "--scope", "project"])
        .output()
        .expect("uninstall");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    let mcp = std::fs::read_to_string(sandbox.project_dir().join(".mcp.json")).unwrap_or_default();
    assert!(
        !mcp.contains("pcc-mcp"),
        "uninstall removed the MCP server: {mcp}"
    );
    let mock = one_tool_scenario();
    let after = ClaudeSession::new(&mock, "not recorded any more")
        .sandbox(&sandbox)
        .env("PCC_HOME", sandbox.pcc_home())
        .run();
    after.assert_success();
    assert!(
        stored_events(&sandbox, after.expect_session_id()).is_empty(),
        "after uninstall no hook of ours runs"
    );
}

#[test]
fn plugin_installed_from_the_repository_marketplace_records_events() {
    let sandbox = Sandbox::new();
    let claude = |args: &[&str]| {
        let output = sandbox
            .command(pcc_e2e::ensure_claude(), None)
            .args(args)
            .output()
            .expect("run claude");
        assert!(
            output.status.success(),
            "claude {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let repo = repo_root();
    claude(&[
        "plugin",
        "marketplace",
        "add",
        repo.to_str().expect("utf-8 path"),
    ]);
    claude(&["plugin", "install", "pcc-hooks@pcc-hooks", "-s", "user"]);

    let mock = one_tool_scenario();
    let out = ClaudeSession::new(&mock, "record via the installed plugin")
        .sandbox(&sandbox)
        .env("PCC_HOOKS_BIN", pcc_binary("pcc-hooks"))
        .env("PCC_HOME", sandbox.pcc_home())
        .run();
    assert_recorded(&sandbox, &out);

    let doctor = pcc_hooks(&sandbox)
        .args(["doctor", "--json"])
        .output()
        .expect("doctor");
    let report: Value = serde_json::from_slice(&doctor.stdout).expect("doctor --json");
    let hooks = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|check| check["name"] == "hooks")
        .expect("a hooks check");
    assert_eq!(hooks["severity"], "ok", "{report}");
    assert!(
        hooks["detail"]
            .as_str()
            .is_some_and(|d| d.contains("plugin")),
        "{report}"
    );
}
