//! Smoke tests of the e2e harness itself, driving the real pinned Claude Code CLI.

use std::time::Duration;

use pcc_e2e::{ClaudeSession, MockApi, RequestKind, Sandbox, Scenario, Turn};
use serde_json::{Value, json};

/// Writes a settings file registering `script` (written as an executable) as the Bash
/// PreToolUse hook, and returns the settings path.
fn pre_tool_use_settings(sb: &Sandbox, script: &str) -> std::path::PathBuf {
    let hook = sb.write_executable("hooks/pre_tool_use.sh", script);
    let settings = json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": hook}
    ]}]}});
    sb.write_file("settings.json", settings.to_string())
}

/// The `tee` makes the command need approval: without the hook, `claude -p` in default
/// permission mode refuses it ("The following part requires approval: tee …"), so this also
/// proves the hook's `allow` took effect.
const ECHO_COMMAND: &str = "echo hello-from-mock | tee hook-allowed.txt";

#[test]
fn bash_tool_runs_after_pre_tool_use_hook_allows_it_and_model_sees_output() {
    let mock = MockApi::start([
        Turn::tool(
            "Bash",
            json!({"command": ECHO_COMMAND, "description": "Say hello"}),
        ),
        Turn::text("Echo finished."),
    ]);
    let sb = Sandbox::new();
    let settings = pre_tool_use_settings(
        &sb,
        "#!/bin/sh\ncat > \"$(dirname \"$0\")/stdin.json\"\n\
         echo '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"allow\"}}'\n",
    );

    let out = ClaudeSession::new(&mock, "please echo")
        .sandbox(&sb)
        .settings(&settings)
        .run();
    out.assert_success();
    assert_eq!(out.result_text(), Some("Echo finished."), "{out}");

    // The hook ran, saw the scripted tool call, and its decision is in the stream.
    let hook_stdin: Value = serde_json::from_slice(
        &std::fs::read(sb.root().join("hooks/stdin.json")).expect("hook wrote its stdin"),
    )
    .expect("hook stdin is JSON");
    assert_eq!(hook_stdin["hook_event_name"], "PreToolUse");
    assert_eq!(hook_stdin["tool_input"]["command"], ECHO_COMMAND);
    assert_eq!(hook_stdin["session_id"], out.expect_session_id());
    let responses = out.hook_responses("PreToolUse");
    assert_eq!(responses.len(), 1, "{out}");
    assert_eq!(responses[0]["exit_code"], 0);
    assert!(
        responses[0]["stdout"]
            .as_str()
            .is_some_and(|s| s.contains("\"allow\"")),
        "{out}"
    );

    // The model's second request carries the tool output as a tool_result for our tool call.
    let reqs = mock.scripted_requests();
    assert_eq!(reqs.len(), 2, "expected 2 model requests: {reqs:#?}");
    assert_eq!(reqs[0].path, "/v1/messages?beta=true");
    assert_eq!(
        reqs[0].header("x-api-key"),
        Some(pcc_e2e::session::TEST_API_KEY)
    );
    assert!(reqs[0].tool_results().is_empty());
    let results = reqs[1].tool_results();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].text.trim(), "hello-from-mock");
    assert!(!results[0].is_error);
    assert!(
        sb.project_dir().join("hook-allowed.txt").is_file(),
        "command ran in the project dir"
    );
    assert_eq!(
        Some(results[0].tool_use_id.clone()),
        hook_stdin["tool_use_id"].as_str().map(str::to_owned),
        "tool_result answers the tool call the hook saw"
    );
    assert!(
        matches!(
            reqs[1].kind,
            RequestKind::Scripted {
                assistant_count: 1,
                turn_index: Some(1),
                ..
            }
        ),
        "{:?}",
        reqs[1].kind
    );
}

#[test]
fn pre_tool_use_deny_reaches_the_model_instead_of_the_command_output() {
    let mock = MockApi::start([
        Turn::text("I'll run it.").with_tool("Bash", json!({"command": "echo should-not-run"})),
        Turn::text("Understood, it was blocked."),
    ]);
    let sb = Sandbox::new();
    let settings = pre_tool_use_settings(
        &sb,
        "#!/bin/sh\ncat > /dev/null\n\
         echo '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\"permissionDecisionReason\":\"DENIED-BY-TEST-HOOK\"}}'\n",
    );

    let out = ClaudeSession::new(&mock, "try it")
        .sandbox(&sb)
        .settings(&settings)
        .run();
    out.assert_success();
    assert_eq!(
        out.result_text(),
        Some("Understood, it was blocked."),
        "{out}"
    );

    let reqs = mock.scripted_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    // A text + tool_use turn is one assistant message, so the script stays aligned.
    assert_eq!(reqs[1].assistant_count(), 1);
    let results = reqs[1].tool_results();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(
        results[0].text.contains("DENIED-BY-TEST-HOOK"),
        "{results:?}"
    );
    assert!(!results[0].text.contains("should-not-run"), "{results:?}");
    assert!(results[0].is_error);
}

#[test]
fn overloaded_error_turn_ends_the_run_with_is_error() {
    let mock = MockApi::start([Turn::overloaded()]);
    let out = ClaudeSession::new(&mock, "hello").run();

    assert!(!out.exited_ok(), "{out}");
    assert!(out.is_error(), "{out}");
    let result = out.expect_result();
    assert_eq!(result["api_error_status"], 529, "{out}");
    assert!(
        out.result_text().is_some_and(|t| t.contains("529")),
        "{out}"
    );
    // CLAUDE_CODE_MAX_RETRIES=0: exactly one model request.
    assert_eq!(mock.scripted_requests().len(), 1);
}

#[test]
fn error_turn_is_consumed_so_a_retry_gets_the_next_turn() {
    let mock = MockApi::start([
        Turn::error(500, "api_error", "Internal server error").with_header("retry-after", "0"),
        Turn::text("Recovered after retry."),
    ]);
    let out = ClaudeSession::new(&mock, "hello")
        .env("CLAUDE_CODE_MAX_RETRIES", "1")
        .run();
    out.assert_success();
    assert_eq!(out.result_text(), Some("Recovered after retry."), "{out}");
    let reqs = mock.scripted_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    // Claude Code retries itself (the SDK's `x-stainless-retry-count` stays 0), with the same
    // history: both requests have 0 assistant messages, the error turn was served once.
    let turns: Vec<_> = reqs.iter().map(|r| r.kind.clone()).collect();
    assert_eq!(
        turns,
        [0, 1].map(|i| RequestKind::Scripted {
            conversation: None,
            assistant_count: 0,
            turn_index: Some(i)
        })
    );
}

#[test]
fn conversation_marker_selects_its_own_scenario_and_exhausted_script_says_done() {
    let mock = MockApi::start([Turn::text("default conversation")]);
    mock.add_conversation("MARKER-B", Scenario::new());
    mock.add_conversation("MARKER-C", [Turn::text("conversation C")]);

    let b = ClaudeSession::new(&mock, "this is MARKER-B").run();
    b.assert_success();
    assert_eq!(b.result_text(), Some(Scenario::DONE_TEXT), "{b}");
    let c = ClaudeSession::new(&mock, "and MARKER-C here").run();
    c.assert_success();
    assert_eq!(c.result_text(), Some("conversation C"), "{c}");

    let kinds: Vec<_> = mock
        .scripted_requests()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            RequestKind::Scripted {
                conversation: Some("MARKER-B".into()),
                assistant_count: 0,
                turn_index: None
            },
            RequestKind::Scripted {
                conversation: Some("MARKER-C".into()),
                assistant_count: 0,
                turn_index: Some(0)
            },
        ]
    );
}

#[test]
fn resume_continues_the_script_where_the_session_left_off() {
    let mock = MockApi::start([Turn::text("first answer"), Turn::text("second answer")]);
    let sb = Sandbox::new();
    let first = ClaudeSession::new(&mock, "one").sandbox(&sb).run();
    first.assert_success();
    assert_eq!(first.result_text(), Some("first answer"));
    assert!(
        first.transcript_path().is_some(),
        "transcript written under the sandbox config dir\n{first}"
    );

    let second = ClaudeSession::new(&mock, "two")
        .sandbox(&sb)
        .resume(first.expect_session_id())
        .run();
    second.assert_success();
    assert_eq!(second.result_text(), Some("second answer"), "{second}");
    assert_eq!(second.session_id, first.session_id);
}

#[test]
fn timeout_kills_the_process_group_and_fails_with_output() {
    let mock = MockApi::start([
        Turn::tool("Bash", json!({"command": "echo never"})),
        Turn::text("unreachable"),
    ]);
    let sb = Sandbox::new();
    let pid_file = sb.root().join("hook.pid");
    let settings = pre_tool_use_settings(
        &sb,
        &format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 300\n",
            pid_file.display()
        ),
    );
    let session = ClaudeSession::new(&mock, "hang")
        .sandbox(&sb)
        .settings(&settings)
        .timeout(Duration::from_secs(4));
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.run()))
        .expect_err("a hanging hook must make the run time out");
    let msg = panic
        .downcast_ref::<String>()
        .expect("panic message is a String");
    assert!(msg.contains("timed out"), "{msg}");
    assert!(
        msg.contains("hook_started"),
        "captured stdout is in the message: {msg}"
    );

    // The hook (sleep) was in the CLI's process group, so it is gone too.
    let pid = std::fs::read_to_string(&pid_file).expect("hook recorded its pid");
    let proc_dir = std::path::Path::new("/proc").join(pid.trim());
    let alive = std::fs::read_to_string(proc_dir.join("stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false);
    assert!(!alive, "hook process {} survived the timeout", pid.trim());
}

/// Installs the CLI from scratch into a temp cache, as CI does on a clean machine, with two
/// concurrent callers to exercise the install lock. Costs a few seconds when npm's cache is warm.
#[test]
fn installer_installs_pinned_cli_into_an_empty_cache() {
    let cache = tempfile::tempdir().expect("temp cache");
    let paths: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| pcc_e2e::claude_cli::ensure_claude_in(cache.path())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("installer thread panicked"))
            .collect()
    });
    assert_eq!(paths[0], paths[1]);
    assert!(paths[0].starts_with(cache.path()));
    let version = std::process::Command::new(&paths[0])
        .arg("--version")
        .output()
        .expect("run installed claude");
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(pcc_e2e::CLAUDE_CODE_VERSION),
        "{version:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(cache.path())
        .expect("read cache")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "half-installs left behind: {leftovers:?}"
    );
}
