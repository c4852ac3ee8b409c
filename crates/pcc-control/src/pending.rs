//! What waits on a human, as `pending --json` prints it and `GET /api/pending` returns it.

use crate::time::rfc3339;
use pcc_core::Mode;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_store::Escalation;
use serde::Serialize;

/// One pending escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingDoc {
    /// What `respond` takes.
    pub id: i64,
    /// `permission`, `question`, `resume_failed`, `task`, `task_unverified`.
    pub kind: String,
    /// The session it stopped.
    pub session_id: String,
    /// Its project.
    pub project_root: Option<String>,
    /// The mode it was raised in.
    pub mode: Option<String>,
    /// When it was raised.
    pub created_at: String,
    /// How long it has waited.
    pub age_seconds: i64,
    /// What it is about (redacted).
    pub summary: String,
    /// Why a human is needed.
    pub reason: String,
    /// The brain's suggestion, if any.
    pub suggestion: Option<String>,
    /// The tool, for a permission.
    pub tool_name: Option<String>,
    /// The call's risk level, for a permission.
    pub level: Option<String>,
    /// The session stopped with this call pending (PreToolUse `defer`); answering resumes it.
    pub deferred: bool,
    /// The command that answers it, ready to copy.
    pub respond: String,
}

impl PendingDoc {
    /// The document of `escalation` at `now_ms`.
    pub fn of(escalation: &Escalation, now_ms: i64) -> PendingDoc {
        let raised = &escalation.raised;
        PendingDoc {
            id: escalation.id,
            kind: raised.kind.as_str().to_owned(),
            session_id: raised.session_id.clone(),
            project_root: raised.project_root.clone(),
            mode: raised.mode.map(|mode| Mode::as_str(mode).to_owned()),
            created_at: rfc3339(raised.created_ms),
            age_seconds: (now_ms - raised.created_ms).max(0) / 1000,
            summary: raised.summary.clone(),
            reason: raised.reason.clone(),
            suggestion: raised.suggestion.clone(),
            tool_name: escalation.call.as_ref().map(|call| call.tool_name.clone()),
            level: escalation
                .call
                .as_ref()
                .map(|call| call.level.as_str().to_owned()),
            deferred: escalation.deferred_tool_use_id.is_some(),
            respond: respond_hint(escalation),
        }
    }
}

/// The command that answers `escalation`, ready to copy.
pub fn respond_hint(escalation: &Escalation) -> String {
    let id = escalation.id;
    match escalation.raised.kind {
        EscalationKind::Permission => {
            format!("pcc-hooks respond {id} approve [--remember] | deny | \"note\"")
        }
        EscalationKind::Question => format!("pcc-hooks respond {id} \"your answer\""),
        EscalationKind::ResumeFailed => {
            format!("pcc-hooks respond {id} approve (retry) | deny | \"prompt\"")
        }
        EscalationKind::Task => {
            format!("pcc-hooks respond {id} approve (retry) | deny (drop) | \"note\"")
        }
        EscalationKind::TaskUnverified => format!("pcc-hooks respond {id} approve | deny"),
    }
}
