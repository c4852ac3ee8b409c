//! The brain inside the hooks: Stop questions, AskUserQuestion, and MEDIUM calls judged by an LLM
//! brain (a loopback mock speaking Ollama's wire format) — with invariant 2 enforced by the
//! decision code, whatever the brain says.

use crate::common::*;
use pcc_testkit::http::{Loopback, Reply};
use serde_json::{Value, json};
use std::path::Path;

fn hook(home: &Path, mode: &str, input: Value) -> (std::process::Output, Option<Value>) {
    let output = run_with_stdin(
        command(home).arg("hook").env("PCC_MODE", mode),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply = (!output.stdout.is_empty())
        .then(|| serde_json::from_slice(&output.stdout).expect("JSON reply"));
    (output, reply)
}

fn stop(message: &str, active: bool) -> Value {
    json!({"session_id": "s", "cwd": "/p", "hook_event_name": "Stop", "stop_hook_active": active,
           "last_assistant_message": message})
}

fn ask(question: &str, labels: &[&str]) -> Value {
    let options: Vec<Value> = labels
        .iter()
        .map(|label| json!({"label": label, "description": ""}))
        .collect();
    json!({"session_id": "s", "cwd": "/p", "hook_event_name": "PreToolUse", "tool_name": "AskUserQuestion",
           "tool_use_id": "t", "tool_input": {"questions": [
               {"question": question, "header": "Q", "multiSelect": false, "options": options}]}})
}

#[test]
fn an_unattended_turn_ending_in_a_safe_question_is_answered_by_blocking_the_stop() {
    let home = tempfile::tempdir().expect("tempdir");
    let (_, reply) = hook(
        home.path(),
        "unattended",
        stop("The fix is in. Should I proceed and run the tests?", false),
    );
    let reply = reply.expect("an answer");
    assert_eq!(reply["decision"], "block");
    assert!(
        reply["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Yes")),
        "{reply}"
    );
    assert_eq!(
        count(
            &db(home.path()),
            "SELECT COUNT(*) FROM brain_answers WHERE kind = 'stop' AND answer = 'Yes'"
        ),
        1
    );
}

#[test]
fn a_dangerous_question_is_never_answered_yes_and_goes_to_a_human() {
    let home = tempfile::tempdir().expect("tempdir");
    let (_, reply) = hook(
        home.path(),
        "unattended",
        stop(
            "Ready. Should I drop the production database and proceed?",
            false,
        ),
    );
    assert!(
        reply.is_none(),
        "the session may stop, not continue on a yes: {reply:?}"
    );
    let conn = db(home.path());
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM escalations WHERE kind = 'question'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM brain_answers WHERE escalated = 1"
        ),
        1
    );
}

#[test]
fn interactive_sessions_answer_their_own_questions_unless_configured() {
    let home = tempfile::tempdir().expect("tempdir");
    let question = stop("Done with step one. Shall I continue?", false);
    assert!(
        hook(home.path(), "interactive", question.clone())
            .1
            .is_none()
    );
    std::fs::write(
        home.path().join("config.toml"),
        "[questions]\nanswer_stop_questions = true\n",
    )
    .expect("config");
    assert!(
        hook(home.path(), "interactive", question).1.is_some(),
        "configured to answer"
    );
}

#[test]
fn automatic_answers_are_bounded_and_never_loop_on_one_question() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join("config.toml"),
        "[questions]\nmax_automatic_answers = 2\n",
    )
    .expect("config");
    let question = stop("Step done. Should I continue?", false);
    assert!(hook(home.path(), "unattended", question).1.is_some());
    let same_again = stop("Step done. Should I continue?", true);
    assert!(
        hook(home.path(), "unattended", same_again).1.is_none(),
        "the same question right after: a loop"
    );
    assert!(
        hook(
            home.path(),
            "unattended",
            stop("Next step done. Shall I go ahead?", true)
        )
        .1
        .is_some()
    );
    assert!(
        hook(
            home.path(),
            "unattended",
            stop("Third step done. Should I proceed?", true)
        )
        .1
        .is_none(),
        "bound of 2 reached"
    );
    let prompt = json!({"session_id": "s", "cwd": "/p", "hook_event_name": "UserPromptSubmit", "prompt": "more"});
    hook(home.path(), "unattended", prompt);
    assert!(
        hook(
            home.path(),
            "unattended",
            stop("Fourth step done. Should I proceed?", false)
        )
        .1
        .is_some(),
        "a new prompt resets the bound"
    );
}

#[test]
fn ask_user_question_is_answered_through_updated_input() {
    let home = tempfile::tempdir().expect("tempdir");
    let (_, reply) = hook(
        home.path(),
        "unattended",
        ask("Which framework?", &["React (Recommended)", "Vue"]),
    );
    let output = &reply.expect("a reply")["hookSpecificOutput"];
    assert_eq!(output["permissionDecision"], "allow");
    assert_eq!(
        output["updatedInput"]["answers"]["Which framework?"],
        "React (Recommended)"
    );
    assert_eq!(
        output["updatedInput"]["questions"][0]["question"], "Which framework?",
        "the original questions stay"
    );
}

#[test]
fn an_open_question_goes_to_a_human_by_mode() {
    let home = tempfile::tempdir().expect("tempdir");
    let question = ask(
        "What should the public API look like?",
        &["REST", "GraphQL"],
    );
    assert!(
        hook(home.path(), "interactive", question.clone())
            .1
            .is_none(),
        "the human at the terminal answers"
    );
    let (_, reply) = hook(home.path(), "unattended", question);
    let output = &reply.expect("a reply")["hookSpecificOutput"];
    assert_eq!(output["permissionDecision"], "deny");
    assert!(
        output["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("best judgement")),
        "{output}"
    );
    assert_eq!(
        count(
            &db(home.path()),
            "SELECT COUNT(*) FROM escalations WHERE kind = 'question'"
        ),
        1
    );
}

/// A loopback server speaking Ollama's `/api/chat`, approving every call it is asked about.
fn approving_ollama() -> Loopback {
    let opinion = json!({"stance": "approve", "confidence": 0.99, "reasoning": "looks fine"});
    let reply = json!({"model": "m", "message": {"role": "assistant", "content": opinion.to_string()}, "done": true});
    Loopback::start(Reply::Json(200, reply.to_string()))
}

#[test]
fn an_llm_brain_may_allow_medium_but_never_high() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = approving_ollama();
    let url = server.url("");
    std::fs::write(
        home.path().join("config.toml"),
        format!("[brain]\nkind = \"ollama\"\nbase_url = \"{url}\"\n"),
    )
    .expect("config");
    let call = |command: &str| {
        json!({"session_id": "s", "cwd": "/p", "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "tool_use_id": command, "tool_input": {"command": command}})
    };
    let (_, medium) = hook(home.path(), "unattended", call("npm install left-pad"));
    let medium = &medium.expect("a reply")["hookSpecificOutput"];
    assert_eq!(medium["permissionDecision"], "allow", "{medium}");
    assert!(
        medium["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| r.contains("ollama brain")),
        "{medium}"
    );
    let (_, high) = hook(
        home.path(),
        "unattended",
        call("git push --force origin main"),
    );
    assert_eq!(
        high.expect("a reply")["hookSpecificOutput"]["permissionDecision"],
        "deny",
        "HIGH is never the brain's"
    );
    let conn = db(home.path());
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM brain_answers WHERE kind = 'permission' AND brain = 'ollama'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM decisions WHERE rule = 'brain.ollama' AND answer = 'allow'"
        ),
        1
    );
}

#[test]
fn brain_ask_prints_the_documented_json() {
    let home = tempfile::tempdir().expect("tempdir");
    let output = command(home.path())
        .args([
            "brain",
            "ask",
            "--json",
            "--option",
            "Vue",
            "--option",
            "React (Recommended)",
            "Which framework?",
        ])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(reply["answer"], "React (Recommended)");
    assert_eq!(reply["escalate"], false);
    assert!(
        reply["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c))
    );
    assert!(reply["reason"].is_string());
    assert_eq!(
        count(
            &db(home.path()),
            "SELECT COUNT(*) FROM brain_answers WHERE kind = 'cli'"
        ),
        1,
        "recorded"
    );
}

#[test]
fn config_brain_keeps_the_rest_of_the_file() {
    let home = tempfile::tempdir().expect("tempdir");
    let original = "# my settings\nmode = \"unattended\"\n\n[permissions]\ndeny = [\"Bash(make deploy)\"] # never\n";
    std::fs::write(home.path().join("config.toml"), original).expect("config");
    let output = command(home.path())
        .args(["config", "brain", "gemini", "--model", "gemini-2.5-pro"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let updated = std::fs::read_to_string(home.path().join("config.toml")).expect("read");
    assert!(
        updated.starts_with(original),
        "comments and settings kept:\n{updated}"
    );
    assert!(
        updated.contains("[brain]\nkind = \"gemini\"\nmodel = \"gemini-2.5-pro\""),
        "{updated}"
    );
}
