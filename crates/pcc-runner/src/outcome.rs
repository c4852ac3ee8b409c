//! How a child ended, as the MCP server reports it.

use crate::nonce::TaskNonce;
use crate::status::ChildStatus;
use crate::stream::StreamState;
use pcc_limits::LimitSignal;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;

/// Everything known about one finished child.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChildOutcome {
    /// The verdict.
    pub status: ChildStatus,
    /// The exit code; `None` if the child did not start or was killed by a signal.
    pub exit_code: Option<i32>,
    /// The Claude Code session id (for `--resume` and for our hook records).
    pub session_id: Option<String>,
    /// The final `result` text with the nonce line removed.
    pub result_text: Option<String>,
    /// Wall time from spawn to the end of supervision (serialised as `duration_ms`).
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// Turns: the `result`'s `num_turns`, else the assistant messages seen.
    pub num_turns: u32,
    /// Tool calls seen in the stream.
    pub tool_uses: u32,
    /// `total_cost_usd` of the `result`.
    pub cost_usd: Option<f64>,
    /// `permission_denials` of the `result` (`{tool_name, tool_use_id, tool_input}` objects).
    pub permission_denials: Vec<Value>,
    /// Why the run did not succeed, in words.
    pub error: Option<String>,
    /// The last bytes of stderr.
    pub stderr_tail: String,
    /// The last bytes of stdout (raw stream-json), for diagnostics.
    pub output_tail: String,
    /// Stdout lines that were not JSON objects.
    pub unparsed_lines: u64,
    /// The limit that stopped the child, with its reset when known.
    pub rate_limit: Option<LimitSignal>,
    /// How many times [`crate::run_until_done`] resumed the task after a limit (0 for one run).
    pub resumes: u32,
}

fn as_millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// How supervision ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The child exited by itself (`code` is `None` when a signal killed it).
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// We stopped it at the timeout.
    TimedOut,
    /// We stopped it on cancellation.
    Cancelled,
}

impl ChildOutcome {
    /// The outcome of a child that could not be started.
    pub(crate) fn not_started(error: String, duration: Duration) -> ChildOutcome {
        ChildOutcome {
            status: ChildStatus::Failed,
            exit_code: None,
            session_id: None,
            result_text: None,
            duration,
            num_turns: 0,
            tool_uses: 0,
            cost_usd: None,
            permission_denials: Vec::new(),
            error: Some(error),
            stderr_tail: String::new(),
            output_tail: String::new(),
            unparsed_lines: 0,
            rate_limit: None,
            resumes: 0,
        }
    }

    /// The verdict from how the child ended and what its stream showed.
    pub(crate) fn judge(
        ending: Ending,
        timeout: Duration,
        state: &StreamState,
        nonce: &TaskNonce,
        stderr_tail: String,
        output_tail: String,
        duration: Duration,
    ) -> ChildOutcome {
        let result = state.result.as_ref();
        let field = |key: &str| result.and_then(|r| r.get(key));
        let raw_text = field("result").and_then(Value::as_str);
        let (verified, result_text) = match raw_text {
            Some(text) => {
                let (found, stripped) = nonce.verify(text);
                (found, Some(stripped))
            }
            None => (false, None),
        };
        let is_error = field("is_error").and_then(Value::as_bool) == Some(true);
        let rate_limit = state.limit();
        let exit_code = match ending {
            Ending::Exited { code, .. } => code,
            _ => None,
        };
        let result_error = || {
            let errors: Vec<&str> = field("errors")
                .and_then(Value::as_array)
                .map(|errors| errors.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if errors.is_empty() {
                raw_text.filter(|t| !t.is_empty()).map(str::to_owned)
            } else {
                Some(errors.join("; "))
            }
        };
        let last_stderr_line = || {
            stderr_tail
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .map(|line| line.trim().to_owned())
        };
        let (status, error) = match ending {
            Ending::TimedOut => (
                ChildStatus::TimedOut,
                Some(format!("timed out after {:.1} s", timeout.as_secs_f64())),
            ),
            Ending::Cancelled => (ChildStatus::Cancelled, Some("cancelled".to_owned())),
            Ending::Exited { .. } if rate_limit.is_some() => {
                let message = rate_limit.as_ref().and_then(|s| s.message.clone());
                (
                    ChildStatus::RateLimited,
                    Some(message.unwrap_or_else(|| "usage limit reached".to_owned())),
                )
            }
            Ending::Exited { code, signal } if code != Some(0) => {
                let how = match (code, signal) {
                    (Some(code), _) => format!("exited with code {code}"),
                    (None, Some(signal)) => format!("killed by signal {signal}"),
                    (None, None) => "exited abnormally".to_owned(),
                };
                let detail = result_error().or_else(last_stderr_line);
                let error = match detail {
                    Some(detail) => format!("claude {how}: {detail}"),
                    None => format!("claude {how}"),
                };
                (ChildStatus::Failed, Some(error))
            }
            Ending::Exited { .. } if result.is_none() => (
                ChildStatus::Failed,
                Some("claude exited without a result message".to_owned()),
            ),
            Ending::Exited { .. } if is_error => {
                let detail = result_error().unwrap_or_else(|| "no detail".to_owned());
                (
                    ChildStatus::Failed,
                    Some(format!("claude reported an error: {detail}")),
                )
            }
            Ending::Exited { .. } if !verified => (
                ChildStatus::Unverified,
                Some(format!(
                    "the final message does not end with `{}`: the task may not be complete",
                    nonce.line()
                )),
            ),
            Ending::Exited { .. } => (ChildStatus::Succeeded, None),
        };
        let num_turns = field("num_turns")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(state.turns);
        let session_id = state.session_id.clone().or_else(|| {
            field("session_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        ChildOutcome {
            status,
            exit_code,
            session_id,
            result_text,
            duration,
            num_turns,
            tool_uses: state.tool_uses,
            cost_usd: field("total_cost_usd").and_then(Value::as_f64),
            permission_denials: field("permission_denials")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            error,
            stderr_tail,
            output_tail,
            unparsed_lines: state.unparsed_lines,
            rate_limit,
            resumes: 0,
        }
    }
}
