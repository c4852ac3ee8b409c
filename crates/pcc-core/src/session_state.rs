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

/// What `pcc-hooks status` shows for a session: its stored state, refined by what waits on it.
///
/// - `rate_limited`: a resume after a usage limit is scheduled; `resuming`: it runs now;
/// - `waiting_for_human`: Claude Code shows a dialog, or the turn is over with escalations
///   pending (`pcc-hooks pending`);
/// - otherwise the stored state: `working`, `idle`, `errored`, `ended`.
pub fn shown_state(
    stored: &str,
    pending_escalations: i64,
    open_resume: Option<(&str, &str)>,
) -> &'static str {
    match open_resume {
        Some(("running", _)) => return "resuming",
        Some((_, kind)) if kind != "human_answer" => return "rate_limited",
        _ => {}
    }
    match stored {
        "working" => "working",
        "waiting_for_user" => "waiting_for_human",
        _ if pending_escalations > 0 => "waiting_for_human",
        "idle" => "idle",
        "errored" => "errored",
        "ended" => "ended",
        _ => "unknown",
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
    fn shown_states_put_what_needs_a_human_first() {
        assert_eq!(
            shown_state("errored", 0, Some(("pending", "five_hour"))),
            "rate_limited"
        );
        assert_eq!(
            shown_state("errored", 0, Some(("running", "five_hour"))),
            "resuming"
        );
        assert_eq!(
            shown_state("waiting_for_user", 0, None),
            "waiting_for_human"
        );
        assert_eq!(shown_state("ended", 2, None), "waiting_for_human");
        assert_eq!(
            shown_state("working", 2, None),
            "working",
            "it carries on meanwhile"
        );
        assert_eq!(
            shown_state("ended", 0, Some(("pending", "human_answer"))),
            "ended",
            "an answer on its way is not a limit"
        );
        assert_eq!(shown_state("idle", 0, None), "idle");
    }

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
