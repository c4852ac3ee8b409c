//! Deferred calls against the real Claude Code CLI (2.1.329): an unattended `claude -p` under
//! `bypassPermissions` makes a call that needs a human; our PreToolUse hook answers `defer`, so
//! the session stops with the call pending instead of being told no. `pcc-hooks respond`
//! resumes it (`claude --resume <id> -p`, no prompt): the CLI asks about the pending call again,
//! and our hook allows it once (approve) or denies it with the human's answer (deny, text).

use pcc_e2e::git::{git, project_with_remote};
use pcc_e2e::{ClaudeSession, MockApi, Sandbox, SessionOutcome, Turn, ensure_claude, pcc_binary};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

const PUSH: &str = "git push --force origin main";

fn pcc_hooks(sandbox: &Sandbox, mock: &MockApi) -> Command {
    let mut command = sandbox.command(pcc_binary("pcc-hooks"), Some(&mock.base_url()));
    command
        .env("PCC_HOME", sandbox.pcc_home())
        .env("PCC_CLAUDE_BIN", ensure_claude())
        .env("IS_SANDBOX", "1")
        .env_remove("PCC_MODE");
    command
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().expect("run pcc-hooks");
    assert!(
        output.status.success(),
        "{:?}: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The first run: the push is deferred, the session stops with it pending.
fn deferred_run(sandbox: &Sandbox, mock: &MockApi) -> (SessionOutcome, String) {
    run_ok(pcc_hooks(sandbox, mock).args(["install", "--scope", "project"]));
    let out = ClaudeSession::new(mock, "publish the release")
        .sandbox(sandbox)
        .args(["--permission-mode", "bypassPermissions"])
        .env("IS_SANDBOX", "1")
        .env("PCC_HOME", sandbox.pcc_home())
        .env_remove("PCC_MODE")
        .run();
    out.assert_success();
    let result = out.expect_result();
    assert_eq!(result["terminal_reason"], "tool_deferred", "{out}");
    assert_eq!(
        result["deferred_tool_use"]["input"]["command"], PUSH,
        "{out}"
    );
    assert_eq!(
        mock.scripted_requests().len(),
        1,
        "nothing went back to the model: {out}"
    );
    let pending: Value = serde_json::from_str(&run_ok(
        pcc_hooks(sandbox, mock).args(["pending", "--json"]),
    ))
    .expect("JSON");
    let escalation = &pending.as_array().expect("a list")[0];
    assert_eq!(escalation["kind"], "permission", "{pending}");
    assert_eq!(escalation["deferred"], true, "{pending}");
    assert_eq!(escalation["level"], "HIGH");
    assert_eq!(escalation["session_id"], out.expect_session_id());
    let id = escalation["id"].as_i64().expect("id").to_string();
    (out, id)
}

/// Answers, then waits for the scheduler's resume to finish.
fn respond_and_wait(sandbox: &Sandbox, mock: &MockApi, id: &str, answer: &str) -> Value {
    let answered: Value = serde_json::from_str(&run_ok(
        pcc_hooks(sandbox, mock).args(["respond", id, answer, "--json"]),
    ))
    .expect("JSON");
    assert_eq!(answered["delivery"], "resume", "{answered}");
    assert!(
        mock.wait_for_scripted_requests(2, Duration::from_secs(60)),
        "the resumed session did not reach the model; requests: {}",
        mock.scripted_requests().len()
    );
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(sandbox.pcc_home().join("scheduler.lock"))
        .expect("respond started a scheduler");
    lock.lock().expect("wait for the scheduler to finish");
    answered
}

fn bash_answers(sandbox: &Sandbox, session: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(sandbox.pcc_home().join("pcc.db")).expect("database");
    conn.prepare(
        "SELECT answer, rule FROM decisions
         WHERE session_id = ?1 AND tool_name = 'Bash' AND hook_event = 'PreToolUse' ORDER BY id",
    )
    .expect("prepare")
    .query_map([session], |row| Ok((row.get(0)?, row.get(1)?)))
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn a_deferred_push_runs_in_the_resumed_session_once_a_human_approves() {
    let mock = MockApi::start([
        Turn::tool("Bash", json!({"command": PUSH, "description": "publish"})),
        Turn::text("Pushed after approval."),
    ]);
    let sandbox = Sandbox::new();
    let (remote, commit) = project_with_remote(&sandbox);
    let (out, id) = deferred_run(&sandbox, &mock);
    let session = out.expect_session_id().to_owned();
    let tool_use_id = out.expect_result()["deferred_tool_use"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        git(&remote, &["rev-list", "--all"]).is_empty(),
        "nothing was pushed before the answer"
    );

    let answered = respond_and_wait(&sandbox, &mock, &id, "approve");
    assert_eq!(answered["approved_once"], true, "{answered}");
    let requests = mock.scripted_requests();
    assert_eq!(
        requests.len(),
        2,
        "one turn after the push, no extra prompt turn"
    );
    let pushed = requests[1].tool_results();
    assert!(
        pushed.iter().any(|result| result.tool_use_id == tool_use_id
            && !result.is_error
            && result.text.contains("main -> main")),
        "the deferred push itself ran on resume: {pushed:?}"
    );
    assert_eq!(
        git(&remote, &["rev-parse", "main"]),
        commit,
        "the remote has the commit"
    );
    let answers: Vec<String> = bash_answers(&sandbox, &session)
        .into_iter()
        .map(|(answer, rule)| format!("{answer} {rule}"))
        .collect();
    assert_eq!(
        answers,
        ["defer git.force-push", "allow human.approved"],
        "deferred, then allowed once by the approval"
    );
}

#[test]
fn a_deferred_call_a_human_denies_is_answered_with_the_denial_and_never_runs() {
    let mock = MockApi::start([
        Turn::tool("Bash", json!({"command": PUSH, "description": "publish"})),
        Turn::text("Not pushing, as the human said."),
    ]);
    let sandbox = Sandbox::new();
    let (remote, _) = project_with_remote(&sandbox);
    let (out, id) = deferred_run(&sandbox, &mock);
    let session = out.expect_session_id().to_owned();

    let answer = "not today: the release is frozen";
    respond_and_wait(&sandbox, &mock, &id, answer);
    let requests = mock.scripted_requests();
    let results = requests[1].tool_results();
    assert!(
        results
            .iter()
            .any(|result| result.is_error && result.text.contains(answer)),
        "the human's answer is the deferred call's tool_result: {results:?}"
    );
    assert!(
        git(&remote, &["rev-list", "--all"]).is_empty(),
        "nothing was pushed"
    );
    let answers: Vec<String> = bash_answers(&sandbox, &session)
        .into_iter()
        .map(|(answer, rule)| format!("{answer} {rule}"))
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(answers[0].starts_with("defer "), "{answers:?}");
    assert_eq!(answers[1], "deny human.denied", "{answers:?}");
}
