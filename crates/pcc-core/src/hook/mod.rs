//! The hook protocol as Claude Code speaks it: the JSON object a hook reads on stdin
//! (see `docs/claude-code-contract.md` §1) turned into typed values.
//!
//! Parsing is tolerant by design: Claude Code adds events and fields between releases, and a hook
//! that rejects what it does not know would block the user. Unknown events become
//! [`HookEvent::Other`] and unknown fields are kept by name in [`HookInput::unknown_fields`], so they
//! are recorded instead of lost.

mod answer;
mod event;
mod input;
mod summary;

pub use answer::PermissionReply;
pub use event::{
    Compact, HookEvent, Notification, PermissionDenied, PermissionRequest, SessionEnd,
    SessionStart, Stop, StopFailure, SubagentStart, SubagentStop, ToolBatch, ToolCall, ToolFailure,
    ToolResult, UserPromptSubmit,
};
pub use input::{HookInput, HookInputError, MAX_HOOK_INPUT_BYTES, MAX_SESSION_ID_BYTES};
pub use summary::SUMMARY_MAX_CHARS;
