//! The human bridge against the real Claude Code CLI:
//! - two tasks queued for a session are handed to a real `claude -p` by our Stop hook, one per
//!   stop, and the model sees both as its next instructions; the queue shows both done;
//! - an unattended session denied a HIGH action (`git push --force`) is answered with
//!   `pcc-hooks respond … approve`; the scheduler resumes it with `claude --resume`, the retried
//!   push is allowed once by our hook, and it really runs (the bare remote receives the commit).

use pcc_e2e::git::{git, project_with_remote};
use pcc_e2e::{ClaudeSession, MockApi, Sandbox, Turn, ensure_claude, pcc_binary};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// `pcc-hooks` in the sandbox's hermetic environment, pointed at `mock`, with the pinned CLI for
/// any scheduler it starts.
fn pcc_hooks(sandbox: &Sandbox, mock: &MockApi) -> Command {
    let mut command = sandbox.command(pcc_binary("pcc-hooks"), Some(&mock.base_url()));
    command
        .env("PCC_HOME", sandbox.pcc_home())
        .env("PCC_CLAUDE_BIN", ensure_claude())
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

/// Our hooks registered in the project's `.claude/settings.json`, so a `claude --resume` started
/// by the scheduler runs them too.
fn install_hooks(sandbox: &Sandbox, mock: &MockApi) {
    run_ok(pcc_hooks(sandbox, mock).args(["install", "--scope", "project"]));
}

/// A session id for `--session-id`: a UUID unique to this run.
fn fresh_session_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let pid = u128::from(std::process::id());
    let bits = nanos ^ (pid << 64);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (bits >> 96) as u32,
        (bits >> 80) as u16,
        (bits >> 68) as u16 & 0xfff,
        (bits >> 56) as u16 & 0xfff,
        bits as u64 & 0xffff_ffff_ffff
    )
}

#[test]
fn queued_tasks_are_handed_to_a_real_session_one_per_stop() {
    let mock = MockApi::start([
        Turn::text("Done with the prompt."),
        Turn::text("First note written."),
        Turn::text("Second note written."),
    ]);
    let sandbox = Sandbox::new();
    install_hooks(&sandbox, &mock);
    let session = fresh_session_id();
    for task in ["Write the first note", "Write the second note"] {
        run_ok(pcc_hooks(&sandbox, &mock).args(["add", &session, task]));
    }
    let out = ClaudeSession::new(&mock, "start the notes")
        .sandbox(&sandbox)
        .args(["--session-id", &session])
        .env("PCC_HOME", sandbox.pcc_home())
        .env("PCC_MODE", "unattended")
        .run();
    out.assert_success();
    assert_eq!(out.expect_session_id(), session);
    assert_eq!(out.result_text(), Some("Second note written."), "{out}");
    let requests = mock.scripted_requests();
    assert_eq!(requests.len(), 3, "one turn per task: {out}");
    let told = |index: usize, task: &str| {
        requests[index]
            .user_texts()
            .iter()
            .any(|text| text.contains(task) && text.contains("pcc-hooks queue"))
    };
    assert!(
        told(1, "Write the first note"),
        "{:?}",
        requests[1].user_texts()
    );
    assert!(
        told(2, "Write the second note"),
        "{:?}",
        requests[2].user_texts()
    );
    assert!(!told(1, "Write the second note"), "one task at a time");

    let queue: Value = serde_json::from_str(&run_ok(
        pcc_hooks(&sandbox, &mock).args(["queue", "--json", "--all"]),
    ))
    .expect("JSON");
    let tasks: Vec<(String, String, i64)> = queue
        .as_array()
        .expect("tasks")
        .iter()
        .map(|task| {
            (
                task["text"].as_str().unwrap_or("").to_owned(),
                task["state"].as_str().unwrap_or("").to_owned(),
                task["attempts"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        tasks,
        vec![
            ("Write the first note".to_owned(), "done".to_owned(), 1),
            ("Write the second note".to_owned(), "done".to_owned(), 1)
        ]
    );
}

#[test]
fn an_unattended_session_denied_a_high_action_resumes_once_a_human_approves() {
    let push = "git push --force origin main";
    // The first run pushes and is denied; the resumed run (the same conversation, told of the
    // approval) retries the push, then finishes.
    let mock = MockApi::start([
        Turn::tool("Bash", json!({"command": push, "description": "publish"})),
        Turn::text("The push needs a human; stopping here."),
        Turn::tool("Bash", json!({"command": push, "description": "publish"})),
        Turn::text("Pushed after approval."),
    ]);
    let sandbox = Sandbox::new();
    let (remote, commit) = project_with_remote(&sandbox);
    install_hooks(&sandbox, &mock);

    // Deferral off: the push is denied and the session carries on, as before deferral
    // (`e2e_deferred.rs` has the deferred path).
    let out = ClaudeSession::new(&mock, "publish the release")
        .sandbox(&sandbox)
        .env("PCC_HOME", sandbox.pcc_home())
        .env("PCC_MODE", "unattended")
        .env("PCC_DEFER", "off")
        .run();
    out.assert_success();
    let session = out.expect_session_id().to_owned();
    let denied = mock.scripted_requests()[1].tool_results();
    assert!(
        denied
            .first()
            .is_some_and(|result| result.text.contains("Not allowed while unattended")),
        "our deny reason reached the model: {denied:?}"
    );
    let pending: Value = serde_json::from_str(&run_ok(
        pcc_hooks(&sandbox, &mock).args(["pending", "--json"]),
    ))
    .expect("JSON");
    let escalation = &pending.as_array().expect("a list")[0];
    assert_eq!(escalation["kind"], "permission", "{pending}");
    assert_eq!(escalation["session_id"], session.as_str());
    assert_eq!(escalation["level"], "HIGH");
    let id = escalation["id"].as_i64().expect("id").to_string();

    // The session ended, so the answer travels by `claude --resume`, started by `respond`.
    let answered: Value = serde_json::from_str(&run_ok(
        pcc_hooks(&sandbox, &mock).args(["respond", &id, "approve", "--json"]),
    ))
    .expect("JSON");
    assert_eq!(answered["delivery"], "resume", "{answered}");
    assert!(
        mock.wait_for_scripted_requests(4, Duration::from_secs(60)),
        "the resumed session did not finish; requests: {}",
        mock.scripted_requests().len()
    );
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(sandbox.pcc_home().join("scheduler.lock"))
        .expect("respond started a scheduler");
    lock.lock().expect("wait for the scheduler to finish");

    let requests = mock.scripted_requests();
    assert!(
        requests[2]
            .user_texts()
            .iter()
            .any(|text| text.contains("approved it") && text.contains(push)),
        "the resume carried the approval: {:?}",
        requests[2].user_texts()
    );
    assert!(
        requests[2].messages_contain("publish the release"),
        "the same conversation, resumed"
    );
    let pushed = requests[3].tool_results();
    assert!(
        pushed
            .last()
            .is_some_and(|result| !result.is_error && result.text.contains("main -> main")),
        "the retried push ran: {pushed:?}"
    );
    assert_eq!(
        git(&remote, &["rev-parse", "main"]),
        commit,
        "the remote received the commit"
    );
    let conn = rusqlite::Connection::open(sandbox.pcc_home().join("pcc.db")).expect("database");
    let rules: Vec<String> = conn
        .prepare(
            "SELECT rule FROM decisions WHERE session_id = ?1 AND tool_name = 'Bash' ORDER BY id",
        )
        .expect("prepare")
        .query_map([&session], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rules
            .iter()
            .filter(|rule| *rule == "human.approved")
            .count(),
        1,
        "denied once, then allowed once by the approval: {rules:?}"
    );
    let (resume_state, escalation_state): (String, String) = conn
        .query_row(
            "SELECT r.state, e.state FROM escalations e JOIN resumes r ON r.id = e.resume_id WHERE e.id = ?1",
            [id.parse::<i64>().expect("id")],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("resume of the answer");
    assert_eq!(
        (resume_state.as_str(), escalation_state.as_str()),
        ("done", "answered")
    );
}
