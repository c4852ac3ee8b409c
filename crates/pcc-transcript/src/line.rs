//! One line of a Claude Code transcript (`projects/<slug>/<session>.jsonl`), read into types.
//!
//! Claude Code writes one JSON object per line and adds line types as it goes: 2.1.329 writes
//! `user` and `assistant` (the conversation) beside `attachment`, `queue-operation`,
//! `api-request`, `api-request-shape`, `api-request-blob`, `tools-used`, `last-prompt`,
//! `atis-latch` and `cost-state` (see `tests/data/`). Only the conversation is read; any other
//! type is kept by name ([`Line::Other`]), and a line that is not JSON (the torn last line of a
//! live session) is [`Line::Unreadable`]: neither is ever an error.
//!
//! Every field is read leniently, one by one, from a parsed `serde_json::Value`: a field of an
//! unexpected type is as good as absent, so one odd field never loses the line.

use crate::usage::Tokens;
use jiff::Timestamp;
use serde_json::Value;

/// One transcript line, as far as it is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A `user` or `assistant` line.
    Message(Message),
    /// A JSON line of another type (or none), by its `type`.
    Other(String),
    /// Not a JSON object: skipped.
    Unreadable,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The user, a hook's feedback, or a tool's result.
    User,
    /// The model (or Claude Code's own synthetic message, e.g. an API error).
    Assistant,
}

/// A `user` or `assistant` line: one message, or (assistant) one content block of it.
///
/// Claude Code writes an assistant message one content block per line, every line with the
/// message's `id` and its whole `usage`: the usage of a message is counted once per id
/// ([`crate::UsageLedger`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// When it was written.
    pub at: Option<Timestamp>,
    /// Written inside a subagent (`isSidechain`).
    pub sidechain: bool,
    /// Claude Code's own bookkeeping shown to the model, not typed by anyone (`isMeta`).
    pub meta: bool,
    /// Claude Code's report of a failed API call, not the model's words (`isApiErrorMessage`).
    pub api_error: bool,
    /// The API's message id (`message.id`, assistant only).
    pub message_id: Option<String>,
    /// The API request's id (`requestId`).
    pub request_id: Option<String>,
    /// The model that answered (`message.model`).
    pub model: Option<String>,
    /// The message's token counts (`message.usage`).
    pub usage: Option<Usage>,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// A message's `usage`, as counted by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// The tokens, by kind.
    pub tokens: Tokens,
    /// Answered in fast mode (`speed: "fast"`), which is priced apart.
    pub fast: bool,
}

/// One content block.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Text.
    Text(String),
    /// The model's thinking (shown to nobody here).
    Thinking,
    /// A tool call.
    ToolUse {
        /// Its id, which the hooks saw as `tool_use_id`.
        id: String,
        /// The tool.
        name: String,
        /// Its input.
        input: Value,
    },
    /// A tool's result.
    ToolResult {
        /// The call it answers.
        tool_use_id: String,
        /// Its text (an image is `[image]`).
        text: String,
        /// Whether the tool failed (or was denied).
        is_error: bool,
    },
    /// An image.
    Image,
    /// A block of another type, by its `type`.
    Other(String),
}

/// Reads one line (without its newline).
pub fn parse_line(text: &str) -> Line {
    let Ok(Value::Object(line)) = serde_json::from_str::<Value>(text) else {
        return Line::Unreadable;
    };
    let line_type = line.get("type").and_then(Value::as_str).unwrap_or("");
    let role = match line_type {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => return Line::Other(other.to_owned()),
    };
    let flag = |name: &str| line.get(name).and_then(Value::as_bool).unwrap_or(false);
    let text_of = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let message = line.get("message");
    let field = |name: &str| message.and_then(|message| message.get(name));
    Line::Message(Message {
        role,
        at: line
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|at| at.parse().ok()),
        sidechain: flag("isSidechain"),
        meta: flag("isMeta"),
        api_error: flag("isApiErrorMessage"),
        message_id: text_of(field("id")),
        request_id: text_of(line.get("requestId")),
        model: text_of(field("model")),
        usage: field("usage").and_then(usage),
        blocks: match field("content") {
            Some(Value::String(text)) => vec![Block::Text(text.clone())],
            Some(Value::Array(blocks)) => blocks.iter().map(block).collect(),
            _ => Vec::new(),
        },
    })
}

/// A `usage` object; `None` when it is not one. A count that is absent or not a number is 0.
///
/// The cache writes are split by lifetime when `cache_creation` says so; what its split does
/// not cover of `cache_creation_input_tokens` (and all of it when there is no split, as before
/// the 1-hour cache) counts as 5-minute writes, the API's default, as Claude Code's own
/// `cost-state` prices it.
fn usage(value: &Value) -> Option<Usage> {
    let usage = value.as_object()?;
    let count = |object: &serde_json::Map<String, Value>, name: &str| {
        object.get(name).and_then(Value::as_u64).unwrap_or(0)
    };
    let cache_writes = count(usage, "cache_creation_input_tokens");
    let (split_5m, split_1h) = match usage.get("cache_creation").and_then(Value::as_object) {
        Some(split) => (
            count(split, "ephemeral_5m_input_tokens"),
            count(split, "ephemeral_1h_input_tokens"),
        ),
        None => (0, 0),
    };
    let unsplit = cache_writes.saturating_sub(split_5m.saturating_add(split_1h));
    Some(Usage {
        tokens: Tokens {
            input: count(usage, "input_tokens"),
            output: count(usage, "output_tokens"),
            cache_write_5m: split_5m.saturating_add(unsplit),
            cache_write_1h: split_1h,
            cache_read: count(usage, "cache_read_input_tokens"),
        },
        fast: usage.get("speed").and_then(Value::as_str) == Some("fast"),
    })
}

fn block(value: &Value) -> Block {
    let text_of = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    match value.get("type").and_then(Value::as_str).unwrap_or("") {
        "text" => Block::Text(text_of("text")),
        "thinking" | "redacted_thinking" => Block::Thinking,
        "tool_use" | "server_tool_use" => Block::ToolUse {
            id: text_of("id"),
            name: text_of("name"),
            input: value.get("input").cloned().unwrap_or(Value::Null),
        },
        "tool_result" => Block::ToolResult {
            tool_use_id: text_of("tool_use_id"),
            text: result_text(value.get("content")),
            is_error: value
                .get("is_error")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "image" => Block::Image,
        other => Block::Other(other.to_owned()),
    }
}

/// A tool result's content: a string, or blocks whose texts are joined by newlines.
fn result_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|block| match block.get("type").and_then(Value::as_str) {
                Some("text") => block.get("text").and_then(Value::as_str).map(str::to_owned),
                Some("image") => Some("[image]".to_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(line: &Value) -> Message {
        match parse_line(&line.to_string()) {
            Line::Message(message) => message,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn other_types_are_kept_by_name_and_garbage_is_unreadable() {
        assert_eq!(
            parse_line(r#"{"type":"queue-operation","operation":"enqueue"}"#),
            Line::Other("queue-operation".into())
        );
        assert_eq!(parse_line(r#"{"no":"type"}"#), Line::Other(String::new()));
        assert_eq!(
            parse_line(r#"{"type":"assistant","message":{"id":"m"#),
            Line::Unreadable
        );
        assert_eq!(parse_line("[1,2]"), Line::Unreadable);
        assert_eq!(parse_line(""), Line::Unreadable);
    }

    #[test]
    fn an_odd_field_is_as_good_as_absent() {
        let read = message(
            &json!({"type": "user", "isSidechain": "yes", "timestamp": 5,
            "message": {"content": 42, "usage": [1]}}),
        );
        assert_eq!(
            (read.sidechain, read.at, read.blocks.len(), read.usage),
            (false, None, 0, None)
        );
    }

    #[test]
    fn usage_splits_the_cache_writes_and_counts_the_rest_as_five_minutes() {
        let read = message(&json!({"type": "assistant", "requestId": "req_1",
            "timestamp": "2026-12-02T03:00:08.920Z",
            "message": {"id": "msg_1", "model": "claude-sonnet-4-5", "usage": {
                "input_tokens": 1200, "output_tokens": 345, "cache_read_input_tokens": 40000,
                "cache_creation_input_tokens": 3033, "speed": "standard",
                "cache_creation": {"ephemeral_5m_input_tokens": 1000,
                                   "ephemeral_1h_input_tokens": 2000}}}}));
        let usage = read.usage.expect("usage");
        assert_eq!(
            usage.tokens,
            Tokens {
                input: 1200,
                output: 345,
                cache_write_5m: 1033,
                cache_write_1h: 2000,
                cache_read: 40000
            }
        );
        assert!(!usage.fast);
        assert_eq!(read.message_id.as_deref(), Some("msg_1"));
        assert_eq!(read.request_id.as_deref(), Some("req_1"));
        assert_eq!(
            read.at.map(|at| at.as_millisecond()),
            Some(1_796_180_408_920)
        );
        let unsplit = message(&json!({"type": "assistant", "message": {"usage": {
            "cache_creation_input_tokens": 50, "speed": "fast"}}}))
        .usage
        .expect("usage");
        assert_eq!(
            (
                unsplit.tokens.cache_write_5m,
                unsplit.tokens.cache_write_1h,
                unsplit.fast
            ),
            (50, 0, true)
        );
    }

    #[test]
    fn content_blocks_are_typed() {
        let read = message(
            &json!({"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": true,
             "content": [{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]},
            {"type": "text", "text": "hi"},
            {"type": "thinking", "thinking": "hm"},
            {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": "ls"}},
            {"type": "document"}]}}),
        );
        assert_eq!(
            read.blocks,
            vec![
                Block::ToolResult {
                    tool_use_id: "toolu_1".into(),
                    text: "a\n[image]\nb".into(),
                    is_error: true
                },
                Block::Text("hi".into()),
                Block::Thinking,
                Block::ToolUse {
                    id: "toolu_2".into(),
                    name: "Bash".into(),
                    input: json!({"command": "ls"})
                },
                Block::Other("document".into()),
            ]
        );
        let prompt = message(&json!({"type": "user", "isMeta": true,
            "message": {"content": "typed"}}));
        assert_eq!(
            (prompt.meta, prompt.blocks),
            (true, vec![Block::Text("typed".into())])
        );
    }
}
