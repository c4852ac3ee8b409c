//! What the mock saw: every request is kept so a test can assert what the model was shown.

use serde_json::Value;

/// How the mock classified and answered a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// A main-loop `POST /v1/messages` answered from the script.
    Scripted {
        /// The conversation marker that selected the scenario (`None` = default scenario).
        conversation: Option<String>,
        /// Number of assistant messages in the request (the "turn number" seen by the model).
        assistant_count: usize,
        /// Index of the scenario turn served; `None` when the script was exhausted and the
        /// "done" reply was sent.
        turn_index: Option<usize>,
    },
    /// A side request (title generation, summaries, prompt hooks…) answered with a canned reply
    /// without consuming the script; see [`is_side_request`].
    Side,
    /// `HEAD` connectivity probe (`HEAD /api/hello` when non-essential traffic is allowed).
    Probe,
    /// Anything else (answered 404).
    Other,
}

/// One HTTP request received by the mock.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query, e.g. `/v1/messages?beta=true`.
    pub path: String,
    /// Request headers (lower-case names), in arrival order.
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body (`Value::Null` when there was none or it was not JSON).
    pub body: Value,
    /// How the mock handled it.
    pub kind: RequestKind,
}

/// A `tool_result` block found in a request, flattened for easy assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// The `tool_use_id` it answers.
    pub tool_use_id: String,
    /// Its text: the string content, or the `text` blocks joined with `\n`.
    pub text: String,
    /// The `is_error` flag (false when absent).
    pub is_error: bool,
}

impl RecordedRequest {
    /// First value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request's `messages` array (empty if absent).
    pub fn messages(&self) -> &[Value] {
        self.body
            .get("messages")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Every `tool_result` block in the request's messages, oldest first.
    pub fn tool_results(&self) -> Vec<ToolResult> {
        let mut out = Vec::new();
        for block in self.messages().iter().flat_map(content_blocks) {
            if block.get("type").and_then(Value::as_str) == Some("tool_result") {
                out.push(ToolResult {
                    tool_use_id: str_field(block, "tool_use_id").to_owned(),
                    text: content_text(block.get("content").unwrap_or(&Value::Null)),
                    is_error: block
                        .get("is_error")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                });
            }
        }
        out
    }

    /// The text of every `role:"user"` message (string content, or its `text` blocks joined),
    /// oldest first. Hook feedback (e.g. `Stop hook feedback:\n…`) shows up here.
    pub fn user_texts(&self) -> Vec<String> {
        self.messages()
            .iter()
            .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|m| content_text(m.get("content").unwrap_or(&Value::Null)))
            .collect()
    }

    /// Whether `needle` occurs anywhere in the serialized `messages` — the quickest way to assert
    /// that something (hook context, tool output) reached the model.
    pub fn messages_contain(&self, needle: &str) -> bool {
        self.messages().iter().any(|m| {
            // Search the decoded strings, not the JSON text, so quotes/newlines need no escaping.
            value_contains(m, needle)
        })
    }

    /// Number of `role:"assistant"` messages: the script position of a main-loop request.
    pub fn assistant_count(&self) -> usize {
        count_assistant_messages(&self.body)
    }
}

/// Number of assistant messages in a Messages API request body.
pub(crate) fn count_assistant_messages(body: &Value) -> usize {
    body.get("messages")
        .and_then(Value::as_array)
        .map_or(0, |ms| {
            ms.iter()
                .filter(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
                .count()
        })
}

/// Text of the first `role:"user"` message, used to match conversation markers.
pub(crate) fn first_user_text(body: &Value) -> String {
    body.get("messages")
        .and_then(Value::as_array)
        .and_then(|ms| {
            ms.iter()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        })
        .map(|m| content_text(m.get("content").unwrap_or(&Value::Null)))
        .unwrap_or_default()
}

/// Whether a `POST /v1/messages` body is a side request rather than the agent loop.
///
/// Observed with 2.1.329: the agent loop always sends a `thinking` config, and sends `tools`
/// unless run with `--tools ""`. Side requests — e.g. session-title generation in the interactive
/// UI (`tools: []`, no `thinking`, `output_config.format` = JSON schema `{title}`) — have neither.
/// So: no tools AND (no `thinking` OR a structured-output `format`) ⇒ side request. A conversation
/// marker match (see [`MockApi::add_conversation`](super::MockApi::add_conversation)) overrides
/// this.
pub fn is_side_request(body: &Value) -> bool {
    let no_tools = body
        .get("tools")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let no_thinking = body.get("thinking").is_none_or(Value::is_null);
    let structured = body.pointer("/output_config/format").is_some();
    no_tools && (no_thinking || structured)
}

fn content_blocks(message: &Value) -> impl Iterator<Item = &Value> {
    message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Text of a `content` value: a string, or the `text` fields of its blocks joined with `\n`.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn value_contains(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|x| value_contains(x, needle)),
        Value::Object(o) => o.values().any(|x| value_contains(x, needle)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn title_request_is_side_and_main_loop_is_not() {
        let title = json!({"tools": [], "output_config": {"format": {"type": "json_schema"}},
                           "messages": []});
        let main = json!({"tools": [{"name": "Bash"}], "thinking": {"type": "adaptive"}});
        let no_tools_main = json!({"tools": [], "thinking": {"type": "adaptive"}});
        assert!(is_side_request(&title));
        assert!(!is_side_request(&main));
        assert!(!is_side_request(&no_tools_main));
    }

    #[test]
    fn tool_results_and_texts_are_flattened() {
        let r = RecordedRequest {
            method: "POST".into(),
            path: "/v1/messages".into(),
            headers: vec![],
            body: json!({"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1"}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "out\n"},
                    {"type": "tool_result", "tool_use_id": "t2", "is_error": true,
                     "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}
            ]}),
            kind: RequestKind::Other,
        };
        assert_eq!(r.assistant_count(), 1);
        let trs = r.tool_results();
        assert_eq!(trs.len(), 2);
        assert_eq!(trs[0].text, "out\n");
        assert!(!trs[0].is_error);
        assert_eq!(trs[1].text, "a\nb");
        assert!(trs[1].is_error);
        assert_eq!(r.user_texts()[0], "hi");
        assert!(r.messages_contain("out"));
        assert!(!r.messages_contain("absent"));
    }
}
