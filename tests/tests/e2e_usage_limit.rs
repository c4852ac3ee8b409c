//! A usage limit, end to end with the real Claude Code CLI: the mock answers with a subscription
//! 429, so `claude -p` stops with "You've hit your 5-hour limit · resets …" and fires
//! `StopFailure`; our hook records the limit with its reset time and starts the scheduler; when the
//! reset comes, the scheduler runs `claude --resume`, the mock sees the resumed conversation, and
//! the session completes.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, Turn, ensure_claude, pcc_binary, plugin_dir};
use std::path::Path;
use std::time::Duration;

const CONTINUE_PROMPT: &str = "Limit over: carry on with the task.";

/// What our side recorded, for a failure message.
fn diagnostics(pcc_home: &Path) -> String {
    let conn = match rusqlite::Connection::open(pcc_home.join("pcc.db")) {
        Ok(conn) => conn,
        Err(error) => return format!("no database: {error}"),
    };
    let rows = |sql: &str| -> String {
        let Ok(mut statement) = conn.prepare(sql) else {
            return format!("cannot run {sql}");
        };
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                Ok((0..columns)
                    .map(|i| {
                        format!(
                            "{:?}",
                            row.get_ref(i).map(|v| v
                                .as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|_| format!("{v:?}")))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | "))
            })
            .map(|rows| rows.filter_map(Result::ok).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let log = std::fs::read_to_string(pcc_home.join("logs/pcc-hooks.log")).unwrap_or_default();
    format!(
        "--- resumes\n{}\n--- events\n{}\n--- hook_errors\n{}\n--- log\n{log}",
        rows("SELECT * FROM resumes"),
        rows("SELECT event, summary FROM events"),
        rows("SELECT * FROM hook_errors")
    )
}

#[test]
fn a_rate_limited_session_is_resumed_by_the_scheduler_when_the_limit_resets() {
    let now = jiff::Timestamp::now().as_second();
    let reset = now + 3;
    let mock = MockApi::start([
        Turn::usage_limit(reset),
        Turn::text("Resumed and finished."),
    ]);
    let sandbox = Sandbox::new();
    let pcc_home = sandbox.root().join("pcc-home");
    std::fs::create_dir_all(&pcc_home).expect("pcc home");
    std::fs::write(
        pcc_home.join("config.toml"),
        format!("[limits]\nresume_grace_seconds = 1\ncontinue_prompt = \"{CONTINUE_PROMPT}\"\n"),
    )
    .expect("config");

    // Logged in like a subscriber (/login): the scheduler's claude, started from a hook, finds
    // the same credentials through CLAUDE_CONFIG_DIR.
    sandbox.log_in_with_claude_ai();
    let out = ClaudeSession::new(&mock, "build the thing")
        .env("PCC_LOG", "debug")
        .sandbox(&sandbox)
        .env_remove("ANTHROPIC_API_KEY")
        .plugin_dir(plugin_dir())
        .env("TZ", "UTC")
        .env("PCC_HOOKS_BIN", pcc_binary("pcc-hooks"))
        .env("PCC_HOME", &pcc_home)
        // The scheduler the hook starts inherits this and resumes with the pinned CLI.
        .env("PCC_CLAUDE_BIN", ensure_claude())
        .run();
    assert!(!out.exited_ok(), "the limit ends the first run: {out}");
    assert!(
        out.result_text()
            .is_some_and(|text| text.starts_with("You've hit your 5-hour limit")),
        "{out}"
    );
    let session = out.expect_session_id().to_owned();

    // The resume arrives as the mock's second scripted request, made by the scheduler's claude.
    assert!(
        mock.wait_for_scripted_requests(2, Duration::from_secs(20)),
        "no resumed request reached the mock\n{}\n{out}",
        diagnostics(&pcc_home)
    );
    // The scheduler holds its lock while the resumed run lasts: taking it waits for the outcome.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(pcc_home.join("scheduler.lock"))
        .expect("the hook started a scheduler");
    lock.lock().expect("wait for the scheduler to finish");

    let conn = rusqlite::Connection::open(pcc_home.join("pcc.db")).expect("database");
    let (state, attempts, resets_at_ms, kind): (String, i64, i64, String) = conn
        .query_row(
            "SELECT state, attempts, resets_at_ms, limit_kind FROM resumes WHERE session_id = ?1",
            [&session],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .expect("a resume was scheduled for the session");
    assert_eq!(
        (state.as_str(), attempts, kind.as_str()),
        ("done", 1, "five_hour"),
        "resumed once, completed"
    );
    // The exact reset (from the transcript) or the minute the message shows, never anything else.
    assert!(
        resets_at_ms == reset * 1000 || resets_at_ms == reset / 60 * 60 * 1000,
        "recorded reset {resets_at_ms} for the real reset {reset}"
    );
    let stop_failures: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE session_id = ?1 AND event = 'StopFailure'",
            [&session],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(stop_failures, 1);

    // The mock saw the resumed conversation: the first prompt, then the continue prompt.
    let resumed = &mock.scripted_requests()[1];
    let texts = resumed.user_texts();
    assert!(
        texts.iter().any(|text| text.contains("build the thing")),
        "{texts:?}"
    );
    assert!(
        texts
            .last()
            .is_some_and(|text| text.contains(CONTINUE_PROMPT)),
        "{texts:?}"
    );
    assert_eq!(
        resumed.header("x-claude-code-session-id"),
        Some(session.as_str()),
        "same session"
    );
}
