//! What a reader of a session sees: prompts, the model's words, tool calls and their results,
//! one [`Entry`] each, in the transcript's order. `pcc-hooks logs --json` prints them one per
//! line.
//!
//! Left out: Claude Code's own bookkeeping (`isMeta` lines), the model's thinking, images and
//! block types of later versions. A message Claude Code made up to report a failed API call
//! (`isApiErrorMessage`) is an [`EntryKind::ApiError`], not the model's words.

use crate::line::{Block, Message, Role};
use jiff::Timestamp;
use pcc_core::redact::redact;
use serde::Serialize;
use serde_json::Value;

/// One thing that happened in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// When it was written.
    pub at: Option<Timestamp>,
    /// Inside a subagent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sidechain: bool,
    /// What it is.
    #[serde(flatten)]
    pub kind: EntryKind,
}

/// What an entry is; `"type"` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKind {
    /// A prompt: the user's, a queued task or a hook's feedback handed to the model.
    User {
        /// Its text.
        text: String,
    },
    /// The model's words.
    Assistant {
        /// Its text.
        text: String,
        /// The model.
        model: Option<String>,
    },
    /// A tool call.
    ToolUse {
        /// Its id (`tool_use_id` to the hooks).
        id: String,
        /// The tool.
        tool: String,
        /// Its input.
        input: Value,
    },
    /// A tool's result.
    ToolResult {
        /// The call it answers.
        tool_use_id: String,
        /// Its text.
        text: String,
        /// The tool failed, or the call was denied.
        is_error: bool,
    },
    /// A failed API call, in Claude Code's words (a usage limit, an overloaded API).
    ApiError {
        /// Its text.
        text: String,
    },
}

/// The entries of one message (one line), in order.
pub fn entries(message: &Message) -> Vec<Entry> {
    if message.meta {
        return Vec::new();
    }
    let entry = |kind| Entry {
        at: message.at,
        sidechain: message.sidechain,
        kind,
    };
    message
        .blocks
        .iter()
        .filter_map(|block| match (block, message.role) {
            (Block::Text(text), _) if text.trim().is_empty() => None,
            (Block::Text(text), Role::User) => Some(EntryKind::User { text: text.clone() }),
            (Block::Text(text), Role::Assistant) if message.api_error => {
                Some(EntryKind::ApiError { text: text.clone() })
            }
            (Block::Text(text), Role::Assistant) => Some(EntryKind::Assistant {
                text: text.clone(),
                model: message.model.clone(),
            }),
            (Block::ToolUse { id, name, input }, _) => Some(EntryKind::ToolUse {
                id: id.clone(),
                tool: name.clone(),
                input: input.clone(),
            }),
            (
                Block::ToolResult {
                    tool_use_id,
                    text,
                    is_error,
                },
                _,
            ) => Some(EntryKind::ToolResult {
                tool_use_id: tool_use_id.clone(),
                text: text.clone(),
                is_error: *is_error,
            }),
            (Block::Thinking | Block::Image | Block::Other(_), _) => None,
        })
        .map(entry)
        .collect()
}

impl Entry {
    /// The entry with every text, and every string of a tool's input, redacted
    /// (`pcc_core::redact`): what may be shown or printed.
    pub fn redacted(&self) -> Entry {
        let kind = match &self.kind {
            EntryKind::User { text } => EntryKind::User { text: redact(text) },
            EntryKind::Assistant { text, model } => EntryKind::Assistant {
                text: redact(text),
                model: model.clone(),
            },
            EntryKind::ToolUse { id, tool, input } => EntryKind::ToolUse {
                id: id.clone(),
                tool: tool.clone(),
                input: redact_value(input),
            },
            EntryKind::ToolResult {
                tool_use_id,
                text,
                is_error,
            } => EntryKind::ToolResult {
                tool_use_id: tool_use_id.clone(),
                text: redact(text),
                is_error: *is_error,
            },
            EntryKind::ApiError { text } => EntryKind::ApiError { text: redact(text) },
        };
        Entry {
            at: self.at,
            sidechain: self.sidechain,
            kind,
        }
    }
}

fn redact_value(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(redact(text)),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), redact_value(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::{Line, parse_line};
    use serde_json::json;

    fn read(line: Value) -> Vec<Entry> {
        match parse_line(&line.to_string()) {
            Line::Message(message) => entries(&message),
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn blocks_become_entries_and_bookkeeping_does_not() {
        let kinds: Vec<EntryKind> = read(json!({"type": "user", "message": {"content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"},
                {"type": "text", "text": "  "},
                {"type": "image"}]}}))
        .into_iter()
        .map(|entry| entry.kind)
        .collect();
        assert_eq!(
            kinds,
            vec![EntryKind::ToolResult {
                tool_use_id: "toolu_1".into(),
                text: "ok".into(),
                is_error: false
            }]
        );
        assert!(
            read(json!({"type": "user", "isMeta": true, "message": {"content": "x"}})).is_empty()
        );
        let error = read(json!({"type": "assistant", "isApiErrorMessage": true,
            "message": {"model": "<synthetic>", "content": [{"type": "text",
            "text": "You've hit your 5-hour limit"}]}}));
        assert_eq!(
            error[0].kind,
            EntryKind::ApiError {
                text: "You've hit your 5-hour limit".into()
            }
        );
    }

    #[test]
    fn redaction_reaches_every_text_and_the_tool_input() {
        let secret = "sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let entry = Entry {
            at: None,
            sidechain: false,
            kind: EntryKind::ToolUse {
                id: "toolu_1".into(),
                tool: "Bash".into(),
                input: json!({"command": format!("curl -H 'x-api-key: {secret}' x"),
                              "nested": [format!("ANTHROPIC_API_KEY={secret}")]}),
            },
        };
        let shown = serde_json::to_string(&entry.redacted()).expect("json");
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("\"type\":\"tool_use\""), "{shown}");
        assert!(!shown.contains("sidechain"), "false is left out: {shown}");
    }
}
