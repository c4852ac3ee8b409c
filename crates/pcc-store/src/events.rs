//! Writing what hooks saw: one event row and the session it belongs to, in one transaction.

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::Sql;
use pcc_core::hook::HookInput;
use pcc_core::redact::{redact, redact_opt};
use pcc_core::session_state::SessionState;
use rusqlite::{Transaction, params};

/// Everything stored about one hook call, derived from its input.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// The Claude Code session.
    pub session_id: String,
    /// The session's working directory at this event.
    pub cwd: String,
    /// The project the session works in.
    pub project_root: String,
    /// The transcript file, when known.
    pub transcript_path: Option<String>,
    /// Claude Code's permission mode, when sent.
    pub permission_mode: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The event name as sent.
    pub event: String,
    /// The tool, for tool events.
    pub tool_name: Option<String>,
    /// The tool call's id, for tool events that carry one.
    pub tool_use_id: Option<String>,
    /// The subagent, when the event happened inside one.
    pub agent_id: Option<String>,
    /// A redacted, bounded line saying what happened.
    pub summary: String,
    /// Names of fields this build did not know, comma-separated.
    pub unknown_fields: Option<String>,
    /// The session's state after this event; `None` keeps the previous one.
    pub state_after: Option<SessionState>,
}

impl EventRecord {
    /// Derives the record of a hook call.
    pub fn from_hook(input: &HookInput, project_root: String, at_ms: i64) -> EventRecord {
        let tool_use_id = match &input.event {
            pcc_core::hook::HookEvent::PreToolUse(call) => call.tool_use_id.clone(),
            pcc_core::hook::HookEvent::PostToolUse(result) => result.tool_use_id.clone(),
            pcc_core::hook::HookEvent::PostToolUseFailure(failure) => failure.tool_use_id.clone(),
            pcc_core::hook::HookEvent::PermissionDenied(denied) => denied.tool_use_id.clone(),
            _ => None,
        };
        EventRecord {
            session_id: input.session_id.clone(),
            cwd: input.cwd.clone(),
            project_root,
            transcript_path: input.transcript_path.clone(),
            permission_mode: input.permission_mode.clone(),
            at_ms,
            event: input.event_name.clone(),
            tool_name: input.event.tool_name().map(str::to_owned),
            tool_use_id,
            agent_id: input.agent_id.clone(),
            summary: input.summary(),
            unknown_fields: (!input.unknown_fields.is_empty())
                .then(|| input.unknown_fields.join(",")),
            state_after: SessionState::after(&input.event),
        }
    }
}

/// Where a hook call failed before (or instead of) producing an event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookErrorKind {
    /// Claude Code (or a person) sent something that is not a valid hook input.
    Input,
    /// Our own code failed (a caught panic, an unexpected state).
    Internal,
    /// A configuration file could not be used; the call ran without it (`config`).
    Config,
}

impl HookErrorKind {
    /// The `kind` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            HookErrorKind::Input => "input",
            HookErrorKind::Internal => "internal",
            HookErrorKind::Config => "config",
        }
    }
}

/// How far ahead of the writer's clock a session's stored `last_seen_ms` may be and still be
/// taken for a real time: far more than a hook call lasts (Claude Code kills hooks after 30 s),
/// so a parallel hook finishing late is still ordered by when it started. A stored time further
/// ahead was written under a clock that has since stepped back; the session's ordering ignores
/// it, or every later event (its `SessionEnd` too) would look older and leave the session as it
/// was until the clock caught up.
pub const CLOCK_STEP_SLACK_MS: i64 = 5 * 60 * 1000;

/// Upserts the session and appends the event inside `transaction`; returns the event's row id.
///
/// The session follows the newest event by `at_ms` (a late, older event changes nothing but the
/// counts), with two clamps against clock steps: an event stamped ahead of the writer's clock is
/// stored as of now, and a stored `last_seen_ms` more than [`CLOCK_STEP_SLACK_MS`] ahead of the
/// writer's clock loses to whatever event comes next.
pub(crate) fn insert_event(
    transaction: &Transaction<'_>,
    record: &EventRecord,
) -> rusqlite::Result<i64> {
    let now_ms = system_now_ms();
    let at_ms = record.at_ms.min(now_ms);
    let state = record.state_after.map(Sql);
    // This event is the session's newest: not older than what is stored, or what is stored is
    // from a clock that stepped back since (?10 is the writer's clock plus the slack).
    let newest = "(excluded.last_seen_ms >= last_seen_ms OR last_seen_ms > ?10)";
    transaction.execute(
        &format!(
            "INSERT INTO sessions (id, cwd, project_root, transcript_path, permission_mode,
                                   first_seen_ms, last_seen_ms, last_event, last_tool, state,
                                   event_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, COALESCE(?9, 'working'), 1)
             ON CONFLICT (id) DO UPDATE SET
                 event_count     = event_count + 1,
                 transcript_path = COALESCE(excluded.transcript_path, transcript_path),
                 permission_mode = COALESCE(excluded.permission_mode, permission_mode),
                 first_seen_ms   = MIN(first_seen_ms, excluded.first_seen_ms),
                 cwd          = IIF({newest}, excluded.cwd, cwd),
                 project_root = IIF({newest}, excluded.project_root, project_root),
                 last_event   = IIF({newest}, excluded.last_event, last_event),
                 last_tool    = IIF({newest}, excluded.last_tool, last_tool),
                 state        = IIF({newest} AND ?9 IS NOT NULL, ?9, state),
                 last_seen_ms = IIF(last_seen_ms > ?10, excluded.last_seen_ms,
                                    MAX(last_seen_ms, excluded.last_seen_ms))"
        ),
        params![
            record.session_id,
            record.cwd,
            record.project_root,
            record.transcript_path,
            record.permission_mode,
            at_ms,
            record.event,
            record.tool_name,
            state,
            now_ms.saturating_add(CLOCK_STEP_SLACK_MS),
        ],
    )?;
    transaction.execute(
        "INSERT INTO events (session_id, at_ms, event, tool_name, tool_use_id, agent_id,
                                 summary, unknown_fields)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            record.session_id,
            at_ms,
            record.event,
            record.tool_name,
            record.tool_use_id,
            record.agent_id,
            redact(&record.summary),
            redact_opt(record.unknown_fields.as_deref()),
        ],
    )?;
    Ok(transaction.last_insert_rowid())
}

/// The system clock in ms since the epoch (0 before 1970, which no real clock reads).
pub(crate) fn system_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

impl Store {
    /// Upserts the session and appends the event, atomically. Returns the event's row id.
    pub fn record_event(&mut self, record: &EventRecord) -> Result<i64, StoreError> {
        self.write(|transaction| insert_event(transaction, record))
    }

    /// Counts a hook call that failed, so `status` and `doctor` can show that something is wrong
    /// even though Claude Code only logged it.
    pub fn record_hook_error(
        &mut self,
        kind: HookErrorKind,
        message: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO hook_errors (at_ms, kind, message) VALUES (?1, ?2, ?3)",
                params![
                    at_ms,
                    kind.as_str(),
                    pcc_core::redact::redact_and_truncate(message, 500)
                ],
            )
            .map(drop)
            .map_err(|source| self.error(source))
    }
}
