//! `"onFailure": "block"` on a PreToolUse handler, against the real Claude Code CLI (2.1.329)
//! under `bypassPermissions`: a hook whose command is missing, or that crashes, blocks the tool
//! call; without the field the same failure lets the call run. And the plugin's launcher blocks
//! a hook call when the `pcc-hooks` binary is not installed.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, SessionOutcome, Turn, plugin_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The scripted model runs `touch <marker>` once, then stops.
fn touch(marker: &Path) -> MockApi {
    MockApi::start([
        Turn::tool(
            "Bash",
            json!({"command": format!("touch {}", marker.display()), "description": "touch"}),
        ),
        Turn::text("Finished."),
    ])
}

fn session(sandbox: &Sandbox, mock: &MockApi) -> ClaudeSession {
    ClaudeSession::new(mock, "do the scripted step")
        .sandbox(sandbox)
        .args(["--permission-mode", "bypassPermissions"])
        .env("IS_SANDBOX", "1")
        .env("PATH", "/usr/bin:/bin")
}

/// Settings with one PreToolUse handler running `command` (exec form), with `on_failure`.
fn settings(sandbox: &Sandbox, command: &Path, on_failure: Option<&str>) -> PathBuf {
    let mut handler =
        json!({"type": "command", "command": command, "args": ["hook"], "timeout": 30});
    if let Some(on_failure) = on_failure {
        handler["onFailure"] = json!(on_failure);
    }
    sandbox.write_file(
        "settings.json",
        json!({"hooks": {"PreToolUse": [{"hooks": [handler]}]}}).to_string(),
    )
}

fn first_tool_result(out: &SessionOutcome) -> String {
    out.tool_results()
        .first()
        .map(|(_, text)| text.clone())
        .unwrap_or_else(|| panic!("a tool_result\n{out}"))
}

#[test]
fn a_missing_hook_command_blocks_the_call_only_with_on_failure_block() {
    let sandbox = Sandbox::new();
    let missing = sandbox.root().join("not-installed/pcc-hooks");

    let blocked_marker = sandbox.project_dir().join("blocked");
    let mock = touch(&blocked_marker);
    let out = session(&sandbox, &mock)
        .settings(settings(&sandbox, &missing, Some("block")))
        .run();
    out.assert_success();
    assert!(!blocked_marker.exists(), "the call was blocked\n{out}");
    let result = first_tool_result(&out);
    assert!(
        result.contains("onFailure") && result.contains("block"),
        "the model is told the hook failed and blocked: {result}"
    );

    // The same failure without the field: a non-blocking error, and the call runs.
    let ran_marker = sandbox.project_dir().join("ran");
    let mock = touch(&ran_marker);
    let out = session(&sandbox, &mock)
        .settings(settings(&sandbox, &missing, None))
        .run();
    out.assert_success();
    assert!(
        ran_marker.exists(),
        "without onFailure the call runs\n{out}"
    );
}

#[test]
fn a_crashing_hook_blocks_the_call_with_on_failure_block() {
    let sandbox = Sandbox::new();
    let crash = sandbox.write_executable(
        "crash.sh",
        "#!/bin/sh\necho 'thread main panicked' >&2\nexit 101\n",
    );
    let marker = sandbox.project_dir().join("crashed");
    let mock = touch(&marker);
    let out = session(&sandbox, &mock)
        .settings(settings(&sandbox, &crash, Some("block")))
        .run();
    out.assert_success();
    assert!(!marker.exists(), "the call was blocked\n{out}");
    let responses = out.hook_responses("PreToolUse");
    assert!(
        responses
            .iter()
            .any(|response| response["exit_code"] == 101),
        "{out}"
    );
}

#[test]
fn the_plugin_launcher_blocks_a_call_when_the_binary_is_missing() {
    let sandbox = Sandbox::new();
    let marker = sandbox.project_dir().join("unjudged");
    let mock = touch(&marker);
    // No PCC_HOOKS_BIN, and no pcc-hooks on PATH or in the throwaway home.
    let out = session(&sandbox, &mock)
        .plugin_dir(plugin_dir())
        .env_remove("PCC_HOOKS_BIN")
        .run();
    out.assert_success();
    assert!(!marker.exists(), "the call was blocked\n{out}");
    let result = first_tool_result(&out);
    assert!(
        result.contains("binary is not installed"),
        "the launcher's line reaches the model: {result}"
    );
    let exit_codes = |event: &str| -> Vec<Value> {
        out.hook_responses(event)
            .into_iter()
            .map(|response| response["exit_code"].clone())
            .collect()
    };
    assert_eq!(exit_codes("PreToolUse"), vec![Value::from(2)], "{out}");
    // The prompt itself went through (exit 1 there is non-blocking); only the tool call is
    // blocked.
    assert_eq!(
        exit_codes("UserPromptSubmit"),
        vec![Value::from(1)],
        "{out}"
    );
}
