//! The resume scheduler against the fake `claude` (pcc-testkit), which records how it was run.

use crate::common::*;
use pcc_store::{NewResume, Store};
use pcc_testkit::claude::{self, Scenario};
use std::path::PathBuf;

struct Setup {
    _dir: tempfile::TempDir,
    home: PathBuf,
    fake: PathBuf,
    log: PathBuf,
    project: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("pcc");
    let fake = claude::program();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    Setup {
        log: dir.path().join("claude.log"),
        home,
        fake,
        project,
        _dir: dir,
    }
}

fn schedule(setup: &Setup, session: &str, due_ms: i64) {
    let mut store = Store::open(&setup.home.join("pcc.db")).expect("open");
    let input = serde_json::json!({"session_id": session, "cwd": setup.project, "hook_event_name": "StopFailure"});
    let record = pcc_store::EventRecord::from_hook(
        &pcc_core::hook::HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        setup.project.display().to_string(),
        1,
    );
    let plan = NewResume {
        session_id: session.into(),
        cwd: setup.project.display().to_string(),
        transcript_path: None,
        limit_kind: "five_hour".into(),
        resets_at_ms: Some(due_ms),
        due_ms,
        prompt: "Please continue; the limit has reset.".into(),
    };
    store.record_limit(&record, &plan).expect("schedule");
}

fn scheduler_once(setup: &Setup, scenario: Scenario) -> std::process::Output {
    command(&setup.home)
        .args(["scheduler", "--once"])
        .env("PCC_CLAUDE_BIN", &setup.fake)
        .env(claude::RECORD_ENV, &setup.log)
        .env(claude::SCENARIO_ENV, scenario.name())
        .env("CLAUDECODE", "1")
        .output()
        .expect("run scheduler")
}

fn runs(setup: &Setup) -> Vec<serde_json::Value> {
    claude::runs(&setup.log)
}

fn resume_rows(setup: &Setup) -> Vec<(String, String, i64, Option<String>)> {
    let conn = db(&setup.home);
    let mut statement = conn
        .prepare("SELECT session_id, state, attempts, last_error FROM resumes ORDER BY session_id")
        .expect("prepare");
    statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[test]
fn once_runs_what_is_due_with_an_argument_vector_and_the_prompt_on_stdin() {
    let setup = setup();
    schedule(&setup, "due-session", now_ms() - 1000);
    schedule(&setup, "later-session", now_ms() + 3_600_000);
    let output = scheduler_once(&setup, Scenario::Success);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let runs = runs(&setup);
    assert_eq!(runs.len(), 1, "only the due resume ran: {runs:?}");
    assert_eq!(
        runs[0]["argv"],
        serde_json::json!([
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--resume",
            "due-session"
        ])
    );
    assert_eq!(
        runs[0]["cwd"],
        setup
            .project
            .canonicalize()
            .expect("project")
            .display()
            .to_string()
    );
    assert_eq!(
        runs[0]["stdin"], "Please continue; the limit has reset.",
        "the prompt is on stdin, not in the argument list"
    );
    assert_eq!(runs[0]["env"]["PCC_MODE"], "unattended");
    assert_eq!(
        runs[0]["env"]["PCC_HOME"],
        setup.home.display().to_string(),
        "the child's hooks write to the database the scheduler watches"
    );
    assert_eq!(
        runs[0]["env"]["CLAUDECODE"],
        serde_json::Value::Null,
        "the parent session's variables are removed"
    );
    let rows = resume_rows(&setup);
    assert_eq!(rows[0], ("due-session".into(), "done".into(), 1, None));
    assert_eq!((rows[1].1.as_str(), rows[1].2), ("pending", 0));
}

#[test]
fn limited_again_is_rescheduled_at_the_new_reset() {
    let setup = setup();
    schedule(&setup, "s", now_ms() - 1000);
    let output = scheduler_once(&setup, Scenario::UsageLimit);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = resume_rows(&setup);
    assert_eq!(rows[0].1, "pending");
    let due = count(&db(&setup.home), "SELECT due_ms FROM resumes");
    assert!(
        due > now_ms() + 7_000_000,
        "due at the new reset (+2 h) plus grace, got {due}"
    );
}

#[test]
fn a_failed_resume_is_retried_later_with_the_error_kept() {
    let setup = setup();
    schedule(&setup, "s", now_ms() - 1000);
    let output = scheduler_once(&setup, Scenario::Fail);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = resume_rows(&setup);
    assert_eq!((rows[0].1.as_str(), rows[0].2), ("pending", 1));
    assert!(
        rows[0]
            .3
            .as_deref()
            .is_some_and(|error| error.contains("boom")),
        "{rows:?}"
    );
    let due = count(&db(&setup.home), "SELECT due_ms FROM resumes");
    assert!(due > now_ms() + 30_000, "backed off, not retried at once");
}

#[test]
fn a_missing_claude_is_a_recorded_failure_not_a_crash() {
    let setup = setup();
    schedule(&setup, "s", now_ms() - 1000);
    let output = command(&setup.home)
        .args(["scheduler", "--once"])
        .env("PCC_CLAUDE_BIN", "/nonexistent/claude")
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = resume_rows(&setup);
    assert!(
        rows[0]
            .3
            .as_deref()
            .is_some_and(|error| error.contains("cannot run")),
        "{rows:?}"
    );
}

#[test]
fn a_second_scheduler_steps_aside() {
    let setup = setup();
    std::fs::create_dir_all(&setup.home).expect("home");
    let lock = std::fs::File::create(setup.home.join("scheduler.lock")).expect("lock file");
    lock.lock().expect("hold the scheduler lock");
    schedule(&setup, "s", now_ms() - 1000);
    let output = scheduler_once(&setup, Scenario::Success);
    assert!(output.status.success());
    assert!(
        text(&output.stderr).contains("another scheduler is running"),
        "{}",
        text(&output.stderr)
    );
    assert!(runs(&setup).is_empty(), "nothing ran twice");
}

#[test]
fn a_limit_seen_by_the_hook_is_resumed_by_the_scheduler_it_starts() {
    let setup = setup();
    std::fs::create_dir_all(&setup.home).expect("home");
    std::fs::write(
        setup.home.join("config.toml"),
        "[limits]\nresume_grace_seconds = 0\n",
    )
    .expect("config");
    // A reset at the current minute: already passed by a few seconds, within the tolerance.
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let message = format!(
        "You've hit your 5-hour limit · resets {} (UTC)",
        now.strftime("%-I:%M%P")
    );
    let input = serde_json::json!({"session_id": "limited-session", "cwd": setup.project,
        "hook_event_name": "StopFailure", "error": "rate_limit", "last_assistant_message": message});
    let fifo = setup.project.join("ran.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let output = run_with_stdin(
        command(&setup.home)
            .arg("hook")
            .env("PCC_CLAUDE_BIN", &setup.fake)
            .env(claude::RECORD_ENV, &setup.log)
            .env(claude::DONE_FIFO_ENV, &fifo),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    wait_for_the_scheduler(&setup.home, fifo);
    let rows = resume_rows(&setup);
    assert_eq!(
        rows,
        vec![("limited-session".into(), "done".into(), 1, None)]
    );
    assert_eq!(runs(&setup).len(), 1, "resumed exactly once");
}

#[test]
fn after_a_reboot_the_next_session_start_runs_the_pending_resumes() {
    let setup = setup();
    // A resume left in the database, with no scheduler running (as after a reboot).
    schedule(&setup, "waiting-session", now_ms() - 60_000);
    let fifo = setup.project.join("ran.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let start = serde_json::json!({"session_id": "another", "cwd": setup.project, "hook_event_name": "SessionStart",
        "source": "startup"});
    let output = run_with_stdin(
        command(&setup.home)
            .arg("hook")
            .env("PCC_CLAUDE_BIN", &setup.fake)
            .env(claude::RECORD_ENV, &setup.log)
            .env(claude::DONE_FIFO_ENV, &fifo),
        start.to_string().as_bytes(),
    );
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "{}",
        text(&output.stderr)
    );
    wait_for_the_scheduler(&setup.home, fifo);
    assert_eq!(
        resume_rows(&setup),
        vec![("waiting-session".into(), "done".into(), 1, None)]
    );
}

#[test]
fn resume_now_runs_a_scheduled_resume_at_once_and_cancel_drops_one() {
    let setup = setup();
    schedule(&setup, "later-session", now_ms() + 3_600_000);
    schedule(&setup, "dropped-session", now_ms() + 3_600_000);
    let cancel = command(&setup.home)
        .args(["resume", "dropped", "--cancel"])
        .output()
        .expect("run");
    assert!(cancel.status.success(), "{}", text(&cancel.stderr));
    let unknown = command(&setup.home)
        .args(["resume", "nobody", "--now"])
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("no scheduled resume"),
        "{}",
        text(&unknown.stderr)
    );
    let fifo = setup.project.join("ran.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let now = command(&setup.home)
        .args(["resume", "later", "--now"])
        .env("PCC_CLAUDE_BIN", &setup.fake)
        .env(claude::RECORD_ENV, &setup.log)
        .env(claude::DONE_FIFO_ENV, &fifo)
        .output()
        .expect("run");
    assert!(now.status.success(), "{}", text(&now.stderr));
    wait_for_the_scheduler(&setup.home, fifo);
    assert_eq!(
        resume_rows(&setup),
        vec![
            ("dropped-session".into(), "cancelled".into(), 0, None),
            ("later-session".into(), "done".into(), 1, None)
        ]
    );
}

#[test]
fn after_a_reboot_the_next_session_start_finishes_a_claim_its_dead_scheduler_left() {
    let setup = setup();
    schedule(&setup, "claimed-session", now_ms() - 60_000);
    // Claimed before the reboot by a scheduler that is gone; its claude never started.
    db(&setup.home)
        .execute(
            "UPDATE resumes SET state = 'running', attempts = 1, runner_pid = 1,
                    runner_start = 'a-boot-before:42'",
            [],
        )
        .expect("plant the claim");
    let fifo = setup.project.join("ran.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let start = serde_json::json!({"session_id": "another", "cwd": setup.project,
        "hook_event_name": "SessionStart", "source": "startup"});
    let output = run_with_stdin(
        command(&setup.home)
            .arg("hook")
            .env("PCC_CLAUDE_BIN", &setup.fake)
            .env(claude::RECORD_ENV, &setup.log)
            .env(claude::DONE_FIFO_ENV, &fifo),
        start.to_string().as_bytes(),
    );
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "{}",
        text(&output.stderr)
    );
    wait_for_the_scheduler(&setup.home, fifo);
    assert_eq!(
        resume_rows(&setup),
        vec![("claimed-session".into(), "done".into(), 2, None)]
    );
    assert_eq!(runs(&setup).len(), 1);
}
