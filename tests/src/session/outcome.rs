//! The result of one `claude -p` run, with helpers for the assertions tests make most.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use serde_json::Value;

use super::Sandbox;

/// Everything a finished `claude -p --output-format stream-json` run produced.
///
/// Implements `Display` as a readable dump (status, stderr, stdout) so it can be used directly
/// as an assertion message: `assert!(cond, "{outcome}")`.
#[derive(Debug, Clone)]
pub struct SessionOutcome {
    /// Exit status of the CLI.
    pub status: ExitStatus,
    /// Every stdout line that parsed as JSON, in order (stream-json messages).
    pub lines: Vec<Value>,
    /// Non-empty stdout lines that were not JSON (normally none).
    pub non_json_lines: Vec<String>,
    /// The final `{"type":"result"}` line, if the CLI got that far.
    pub result: Option<Value>,
    /// The session id (from the result, else from the first line carrying one).
    pub session_id: Option<String>,
    /// Raw stdout.
    pub stdout: String,
    /// Raw stderr.
    pub stderr: String,
    /// Wall-clock time of the run (excluding waiting for a run slot).
    pub elapsed: Duration,
    /// The sandbox the run used (kept alive so its files can be inspected).
    pub sandbox: Sandbox,
    /// The working directory of the run.
    pub cwd: PathBuf,
}

impl SessionOutcome {
    pub(crate) fn from_output(
        status: ExitStatus,
        stdout: String,
        stderr: String,
        elapsed: Duration,
        sandbox: Sandbox,
        cwd: PathBuf,
    ) -> Self {
        let mut lines = Vec::new();
        let mut non_json_lines = Vec::new();
        for line in stdout.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => lines.push(v),
                Err(_) => non_json_lines.push(line.to_owned()),
            }
        }
        let result = lines
            .iter()
            .rev()
            .find(|l| l.get("type").and_then(Value::as_str) == Some("result"))
            .cloned();
        let session_id = result
            .iter()
            .chain(lines.iter())
            .find_map(|l| l.get("session_id").and_then(Value::as_str))
            .map(str::to_owned);
        Self {
            status,
            lines,
            non_json_lines,
            result,
            session_id,
            stdout,
            stderr,
            elapsed,
            sandbox,
            cwd,
        }
    }

    /// Whether the CLI exited 0.
    pub fn exited_ok(&self) -> bool {
        self.status.success()
    }

    /// The result object.
    ///
    /// # Panics
    /// With the full dump if there is no result line.
    pub fn expect_result(&self) -> &Value {
        self.result
            .as_ref()
            .unwrap_or_else(|| panic!("claude produced no result line\n{self}"))
    }

    /// `result.result`: the final assistant text (or the error text for API errors).
    pub fn result_text(&self) -> Option<&str> {
        self.result.as_ref()?.get("result")?.as_str()
    }

    /// `result.is_error` (false when there is no result).
    pub fn is_error(&self) -> bool {
        self.result
            .as_ref()
            .and_then(|r| r.get("is_error"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The session id.
    ///
    /// # Panics
    /// With the full dump if no line carried one.
    pub fn expect_session_id(&self) -> &str {
        self.session_id
            .as_deref()
            .unwrap_or_else(|| panic!("claude output carries no session_id\n{self}"))
    }

    /// Panics with the full dump unless the CLI exited 0 with a non-error result.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.exited_ok() && self.result.is_some() && !self.is_error(),
            "claude run did not succeed\n{self}"
        );
        self
    }

    /// Lines of a given `type` (`system`, `assistant`, `user`, `result`, …).
    pub fn lines_of_type(&self, ty: &str) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l.get("type").and_then(Value::as_str) == Some(ty))
            .collect()
    }

    /// `system` lines of a given `subtype` (`init`, `hook_started`, `hook_response`, …).
    pub fn system_lines(&self, subtype: &str) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| {
                l.get("type").and_then(Value::as_str) == Some("system")
                    && l.get("subtype").and_then(Value::as_str) == Some(subtype)
            })
            .collect()
    }

    /// `hook_started` lines for `event` (e.g. `"PreToolUse"`); `"*"` for all events.
    pub fn hook_started(&self, event: &str) -> Vec<&Value> {
        filter_event(self.system_lines("hook_started"), event)
    }

    /// `hook_response` lines (hook `stdout`, `stderr`, `exit_code`, `outcome`) for `event`;
    /// `"*"` for all events.
    pub fn hook_responses(&self, event: &str) -> Vec<&Value> {
        filter_event(self.system_lines("hook_response"), event)
    }

    /// Names of the events whose hooks started, in order — a quick overview for assertions.
    pub fn hook_events(&self) -> Vec<&str> {
        self.system_lines("hook_started")
            .into_iter()
            .filter_map(|l| l.get("hook_event").and_then(Value::as_str))
            .collect()
    }

    /// `tool_result` blocks the CLI reported in `user` lines, as `(tool_use_id, text)`.
    pub fn tool_results(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for line in self.lines_of_type("user") {
            let blocks = line
                .pointer("/message/content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for b in blocks.filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
            {
                let id = b
                    .get("tool_use_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let text = match b.get("content") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => String::new(),
                };
                out.push((id.to_owned(), text));
            }
        }
        out
    }

    /// Path of the session transcript, if the CLI wrote one.
    pub fn transcript_path(&self) -> Option<PathBuf> {
        self.sandbox.transcript_path(self.session_id.as_deref()?)
    }
}

fn filter_event<'a>(lines: Vec<&'a Value>, event: &str) -> Vec<&'a Value> {
    lines
        .into_iter()
        .filter(|l| event == "*" || l.get("hook_event").and_then(Value::as_str) == Some(event))
        .collect()
}

impl fmt::Display for SessionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "--- claude exit: {} after {:.1?}, cwd {}",
            self.status,
            self.elapsed,
            self.cwd.display()
        )?;
        writeln!(f, "--- stderr\n{}", self.stderr.trim_end())?;
        write!(f, "--- stdout\n{}", self.stdout.trim_end())
    }
}
