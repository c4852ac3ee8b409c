//! What the dashboard reads that no command does: the overview of every session with what waits
//! on it, and one session's timeline of events beside the decisions taken on them.
//!
//! The overview must stay fast with thousands of sessions and a hundred thousand events (it is
//! the page a phone opens first), so it never touches the `events` table: each session row
//! carries its own `event_count`, and the counts of its open tasks and pending escalations come
//! from correlated sub-queries that the `queue_tasks_by_session` and `escalations_by_state`
//! indexes answer.

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::get;
use pcc_core::Answer;
use pcc_core::session_state::SessionState;
use pcc_policy::RiskLevel;
use rusqlite::{OptionalExtension, Row, params};

/// One session as the overview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The Claude Code session id.
    pub session_id: String,
    /// The project it works in.
    pub project_root: String,
    /// Its latest working directory.
    pub cwd: String,
    /// Its transcript, when known.
    pub transcript_path: Option<String>,
    /// Claude Code's latest permission mode.
    pub permission_mode: Option<String>,
    /// What it is doing, after its latest event that says.
    pub state: SessionState,
    /// The latest event's name.
    pub last_event: String,
    /// The tool of the latest event, when it concerned one.
    pub last_tool: Option<String>,
    /// First event, ms since the epoch.
    pub first_seen_ms: i64,
    /// Latest event, ms since the epoch.
    pub last_seen_ms: i64,
    /// Events recorded, in all.
    pub event_count: i64,
    /// Whether its queue is paused.
    pub paused: bool,
    /// Queued tasks waiting for it or being worked on.
    pub queue_depth: i64,
    /// Escalations of it that wait on a human.
    pub pending_escalations: i64,
}

const SESSION_COLUMNS: &str = "s.id, s.project_root, s.cwd, s.transcript_path, s.permission_mode,
    s.state, s.last_event, s.last_tool, s.first_seen_ms, s.last_seen_ms, s.event_count,
    s.paused_ms IS NOT NULL,
    (SELECT COUNT(*) FROM queue_tasks q
     WHERE q.state IN ('pending', 'active') AND q.session_id = s.id),
    (SELECT COUNT(*) FROM escalations e WHERE e.state = 'pending' AND e.session_id = s.id)";

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        session_id: row.get(0)?,
        project_root: row.get(1)?,
        cwd: row.get(2)?,
        transcript_path: row.get(3)?,
        permission_mode: row.get(4)?,
        state: get(row, 5)?,
        last_event: row.get(6)?,
        last_tool: row.get(7)?,
        first_seen_ms: row.get(8)?,
        last_seen_ms: row.get(9)?,
        event_count: row.get(10)?,
        paused: row.get(11)?,
        queue_depth: row.get(12)?,
        pending_escalations: row.get(13)?,
    })
}

/// One event of a session's timeline, with the permission decision taken on it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    /// The event's row id.
    pub id: i64,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// The hook event's name.
    pub event: String,
    /// The tool, for tool events.
    pub tool_name: Option<String>,
    /// What happened (stored redacted and bounded).
    pub summary: String,
    /// The decision recorded with this event (a permission hook's).
    pub decision: Option<SessionDecision>,
}

/// A permission decision of one session, as its timeline and transcript show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDecision {
    /// The event it was recorded with.
    pub event_id: i64,
    /// `PreToolUse` or `PermissionRequest`.
    pub hook_event: String,
    /// The call it decided, when Claude Code named it.
    pub tool_use_id: Option<String>,
    /// The call's risk level.
    pub level: RiskLevel,
    /// What Claude Code was told.
    pub answer: Answer,
    /// The rule that fired.
    pub rule: String,
    /// The reason given (stored redacted).
    pub reason: String,
}

impl Store {
    /// Every session, most recently active first, with its open tasks and pending escalations
    /// counted. One read of the `sessions` table; the events are not scanned.
    pub fn dashboard_sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s ORDER BY s.last_seen_ms DESC, s.id"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], session_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// The session with exactly this id, as the overview lists it.
    pub fn dashboard_session(&self, session_id: &str) -> Result<Option<SessionRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.id = ?1"),
                [session_id],
                session_row,
            )
            .optional()
            .map_err(|source| self.error(source))
    }

    /// The session's newest `limit` events, newest first, each with the decision recorded with
    /// it.
    pub fn session_timeline(
        &self,
        session_id: &str,
        limit: u32,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, at_ms, event, tool_name, summary FROM events
                 WHERE session_id = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|source| self.error(source))?;
        let mut events: Vec<TimelineEvent> = statement
            .query_map(params![session_id, limit], |row| {
                Ok(TimelineEvent {
                    id: row.get(0)?,
                    at_ms: row.get(1)?,
                    event: row.get(2)?,
                    tool_name: row.get(3)?,
                    summary: row.get(4)?,
                    decision: None,
                })
            })
            .map_err(|source| self.error(source))?
            .collect::<Result<_, _>>()
            .map_err(|source| self.error(source))?;
        let Some(oldest) = events.last().map(|event| event.id) else {
            return Ok(events);
        };
        let mut decisions: std::collections::HashMap<i64, SessionDecision> = self
            .session_decisions_since(session_id, oldest)?
            .into_iter()
            .map(|decision| (decision.event_id, decision))
            .collect();
        for event in &mut events {
            event.decision = decisions.remove(&event.id);
        }
        Ok(events)
    }

    /// Every decision of the session, oldest first: what its transcript shows beside each call.
    pub fn session_decisions(&self, session_id: &str) -> Result<Vec<SessionDecision>, StoreError> {
        self.session_decisions_since(session_id, 0)
    }

    /// The session's decisions recorded with events from `first_event_id` on, oldest first.
    fn session_decisions_since(
        &self,
        session_id: &str,
        first_event_id: i64,
    ) -> Result<Vec<SessionDecision>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT event_id, hook_event, tool_use_id, level, answer, rule, reason
                 FROM decisions WHERE session_id = ?1 AND event_id >= ?2 ORDER BY id",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![session_id, first_event_id], |row| {
                Ok(SessionDecision {
                    event_id: row.get(0)?,
                    hook_event: row.get(1)?,
                    tool_use_id: row.get(2)?,
                    level: get(row, 3)?,
                    answer: get(row, 4)?,
                    rule: row.get(5)?,
                    reason: row.get(6)?,
                })
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }
}

impl Store {
    /// How many escalations wait on a human: the count the dashboard's menu shows.
    pub fn pending_escalation_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM escalations WHERE state = 'pending'",
                [],
                |row| row.get(0),
            )
            .map_err(|source| self.error(source))
    }
}
