//! Permission decisions, escalations to a human, and approvals learned from humans.

use crate::brain_answers::{BrainAnswerRecord, insert_brain_answers};
use crate::error::StoreError;
use crate::escalations::{NewEscalation, insert_escalation_of};
use crate::events::{EventRecord, insert_event};
use crate::open::Store;
use crate::sql_enum::{Sql, get, get_opt};
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::redact::redact;
use pcc_core::{Answer, Mode};
use pcc_policy::RiskLevel;
use rusqlite::{OptionalExtension, Transaction, params};

/// One permission decision, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    /// `PreToolUse` or `PermissionRequest`.
    pub hook_event: String,
    /// The tool.
    pub tool_name: String,
    /// Ties the decision to the call's `PostToolUse` (PreToolUse only).
    pub tool_use_id: Option<String>,
    /// The project the call runs in; learned approvals are per project.
    pub project_root: String,
    /// The normalised, redacted input (the command, the path, …): what learning compares.
    pub input: String,
    /// The call's risk level.
    pub level: RiskLevel,
    /// What Claude Code was told.
    pub answer: Answer,
    /// The rule that fired.
    pub rule: String,
    /// The reason given.
    pub reason: String,
    /// Whether a human was at the terminal.
    pub mode: Mode,
    /// Microseconds from process start to the decision.
    pub latency_us: i64,
    /// When a human must look at it later: the kind of escalation to raise (`Permission`, or
    /// `Question` for an AskUserQuestion nobody answered). Read back from the escalation.
    pub escalation: Option<EscalationKind>,
    /// What the brain suggested, shown to the human with the escalation.
    pub suggestion: Option<String>,
    /// The one-time human approval this decision spends (`Store::prior_approval`).
    pub approval_used: Option<i64>,
    /// The exact call's identity (`pcc_core::permission::call_digest`), which a human's approval matches.
    pub call_digest: Option<String>,
}

/// The rows one decision wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedDecision {
    /// The decision's id.
    pub decision_id: i64,
    /// The escalation raised with it.
    pub escalation_id: Option<i64>,
}

/// A stored decision, for `pcc-hooks decisions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDecision {
    /// Row id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// The decision as recorded.
    pub record: DecisionRecord,
    /// True once the call ran after we asked or said nothing: a human (or Claude Code's own
    /// rules) approved it.
    pub human_approved: bool,
}

/// Counts of one session's decisions, for `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionCounts {
    /// Calls we allowed.
    pub allowed: i64,
    /// Calls we denied.
    pub denied: i64,
    /// Calls we left to the human (ask, or no decision).
    pub asked: i64,
    /// Escalations still waiting for a human.
    pub escalated: i64,
}

impl Store {
    /// Records the hook call's event, its decision, the brain answers it rests on, and the
    /// escalation when the decision asks for one, in one transaction; spends the one-time
    /// approval it used. An approval already spent by a racing call fails the whole write, so it
    /// can never allow twice.
    pub fn record_decision(
        &mut self,
        event: &EventRecord,
        decision: &DecisionRecord,
        brain_answers: &[BrainAnswerRecord],
    ) -> Result<RecordedDecision, StoreError> {
        self.write(|transaction| {
            let event_id = insert_event(transaction, event)?;
            insert_brain_answers(transaction, brain_answers)?;
            let decision_id = insert_decision(transaction, event_id, event, decision)?;
            if let Some(approval) = decision.approval_used {
                let spent = transaction.execute(
                    "UPDATE approvals SET used_ms = ?2 WHERE id = ?1 AND used_ms IS NULL",
                    params![approval, event.at_ms],
                )?;
                if spent != 1 {
                    return Err(rusqlite::Error::StatementChangedRows(spent));
                }
            }
            // A deferred call's escalation names the call, for the resume that asks again.
            let deferred = (decision.answer == Answer::Defer)
                .then_some(decision.tool_use_id.as_deref())
                .flatten();
            let escalation_id = match decision.escalation {
                Some(kind) => Some(insert_escalation_of(
                    transaction,
                    &NewEscalation {
                        kind,
                        session_id: event.session_id.clone(),
                        project_root: Some(decision.project_root.clone()),
                        mode: Some(decision.mode),
                        summary: event.summary.clone(),
                        reason: decision.reason.clone(),
                        suggestion: decision.suggestion.clone(),
                        queue_task_id: None,
                        created_ms: event.at_ms,
                    },
                    Some(decision_id),
                    deferred,
                )?),
                None => None,
            };
            Ok(RecordedDecision {
                decision_id,
                escalation_id,
            })
        })
    }

    /// Records a `PostToolUse` event. If the call ran after we asked or said nothing at MEDIUM
    /// risk, a human approved it; once `approvals_to_learn` such approvals of the same input in
    /// the same project exist, the input is learned. Returns true when this call taught a rule.
    ///
    /// `approvals_to_learn` is asked only when the call was one a human approved: most calls
    /// were not, and they need not read the configuration.
    pub fn record_tool_ran(
        &mut self,
        event: &EventRecord,
        approvals_to_learn: impl FnOnce() -> u32,
    ) -> Result<bool, StoreError> {
        self.write(|transaction| {
            insert_event(transaction, event)?;
            let Some(tool_use_id) = &event.tool_use_id else {
                return Ok(false);
            };
            let approved: Option<(String, String, String)> = transaction
                .query_row(
                    "UPDATE decisions SET human_approved = 1
                     WHERE session_id = ?1 AND tool_use_id = ?2 AND hook_event = 'PreToolUse'
                       AND answer IN ('ask', 'none') AND level = 'MEDIUM' AND human_approved = 0
                     RETURNING project_root, tool_name, input",
                    params![event.session_id, tool_use_id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((project_root, tool_name, input)) = approved else {
                return Ok(false);
            };
            let approvals_to_learn = approvals_to_learn();
            if approvals_to_learn == 0 {
                return Ok(false);
            }
            let approvals: i64 = transaction.query_row(
                "SELECT COUNT(*) FROM decisions
                 WHERE project_root = ?1 AND tool_name = ?2 AND input = ?3 AND human_approved = 1",
                params![project_root, tool_name, input],
                |row| row.get(0),
            )?;
            if approvals < i64::from(approvals_to_learn) {
                return Ok(false);
            }
            let inserted = transaction.execute(
                "INSERT OR IGNORE INTO learned_rules (project_root, tool_name, input, source, created_ms)
                 VALUES (?1, ?2, ?3, 'repeated-approval', ?4)",
                params![project_root, tool_name, input, event.at_ms],
            )?;
            Ok(inserted == 1)
        })
    }

    /// The newest decisions, optionally of one session (a prefix of its id is enough).
    pub fn decisions(
        &self,
        session: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredDecision>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, session_id, at_ms, hook_event, tool_name, tool_use_id, project_root, input,
                        level, answer, rule, reason, mode, latency_us, human_approved,
                        (SELECT kind FROM escalations e WHERE e.decision_id = decisions.id LIMIT 1),
                        call_digest
                 FROM decisions
                 WHERE ?1 IS NULL OR session_id LIKE ?1 || '%'
                 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![session, limit], |row| {
                Ok(StoredDecision {
                    id: row.get(0)?,
                    session_id: row.get(1)?,
                    at_ms: row.get(2)?,
                    record: DecisionRecord {
                        hook_event: row.get(3)?,
                        tool_name: row.get(4)?,
                        tool_use_id: row.get(5)?,
                        project_root: row.get(6)?,
                        input: row.get(7)?,
                        level: get(row, 8)?,
                        answer: get(row, 9)?,
                        rule: row.get(10)?,
                        reason: row.get(11)?,
                        mode: get(row, 12)?,
                        latency_us: row.get(13)?,
                        escalation: get_opt(row, 15)?,
                        suggestion: None,
                        approval_used: None,
                        call_digest: row.get(16)?,
                    },
                    human_approved: row.get(14)?,
                })
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Decision counts per session.
    pub fn decision_counts(
        &self,
    ) -> Result<std::collections::BTreeMap<String, DecisionCounts>, StoreError> {
        let mut counts: std::collections::BTreeMap<String, DecisionCounts> = Default::default();
        let wrap = |source| self.error(source);
        let mut by_answer = self
            .conn
            .prepare(
                "SELECT session_id, answer, COUNT(*) FROM decisions GROUP BY session_id, answer",
            )
            .map_err(wrap)?;
        let mut rows = by_answer.query([]).map_err(wrap)?;
        while let Some(row) = rows.next().map_err(wrap)? {
            let entry = counts.entry(row.get(0).map_err(wrap)?).or_default();
            let count: i64 = row.get(2).map_err(wrap)?;
            match get(row, 1).map_err(wrap)? {
                Answer::Allow => entry.allowed += count,
                Answer::Deny => entry.denied += count,
                Answer::Ask | Answer::NoDecision | Answer::Contained | Answer::Defer => {
                    entry.asked += count
                }
            }
        }
        let mut pending = self
            .conn
            .prepare("SELECT session_id, COUNT(*) FROM escalations WHERE state = 'pending' GROUP BY session_id")
            .map_err(wrap)?;
        let mut rows = pending.query([]).map_err(wrap)?;
        while let Some(row) = rows.next().map_err(wrap)? {
            counts
                .entry(row.get(0).map_err(wrap)?)
                .or_default()
                .escalated = row.get(1).map_err(wrap)?;
        }
        Ok(counts)
    }
}

/// Inserts the decision row of `event` (stored as `event_id`): what [`Store::record_decision`]
/// and the spool's fold write alike. Returns its id.
pub(crate) fn insert_decision(
    transaction: &Transaction<'_>,
    event_id: i64,
    event: &EventRecord,
    decision: &DecisionRecord,
) -> rusqlite::Result<i64> {
    transaction.execute(
        "INSERT INTO decisions (event_id, session_id, at_ms, hook_event, tool_name, tool_use_id,
                                project_root, input, level, answer, rule, reason, mode, latency_us,
                                call_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            event_id,
            event.session_id,
            event.at_ms,
            decision.hook_event,
            decision.tool_name,
            decision.tool_use_id,
            decision.project_root,
            redact(&decision.input),
            Sql(decision.level),
            Sql(decision.answer),
            decision.rule,
            redact(&decision.reason),
            Sql(decision.mode),
            decision.latency_us,
            decision.call_digest,
        ],
    )?;
    Ok(transaction.last_insert_rowid())
}
