//! Reading the child's stream-json output: line splitting, per-line parsing, and the state the
//! outcome and the progress events are made from.

use crate::status::ChildStatus;
use crate::tail::Tail;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pcc_limits::{LimitSignal, StreamLimitTracker};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt};

/// Longest stdout line that is parsed; longer lines are counted as unparsed and only reach the
/// output tail, so one runaway line cannot take unbounded memory.
pub(crate) const MAX_LINE: usize = 16 * 1024 * 1024;

/// Progress of a child, for MCP progress notifications. Serialises as
/// `{"event": "turn", "n": 3}` and so on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChildEvent {
    /// The child process started.
    Started {
        /// Its process id, which is also its process-group id.
        pid: u32,
    },
    /// The child's Claude Code session id became known (from `system/init`, or any line).
    SessionId {
        /// The session id.
        session_id: String,
    },
    /// The model started its `n`-th assistant message (turn), counting from 1.
    Turn {
        /// Turns seen so far.
        n: u32,
    },
    /// The model called a tool.
    ToolUse {
        /// The tool's name (`Bash`, `Edit`, `mcp__server__tool`, …).
        name: String,
        /// Tool calls seen so far, this one included.
        count: u32,
    },
    /// The child reported a usage or rate limit.
    RateLimited {
        /// What limit, and when it resets.
        signal: LimitSignal,
    },
    /// [`crate::run_until_done`] is waiting before it runs the child again.
    Paused {
        /// The limit's reset, if it gave one.
        resets_at: Option<Timestamp>,
        /// How long the wait is, in milliseconds.
        wait_ms: u64,
        /// Which pause this is, counting from 1.
        attempt: u32,
    },
    /// The child is done (the last event of a [`crate::run_child`]).
    Finished {
        /// How it ended.
        status: ChildStatus,
    },
}

impl ChildEvent {
    pub(crate) fn paused(resets_at: Option<Timestamp>, wait: Duration, attempt: u32) -> ChildEvent {
        ChildEvent::Paused {
            resets_at,
            wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            attempt,
        }
    }
}

/// What the stdout stream has shown so far.
#[derive(Debug)]
pub(crate) struct StreamState {
    pub(crate) session_id: Option<String>,
    pub(crate) turns: u32,
    pub(crate) tool_uses: u32,
    /// The last `result` object.
    pub(crate) result: Option<Value>,
    /// Lines that were not JSON objects (or were too long to parse).
    pub(crate) unparsed_lines: u64,
    last_message_id: Option<String>,
    limits: StreamLimitTracker,
    local: TimeZone,
}

impl StreamState {
    pub(crate) fn new(local: TimeZone) -> StreamState {
        StreamState {
            session_id: None,
            turns: 0,
            tool_uses: 0,
            result: None,
            unparsed_lines: 0,
            last_message_id: None,
            limits: StreamLimitTracker::default(),
            local,
        }
    }

    /// Takes one stdout line (`None` for a line too long to parse).
    pub(crate) fn line(
        &mut self,
        line: Option<&[u8]>,
        now: Timestamp,
        emit: &mut impl FnMut(ChildEvent),
    ) {
        let Some(line) = line else {
            self.unparsed_lines += 1;
            return;
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(value) if value.is_object() => self.event(value, now, emit),
            _ => self.unparsed_lines += 1,
        }
    }

    fn event(&mut self, event: Value, now: Timestamp, emit: &mut impl FnMut(ChildEvent)) {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
        let is_init =
            kind == "system" && event.get("subtype").and_then(Value::as_str) == Some("init");
        if let Some(session) = event.get("session_id").and_then(Value::as_str)
            && !session.is_empty()
            && (self.session_id.is_none()
                || (is_init && self.session_id.as_deref() != Some(session)))
        {
            self.session_id = Some(session.to_owned());
            emit(ChildEvent::SessionId {
                session_id: session.to_owned(),
            });
        }
        match kind {
            "assistant" => self.assistant(&event, emit),
            "rate_limit_event" => {
                if let Some(signal) = self.limits.observe(&event, now, &self.local) {
                    emit(ChildEvent::RateLimited { signal });
                }
            }
            "result" => {
                let already_limited = self.limits.limit().is_some();
                if let Some(signal) = self.limits.observe(&event, now, &self.local)
                    && !already_limited
                {
                    emit(ChildEvent::RateLimited { signal });
                }
                self.result = Some(event);
            }
            _ => {}
        }
    }

    fn assistant(&mut self, event: &Value, emit: &mut impl FnMut(ChildEvent)) {
        let message = event.get("message");
        let id = message
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        // Claude Code may write one line per content block of the same message: count messages.
        if id.is_none() || id != self.last_message_id {
            self.turns += 1;
            self.last_message_id = id;
            emit(ChildEvent::Turn { n: self.turns });
        }
        let blocks = message
            .and_then(|m| m.get("content"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for block in blocks {
            if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                self.tool_uses += 1;
                let name = block.get("name").and_then(Value::as_str).unwrap_or("?");
                emit(ChildEvent::ToolUse {
                    name: name.to_owned(),
                    count: self.tool_uses,
                });
            }
        }
    }

    /// The limit the run ended on, combined like [`pcc_limits::scan_stream_json`]: a
    /// `result` that is not an error means no limit; a rejected `rate_limit_event` is preferred
    /// for its exact `resetsAt`, completed from the `result`.
    pub(crate) fn limit(&self) -> Option<LimitSignal> {
        self.limits.limit()
    }
}

/// Reads `reader` to its end, keeping every byte in `tail` and handing each line (without its
/// `\n`) to `on_line`; `None` stands for a line longer than [`MAX_LINE`].
pub(crate) async fn read_lines<R: AsyncBufRead + Unpin>(
    mut reader: R,
    tail: &mut Tail,
    mut on_line: impl FnMut(Option<&[u8]>),
) -> std::io::Result<()> {
    let mut line: Vec<u8> = Vec::new();
    let mut oversize = false;
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            if oversize {
                on_line(None);
            } else if !line.is_empty() {
                on_line(Some(&line));
            }
            return Ok(());
        }
        tail.push(chunk);
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            if oversize || line.len() + end > MAX_LINE {
                on_line(None);
            } else if line.is_empty() {
                on_line(Some(&rest[..end]));
            } else {
                line.extend_from_slice(&rest[..end]);
                on_line(Some(&line));
            }
            line.clear();
            oversize = false;
            rest = &rest[end + 1..];
        }
        if !oversize {
            if line.len() + rest.len() > MAX_LINE {
                oversize = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(rest);
            }
        }
        let used = chunk.len();
        reader.consume(used);
    }
}

/// Reads `reader` to its end, keeping the last bytes in `tail`.
pub(crate) async fn read_all<R: AsyncRead + Unpin>(
    mut reader: R,
    tail: &mut Tail,
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            return Ok(());
        }
        tail.push(&buffer[..read]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcc_limits::LimitKind;

    fn feed(lines: &[&str]) -> (StreamState, Vec<ChildEvent>) {
        let mut state = StreamState::new(TimeZone::UTC);
        let mut events = Vec::new();
        let now: Timestamp = "2026-11-21T09:00:00Z"
            .parse()
            .unwrap_or_else(|err| panic!("{err}"));
        for line in lines {
            state.line(Some(line.as_bytes()), now, &mut |e| events.push(e));
        }
        (state, events)
    }

    #[test]
    fn real_capture_gives_session_turns_tools_and_result() {
        let text = include_str!(
            "../../../fixtures/claude-code/v2.1.197-stream-json-with-hook-events.jsonl"
        );
        let lines: Vec<&str> = text.lines().collect();
        let (state, events) = feed(&lines);
        assert_eq!(
            state.session_id.as_deref(),
            Some("864c2521-9ecb-417d-9a09-b04a04e13a26")
        );
        assert_eq!(state.turns, 2);
        assert_eq!(state.tool_uses, 1);
        assert_eq!(state.unparsed_lines, 0);
        assert!(events.contains(&ChildEvent::ToolUse {
            name: "mcp__e2e__echo".into(),
            count: 1
        }));
        let result = state.result.as_ref().and_then(|r| r.get("result"));
        assert_eq!(result.and_then(Value::as_str), Some("done"));
        assert_eq!(state.limit(), None);
    }

    #[test]
    fn non_json_lines_are_counted_not_fatal() {
        let (state, _) = feed(&[
            "hello",
            "[1,2]",
            "",
            "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\"}",
        ]);
        assert_eq!(state.unparsed_lines, 2);
        assert_eq!(state.session_id.as_deref(), Some("s"));
    }

    #[test]
    fn subscription_result_is_a_limit() {
        let text =
            include_str!("../../../fixtures/claude-code/v2.1.329-result-429-subscription-5h.json");
        let (state, events) = feed(&[text.trim()]);
        let limit = state.limit().unwrap_or_else(|| panic!("no limit"));
        assert_eq!(limit.kind, LimitKind::FiveHour);
        assert_eq!(
            limit.resets_at,
            Some(
                "2026-11-21T09:57:00Z"
                    .parse()
                    .unwrap_or_else(|err| panic!("{err}"))
            )
        );
        assert!(matches!(
            events.last(),
            Some(ChildEvent::RateLimited { .. })
        ));
    }

    #[test]
    fn successful_result_clears_an_earlier_rejection() {
        let (state, _) = feed(&[
            r#"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1800000000}}"#,
            r#"{"type":"result","is_error":false,"result":"ok"}"#,
        ]);
        assert_eq!(state.limit(), None);
    }

    #[tokio::test]
    async fn lines_split_across_chunks_and_oversize_lines() {
        let mut data = b"{\"a\":1}\nsecond".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        data.extend(b"\nlast");
        let reader = tokio::io::BufReader::with_capacity(4096, data.as_slice());
        let mut tail = Tail::new(4);
        let mut seen = Vec::new();
        read_lines(reader, &mut tail, |line| {
            // Lengths only: a failing assertion must not print 16 MiB.
            seen.push(line.map(|l| String::from_utf8_lossy(&l[..l.len().min(16)]).into_owned()));
        })
        .await
        .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            seen,
            vec![Some("{\"a\":1}".to_owned()), None, Some("last".to_owned())]
        );
        assert_eq!(tail.to_text(), "last");
    }
}
