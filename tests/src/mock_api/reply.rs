//! Rendering of mock replies in the Messages API wire format (SSE stream or plain JSON).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::scenario::{Block, Usage};

/// Process-wide counter so ids are unique across every mock in a test binary; the pid keeps
/// them apart across nextest's test processes.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id(prefix: &str) -> String {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_mock{:x}x{n:06}", std::process::id())
}

/// A fully resolved assistant message: the blocks with their ids assigned.
pub(crate) struct Message {
    id: String,
    model: String,
    content: Vec<Value>,
    stop_reason: String,
    usage: Usage,
}

/// Completes every [`Block::TextWithNonce`] with the `TASK-COMPLETE <nonce>` line of the
/// request's latest user message (the line the runner asks the final message to repeat).
pub(crate) fn with_nonces(blocks: Vec<Block>, body: &Value) -> Vec<Block> {
    let nonce_line = body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .rev()
        .filter(|message| message.get("role").and_then(Value::as_str) == Some("user"))
        .flat_map(message_texts)
        .find_map(|text| {
            let start = text.rfind("TASK-COMPLETE ")?;
            let rest = &text[start + "TASK-COMPLETE ".len()..];
            let nonce: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            (!nonce.is_empty()).then(|| format!("TASK-COMPLETE {nonce}"))
        });
    blocks
        .into_iter()
        .map(|block| match block {
            Block::TextWithNonce(text) => match &nonce_line {
                Some(line) => Block::Text(format!("{text}\n{line}")),
                None => Block::Text(text),
            },
            other => other,
        })
        .collect()
}

/// The text parts of one message, whether its content is a string or a list of blocks.
fn message_texts(message: &Value) -> Vec<String> {
    match message.get("content") {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|block| block.get("text").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

impl Message {
    /// Assigns ids and derives the default stop reason (`tool_use` iff a tool block is present)
    /// and, without a scripted `usage`, the default token counts.
    pub(crate) fn new(
        model: &str,
        blocks: &[Block],
        stop_reason: Option<&str>,
        usage: Option<Usage>,
    ) -> Self {
        let content: Vec<Value> = blocks
            .iter()
            .map(|b| match b {
                Block::Text(t) | Block::TextWithNonce(t) => json!({"type": "text", "text": t}),
                Block::ToolUse { name, input } => {
                    json!({"type": "tool_use", "id": next_id("toolu"), "name": name, "input": input})
                }
            })
            .collect();
        let has_tool = content.iter().any(|c| c["type"] == "tool_use");
        let stop_reason = stop_reason
            .map(str::to_owned)
            .unwrap_or_else(|| if has_tool { "tool_use" } else { "end_turn" }.to_owned());
        // Any plausible positive numbers; the CLI only sums them into cost/usage.
        let usage = usage.unwrap_or(Usage {
            input_tokens: 10,
            output_tokens: 5 * content.len().max(1) as u64,
            ..Usage::default()
        });
        Self {
            id: next_id("msg"),
            model: model.to_owned(),
            content,
            stop_reason,
            usage,
        }
    }

    fn output_tokens(&self) -> u64 {
        self.usage.output_tokens
    }

    /// The `usage` of `message_start`: the input side, and one output token so far. The cache
    /// writes come as the real API sends them: their sum, and its split by lifetime.
    fn usage_start(&self) -> Value {
        let usage = &self.usage;
        json!({"input_tokens": usage.input_tokens, "output_tokens": 1,
               "cache_creation_input_tokens":
                   usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
               "cache_read_input_tokens": usage.cache_read_input_tokens,
               "cache_creation": {"ephemeral_5m_input_tokens": usage.cache_write_5m_tokens,
                                  "ephemeral_1h_input_tokens": usage.cache_write_1h_tokens}})
    }

    /// The SSE event stream the CLI expects for `stream: true`.
    pub(crate) fn to_sse(&self) -> String {
        let mut out = String::new();
        let mut event = |name: &str, data: Value| {
            out.push_str("event: ");
            out.push_str(name);
            out.push_str("\ndata: ");
            out.push_str(&data.to_string());
            out.push_str("\n\n");
        };
        event(
            "message_start",
            json!({"type": "message_start", "message": {
                "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": self.usage_start()}}),
        );
        for (index, block) in self.content.iter().enumerate() {
            let (start, delta) = match block["type"].as_str() {
                Some("tool_use") => (
                    json!({"type": "tool_use", "id": block["id"], "name": block["name"],
                           "input": {}}),
                    json!({"type": "input_json_delta",
                           "partial_json": block["input"].to_string()}),
                ),
                _ => (
                    json!({"type": "text", "text": ""}),
                    json!({"type": "text_delta", "text": block["text"]}),
                ),
            };
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": index, "content_block": start}),
            );
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": delta}),
            );
            event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            );
        }
        event(
            "message_delta",
            json!({"type": "message_delta",
                   "delta": {"stop_reason": self.stop_reason, "stop_sequence": null},
                   "usage": {"output_tokens": self.output_tokens()}}),
        );
        event("message_stop", json!({"type": "message_stop"}));
        out
    }

    /// The JSON body for `stream: false`.
    pub(crate) fn to_json(&self) -> Value {
        let mut usage = self.usage_start();
        usage["output_tokens"] = json!(self.output_tokens());
        json!({"id": self.id, "type": "message", "role": "assistant", "model": self.model,
               "content": self.content, "stop_reason": self.stop_reason,
               "stop_sequence": null, "usage": usage})
    }
}

/// Anthropic error body.
pub(crate) fn error_body(error_type: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": error_type, "message": message}})
}

/// Text answered to a side request: if it asks for structured output (`output_config.format`
/// with a JSON schema, as title generation does), a JSON object satisfying the schema's top-level
/// properties; otherwise a short fixed text.
pub(crate) fn side_reply_text(body: &Value) -> String {
    let Some(schema) = body.pointer("/output_config/format/schema") else {
        return SIDE_TEXT.to_owned();
    };
    let mut obj = serde_json::Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            obj.insert(name.clone(), sample_for(prop));
        }
    }
    Value::Object(obj).to_string()
}

/// Text of the canned reply to non-structured side requests.
pub(crate) const SIDE_TEXT: &str = "Mock side reply";

fn sample_for(schema: &Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => json!(true),
        Some("integer" | "number") => json!(0),
        Some("array") => json!([]),
        Some("object") => json!({}),
        Some("null") => Value::Null,
        _ => json!("Mock session"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_has_the_event_sequence_and_tool_stop_reason() {
        let m = Message::new(
            "m",
            &[
                Block::Text("hi".into()),
                Block::ToolUse {
                    name: "Bash".into(),
                    input: json!({"command": "ls"}),
                },
            ],
            None,
            None,
        );
        let sse = m.to_sse();
        let events: Vec<&str> = sse
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(
            events,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert!(sse.contains(r#""stop_reason":"tool_use""#));
        assert!(sse.contains(r#"\"command\":\"ls\""#));
    }

    #[test]
    fn tool_ids_are_unique() {
        let b = [Block::ToolUse {
            name: "Bash".into(),
            input: json!({}),
        }];
        let a = Message::new("m", &b, None, None).to_json();
        let c = Message::new("m", &b, None, None).to_json();
        assert_ne!(a["content"][0]["id"], c["content"][0]["id"]);
        assert_eq!(a["stop_reason"], "tool_use");
    }

    #[test]
    fn scripted_usage_is_split_between_start_and_delta() {
        let usage = Usage {
            input_tokens: 120,
            output_tokens: 45,
            cache_write_5m_tokens: 100,
            cache_write_1h_tokens: 200,
            cache_read_input_tokens: 7000,
        };
        let m = Message::new("m", &[Block::Text("hi".into())], None, Some(usage));
        let events: Vec<Value> = m
            .to_sse()
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|data| serde_json::from_str(data).expect("event data is JSON"))
            .collect();
        let start = &events[0]["message"]["usage"];
        assert_eq!(
            (
                &start["input_tokens"],
                &start["output_tokens"],
                &start["cache_creation_input_tokens"],
                &start["cache_read_input_tokens"],
                &start["cache_creation"]["ephemeral_1h_input_tokens"],
            ),
            (
                &json!(120),
                &json!(1),
                &json!(300),
                &json!(7000),
                &json!(200)
            )
        );
        let delta = events
            .iter()
            .find(|e| e["type"] == "message_delta")
            .expect("a message_delta");
        assert_eq!(delta["usage"]["output_tokens"], 45);
        assert_eq!(m.to_json()["usage"]["output_tokens"], 45);
    }

    #[test]
    fn side_reply_fills_schema_properties() {
        let body = json!({"output_config": {"format": {"type": "json_schema", "schema": {
            "type": "object", "properties": {"title": {"type": "string"}, "ok": {"type": "boolean"}}}}}});
        let v: Value = serde_json::from_str(&side_reply_text(&body)).expect("side reply is JSON");
        assert_eq!(v["ok"], true);
        assert!(v["title"].is_string());
        assert_eq!(side_reply_text(&json!({})), SIDE_TEXT);
    }
}
