//! What brains answered: every question and opinion, for `status`, audits and the Stop-hook
//! bound on consecutive automatic answers.

use crate::error::StoreError;
use crate::events::CLOCK_STEP_SLACK_MS;
use crate::open::Store;
use pcc_core::redact::{redact, redact_opt};
use rusqlite::{OptionalExtension, Transaction, params};

/// One brain answer, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BrainAnswerRecord {
    /// The session it was for (`cli` for `pcc-hooks brain ask`).
    pub session_id: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// `question` (AskUserQuestion), `stop` (a turn ending in a question), `permission`, `cli`.
    pub kind: String,
    /// The question, or the call judged (redacted).
    pub question: String,
    /// The answer or stance; `None` when escalated.
    pub answer: Option<String>,
    /// 0 to 1.
    pub confidence: f64,
    /// Whether it went to a human.
    pub escalated: bool,
    /// Which brain answered (`rules`, `gemini`, …).
    pub brain: String,
    /// Why an LLM brain's answer was replaced by the rule brain's, if it was.
    pub fallback_reason: Option<String>,
    /// The brain's justification.
    pub reasoning: String,
    /// Microseconds the brain took.
    pub latency_us: i64,
}

/// Inserts brain answers inside an open transaction.
pub(crate) fn insert_brain_answers(
    transaction: &Transaction<'_>,
    answers: &[BrainAnswerRecord],
) -> rusqlite::Result<()> {
    for answer in answers {
        transaction.execute(
            "INSERT INTO brain_answers (session_id, at_ms, kind, question, answer, confidence, escalated,
                                        brain, fallback_reason, reasoning, latency_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                answer.session_id,
                answer.at_ms,
                answer.kind,
                redact(&answer.question),
                redact_opt(answer.answer.as_deref()),
                answer.confidence,
                answer.escalated,
                answer.brain,
                redact_opt(answer.fallback_reason.as_deref()),
                redact(&answer.reasoning),
                answer.latency_us,
            ],
        )?;
    }
    Ok(())
}

impl Store {
    /// Records brain answers on their own (the CLI's `brain ask`).
    pub fn record_brain_answers(
        &mut self,
        answers: &[BrainAnswerRecord],
    ) -> Result<(), StoreError> {
        self.write(|transaction| insert_brain_answers(transaction, answers))
    }

    /// How many Stop-hook questions were answered automatically in `session` since its user last
    /// sent a prompt, and the last such question: the Stop hook stops answering past a bound, and
    /// never answers the same question twice in a row.
    pub fn automatic_stop_answers(
        &self,
        session_id: &str,
    ) -> Result<(i64, Option<String>), StoreError> {
        // A prompt stamped ahead of the clock (which then stepped back) is not the last one:
        // counting from it would count nothing, and the bound would never be reached.
        let since = format!(
            "COALESCE((SELECT MAX(at_ms) FROM events
                       WHERE session_id = ?1 AND event = 'UserPromptSubmit'
                         AND at_ms <= unixepoch('subsec') * 1000 + {CLOCK_STEP_SLACK_MS}), 0)"
        );
        let count: i64 = self
            .conn
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM brain_answers
                     WHERE session_id = ?1 AND kind = 'stop' AND escalated = 0 AND at_ms >= {since}"
                ),
                params![session_id],
                |row| row.get(0),
            )
            .map_err(|source| self.error(source))?;
        let last: Option<String> = self
            .conn
            .query_row(
                "SELECT question FROM brain_answers WHERE session_id = ?1 AND kind = 'stop'
                 ORDER BY id DESC LIMIT 1",
                params![session_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|source| self.error(source))?;
        Ok((count, last))
    }

    /// The summaries of a session's latest events, newest last: context for a brain.
    pub fn recent_event_summaries(
        &self,
        session_id: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT event || ': ' || summary FROM
                   (SELECT id, event, summary FROM events WHERE session_id = ?1 ORDER BY id DESC LIMIT ?2)
                 ORDER BY id",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![session_id, limit], |row| row.get(0))
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }
}
