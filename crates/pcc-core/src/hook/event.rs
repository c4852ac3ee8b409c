//! One typed struct per hook event of the contract. Every field that Claude Code may omit is an
//! `Option` (or defaults), so an older or newer CLI still parses.

use serde::Deserialize;
use serde_json::{Map, Value};

/// What happened, with the fields that belong to that event only.
#[derive(Debug, Clone, PartialEq)]
pub enum HookEvent {
    /// Before a tool runs; the hook may allow, deny, ask or defer it.
    PreToolUse(ToolCall),
    /// A permission dialog is about to open; the hook may settle it.
    PermissionRequest(PermissionRequest),
    /// Auto mode denied a tool call.
    PermissionDenied(PermissionDenied),
    /// A tool finished.
    PostToolUse(ToolResult),
    /// A tool failed.
    PostToolUseFailure(ToolFailure),
    /// A batch of parallel tool calls finished.
    PostToolBatch(ToolBatch),
    /// Claude Code wants the user's attention.
    Notification(Notification),
    /// The user sent a prompt.
    UserPromptSubmit(UserPromptSubmit),
    /// A session started, resumed, was cleared or compacted.
    SessionStart(SessionStart),
    /// A session ended.
    SessionEnd(SessionEnd),
    /// The main agent finished its turn.
    Stop(Stop),
    /// The turn ended because of an API error (rate limit, overload, …).
    StopFailure(StopFailure),
    /// A subagent started.
    SubagentStart(SubagentStart),
    /// A subagent finished.
    SubagentStop(SubagentStop),
    /// Before compaction.
    PreCompact(Compact),
    /// After compaction.
    PostCompact(Compact),
    /// An event this build does not know; kept by name so it is recorded, never rejected.
    Other {
        /// The `hook_event_name` as Claude Code sent it.
        name: String,
    },
}

/// `PreToolUse`: a tool call about to run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolCall {
    /// The tool, e.g. `Bash`, `Write`, `mcp__server__tool`.
    pub tool_name: String,
    /// The tool's arguments exactly as the model wrote them.
    #[serde(default)]
    pub tool_input: Value,
    /// Ties this call to its `PostToolUse`.
    #[serde(default)]
    pub tool_use_id: Option<String>,
}

/// `PermissionRequest`: the dialog Claude Code is about to show.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PermissionRequest {
    /// The tool asking for permission.
    pub tool_name: String,
    /// Its arguments.
    #[serde(default)]
    pub tool_input: Value,
    /// The "always allow" choices the dialog would offer.
    #[serde(default)]
    pub permission_suggestions: Vec<Value>,
}

/// `PermissionDenied`: auto mode refused a call.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PermissionDenied {
    /// The refused tool.
    pub tool_name: String,
    /// Its arguments.
    #[serde(default)]
    pub tool_input: Value,
    /// The call's id.
    #[serde(default)]
    pub tool_use_id: Option<String>,
    /// Why auto mode refused it.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `PostToolUse`: a tool call and what it returned.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolResult {
    /// The tool that ran.
    pub tool_name: String,
    /// Its arguments.
    #[serde(default)]
    pub tool_input: Value,
    /// What it returned (Bash: `{stdout, stderr, interrupted, …}`).
    #[serde(default)]
    pub tool_response: Value,
    /// The call's id.
    #[serde(default)]
    pub tool_use_id: Option<String>,
    /// How long it ran.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

/// `PostToolUseFailure`: a tool call that failed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolFailure {
    /// The tool that failed.
    pub tool_name: String,
    /// Its arguments.
    #[serde(default)]
    pub tool_input: Value,
    /// The call's id.
    #[serde(default)]
    pub tool_use_id: Option<String>,
    /// The failure text, e.g. `Exit code 1 …`.
    #[serde(default)]
    pub error: Option<String>,
    /// Whether the user interrupted it.
    #[serde(default)]
    pub is_interrupt: Option<bool>,
}

/// `PostToolBatch`: parallel calls that finished together.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolBatch {
    /// Each call with its result.
    #[serde(default)]
    pub tool_calls: Vec<Value>,
}

/// `Notification`: Claude Code is waiting for the user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Notification {
    /// The text shown to the user.
    #[serde(default)]
    pub message: Option<String>,
    /// An optional title.
    #[serde(default)]
    pub title: Option<String>,
    /// `permission_prompt`, `idle_prompt`, …
    #[serde(default)]
    pub notification_type: Option<String>,
}

/// `UserPromptSubmit`: the user's prompt.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserPromptSubmit {
    /// The prompt text.
    #[serde(default)]
    pub prompt: Option<String>,
}

/// `SessionStart`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionStart {
    /// `startup`, `resume`, `clear`, `compact` or `fork`.
    #[serde(default)]
    pub source: Option<String>,
    /// The model, when Claude Code says.
    #[serde(default)]
    pub model: Option<String>,
}

/// `SessionEnd`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionEnd {
    /// `clear`, `resume`, `logout`, `prompt_input_exit` or `other`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `Stop`: the main agent ended its turn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Stop {
    /// True when this turn already continued because a Stop hook blocked.
    #[serde(default)]
    pub stop_hook_active: bool,
    /// The text the turn ended with.
    #[serde(default)]
    pub last_assistant_message: Option<String>,
}

/// `StopFailure`: the turn ended on an API error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StopFailure {
    /// `rate_limit`, `overloaded`, `server_error`, …
    #[serde(default)]
    pub error: Option<String>,
    /// Extra detail, when given.
    #[serde(default)]
    pub error_details: Option<Value>,
    /// The error text as the user saw it (holds the usage-limit message).
    #[serde(default)]
    pub last_assistant_message: Option<String>,
}

/// `SubagentStart`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubagentStart {
    /// The subagent's id.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Its type, e.g. `general-purpose`.
    #[serde(default)]
    pub agent_type: Option<String>,
}

/// `SubagentStop`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubagentStop {
    /// The subagent's id.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Its type.
    #[serde(default)]
    pub agent_type: Option<String>,
    /// Whether a Stop hook already continued it.
    #[serde(default)]
    pub stop_hook_active: bool,
    /// Its final text.
    #[serde(default)]
    pub last_assistant_message: Option<String>,
}

/// `PreCompact` / `PostCompact`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Compact {
    /// `manual` or `auto`.
    #[serde(default)]
    pub trigger: Option<String>,
}

impl HookEvent {
    /// Builds the typed event from the fields left after the common ones were taken.
    ///
    /// Returns the event and the names of fields this build does not know.
    pub(crate) fn from_fields(
        name: &str,
        fields: Map<String, Value>,
    ) -> Result<(HookEvent, Vec<String>), serde_json::Error> {
        fn typed<T: serde::de::DeserializeOwned>(
            fields: Map<String, Value>,
            known: &[&str],
        ) -> Result<(T, Vec<String>), serde_json::Error> {
            let unknown = fields
                .keys()
                .filter(|key| !known.contains(&key.as_str()))
                .cloned()
                .collect();
            Ok((serde_json::from_value(Value::Object(fields))?, unknown))
        }
        const TOOL_CALL: &[&str] = &["tool_name", "tool_input", "tool_use_id"];
        let (event, unknown) = match name {
            "PreToolUse" => typed(fields, TOOL_CALL).map(|(e, u)| (HookEvent::PreToolUse(e), u))?,
            "PermissionRequest" => typed(
                fields,
                &["tool_name", "tool_input", "permission_suggestions"],
            )
            .map(|(e, u)| (HookEvent::PermissionRequest(e), u))?,
            "PermissionDenied" => typed(
                fields,
                &["tool_name", "tool_input", "tool_use_id", "reason"],
            )
            .map(|(e, u)| (HookEvent::PermissionDenied(e), u))?,
            "PostToolUse" => typed(
                fields,
                &[
                    "tool_name",
                    "tool_input",
                    "tool_response",
                    "tool_use_id",
                    "duration_ms",
                ],
            )
            .map(|(e, u)| (HookEvent::PostToolUse(e), u))?,
            "PostToolUseFailure" => typed(
                fields,
                &[
                    "tool_name",
                    "tool_input",
                    "tool_use_id",
                    "error",
                    "is_interrupt",
                    "duration_ms",
                ],
            )
            .map(|(e, u)| (HookEvent::PostToolUseFailure(e), u))?,
            "PostToolBatch" => {
                typed(fields, &["tool_calls"]).map(|(e, u)| (HookEvent::PostToolBatch(e), u))?
            }
            "Notification" => typed(fields, &["message", "title", "notification_type"])
                .map(|(e, u)| (HookEvent::Notification(e), u))?,
            "UserPromptSubmit" => typed(fields, &["prompt", "source", "session_title"])
                .map(|(e, u)| (HookEvent::UserPromptSubmit(e), u))?,
            "SessionStart" => {
                typed(fields, &["source", "model"]).map(|(e, u)| (HookEvent::SessionStart(e), u))?
            }
            "SessionEnd" => {
                typed(fields, &["reason"]).map(|(e, u)| (HookEvent::SessionEnd(e), u))?
            }
            "Stop" => typed(
                fields,
                &[
                    "stop_hook_active",
                    "last_assistant_message",
                    "background_tasks",
                    "session_crons",
                ],
            )
            .map(|(e, u)| (HookEvent::Stop(e), u))?,
            "StopFailure" => typed(
                fields,
                &["error", "error_details", "last_assistant_message"],
            )
            .map(|(e, u)| (HookEvent::StopFailure(e), u))?,
            "SubagentStart" => typed(fields, &["agent_id", "agent_type"])
                .map(|(e, u)| (HookEvent::SubagentStart(e), u))?,
            "SubagentStop" => typed(
                fields,
                &[
                    "agent_id",
                    "agent_type",
                    "stop_hook_active",
                    "agent_transcript_path",
                    "last_assistant_message",
                ],
            )
            .map(|(e, u)| (HookEvent::SubagentStop(e), u))?,
            "PreCompact" => typed(fields, &["trigger", "custom_instructions"])
                .map(|(e, u)| (HookEvent::PreCompact(e), u))?,
            "PostCompact" => typed(fields, &["trigger", "compact_summary"])
                .map(|(e, u)| (HookEvent::PostCompact(e), u))?,
            other => (
                HookEvent::Other {
                    name: other.to_owned(),
                },
                Vec::new(),
            ),
        };
        Ok((event, unknown))
    }

    /// The tool this event is about, for the events that concern one tool.
    pub fn tool_name(&self) -> Option<&str> {
        match self {
            HookEvent::PreToolUse(call) => Some(&call.tool_name),
            HookEvent::PermissionRequest(request) => Some(&request.tool_name),
            HookEvent::PermissionDenied(denied) => Some(&denied.tool_name),
            HookEvent::PostToolUse(result) => Some(&result.tool_name),
            HookEvent::PostToolUseFailure(failure) => Some(&failure.tool_name),
            _ => None,
        }
    }
}
