//! What a session is doing, as far as its hook events tell.
//!
//! `pcc-hooks status` answers "which of my sessions need me?"; the state after each event is
//! derived here, in one place, and stored with the session so the answer is a single read.

use crate::hook::HookEvent;
use std::fmt;

/// The state of a session after its latest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Claude is running a turn: a prompt arrived or tools are running.
    Working,
    /// Claude Code shows a dialog or waits for the user's answer.
    WaitingForUser,
    /// The turn ended normally; the session waits for a new prompt.
    Idle,
    /// The turn ended on an API error (rate limit, overload, authentication, …).
    Errored,
    /// The session ended.
    Ended,
}

impl SessionState {
    /// The state after `event`, or `None` when the event says nothing about it.
    pub fn after(event: &HookEvent) -> Option<SessionState> {
        match event {
            HookEvent::SessionStart(_)
            | HookEvent::UserPromptSubmit(_)
            | HookEvent::PreToolUse(_)
            | HookEvent::PostToolUse(_)
            | HookEvent::PostToolUseFailure(_)
            | HookEvent::PostToolBatch(_)
            | HookEvent::PermissionDenied(_)
            | HookEvent::SubagentStart(_)
            | HookEvent::SubagentStop(_)
            | HookEvent::PreCompact(_)
            | HookEvent::PostCompact(_) => Some(SessionState::Working),
            HookEvent::PermissionRequest(_) => Some(SessionState::WaitingForUser),
            HookEvent::Notification(note) => match note.notification_type.as_deref() {
                Some("idle_prompt") => Some(SessionState::Idle),
                Some("auth_success") | Some("agent_completed") => None,
                _ => Some(SessionState::WaitingForUser),
            },
            HookEvent::Stop(_) => Some(SessionState::Idle),
            HookEvent::StopFailure(_) => Some(SessionState::Errored),
            HookEvent::SessionEnd(_) => Some(SessionState::Ended),
            HookEvent::Other { .. } => None,
        }
    }

    /// The stable name stored in the database and printed by `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Working => "working",
            SessionState::WaitingForUser => "waiting_for_user",
            SessionState::Idle => "idle",
            SessionState::Errored => "errored",
            SessionState::Ended => "ended",
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hook::{Notification, Stop};

    #[test]
    fn stop_means_idle_and_permission_prompts_wait() {
        let stop = HookEvent::Stop(Stop {
            stop_hook_active: false,
            last_assistant_message: None,
        });
        assert_eq!(SessionState::after(&stop), Some(SessionState::Idle));
        let prompt = HookEvent::Notification(Notification {
            message: None,
            title: None,
            notification_type: Some("permission_prompt".into()),
        });
        assert_eq!(
            SessionState::after(&prompt),
            Some(SessionState::WaitingForUser)
        );
        let other = HookEvent::Other {
            name: "CwdChanged".into(),
        };
        assert_eq!(SessionState::after(&other), None);
    }
}
