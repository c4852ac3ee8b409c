//! The script a [`MockApi`](super::MockApi) plays back: a [`Scenario`] is a list of assistant
//! [`Turn`]s.

use axum::http::{HeaderName, HeaderValue};
use serde_json::Value;

/// One content block of a scripted assistant reply.
///
/// Kept as a small closed set because these are the only blocks the hook tests need the model to
/// produce; anything else the real API can send (thinking, server tools) is irrelevant to hooks.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A `text` block, streamed as one `text_delta`.
    Text(String),
    /// A `text` block that ends with the `TASK-COMPLETE <nonce>` line found in the request's
    /// latest user message, so a scripted child of `execute_task_list` can verify as a real
    /// model following the runner's instruction would (the nonce is random per run).
    TextWithNonce(String),
    /// A `tool_use` block, streamed as one `input_json_delta`. The mock assigns the id, so ids are
    /// unique even when the CLI replays a turn (retry, `--resume`).
    ToolUse {
        /// Tool name as the CLI knows it (`Bash`, `Write`, `mcp__srv__tool`, …).
        name: String,
        /// The tool input object.
        input: Value,
    },
}

/// An error reply: HTTP status + Anthropic error body, instead of an SSE stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorReply {
    /// HTTP status, e.g. 429, 500, 529.
    pub status: u16,
    /// `error.type` of the body, e.g. `rate_limit_error`, `overloaded_error`.
    pub error_type: String,
    /// `error.message` of the body.
    pub message: String,
    /// How many consecutive requests at this script position get this error before the script
    /// moves on (default 1).
    pub times: usize,
}

/// What a turn answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnReply {
    /// A successful streamed assistant message.
    Message {
        /// The content blocks, in order.
        blocks: Vec<Block>,
        /// `stop_reason` of `message_delta`; `None` means `tool_use` if a tool block is present,
        /// else `end_turn`.
        stop_reason: Option<String>,
        /// The token counts the message reports; `None` means 10 input tokens and 5 output
        /// tokens per block, nothing cached.
        usage: Option<Usage>,
        /// The `model` the message says answered; `None` echoes the request's.
        model: Option<String>,
    },
    /// An HTTP error.
    Error(ErrorReply),
}

/// The `usage` of a scripted message, as the Messages API reports it: `message_start` carries
/// the input side (and `output_tokens: 1`), `message_delta` the final `output_tokens`. What a
/// cost test sets to know exactly what the transcript must add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// `input_tokens`: input read neither from nor into the cache.
    pub input_tokens: u64,
    /// `output_tokens`, sent in `message_delta`.
    pub output_tokens: u64,
    /// Input written to the 5-minute cache.
    pub cache_write_5m_tokens: u64,
    /// Input written to the 1-hour cache.
    pub cache_write_1h_tokens: u64,
    /// `cache_read_input_tokens`: input read from the cache.
    pub cache_read_input_tokens: u64,
}

/// One scripted assistant turn (one reply to one `POST /v1/messages`).
///
/// Built with [`Turn::text`], [`Turn::tool`], [`Turn::error`] and the `with_*` builders, e.g.
/// `Turn::text("Let me check.").with_tool("Bash", json!({"command": "git status"}))`.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The reply body.
    pub reply: TurnReply,
    /// Extra HTTP response headers (e.g. `anthropic-ratelimit-unified-*`), sent with success and
    /// error replies alike because the CLI reads rate-limit headers from both.
    pub headers: Vec<(String, String)>,
}

impl Turn {
    /// A reply with no blocks yet; combine with [`Turn::with_text`] / [`Turn::with_tool`].
    pub fn empty() -> Self {
        Self {
            reply: TurnReply::Message {
                blocks: Vec::new(),
                stop_reason: None,
                usage: None,
                model: None,
            },
            headers: Vec::new(),
        }
    }

    /// A final answer that ends with the `TASK-COMPLETE <nonce>` line of the request (see
    /// [`Block::TextWithNonce`]): how a task child of `execute_task_list` proves it finished.
    pub fn text_with_nonce(text: impl Into<String>) -> Self {
        Self {
            reply: TurnReply::Message {
                blocks: vec![Block::TextWithNonce(text.into())],
                stop_reason: None,
                usage: None,
                model: None,
            },
            headers: Vec::new(),
        }
    }

    /// A reply consisting of one text block (ends the turn with `end_turn`).
    pub fn text(text: impl Into<String>) -> Self {
        Self::empty().with_text(text)
    }

    /// A reply consisting of one `tool_use` block (stops with `tool_use`, so the CLI runs the tool,
    /// fires its hooks and sends the result in the next request).
    pub fn tool(name: impl Into<String>, input: Value) -> Self {
        Self::empty().with_tool(name, input)
    }

    /// An HTTP error reply with body `{"type":"error","error":{"type":error_type,"message":message}}`.
    ///
    /// Served once at its script position, then the script moves on (see [`Turn::times`]), so a
    /// retry or a later `--resume` gets the next turn.
    pub fn error(status: u16, error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            reply: TurnReply::Error(ErrorReply {
                status,
                error_type: error_type.into(),
                message: message.into(),
                times: 1,
            }),
            headers: Vec::new(),
        }
    }

    /// 529 `overloaded_error`, the most common transient API failure.
    pub fn overloaded() -> Self {
        Self::error(529, "overloaded_error", "Overloaded")
    }

    /// A subscription **usage limit** on the 5-hour window: under OAuth auth
    /// ([`ClaudeSession::oauth`](crate::ClaudeSession::oauth)) the CLI ends the run with
    /// `You've hit your 5-hour limit · resets <h:mm>{am|pm} (<local zone>)`, `api_error:
    /// "usage_limit_reached"`, a `rate_limit_event` with `status: "rejected"` and a StopFailure
    /// hook with `error: "rate_limit"`. `resets_at_unix` is the reset instant in unix seconds.
    ///
    /// A 429 `rate_limit_error` with exactly the headers of [`usage_limit_headers`] for the claim
    /// `five_hour`. Served once like any error turn, so a later `--resume` gets the next turn.
    pub fn usage_limit(resets_at_unix: i64) -> Self {
        Self::usage_limit_for(FIVE_HOUR_CLAIM, resets_at_unix)
    }

    /// Like [`Turn::usage_limit`] for the weekly window (claim `seven_day`): `You've hit your
    /// weekly limit · resets …` (a reset more than 24 h ahead also shows the
    /// date, e.g. `resets Nov 24, 9:27am (UTC)`).
    pub fn usage_limit_weekly(resets_at_unix: i64) -> Self {
        Self::usage_limit_for(SEVEN_DAY_CLAIM, resets_at_unix)
    }

    /// A usage-limit 429 for any `anthropic-ratelimit-unified-representative-claim` value
    /// (`five_hour`, `seven_day`, or something else to see how the CLI copes).
    pub fn usage_limit_for(claim: &str, resets_at_unix: i64) -> Self {
        usage_limit_headers(claim, resets_at_unix).into_iter().fold(
            Self::error(429, "rate_limit_error", USAGE_LIMIT_MESSAGE),
            |turn, (name, value)| turn.with_header(name, value),
        )
    }

    /// Appends a text block.
    ///
    /// # Panics
    /// On an error turn, since an error reply has no content.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.blocks_mut("with_text").push(Block::Text(text.into()));
        self
    }

    /// Appends a `tool_use` block; several tool blocks make the CLI run them as one batch.
    ///
    /// # Panics
    /// On an error turn, since an error reply has no content.
    pub fn with_tool(mut self, name: impl Into<String>, input: Value) -> Self {
        self.blocks_mut("with_tool").push(Block::ToolUse {
            name: name.into(),
            input,
        });
        self
    }

    /// Overrides the `stop_reason` (e.g. `max_tokens`, `refusal`).
    ///
    /// # Panics
    /// On an error turn.
    pub fn with_stop_reason(mut self, stop_reason: impl Into<String>) -> Self {
        match &mut self.reply {
            TurnReply::Message { stop_reason: s, .. } => *s = Some(stop_reason.into()),
            TurnReply::Error(_) => panic!("Turn::with_stop_reason called on an error turn"),
        }
        self
    }

    /// Reports these token counts instead of the defaults.
    ///
    /// # Panics
    /// On an error turn, since an error reply has no usage.
    pub fn with_usage(mut self, new: Usage) -> Self {
        match &mut self.reply {
            TurnReply::Message { usage, .. } => *usage = Some(new),
            TurnReply::Error(_) => panic!("Turn::with_usage called on an error turn"),
        }
        self
    }

    /// Says this model answered, whatever the request asked for (a session that switches
    /// models, or one the price table does not know).
    ///
    /// # Panics
    /// On an error turn.
    pub fn with_model(mut self, name: impl Into<String>) -> Self {
        match &mut self.reply {
            TurnReply::Message { model, .. } => *model = Some(name.into()),
            TurnReply::Error(_) => panic!("Turn::with_model called on an error turn"),
        }
        self
    }

    /// Adds a response header, e.g. `anthropic-ratelimit-unified-reset`.
    ///
    /// # Panics
    /// If the name or value is not a valid HTTP header (caught here, where the test wrote it).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        assert!(
            HeaderName::from_bytes(name.as_bytes()).is_ok()
                && HeaderValue::from_str(&value).is_ok(),
            "Turn::with_header: invalid HTTP header {name:?}: {value:?}"
        );
        self.headers.push((name, value));
        self
    }

    /// Serves this error `n` times in a row before moving on (useful with retries enabled).
    ///
    /// # Panics
    /// On a non-error turn or with `n == 0`.
    pub fn times(mut self, n: usize) -> Self {
        assert!(n > 0, "Turn::times(0) would never be served");
        match &mut self.reply {
            TurnReply::Error(e) => e.times = n,
            TurnReply::Message { .. } => panic!("Turn::times only applies to error turns"),
        }
        self
    }

    /// Whether this turn is an HTTP error.
    pub fn is_error(&self) -> bool {
        matches!(self.reply, TurnReply::Error(_))
    }

    fn blocks_mut(&mut self, what: &str) -> &mut Vec<Block> {
        match &mut self.reply {
            TurnReply::Message { blocks, .. } => blocks,
            TurnReply::Error(_) => panic!("Turn::{what} called on an error turn"),
        }
    }
}

/// `representative-claim` of the 5-hour subscription window.
pub const FIVE_HOUR_CLAIM: &str = "five_hour";
/// `representative-claim` of the weekly subscription window.
pub const SEVEN_DAY_CLAIM: &str = "seven_day";
/// `error.message` of the usage-limit 429 body; the CLI does not show it (it builds its own
/// text from the headers).
pub const USAGE_LIMIT_MESSAGE: &str = "Rate limited";

/// The minimal response headers that make Claude Code 2.1.329 report a subscription usage limit
/// for a 429 (pinned by `tests/harness_usage_limit.rs`; the CLI must authenticate with
/// `CLAUDE_CODE_OAUTH_TOKEN`, with `ANTHROPIC_API_KEY` every 429 is a plain
/// `API Error: Request rejected (429) · <message>`):
///
/// - `anthropic-ratelimit-unified-status: rejected` — the unified limiter refused the request.
///   The real API always sends it; 2.1.329 reports the same limit without it, but its retry
///   logic tells "refused by the limiter" from a "bare 429" by it.
/// - `anthropic-ratelimit-unified-reset: <unix seconds>` — becomes `resetsAt` (stream
///   `rate_limit_event`, transcript `quotaLimits`) and the ` · resets …` part of the text.
///   Without it the text is just `You've hit your 5-hour limit` and there is no `resetsAt`.
/// - `anthropic-ratelimit-unified-representative-claim: five_hour|seven_day` — which window
///   ran out; becomes `rateLimitType` and the limit name (`5-hour` / `weekly`). **Required**:
///   without it the CLI says `API Error: Server is temporarily limiting requests (not your usage
///   limit) · <message>` and the result has no `api_error`.
///
/// The other `anthropic-ratelimit-unified-*` headers (per-window `5h-`/`7d-` resets,
/// `fallback`, `overage-*`, `grace-*`, …) are not needed.
pub fn usage_limit_headers(claim: &str, resets_at_unix: i64) -> Vec<(String, String)> {
    vec![
        (
            "anthropic-ratelimit-unified-status".to_owned(),
            "rejected".to_owned(),
        ),
        (
            "anthropic-ratelimit-unified-reset".to_owned(),
            resets_at_unix.to_string(),
        ),
        (
            "anthropic-ratelimit-unified-representative-claim".to_owned(),
            claim.to_owned(),
        ),
    ]
}

/// The ordered assistant turns of one conversation.
///
/// Message turns line up with the number of assistant messages already in a request; error turns
/// sit between them and are each served [`Turn::times`] times. When the script is exhausted the
/// mock answers `end_turn` with the text [`Scenario::DONE_TEXT`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// The turns, in order.
    pub turns: Vec<Turn>,
}

impl Scenario {
    /// Text of the reply sent once the script is exhausted.
    pub const DONE_TEXT: &'static str = "done";

    /// An empty scenario: every request gets the "done" reply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a turn (builder style).
    pub fn turn(mut self, turn: Turn) -> Self {
        self.turns.push(turn);
        self
    }

    /// Script position of the next reply for a request that already holds `assistant_count`
    /// assistant messages, given how many errors were already served at that position.
    ///
    /// Returns `None` when the script is exhausted.
    pub(crate) fn position(&self, assistant_count: usize, errors_served: usize) -> Option<usize> {
        // Find the range of turns belonging to "after `assistant_count` messages": the error
        // turns preceding the `assistant_count`-th message turn, then that message turn.
        let mut messages_seen = 0;
        let mut start = None;
        for (i, t) in self.turns.iter().enumerate() {
            if messages_seen == assistant_count {
                start = Some(i);
                break;
            }
            if !t.is_error() {
                messages_seen += 1;
            }
        }
        let start = start?;
        let mut budget = errors_served;
        for (i, t) in self.turns.iter().enumerate().skip(start) {
            match &t.reply {
                TurnReply::Error(e) if budget >= e.times => budget -= e.times,
                TurnReply::Error(_) => return Some(i),
                TurnReply::Message { .. } => return Some(i),
            }
        }
        None
    }
}

impl From<Vec<Turn>> for Scenario {
    fn from(turns: Vec<Turn>) -> Self {
        Self { turns }
    }
}

impl<const N: usize> From<[Turn; N]> for Scenario {
    fn from(turns: [Turn; N]) -> Self {
        Self {
            turns: turns.into(),
        }
    }
}

impl FromIterator<Turn> for Scenario {
    fn from_iter<I: IntoIterator<Item = Turn>>(iter: I) -> Self {
        Self {
            turns: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_follow_assistant_count_and_skip_served_errors() {
        let s = Scenario::from([
            Turn::error(529, "overloaded_error", "x"),
            Turn::tool("Bash", json!({"command": "true"})),
            Turn::error(429, "rate_limit_error", "y").times(2),
            Turn::text("end"),
        ]);
        assert_eq!(s.position(0, 0), Some(0));
        assert_eq!(s.position(0, 1), Some(1));
        assert_eq!(s.position(1, 0), Some(2));
        assert_eq!(s.position(1, 1), Some(2));
        assert_eq!(s.position(1, 2), Some(3));
        assert_eq!(s.position(2, 0), None);
    }

    #[test]
    fn trailing_error_is_served_then_exhausted() {
        let s = Scenario::from([Turn::text("a"), Turn::overloaded()]);
        assert_eq!(s.position(0, 0), Some(0));
        assert_eq!(s.position(1, 0), Some(1));
        assert_eq!(s.position(1, 1), None);
    }

    #[test]
    fn usage_limit_is_a_429_with_the_unified_headers() {
        let t = Turn::usage_limit_weekly(1_795_255_041);
        assert!(matches!(&t.reply, TurnReply::Error(e) if e.status == 429 && e.times == 1));
        assert_eq!(
            t.headers,
            [
                (
                    "anthropic-ratelimit-unified-status".into(),
                    "rejected".into()
                ),
                (
                    "anthropic-ratelimit-unified-reset".into(),
                    "1795255041".into()
                ),
                (
                    "anthropic-ratelimit-unified-representative-claim".into(),
                    "seven_day".into()
                ),
            ]
        );
    }

    #[test]
    #[should_panic(expected = "error turn")]
    fn text_on_error_turn_panics() {
        let _ = Turn::overloaded().with_text("nope");
    }
}
