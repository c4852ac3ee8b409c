//! Deferring a call that needs a human, through the binary: only in a headless (`claude -p`)
//! unattended session whose turn holds that one call; never in an interactive session; a
//! deferred call asked about again before an answer is deferred again (never allowed); after
//! `respond … approve` it is allowed exactly once, after `deny` or a text it is denied with the
//! human's words.

use crate::common::{command, db, run_with_stdin, text};
use pcc_testkit::claude::{self, Scenario};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const PUSH: &str = "git push --force origin main";

struct Headless {
    dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl Headless {
    fn new() -> Headless {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("pcc");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project");
        let project = project.canonicalize().expect("canonical");
        Headless { dir, home, project }
    }

    fn transcript(&self) -> PathBuf {
        self.dir.path().join("t.jsonl")
    }

    /// The turn `message` holding the calls `ids`, one transcript line per block.
    fn write_turn(&self, message: &str, ids: &[&str]) {
        let mut text = std::fs::read_to_string(self.transcript()).unwrap_or_default();
        for id in ids {
            text.push_str(
                &json!({"type": "assistant", "message": {"id": message, "role": "assistant",
                    "content": [{"type": "tool_use", "id": id, "name": "Bash",
                                 "input": {"command": PUSH}}]}})
                .to_string(),
            );
            text.push('\n');
        }
        std::fs::write(self.transcript(), text).expect("transcript");
    }

    fn pcc(&self) -> Command {
        let mut command = command(&self.home);
        command
            .current_dir(&self.project)
            // The scheduler `respond` starts runs this claude: it only has to exit.
            .env("PCC_CLAUDE_BIN", claude::program())
            .env(claude::SCENARIO_ENV, Scenario::Silent.name())
            .env_remove("PCC_MODE")
            .env_remove("CLAUDE_CODE_ENTRYPOINT")
            .env_remove("CLAUDE_CODE_SESSION_ATTENDED")
            .env_remove("AI_AGENT")
            .env_remove("CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME");
        command
    }

    /// What Claude Code 2.1.329 gives a hook of a `claude -p` session.
    fn headless_env(command: &mut Command) -> &mut Command {
        command
            .env("CLAUDE_CODE_ENTRYPOINT", "sdk-cli")
            .env("CLAUDE_CODE_SESSION_ATTENDED", "0")
            .env("AI_AGENT", "claude-code_2-1-329_harness")
    }

    /// What it gives a hook of an interactive session.
    fn interactive_env(command: &mut Command) -> &mut Command {
        command
            .env("CLAUDE_CODE_ENTRYPOINT", "cli")
            .env("CLAUDE_CODE_SESSION_ATTENDED", "1")
            .env("AI_AGENT", "claude-code_2-1-329_harness")
    }

    fn push(&self, session: &str, tool_use_id: &str, mode: &str) -> Value {
        json!({"session_id": session, "cwd": self.project, "hook_event_name": "PreToolUse",
               "transcript_path": self.transcript(), "permission_mode": mode,
               "tool_name": "Bash", "tool_input": {"command": PUSH}, "tool_use_id": tool_use_id})
    }

    /// (permissionDecision, reason) of a PreToolUse hook call.
    fn decide(&self, env: fn(&mut Command) -> &mut Command, input: &Value) -> (String, String) {
        let mut command = self.pcc();
        env(command.arg("hook"));
        let output = run_with_stdin(&mut command, input.to_string().as_bytes());
        assert!(output.status.success(), "{}", text(&output.stderr));
        let reply: Value = serde_json::from_slice(&output.stdout).expect("a reply");
        let out = &reply["hookSpecificOutput"];
        (
            out["permissionDecision"].as_str().unwrap_or("").to_owned(),
            out["permissionDecisionReason"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    }

    fn cli(&self, args: &[&str]) -> String {
        let output = self.pcc().args(args).output().expect("run");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    fn pending(&self) -> Vec<Value> {
        serde_json::from_str::<Value>(&self.cli(&["pending", "--json"]))
            .expect("JSON")
            .as_array()
            .expect("list")
            .clone()
    }
}

#[test]
fn a_call_needing_a_human_is_deferred_only_in_a_headless_unattended_session() {
    let h = Headless::new();
    h.write_turn("m1", &["t1"]);
    let input = h.push("s1", "t1", "bypassPermissions");
    let (answer, _) = h.decide(Headless::headless_env, &input);
    assert_eq!(answer, "defer");
    let pending = h.pending();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["deferred"], true);
    assert_eq!(pending[0]["level"], "HIGH");
    let (stored, tool_use): (String, String) = db(&h.home)
        .query_row(
            "SELECT d.answer, e.deferred_tool_use_id FROM escalations e
             JOIN decisions d ON d.id = e.decision_id",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("row");
    assert_eq!((stored.as_str(), tool_use.as_str()), ("defer", "t1"));

    // Interactive: today's answers (Claude Code reads defer as ask there, and under
    // bypassPermissions the call then runs).
    h.write_turn("m2", &["t2"]);
    let (answer, _) = h.decide(
        Headless::interactive_env,
        &h.push("s2", "t2", "bypassPermissions"),
    );
    assert_eq!(
        answer, "deny",
        "interactive bypassPermissions is unattended: denied, not deferred"
    );
    h.write_turn("m3", &["t3"]);
    let (answer, _) = h.decide(Headless::interactive_env, &h.push("s3", "t3", "default"));
    assert_eq!(answer, "ask", "an attended session asks");
    // A CLI without the signals (older, or not Claude Code): denied.
    h.write_turn("m4", &["t4"]);
    let (answer, _) = h.decide(|command| command, &h.push("s4", "t4", "bypassPermissions"));
    assert_eq!(answer, "deny");
    // Two calls in one turn: a deferral would lose one, so both are denied.
    h.write_turn("m5", &["t5", "t6"]);
    for id in ["t5", "t6"] {
        let (answer, _) = h.decide(
            Headless::headless_env,
            &h.push("s5", id, "bypassPermissions"),
        );
        assert_eq!(answer, "deny", "{id}");
    }
    // A call not (yet) in the transcript: denied once the wait is over.
    let (answer, _) = h.decide(
        Headless::headless_env,
        &h.push("s6", "t-missing", "bypassPermissions"),
    );
    assert_eq!(answer, "deny");
    // A LOW call is allowed as ever.
    h.write_turn("m7", &["t7"]);
    let mut low = h.push("s7", "t7", "bypassPermissions");
    low["tool_input"] = json!({"command": "git status"});
    assert_eq!(h.decide(Headless::headless_env, &low).0, "allow");
}

#[test]
fn a_deferred_call_is_deferred_again_until_approved_then_allowed_exactly_once() {
    let h = Headless::new();
    h.write_turn("m1", &["t1"]);
    let input = h.push("s1", "t1", "bypassPermissions");
    assert_eq!(h.decide(Headless::headless_env, &input).0, "defer");
    // The resume asks again before anyone answered: deferred again, never allowed, and no
    // second escalation.
    assert_eq!(h.decide(Headless::headless_env, &input).0, "defer");
    // Even where it could no longer be deferred, it is not allowed.
    assert_eq!(h.decide(|command| command, &input).0, "deny");
    let pending = h.pending();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let id = pending[0]["id"].as_i64().expect("id").to_string();

    let answered: Value =
        serde_json::from_str(&h.cli(&["respond", &id, "approve", "--json"])).expect("JSON");
    assert_eq!(answered["approved_once"], true);
    assert_eq!(answered["delivery"], "resume");
    let prompt: String = db(&h.home)
        .query_row("SELECT prompt FROM resumes", [], |row| row.get(0))
        .expect("a resume");
    assert_eq!(
        prompt, "",
        "the resume re-asks the call by itself: no prompt"
    );

    let (answer, why) = h.decide(Headless::headless_env, &input);
    assert_eq!(answer, "allow", "{why}");
    assert!(why.contains("a human approved"), "{why}");
    let (answer, _) = h.decide(Headless::headless_env, &input);
    assert_ne!(answer, "allow", "the approval is spent");
}

#[test]
fn a_deferred_call_a_human_refuses_is_denied_with_their_words() {
    let h = Headless::new();
    for (session, id, answer, expected) in [
        ("s1", "t1", "deny", "A human denied this call"),
        (
            "s2",
            "t2",
            "use the staging remote",
            "use the staging remote",
        ),
    ] {
        h.write_turn(&format!("m-{id}"), &[id]);
        let input = h.push(session, id, "bypassPermissions");
        assert_eq!(h.decide(Headless::headless_env, &input).0, "defer");
        let escalation = h
            .pending()
            .into_iter()
            .find(|row| row["session_id"] == session)
            .expect("escalated");
        let escalation_id = escalation["id"].as_i64().expect("id").to_string();
        h.cli(&["respond", &escalation_id, answer]);
        for _ in 0..2 {
            let (decision, why) = h.decide(Headless::headless_env, &input);
            assert_eq!(decision, "deny");
            assert!(why.contains(expected), "{why}");
        }
    }
    assert!(h.pending().is_empty());
}

/// A LOW call is answered without the database (`hook/quick.rs`), so a deferral must be found
/// without it too: a refused deferral still wins when the same call is asked again and now
/// judges LOW (after a policy or config change), however often it is asked.
#[test]
fn a_refused_deferral_wins_over_the_low_path_when_the_call_now_judges_low() {
    let h = Headless::new();
    h.write_turn("m-t1", &["t1"]);
    let input = h.push("s1", "t1", "bypassPermissions");
    assert_eq!(h.decide(Headless::headless_env, &input).0, "defer");
    let escalation_id = h.pending()[0]["id"].as_i64().expect("id").to_string();
    h.cli(&["respond", &escalation_id, "not this one"]);
    let mut now_low = input.clone();
    now_low["tool_input"]["command"] = json!("git status");
    for _ in 0..2 {
        let (decision, why) = h.decide(Headless::headless_env, &now_low);
        assert_eq!(decision, "deny", "{why}");
        assert!(why.contains("not this one"), "{why}");
    }
    let mut other_call = now_low.clone();
    other_call["tool_use_id"] = json!("t2");
    assert_eq!(
        h.decide(Headless::headless_env, &other_call).0,
        "allow",
        "another call is not touched"
    );
}

/// Deferrals an earlier version made have no mark: until the database has marked them, every
/// call takes the usual path, so a refused one still wins when it now judges LOW.
#[test]
fn a_refused_deferral_from_before_marks_existed_still_wins() {
    let h = Headless::new();
    h.write_turn("m-t1", &["t1"]);
    let input = h.push("s1", "t1", "bypassPermissions");
    assert_eq!(h.decide(Headless::headless_env, &input).0, "defer");
    let escalation_id = h.pending()[0]["id"].as_i64().expect("id").to_string();
    h.cli(&["respond", &escalation_id, "not this one"]);
    std::fs::remove_dir_all(h.home.join("deferred")).expect("as an earlier version left it");
    let mut now_low = input.clone();
    now_low["tool_input"]["command"] = json!("git status");
    let (decision, why) = h.decide(Headless::headless_env, &now_low);
    assert_eq!(decision, "deny", "{why}");
    assert!(
        h.home.join("deferred/t1").exists(),
        "marked by the next open"
    );
}
