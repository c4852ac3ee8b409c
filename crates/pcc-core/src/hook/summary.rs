//! A short, redacted line per event: what `pcc-hooks status` and the `events` table show.
//!
//! The summary is for a human scanning a log, not a copy of the input: it is bounded in size and
//! passes through [`crate::redact`] so that no key or token lands in the database.

use super::event::HookEvent;
use super::input::HookInput;
use crate::redact::redact_and_truncate;
use serde_json::Value;

/// The longest summary stored, in characters.
pub const SUMMARY_MAX_CHARS: usize = 1000;

impl HookInput {
    /// One redacted line that says what this event was about.
    pub fn summary(&self) -> String {
        let raw = match &self.event {
            HookEvent::PreToolUse(call) => describe_tool_input(&call.tool_name, &call.tool_input),
            HookEvent::PermissionRequest(request) => {
                describe_tool_input(&request.tool_name, &request.tool_input)
            }
            HookEvent::PermissionDenied(denied) => format!(
                "{} ({})",
                describe_tool_input(&denied.tool_name, &denied.tool_input),
                denied.reason.as_deref().unwrap_or("denied")
            ),
            HookEvent::PostToolUse(result) => {
                describe_tool_input(&result.tool_name, &result.tool_input)
            }
            HookEvent::PostToolUseFailure(failure) => format!(
                "{} → {}",
                describe_tool_input(&failure.tool_name, &failure.tool_input),
                first_line(failure.error.as_deref().unwrap_or("failed"))
            ),
            HookEvent::PostToolBatch(batch) => {
                let names: Vec<&str> = batch
                    .tool_calls
                    .iter()
                    .filter_map(|call| call.get("tool_name").and_then(Value::as_str))
                    .collect();
                format!(
                    "{} tool calls: {}",
                    batch.tool_calls.len(),
                    names.join(", ")
                )
            }
            HookEvent::Notification(note) => format!(
                "{}: {}",
                note.notification_type.as_deref().unwrap_or("notification"),
                note.message.as_deref().unwrap_or("")
            ),
            HookEvent::UserPromptSubmit(prompt) => prompt.prompt.clone().unwrap_or_default(),
            HookEvent::SessionStart(start) => match (&start.source, &start.model) {
                (Some(source), Some(model)) => format!("{source} ({model})"),
                (Some(source), None) => source.clone(),
                (None, Some(model)) => model.clone(),
                (None, None) => String::new(),
            },
            HookEvent::SessionEnd(end) => end.reason.clone().unwrap_or_default(),
            HookEvent::Stop(stop) => stop.last_assistant_message.clone().unwrap_or_default(),
            HookEvent::StopFailure(failure) => format!(
                "{}: {}",
                failure.error.as_deref().unwrap_or("error"),
                failure.last_assistant_message.as_deref().unwrap_or("")
            ),
            HookEvent::SubagentStart(start) => start.agent_type.clone().unwrap_or_default(),
            HookEvent::SubagentStop(stop) => stop.agent_type.clone().unwrap_or_default(),
            HookEvent::PreCompact(compact) | HookEvent::PostCompact(compact) => {
                compact.trigger.clone().unwrap_or_default()
            }
            HookEvent::Other { .. } => String::new(),
        };
        redact_and_truncate(&raw, SUMMARY_MAX_CHARS)
    }
}

/// The part of a tool's input a human recognises it by.
fn describe_tool_input(tool_name: &str, input: &Value) -> String {
    let field = |name: &str| input.get(name).and_then(Value::as_str);
    let main = match tool_name {
        "Bash" => field("command"),
        "Write" | "Edit" | "MultiEdit" | "Read" => field("file_path"),
        "NotebookEdit" => field("notebook_path"),
        "Glob" | "Grep" => field("pattern"),
        "WebFetch" => field("url"),
        "WebSearch" => field("query"),
        "Task" | "Agent" => field("description"),
        _ => None,
    };
    match main {
        Some(text) => format!("{tool_name}: {text}"),
        None if input.is_null() => tool_name.to_owned(),
        None => format!("{tool_name}: {input}"),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(event: &str, extra: Value) -> HookInput {
        let mut value = json!({"session_id": "s", "cwd": "/p", "hook_event_name": event});
        if let (Some(target), Value::Object(fields)) = (value.as_object_mut(), extra) {
            target.extend(fields);
        }
        HookInput::parse(value.to_string().as_bytes()).expect("valid")
    }

    #[test]
    fn bash_summary_is_the_command() {
        let call = input(
            "PreToolUse",
            json!({"tool_name": "Bash", "tool_input": {"command": "git status"}}),
        );
        assert_eq!(call.summary(), "Bash: git status");
    }

    #[test]
    fn secrets_in_commands_are_redacted() {
        let call = input(
            "PreToolUse",
            json!({"tool_name": "Bash", "tool_input": {"command": "curl -H 'Authorization: Bearer abcdef0123456789abcdef' https://x"}}),
        );
        let summary = call.summary();
        assert!(!summary.contains("abcdef0123456789"), "{summary}");
        assert!(summary.contains("[REDACTED]"), "{summary}");
    }

    #[test]
    fn long_inputs_are_bounded() {
        let content = "x".repeat(100_000);
        let call = input(
            "PreToolUse",
            json!({"tool_name": "mcp__s__t", "tool_input": {"content": content}}),
        );
        assert!(call.summary().chars().count() <= SUMMARY_MAX_CHARS);
    }

    #[test]
    fn failures_show_the_first_error_line() {
        let failure = input(
            "PostToolUseFailure",
            json!({"tool_name": "Bash", "tool_input": {"command": "false"}, "error": "Exit code 1\nmore"}),
        );
        assert_eq!(failure.summary(), "Bash: false → Exit code 1");
    }
}
