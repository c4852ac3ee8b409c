//! `run_child` and `run_until_done` against the fake `claude` (pcc-testkit's `fake-claude`).

use jiff::Timestamp;
use pcc_limits::LimitKind;
use pcc_runner::{
    CancelToken, ChildEvent, ChildOutcome, ChildSpec, ChildStatus, Clock, ResumePolicy, run_child,
    run_until_done,
};
use pcc_testkit::claude::{self, Scenario};
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::mpsc;

const SESSION: &str = "11111111-2222-3333-4444-555555555555";

fn temp() -> TempDir {
    tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"))
}

fn spec(scenario: Scenario, dir: &TempDir) -> ChildSpec {
    let mut spec = ChildSpec::new("Do the thing", dir.path());
    spec.claude_program = claude::program();
    spec.timeout = Duration::from_secs(60);
    spec.grace = Duration::from_millis(500);
    spec.extra_env = vec![
        (claude::SCENARIO_ENV.into(), scenario.name().into()),
        (
            claude::RECORD_ENV.into(),
            dir.path().join("record.jsonl").display().to_string(),
        ),
    ];
    spec
}

fn records(dir: &TempDir) -> Vec<Value> {
    claude::runs(&dir.path().join("record.jsonl"))
}

fn argv(record: &Value) -> Vec<String> {
    record["argv"]
        .as_array()
        .unwrap_or_else(|| panic!("no argv in {record}"))
        .iter()
        .map(|arg| arg.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The prompt the fake read from its stdin.
fn prompt_of(record: &Value) -> String {
    record["stdin"]
        .as_str()
        .unwrap_or_else(|| panic!("no prompt in {record}"))
        .to_owned()
}

async fn run(spec: ChildSpec) -> (ChildOutcome, Vec<ChildEvent>) {
    let mut events = Vec::new();
    let outcome = run_child(spec, |event| events.push(event), &CancelToken::new()).await;
    (outcome, events)
}

#[tokio::test]
async fn success_with_nonce_is_succeeded() {
    let dir = temp();
    let (outcome, events) = run(spec(Scenario::Success, &dir)).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(outcome.result_text.as_deref(), Some("All done"));
    assert_eq!(outcome.session_id.as_deref(), Some(SESSION));
    assert_eq!(outcome.num_turns, 2);
    assert_eq!(outcome.tool_uses, 1);
    assert_eq!(outcome.cost_usd, Some(0.0125));
    assert_eq!(outcome.permission_denials.len(), 1);
    assert_eq!(outcome.permission_denials[0]["tool_name"], "Bash");
    assert_eq!(outcome.unparsed_lines, 1);
    assert_eq!(outcome.error, None);
    assert!(outcome.output_tail.contains(r#""type":"result""#));
    assert!(matches!(events.first(), Some(ChildEvent::Started { pid }) if *pid > 1));
    assert!(events.contains(&ChildEvent::SessionId {
        session_id: SESSION.into()
    }));
    assert!(events.contains(&ChildEvent::Turn { n: 2 }));
    assert!(events.contains(&ChildEvent::ToolUse {
        name: "Bash".into(),
        count: 1
    }));
    assert_eq!(
        events.last(),
        Some(&ChildEvent::Finished {
            status: ChildStatus::Succeeded
        })
    );
    // The outcome serialises for the MCP server.
    let json = serde_json::to_value(&outcome).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(json["status"], "succeeded");
    assert!(json["duration_ms"].is_u64());
}

#[tokio::test]
async fn success_without_nonce_is_unverified() {
    for mode in [Scenario::NoNonce, Scenario::WrongNonce] {
        let dir = temp();
        let (outcome, _) = run(spec(mode, &dir)).await;
        assert_eq!(
            outcome.status,
            ChildStatus::Unverified,
            "{mode:?}: {outcome:#?}"
        );
        assert_eq!(outcome.exit_code, Some(0));
        assert!(
            outcome
                .error
                .as_deref()
                .is_some_and(|e| e.contains("TASK-COMPLETE")),
            "{outcome:#?}"
        );
    }
}

#[tokio::test]
async fn error_result_and_non_zero_exit_is_failed() {
    let dir = temp();
    let (outcome, _) = run(spec(Scenario::Fail, &dir)).await;
    assert_eq!(outcome.status, ChildStatus::Failed, "{outcome:#?}");
    assert_eq!(outcome.exit_code, Some(1));
    let error = outcome.error.unwrap_or_default();
    assert!(error.contains("exited with code 1"), "{error}");
    assert!(error.contains("Tool crashed: boom"), "{error}");
    assert!(outcome.stderr_tail.contains("fatal: something went wrong"));
}

#[tokio::test]
async fn exit_without_result_is_failed_with_stderr() {
    let dir = temp();
    let (outcome, _) = run(spec(Scenario::ExitNoResult, &dir)).await;
    assert_eq!(outcome.status, ChildStatus::Failed, "{outcome:#?}");
    assert_eq!(outcome.exit_code, Some(3));
    assert!(outcome.error.unwrap_or_default().contains("segfault-ish"));
    assert_eq!(outcome.session_id.as_deref(), Some(SESSION));
}

/// Whether the process is gone or a zombie (this machine's init may never reap orphans).
fn is_dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn timeout_kills_the_whole_group_and_keeps_partial_output() {
    let dir = temp();
    let pid_file = dir.path().join("grandchild.pid");
    let mut spec = spec(Scenario::Hang, &dir);
    spec.timeout = Duration::from_secs(3);
    spec.grace = Duration::from_millis(300);
    spec.extra_env
        .push((claude::PID_FILE_ENV.into(), pid_file.display().to_string()));
    let started = Instant::now();
    let (outcome, events) = run(spec).await;
    let elapsed = started.elapsed();
    assert_eq!(outcome.status, ChildStatus::TimedOut, "{outcome:#?}");
    assert!(elapsed >= Duration::from_millis(3300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(outcome.exit_code, None, "killed by SIGKILL, no exit code");
    assert!(outcome.output_tail.contains("partial work before hanging"));
    assert_eq!(outcome.session_id.as_deref(), Some(SESSION));
    assert!(events.contains(&ChildEvent::Turn { n: 1 }));
    let Some(ChildEvent::Started { pid }) = events.first().cloned() else {
        panic!("no Started event: {events:?}");
    };
    let grandchild: i32 = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|err| panic!("grandchild pid: {err}"))
        .trim()
        .parse()
        .unwrap_or_else(|err| panic!("{err}"));
    // SIGKILL was sent before run_child returned; death itself is asynchronous, so allow the
    // kernel a moment (bounded) to finish it.
    let deadline = Instant::now() + Duration::from_secs(2);
    let leader = i32::try_from(pid).unwrap_or(i32::MAX);
    while !(is_dead(grandchild) && is_dead(leader)) && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(is_dead(grandchild), "grandchild {grandchild} survived");
    assert!(is_dead(leader), "leader {leader} survived");
}

#[tokio::test]
async fn a_grandchild_holding_stdout_does_not_hold_the_run() {
    let dir = temp();
    let pid_file = dir.path().join("grandchild.pid");
    let mut spec = spec(Scenario::OrphanHoldsStdout, &dir);
    spec.grace = Duration::from_millis(300);
    spec.extra_env
        .push((claude::PID_FILE_ENV.into(), pid_file.display().to_string()));
    let started = Instant::now();
    let (outcome, _) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let grandchild: i32 = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|err| panic!("grandchild pid: {err}"))
        .trim()
        .parse()
        .unwrap_or_else(|err| panic!("{err}"));
    let deadline = Instant::now() + Duration::from_secs(2);
    while !is_dead(grandchild) && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(is_dead(grandchild), "grandchild {grandchild} survived");
}

#[tokio::test]
async fn huge_output_does_not_deadlock_and_tails_are_bounded() {
    let dir = temp();
    let (outcome, _) = run(spec(Scenario::Flood, &dir)).await;
    assert_eq!(
        outcome.status,
        ChildStatus::Succeeded,
        "{:?}",
        outcome.error
    );
    assert_eq!(outcome.result_text.as_deref(), Some("flooded"));
    assert!(
        outcome.output_tail.len() <= 64 * 1024 + 3,
        "{}",
        outcome.output_tail.len()
    );
    assert!(outcome.output_tail.len() >= 60 * 1024);
    assert!(outcome.stderr_tail.len() <= 16 * 1024 + 3);
    assert!(outcome.stderr_tail.ends_with("eee\n"));
    assert!(outcome.output_tail.contains("flooded"));
}

#[tokio::test]
async fn cancel_mid_run_is_cancelled() {
    let dir = temp();
    let cancel = CancelToken::new();
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let run = run_child(
        spec(Scenario::Slow, &dir),
        move |event| {
            let _ = sender.send(event);
        },
        &cancel,
    );
    let canceller = async {
        while let Some(event) = receiver.recv().await {
            if matches!(event, ChildEvent::Turn { n: 1 }) {
                cancel.cancel();
            }
            if matches!(event, ChildEvent::Finished { .. }) {
                return Some(event);
            }
        }
        None
    };
    let started = Instant::now();
    let (outcome, finished) = tokio::join!(run, canceller);
    assert_eq!(outcome.status, ChildStatus::Cancelled, "{outcome:#?}");
    assert_eq!(
        finished,
        Some(ChildEvent::Finished {
            status: ChildStatus::Cancelled
        })
    );
    assert!(outcome.output_tail.contains("working slowly"));
    // The child dies of SIGTERM, well before the 60 s timeout.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn rate_limit_event_gives_rate_limited_with_reset() {
    let dir = temp();
    let mut spec = spec(Scenario::UsageLimit, &dir);
    spec.extra_env
        .push((claude::RESETS_AT_ENV.into(), "1795255020".into()));
    let (outcome, events) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::RateLimited, "{outcome:#?}");
    let signal = outcome.rate_limit.unwrap_or_else(|| panic!("no signal"));
    assert_eq!(signal.kind, LimitKind::FiveHour);
    assert_eq!(signal.resets_at, Timestamp::from_second(1_795_255_020).ok());
    assert!(signal.message.unwrap_or_default().contains("5-hour limit"));
    assert_eq!(outcome.session_id.as_deref(), Some(SESSION));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ChildEvent::RateLimited { .. }))
    );
}

/// A clock that never waits: it records the requested sleeps and moves its time forward.
struct FakeClock {
    now: Mutex<Timestamp>,
    sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    fn at(now: Timestamp) -> FakeClock {
        FakeClock {
            now: Mutex::new(now),
            sleeps: Mutex::new(Vec::new()),
        }
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        self.now
            .lock()
            .map(|now| *now)
            .unwrap_or_else(|_| Timestamp::UNIX_EPOCH)
    }

    async fn sleep(&self, duration: Duration) {
        if let Ok(mut sleeps) = self.sleeps.lock() {
            sleeps.push(duration);
        }
        if let Ok(mut now) = self.now.lock() {
            *now = now
                .checked_add(duration)
                .unwrap_or_else(|err| panic!("{err}"));
        }
    }
}

#[tokio::test]
async fn run_until_done_waits_for_the_reset_and_resumes_the_session() {
    let dir = temp();
    let resets_at = 1_795_255_020;
    let mut spec = spec(Scenario::UsageLimit, &dir);
    spec.extra_env
        .push((claude::RESETS_AT_ENV.into(), resets_at.to_string()));
    spec.extra_env.push((
        claude::SCENARIO_ON_RESUME_ENV.into(),
        Scenario::Success.name().into(),
    ));
    let now = Timestamp::from_second(resets_at - 3600).unwrap_or_else(|err| panic!("{err}"));
    let clock = FakeClock::at(now);
    let policy = ResumePolicy {
        reset_grace: Duration::from_secs(30),
        ..ResumePolicy::default()
    };
    let mut events = Vec::new();
    let outcome = run_until_done(
        spec,
        &policy,
        &clock,
        |event| events.push(event),
        &CancelToken::new(),
    )
    .await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    assert_eq!(outcome.resumes, 1);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(3600 + 30)]);
    assert!(events.contains(&ChildEvent::Paused {
        resets_at: Timestamp::from_second(resets_at).ok(),
        wait_ms: 3_630_000,
        attempt: 1
    }));
    let runs = records(&dir);
    assert_eq!(runs.len(), 2);
    assert!(!argv(&runs[0]).contains(&"--resume".to_owned()));
    let second = argv(&runs[1]);
    let at = second
        .iter()
        .position(|arg| arg == "--resume")
        .unwrap_or_else(|| panic!("no --resume in {second:?}"));
    assert_eq!(second[at + 1], SESSION);
    assert!(
        prompt_of(&runs[1]).starts_with(&policy.continue_prompt),
        "{:?}",
        runs[1]
    );
}

#[tokio::test]
async fn api_key_429_backs_off_a_bounded_number_of_times() {
    let dir = temp();
    let clock = FakeClock::at(Timestamp::UNIX_EPOCH);
    let policy = ResumePolicy {
        max_backoffs: 2,
        backoff: Duration::from_secs(10),
        ..ResumePolicy::default()
    };
    let outcome = run_until_done(
        spec(Scenario::ApiKey429, &dir),
        &policy,
        &clock,
        |_| {},
        &CancelToken::new(),
    )
    .await;
    assert_eq!(outcome.status, ChildStatus::RateLimited, "{outcome:#?}");
    assert_eq!(
        outcome.rate_limit.map(|s| s.kind),
        Some(LimitKind::ApiKeyRateLimit)
    );
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(10), Duration::from_secs(20)]
    );
    assert_eq!(records(&dir).len(), 3);
    assert_eq!(outcome.resumes, 2);
}

#[tokio::test]
async fn cancel_during_a_pause_is_cancelled() {
    let dir = temp();
    let cancel = CancelToken::new();
    let policy = ResumePolicy::default();
    let outcome = run_until_done(
        spec(Scenario::UsageLimit, &dir),
        &policy,
        &pcc_runner::SystemClock,
        |event| {
            if matches!(event, ChildEvent::Paused { .. }) {
                cancel.cancel();
            }
        },
        &cancel,
    )
    .await;
    assert_eq!(outcome.status, ChildStatus::Cancelled, "{outcome:#?}");
    assert_eq!(records(&dir).len(), 1);
}

#[tokio::test]
async fn argv_is_passed_without_a_shell_and_env_reaches_the_child() {
    let dir = temp();
    let canary = dir.path().join("pwned");
    let prompt = format!(
        "it's \"quoted\"; touch {0} && echo $(touch {0}) `touch {0}` $HOME | rm -rf x",
        canary.display()
    );
    let mut spec = spec(Scenario::Success, &dir);
    spec.prompt.clone_from(&prompt);
    spec.model = Some("opus; echo hi".into());
    spec.allowed_tools = vec!["Bash(git *)".into(), "Edit".into()];
    spec.max_turns = Some(5);
    spec.extra_env
        .push(("PCC_TASK_ID".into(), "list-7/task-3".into()));
    spec.extra_env
        .push(("PCC_MODE".into(), "interactive".into()));
    let (outcome, _) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    assert!(!canary.exists(), "the prompt was interpreted by a shell");
    let runs = records(&dir);
    assert_eq!(runs.len(), 1);
    let args = argv(&runs[0]);
    let given = prompt_of(&runs[0]);
    assert!(given.starts_with(&format!("{prompt}\n\n")), "{given}");
    assert!(given.contains("TASK-COMPLETE "));
    assert_eq!(
        args,
        [
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--model",
            "opus; echo hi",
            "--allowedTools",
            "Bash(git *) Edit",
            "--max-turns",
            "5"
        ]
    );
    assert_eq!(
        runs[0]["env"]["PCC_MODE"], "unattended",
        "PCC_MODE cannot be overridden"
    );
    assert_eq!(runs[0]["env"]["PCC_TASK_ID"], "list-7/task-3");
    let cwd = std::fs::canonicalize(dir.path()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(runs[0]["cwd"], cwd.display().to_string());
}

#[tokio::test]
async fn each_run_has_a_fresh_nonce() {
    let dir = temp();
    run(spec(Scenario::Success, &dir)).await;
    run(spec(Scenario::Success, &dir)).await;
    let runs = records(&dir);
    let nonce_line = |record: &Value| {
        prompt_of(record)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    };
    assert_ne!(nonce_line(&runs[0]), nonce_line(&runs[1]));
    assert!(nonce_line(&runs[0]).starts_with("TASK-COMPLETE "));
}

#[tokio::test]
async fn missing_program_is_a_clear_failure() {
    let dir = temp();
    let mut spec = spec(Scenario::Success, &dir);
    spec.claude_program = dir.path().join("no-such-claude");
    let (outcome, events) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::Failed);
    assert_eq!(outcome.exit_code, None);
    let error = outcome.error.unwrap_or_default();
    assert!(error.contains("could not start"), "{error}");
    assert!(error.contains("no-such-claude"), "{error}");
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test]
async fn missing_cwd_is_a_clear_failure() {
    let dir = temp();
    let mut spec = spec(Scenario::Success, &dir);
    spec.cwd = dir.path().join("gone");
    let (outcome, _) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::Failed);
    assert!(outcome.error.unwrap_or_default().contains("gone"));
}

/// Far over `ARG_MAX` (2 MiB with the usual 8 MiB stack limit) and over `MAX_ARG_STRLEN` (one
/// argument, 128 KiB): as an argument this could not even be started ("Argument list too long").
const HUGE_PROMPT_BYTES: usize = 3 * 1024 * 1024;

#[tokio::test]
async fn a_prompt_larger_than_arg_max_reaches_the_child_whole_on_stdin() {
    let dir = temp();
    let mut spec = spec(Scenario::Success, &dir);
    let body: String = (0..HUGE_PROMPT_BYTES / 16)
        .map(|i| format!("{i:015x}\n"))
        .collect();
    spec.prompt = format!("--leading dashes stay text\n{body}END-OF-PROMPT");
    let (outcome, _) = run(spec.clone()).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    let runs = records(&dir);
    assert_eq!(runs.len(), 1);
    let given = prompt_of(&runs[0]);
    assert!(
        given.starts_with(&format!("{}\n\n", spec.prompt)),
        "the child got {} bytes of a {}-byte prompt",
        given.len(),
        spec.prompt.len()
    );
    assert_eq!(
        argv(&runs[0]),
        ["-p", "--output-format", "stream-json", "--verbose"]
    );
}

#[tokio::test]
async fn a_child_that_writes_before_reading_its_prompt_does_not_deadlock() {
    let dir = temp();
    let mut spec = spec(Scenario::FloodThenRead, &dir);
    spec.prompt = "p".repeat(HUGE_PROMPT_BYTES);
    spec.timeout = Duration::from_secs(30);
    let (outcome, _) = run(spec.clone()).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
    assert!(prompt_of(&records(&dir)[0]).starts_with(&spec.prompt));
}

#[tokio::test]
async fn a_timeout_too_large_for_the_clock_is_no_panic() {
    let dir = temp();
    let mut spec = spec(Scenario::Success, &dir);
    spec.timeout = Duration::from_secs(u64::MAX);
    let (outcome, _) = run(spec).await;
    assert_eq!(outcome.status, ChildStatus::Succeeded, "{outcome:#?}");
}
