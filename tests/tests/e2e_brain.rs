//! The brain against the real Claude Code CLI: Claude's `AskUserQuestion` answered by our hook
//! (the answers reach the model), and an unattended turn ending in "Should I proceed?" that goes
//! on because our Stop hook answered it.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, Turn, pcc_binary, plugin_dir};
use serde_json::json;

fn with_our_hooks(session: ClaudeSession, sandbox: &Sandbox, mode: &str) -> ClaudeSession {
    session
        .sandbox(sandbox)
        .plugin_dir(plugin_dir())
        .env("PCC_HOOKS_BIN", pcc_binary("pcc-hooks"))
        .env("PCC_HOME", sandbox.root().join("pcc-home"))
        .env("PCC_MODE", mode)
}

fn brain_answers(sandbox: &Sandbox, kind: &str) -> Vec<(String, Option<String>)> {
    let conn =
        rusqlite::Connection::open(sandbox.root().join("pcc-home/pcc.db")).expect("database");
    let mut statement = conn
        .prepare("SELECT question, answer FROM brain_answers WHERE kind = ?1 ORDER BY id")
        .expect("prepare");
    statement
        .query_map([kind], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn ask_user_question_is_answered_by_the_hook_and_the_answer_reaches_the_model() {
    let question = json!({"questions": [{"question": "Which framework?", "header": "Framework", "multiSelect": false,
        "options": [{"label": "React (Recommended)", "description": "what the team uses"},
                    {"label": "Vue", "description": "lighter"}]}]});
    let mock = MockApi::start([
        Turn::tool("AskUserQuestion", question),
        Turn::text("Using React, as answered."),
    ]);
    let sandbox = Sandbox::new();
    let out = with_our_hooks(
        ClaudeSession::new(&mock, "pick a framework and start"),
        &sandbox,
        "interactive",
    )
    .stream_json_input()
    .run();
    out.assert_success();
    let results = mock.scripted_requests()[1].tool_results();
    let answer = results
        .first()
        .unwrap_or_else(|| panic!("no tool_result for the question\n{out}"));
    assert!(!answer.is_error, "{}", answer.text);
    assert!(
        answer
            .text
            .contains("\"Which framework?\"=\"React (Recommended)\""),
        "{}",
        answer.text
    );
    assert_eq!(
        brain_answers(&sandbox, "question"),
        vec![(
            "Which framework?".to_owned(),
            Some("React (Recommended)".to_owned())
        )]
    );
}

#[test]
fn an_unattended_turn_ending_in_a_question_continues_with_the_brains_answer() {
    let mock = MockApi::start([
        Turn::text("I prepared the migration. Should I proceed with running the tests?"),
        Turn::text("Proceeding as answered. All tests pass."),
    ]);
    let sandbox = Sandbox::new();
    let out = with_our_hooks(
        ClaudeSession::new(&mock, "prepare the migration"),
        &sandbox,
        "unattended",
    )
    .run();
    out.assert_success();
    assert_eq!(
        out.result_text(),
        Some("Proceeding as answered. All tests pass."),
        "{out}"
    );
    let continued = &mock.scripted_requests()[1];
    assert!(
        continued
            .user_texts()
            .iter()
            .any(|text| text.contains("Yes, proceed")),
        "the Stop hook's answer reached the model: {:?}",
        continued.user_texts()
    );
    let answers = brain_answers(&sandbox, "stop");
    assert_eq!(
        answers.len(),
        1,
        "answered once, then the session ended: {answers:?}"
    );
    assert_eq!(answers[0].1.as_deref(), Some("Yes"));
}
