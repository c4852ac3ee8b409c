//! The latest permission decisions, as `decisions --json` prints them and `GET /api/decisions`
//! returns them.

use crate::time::rfc3339;
use pcc_core::{Answer, Mode};
use pcc_policy::RiskLevel;
use pcc_store::StoredDecision;
use serde::Serialize;

/// The whole document: `{"decisions": [...]}`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionsDoc {
    /// The decisions.
    pub decisions: Vec<DecisionDoc>,
}

/// One decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionDoc {
    /// Row id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// When.
    pub at: String,
    /// `PreToolUse` or `PermissionRequest`.
    pub hook_event: String,
    /// The tool.
    pub tool_name: String,
    /// Claude Code's id of the call.
    pub tool_use_id: Option<String>,
    /// The project.
    pub project_root: String,
    /// The call, normalised and redacted.
    pub input: String,
    /// Its risk.
    pub level: RiskLevel,
    /// What we answered.
    pub decision: Answer,
    /// The rule that decided.
    pub rule: String,
    /// Why.
    pub reason: String,
    /// The mode it was decided in.
    pub mode: Mode,
    /// How long deciding took.
    pub latency_us: i64,
    /// Whether a human was asked.
    pub escalated: bool,
    /// Whether the call ran after we asked or said nothing.
    pub human_approved: bool,
}

impl DecisionDoc {
    /// The document of one stored decision.
    pub fn of(decision: StoredDecision) -> DecisionDoc {
        DecisionDoc {
            id: decision.id,
            session_id: decision.session_id,
            at: rfc3339(decision.at_ms),
            hook_event: decision.record.hook_event,
            tool_name: decision.record.tool_name,
            tool_use_id: decision.record.tool_use_id,
            project_root: decision.record.project_root,
            input: decision.record.input,
            level: decision.record.level,
            decision: decision.record.answer,
            rule: decision.record.rule,
            reason: decision.record.reason,
            mode: decision.record.mode,
            latency_us: decision.record.latency_us,
            escalated: decision.record.escalation.is_some(),
            human_approved: decision.human_approved,
        }
    }
}
