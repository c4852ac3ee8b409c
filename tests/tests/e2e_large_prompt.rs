//! A task prompt too large to be an argument reaches the model intact: the built `pcc-mcp`
//! (driven over its stdio as an MCP client would) runs one task in the real Claude Code CLI
//! against the mock API, and the mock sees the whole prompt. As `claude -p <prompt>` this failed
//! with "Argument list too long" (one argument is capped at 128 KiB by Linux); on stdin it works.

use pcc_e2e::{MockApi, Sandbox, Turn, ensure_claude, pcc_binary};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Over 200 KiB: past `MAX_ARG_STRLEN` (128 KiB), cheap for the CLI.
const PROMPT_BYTES: usize = 256 * 1024;

#[test]
fn a_prompt_over_the_argument_limit_reaches_the_model_whole() {
    let sandbox = Sandbox::new();
    let project = sandbox.project_dir();
    let body: String = (0..PROMPT_BYTES / 16)
        .map(|i| format!("{i:015x}\n"))
        .collect();
    let prompt = format!("LARGE-PROMPT-E2E: read all of this.\n{body}END-OF-LARGE-PROMPT");
    let mock = MockApi::start([Turn::text("unexpected request")]);
    mock.add_conversation(
        "LARGE-PROMPT-E2E",
        [Turn::text_with_nonce("Read it all: large-ok-42.")],
    );

    let mut server = sandbox
        .command(pcc_binary("pcc-mcp"), Some(&mock.base_url()))
        .env("PCC_HOME", sandbox.root().join("pcc-home"))
        .env("PCC_CLAUDE_BIN", ensure_claude())
        .current_dir(&project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start pcc-mcp");
    let mut stdin = server.stdin.take().expect("stdin");
    let stdout = server.stdout.take().expect("stdout");
    let (tx, answers) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line)
                && value.get("id").is_some()
                && tx.send(value).is_err()
            {
                return;
            }
        }
    });
    let mut send = |message: Value| {
        writeln!(stdin, "{message}")
            .and_then(|()| stdin.flush())
            .expect("write to pcc-mcp");
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "e2e", "version": "0"}}}),
    );
    let init = answers
        .recv_timeout(Duration::from_secs(30))
        .expect("initialize answered");
    assert!(init["result"].is_object(), "{init}");
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "execute_task_list",
        "arguments": {"cwd": project, "tasks": [prompt]}}}),
    );
    let answer = answers
        .recv_timeout(Duration::from_secs(180))
        .expect("execute_task_list answered");
    let _ = server.kill();
    let _ = server.wait();

    assert_eq!(answer["id"], 2, "{answer}");
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert_ne!(answer["result"]["isError"], true, "{text}");
    let report: Value = serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"));
    assert_eq!(report["tasks"][0]["status"], "succeeded", "{report:#}");
    assert_eq!(report["tasks"][0]["result"], "Read it all: large-ok-42.");

    let child = mock
        .scripted_requests()
        .into_iter()
        .find(|request| request.messages_contain("LARGE-PROMPT-E2E"))
        .expect("the child's request reached the mock");
    assert!(
        child.user_texts().iter().any(|text| text.contains(&prompt)),
        "the model was not given the whole {}-byte prompt",
        prompt.len()
    );
}
