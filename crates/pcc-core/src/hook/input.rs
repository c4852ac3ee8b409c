//! The whole stdin object: the fields every event carries, then the event itself.

use super::event::HookEvent;
use serde_json::{Map, Value};
use std::fmt;

/// The most a hook reads from stdin. Real inputs are a few KiB; a `Write` of a large file can
/// reach a few MiB. Anything larger is refused rather than buffered without bound.
pub const MAX_HOOK_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// The longest `session_id` accepted. Claude Code's are UUIDs (36 bytes); the id keys every
/// record, names files (`claude --resume <id>`) and is shown in terminals, so it is bounded and
/// must hold no control character (NUL, newline, escape).
pub const MAX_SESSION_ID_BYTES: usize = 256;

/// One hook invocation as Claude Code described it.
#[derive(Debug, Clone, PartialEq)]
pub struct HookInput {
    /// The Claude Code session; the key that ties every record together.
    pub session_id: String,
    /// The session's JSONL transcript, when given.
    pub transcript_path: Option<String>,
    /// The working directory of the session.
    pub cwd: String,
    /// The event name exactly as sent (also for events this build does not know).
    pub event_name: String,
    /// `default`, `plan`, `acceptEdits`, `auto`, `dontAsk` or `bypassPermissions`.
    pub permission_mode: Option<String>,
    /// Set only inside a subagent.
    pub agent_id: Option<String>,
    /// The typed event.
    pub event: HookEvent,
    /// Top-level fields this build does not know, by name, so that they are recorded.
    pub unknown_fields: Vec<String>,
}

/// Why a hook input was refused. Each message is one line meant for a human reading Claude Code's
/// hook error output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookInputError {
    /// Nothing arrived on stdin.
    Empty,
    /// Stdin could not be read.
    Unreadable(String),
    /// More than [`MAX_HOOK_INPUT_BYTES`] arrived.
    TooLarge,
    /// The bytes are not JSON.
    InvalidJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// A field every event must carry is missing or has the wrong type.
    MissingField(&'static str),
    /// `session_id` is longer than [`MAX_SESSION_ID_BYTES`] or holds a control character.
    InvalidSessionId,
    /// The event's own fields do not have the contract's types.
    InvalidEvent {
        /// The event whose fields were wrong.
        event: String,
        /// What serde said.
        detail: String,
    },
}

impl fmt::Display for HookInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookInputError::Empty => write!(f, "no hook input on stdin (expected one JSON object)"),
            HookInputError::Unreadable(detail) => write!(f, "cannot read hook input: {detail}"),
            HookInputError::TooLarge => write!(
                f,
                "hook input is larger than {} MiB; refusing to read it",
                MAX_HOOK_INPUT_BYTES / (1024 * 1024)
            ),
            HookInputError::InvalidJson(detail) => {
                write!(f, "hook input is not valid JSON: {detail}")
            }
            HookInputError::NotAnObject => write!(f, "hook input must be a JSON object"),
            HookInputError::MissingField(field) => {
                write!(f, "hook input has no string field `{field}`")
            }
            HookInputError::InvalidSessionId => write!(
                f,
                "hook input has an unusable `session_id`: over {MAX_SESSION_ID_BYTES} bytes or \
                 with a control character"
            ),
            HookInputError::InvalidEvent { event, detail } => {
                write!(
                    f,
                    "hook input for {event} has a field of the wrong type: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for HookInputError {}

/// Fields every event may carry that are not about the event itself; known, so not "unknown".
const COMMON_FIELDS: &[&str] = &[
    "session_id",
    "transcript_path",
    "cwd",
    "hook_event_name",
    "prompt_id",
    "permission_mode",
    "effort",
    "agent_id",
    "agent_type",
    "mcp_server",
];

impl HookInput {
    /// Parses the bytes a hook read from stdin.
    pub fn parse(bytes: &[u8]) -> Result<HookInput, HookInputError> {
        if bytes.len() > MAX_HOOK_INPUT_BYTES {
            return Err(HookInputError::TooLarge);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(HookInputError::Empty);
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|error| HookInputError::InvalidJson(error.to_string()))?;
        let Value::Object(mut fields) = value else {
            return Err(HookInputError::NotAnObject);
        };
        let session_id = take_required(&mut fields, "session_id")?;
        if session_id.len() > MAX_SESSION_ID_BYTES || session_id.chars().any(char::is_control) {
            return Err(HookInputError::InvalidSessionId);
        }
        let cwd = take_required(&mut fields, "cwd")?;
        let event_name = take_required(&mut fields, "hook_event_name")?;
        let transcript_path = take_optional(&mut fields, "transcript_path");
        let permission_mode = take_optional(&mut fields, "permission_mode");
        let agent_id = take_optional(&mut fields, "agent_id");
        // `agent_id`/`agent_type` also belong to Subagent events; keep the type for them.
        if let Some(id) = &agent_id {
            fields.insert("agent_id".into(), Value::String(id.clone()));
        }
        let event_fields: Map<String, Value> = fields
            .into_iter()
            .filter(|(key, _)| {
                !COMMON_FIELDS.contains(&key.as_str()) || key == "agent_id" || key == "agent_type"
            })
            .collect();
        let (event, unknown_fields) =
            HookEvent::from_fields(&event_name, event_fields).map_err(|error| {
                HookInputError::InvalidEvent {
                    event: event_name.clone(),
                    detail: error.to_string(),
                }
            })?;
        let unknown_fields = unknown_fields
            .into_iter()
            .filter(|key| key != "agent_id" && key != "agent_type")
            .collect();
        Ok(HookInput {
            session_id,
            transcript_path,
            cwd,
            event_name,
            permission_mode,
            agent_id,
            event,
            unknown_fields,
        })
    }
}

fn take_required(
    fields: &mut Map<String, Value>,
    name: &'static str,
) -> Result<String, HookInputError> {
    match fields.remove(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        _ => Err(HookInputError::MissingField(name)),
    }
}

fn take_optional(fields: &mut Map<String, Value>, name: &str) -> Option<String> {
    match fields.remove(name) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<HookInput, HookInputError> {
        HookInput::parse(value.to_string().as_bytes())
    }

    fn base(event: &str) -> Value {
        json!({"session_id": "s1", "cwd": "/p", "hook_event_name": event,
               "transcript_path": "/t.jsonl", "permission_mode": "default",
               "effort": {"level": "high"}, "prompt_id": "x"})
    }

    #[test]
    fn pre_tool_use_is_typed() {
        let mut input = base("PreToolUse");
        input["tool_name"] = json!("Bash");
        input["tool_input"] = json!({"command": "ls"});
        input["tool_use_id"] = json!("toolu_1");
        let parsed = parse(input).expect("valid input");
        assert_eq!(parsed.session_id, "s1");
        assert_eq!(parsed.permission_mode.as_deref(), Some("default"));
        assert!(
            parsed.unknown_fields.is_empty(),
            "{:?}",
            parsed.unknown_fields
        );
        let HookEvent::PreToolUse(call) = parsed.event else {
            panic!("expected PreToolUse, got {:?}", parsed.event)
        };
        assert_eq!(call.tool_name, "Bash");
        assert_eq!(call.tool_input["command"], "ls");
    }

    #[test]
    fn unknown_fields_are_kept_by_name() {
        let mut input = base("Stop");
        input["stop_hook_active"] = json!(true);
        input["brand_new_field"] = json!(1);
        let parsed = parse(input).expect("valid input");
        assert_eq!(parsed.unknown_fields, vec!["brand_new_field".to_string()]);
        assert!(matches!(
            parsed.event,
            HookEvent::Stop(Stop {
                stop_hook_active: true,
                ..
            })
        ));
    }

    use super::super::event::Stop;

    #[test]
    fn unknown_events_are_tolerated() {
        let parsed = parse(base("TeammateIdle")).expect("unknown event still parses");
        assert_eq!(
            parsed.event,
            HookEvent::Other {
                name: "TeammateIdle".into()
            }
        );
    }

    #[test]
    fn subagent_fields_reach_the_subagent_event() {
        let mut input = base("SubagentStop");
        input["agent_id"] = json!("a1");
        input["agent_type"] = json!("general-purpose");
        let parsed = parse(input).expect("valid input");
        assert_eq!(parsed.agent_id.as_deref(), Some("a1"));
        let HookEvent::SubagentStop(stop) = parsed.event else {
            panic!("not SubagentStop")
        };
        assert_eq!(stop.agent_type.as_deref(), Some("general-purpose"));
        assert!(parsed.unknown_fields.is_empty());
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        assert_eq!(HookInput::parse(b""), Err(HookInputError::Empty));
        assert_eq!(HookInput::parse(b" \n"), Err(HookInputError::Empty));
        assert!(matches!(
            HookInput::parse(b"{not json"),
            Err(HookInputError::InvalidJson(_))
        ));
        assert_eq!(HookInput::parse(b"[1,2]"), Err(HookInputError::NotAnObject));
        assert_eq!(
            parse(json!({"cwd": "/p", "hook_event_name": "Stop"})),
            Err(HookInputError::MissingField("session_id"))
        );
        assert_eq!(
            parse(json!({"session_id": 7, "cwd": "/p", "hook_event_name": "Stop"})),
            Err(HookInputError::MissingField("session_id"))
        );
        let mut wrong_type = base("PreToolUse");
        wrong_type["tool_name"] = json!(42);
        assert!(matches!(
            parse(wrong_type),
            Err(HookInputError::InvalidEvent { .. })
        ));
        let huge = vec![b' '; MAX_HOOK_INPUT_BYTES + 1];
        assert_eq!(HookInput::parse(&huge), Err(HookInputError::TooLarge));
    }

    #[test]
    fn a_session_id_is_bounded_and_printable() {
        let with = |id: &str| {
            let mut input = base("Stop");
            input["session_id"] = json!(id);
            parse(input)
        };
        let longest = "s".repeat(MAX_SESSION_ID_BYTES);
        assert_eq!(with(&longest).map(|input| input.session_id), Ok(longest));
        assert_eq!(
            with(&"s".repeat(MAX_SESSION_ID_BYTES + 1)),
            Err(HookInputError::InvalidSessionId)
        );
        for bad in ["a\0b", "a\nb", "\u{1b}[31mred", "tab\there", "del\u{7f}"] {
            assert_eq!(with(bad), Err(HookInputError::InvalidSessionId), "{bad:?}");
        }
        assert!(with("6f1c2a9e-0b5d-4c3e-9a7f-2d8e1b4c5a6f").is_ok());
        assert!(with("sessión ünïcode").is_ok(), "printable text is kept");
        let message = HookInputError::InvalidSessionId.to_string();
        assert!(
            message.contains("session_id") && !message.contains('\n'),
            "{message}"
        );
    }

    #[test]
    fn errors_are_one_line() {
        let error = HookInput::parse(b"{\n\"a\": }").expect_err("invalid");
        assert!(!error.to_string().contains('\n'), "{error}");
    }
}
