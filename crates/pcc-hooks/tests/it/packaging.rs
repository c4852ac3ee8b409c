//! The plugin and the settings snippet register exactly the events `pcc-hooks install` does, in
//! exec form (no shell between Claude Code and us), and the plugin's launcher finds the binary.

use crate::common::*;
use pcc_core::config::claude_settings::{
    BLOCK_ON_FAILURE_EVENTS, HOOK_EVENTS, HOOK_TIMEOUT_SECONDS,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(relative: &str) -> Value {
    let path = repo().join(relative);
    serde_json::from_slice(&std::fs::read(&path).expect("file exists")).expect("valid JSON")
}

#[track_caller]
fn assert_registers_every_event(document: &Value, command: &str) {
    let hooks = document["hooks"].as_object().expect("a hooks object");
    let events: BTreeSet<&str> = hooks.keys().map(String::as_str).collect();
    assert_eq!(events, HOOK_EVENTS.iter().copied().collect::<BTreeSet<_>>());
    for (event, groups) in hooks {
        let handler = &groups[0]["hooks"][0];
        assert_eq!(handler["type"], "command", "{event}");
        assert_eq!(handler["command"], command, "{event}");
        assert_eq!(
            handler["args"],
            serde_json::json!(["hook"]),
            "{event}: exec form"
        );
        assert_eq!(handler["timeout"], HOOK_TIMEOUT_SECONDS, "{event}");
        // A crash, a timeout or a missing binary blocks the tool call instead of letting it run.
        let blocks = BLOCK_ON_FAILURE_EVENTS.contains(&event.as_str());
        assert_eq!(
            handler.get("onFailure").and_then(Value::as_str),
            blocks.then_some("block"),
            "{event}"
        );
        assert!(
            groups[0].get("matcher").is_none(),
            "{event}: every tool, no matcher"
        );
    }
}

#[test]
fn plugin_hooks_cover_every_event_in_exec_form() {
    assert_registers_every_event(
        &read_json("plugin/hooks/hooks.json"),
        "${CLAUDE_PLUGIN_ROOT}/bin/pcc-hooks",
    );
}

#[test]
fn settings_snippet_covers_every_event_in_exec_form() {
    assert_registers_every_event(&read_json("hooks.json"), "pcc-hooks");
}

#[test]
fn plugin_manifest_and_marketplace_agree() {
    let plugin = read_json("plugin/.claude-plugin/plugin.json");
    let marketplace = read_json(".claude-plugin/marketplace.json");
    assert_eq!(plugin["name"], "pcc-hooks");
    assert_eq!(
        plugin["version"],
        env!("CARGO_PKG_VERSION"),
        "plugin and crate versions move together"
    );
    let listed = &marketplace["plugins"][0];
    assert_eq!(listed["name"], plugin["name"]);
    assert!(
        repo()
            .join(listed["source"].as_str().expect("source"))
            .join(".claude-plugin/plugin.json")
            .exists()
    );
}

fn launcher_with(home: &Path, path: &str, arg: &str) -> Command {
    let mut command = Command::new(repo().join("plugin/bin/pcc-hooks"));
    command
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .arg(arg);
    command
}

fn launcher(home: &Path, path: &str) -> Command {
    launcher_with(home, path, "--version")
}

#[test]
fn launcher_prefers_pcc_hooks_bin() {
    let home = tempfile::tempdir().expect("tempdir");
    let output = launcher(home.path(), "/usr/bin:/bin")
        .env("PCC_HOOKS_BIN", BIN)
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("pcc-hooks "),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn launcher_skips_itself_on_path_and_finds_the_real_binary() {
    let home = tempfile::tempdir().expect("tempdir");
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let plugin_bin = repo().join("plugin/bin");
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        plugin_bin.display(),
        bin_dir.display()
    );
    let output = launcher(home.path(), &path).output().expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("pcc-hooks "));
}

#[test]
fn launcher_without_a_binary_fails_clearly_and_prints_nothing_on_stdout() {
    let home = tempfile::tempdir().expect("tempdir");
    let output = launcher(home.path(), "/usr/bin:/bin")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(1),
        "a command other than `hook` is an ordinary error"
    );
    assert!(output.stdout.is_empty());
    assert!(
        text(&output.stderr).contains("binary is not installed"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn launcher_without_a_binary_blocks_a_tool_call_with_one_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let hook = |stdin: &[u8], extra: Option<(&str, &Path)>| {
        let mut command = launcher_with(home.path(), "/usr/bin:/bin", "hook");
        if let Some((key, value)) = extra {
            command.env(key, value);
        }
        run_with_stdin(&mut command, stdin)
    };
    let pre_tool_use = serde_json::json!({"session_id": "s", "cwd": "/p",
        "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}});
    let output = hook(pre_tool_use.to_string().as_bytes(), None);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit 2 makes Claude Code block the call (exit 1 would let it run)"
    );
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains("binary is not installed"), "{stderr}");
    // PCC_HOOKS_BIN pointing at nothing is the same as no binary.
    let gone = home.path().join("gone/pcc-hooks");
    let output = hook(
        pre_tool_use.to_string().as_bytes(),
        Some(("PCC_HOOKS_BIN", &gone)),
    );
    assert_eq!(output.status.code(), Some(2));
    for (stdin, code, why) in [
        (
            r#"{"session_id": "s", "hook_event_name": "PermissionRequest", "tool_name": "Bash"}"#,
            2,
            "a permission request is blocked too",
        ),
        ("not JSON at all", 2, "what it cannot tell is blocked"),
        (
            r#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"mcp__x__y","tool_input":{"hook_event_name":"Stop"}}"#,
            2,
            "the tool's input cannot pass for another event",
        ),
        (
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"Stop"}"#,
            1,
            "a blocked Stop would make Claude go on; non-blocking instead",
        ),
        (
            r#"{"session_id":"s","cwd":"/p","hook_event_name":"UserPromptSubmit","prompt":"hi"}"#,
            1,
            "a blocked prompt would be thrown away; the next tool call is blocked instead",
        ),
    ] {
        let output = hook(stdin.as_bytes(), None);
        assert_eq!(output.status.code(), Some(code), "{why}: {stdin}");
        assert_eq!(text(&output.stderr).lines().count(), 1, "{why}");
    }
}
