//! Reading sessions back for `pcc-hooks status`.

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::get;
use pcc_core::session_state::SessionState;
use std::collections::BTreeMap;

/// One session as `status` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOverview {
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
    /// What the session is doing, after its latest event that says.
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
    /// Events recorded, by event name.
    pub event_counts: BTreeMap<String, i64>,
    /// Whether its queue is paused (`pcc-hooks pause`).
    pub paused: bool,
    /// Queued tasks waiting for it or being worked on.
    pub queue_depth: i64,
    /// What it cost in USD, when known: only task-list tasks report a cost (from the
    /// `result` of their `claude -p`); hooks never see one.
    pub cost_usd: Option<f64>,
}

impl Store {
    /// Every session, most recently active first, with its event counts.
    ///
    /// Two queries in one read transaction: the sessions, then one grouped scan of the
    /// `events_by_session` index, which never touches the event rows themselves.
    pub fn sessions_overview(&mut self) -> Result<Vec<SessionOverview>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::sqlite(&path, source);
        let transaction = self.conn.transaction().map_err(wrap)?;
        let mut sessions: Vec<SessionOverview> = {
            let mut statement = transaction
                .prepare(
                    "SELECT id, project_root, cwd, transcript_path, permission_mode, state,
                            last_event, last_tool, first_seen_ms, last_seen_ms, event_count,
                            paused_ms IS NOT NULL,
                            (SELECT COUNT(*) FROM queue_tasks q
                             WHERE q.session_id = sessions.id AND q.state IN ('pending', 'active')),
                            (SELECT SUM(cost_usd) FROM tasks t WHERE t.session_id = sessions.id)
                     FROM sessions ORDER BY last_seen_ms DESC, id",
                )
                .map_err(wrap)?;
            let rows = statement
                .query_map([], |row| {
                    Ok(SessionOverview {
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
                        event_counts: BTreeMap::new(),
                        paused: row.get(11)?,
                        queue_depth: row.get(12)?,
                        cost_usd: row.get(13)?,
                    })
                })
                .map_err(wrap)?;
            rows.collect::<Result<_, _>>().map_err(wrap)?
        };
        let mut counts: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        {
            let mut statement = transaction
                .prepare(
                    "SELECT session_id, event, COUNT(*) FROM events GROUP BY session_id, event",
                )
                .map_err(wrap)?;
            let mut rows = statement.query([]).map_err(wrap)?;
            while let Some(row) = rows.next().map_err(wrap)? {
                let session: String = row.get(0).map_err(wrap)?;
                counts
                    .entry(session)
                    .or_default()
                    .insert(row.get(1).map_err(wrap)?, row.get(2).map_err(wrap)?);
            }
        }
        for session in &mut sessions {
            session.event_counts = counts.remove(&session.session_id).unwrap_or_default();
        }
        Ok(sessions)
    }

    /// How many hook calls failed, in all, and the latest failure's message.
    pub fn hook_error_summary(&self) -> Result<(i64, Option<String>), StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), (SELECT message FROM hook_errors ORDER BY id DESC LIMIT 1)
                 FROM hook_errors",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|source| self.error(source))
    }
}
