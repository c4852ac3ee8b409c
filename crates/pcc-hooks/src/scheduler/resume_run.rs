//! One resume: `claude --resume <session> -p "<continue prompt>" --output-format stream-json
//! --verbose` in the session's directory, unattended, stdin closed, spawned with an argument
//! vector (no shell), its stream read line by line so a limit hit again is recognised.

use pcc_core::limits::StreamLimitTracker;
use pcc_store::Resume;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

/// Variables of the Claude Code session that started us; a resumed `claude` must not believe it
/// runs inside that session. (`CLAUDE_CONFIG_DIR` and the API settings stay: they locate the
/// session and the account.)
const INHERITED_SESSION_VARIABLES: &[&str] = &[
    "CLAUDECODE",
    // A deferred call must be asked about again when the session resumes.
    "CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME",
    "CLAUDE_CODE_SESSION_ID",
    "CLAUDE_CODE_ENTRYPOINT",
    "CLAUDE_CODE_CHILD_SESSION",
    "CLAUDE_PROJECT_DIR",
    "CLAUDE_EFFORT",
    "CLAUDE_PLUGIN_ROOT",
    "CLAUDE_PLUGIN_DATA",
];

/// How a resume run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The session ran its turn to the end.
    Completed,
    /// It hit a usage limit again.
    LimitedAgain {
        /// The new reset, when the stream said.
        resets_at_ms: Option<i64>,
    },
    /// It could not run or ended in an error.
    Failed(String),
}

/// Runs the resume to its end.
pub fn run(claude: &Path, resume: &Resume) -> Outcome {
    let mut command = Command::new(claude);
    command
        .args(["--resume", &resume.plan.session_id, "-p"])
        // No prompt for a session stopped on a deferred call: the resume asks about that call
        // again by itself, and a prompt would only add a turn after it.
        .args((!resume.plan.prompt.is_empty()).then_some(&resume.plan.prompt))
        .args(["--output-format", "stream-json", "--verbose"])
        .current_dir(&resume.plan.cwd)
        .env("PCC_MODE", "unattended")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for variable in INHERITED_SESSION_VARIABLES {
        command.env_remove(variable);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Outcome::Failed(format!("cannot run {}: {error}", claude.display())),
    };
    // stderr is drained on its own thread so a chatty child can never block on a full pipe.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let now = jiff::Timestamp::now();
    let local = jiff::tz::TimeZone::system();
    let mut limits = StreamLimitTracker::default();
    let mut result: Option<Value> = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            limits.observe(&event, now, &local);
            if event.get("type").and_then(Value::as_str) == Some("result") {
                result = Some(event);
            }
        }
    }
    let status = child.wait();
    let stderr_text = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    if let Some(signal) = limits
        .limit()
        .filter(|signal| !signal.kind.is_backoff_only())
    {
        return Outcome::LimitedAgain {
            resets_at_ms: signal.resets_at.map(|time| time.as_millisecond()),
        };
    }
    let is_error = result
        .as_ref()
        .and_then(|r| r.get("is_error"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    match status {
        Ok(status) if status.success() && !is_error => Outcome::Completed,
        Ok(status) => {
            let text = result
                .as_ref()
                .and_then(|r| r.get("result"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| stderr_text.lines().last().unwrap_or("").to_owned());
            Outcome::Failed(format!("claude exited with {status}: {text}"))
        }
        Err(error) => Outcome::Failed(format!("waiting for claude failed: {error}")),
    }
}
