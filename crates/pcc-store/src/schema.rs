//! The schema, as an ordered list of migrations applied by `PRAGMA user_version`.
//!
//! A migration is appended, never edited: a database at version N has run exactly the first N
//! entries. Tables are `STRICT` so a wrong type is an error, not a silently stored string.

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `i` takes a database from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: sessions, the events they produced, and hook calls that failed before an event existed.
    "
    CREATE TABLE sessions (
        id              TEXT PRIMARY KEY,
        cwd             TEXT NOT NULL,
        project_root    TEXT NOT NULL,
        transcript_path TEXT,
        permission_mode TEXT,
        first_seen_ms   INTEGER NOT NULL,
        last_seen_ms    INTEGER NOT NULL,
        last_event      TEXT NOT NULL,
        last_tool       TEXT,
        state           TEXT NOT NULL,
        event_count     INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE events (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions(id),
        at_ms          INTEGER NOT NULL,
        event          TEXT NOT NULL,
        tool_name      TEXT,
        tool_use_id    TEXT,
        agent_id       TEXT,
        summary        TEXT NOT NULL,
        unknown_fields TEXT
    ) STRICT;
    CREATE INDEX events_by_session ON events(session_id, event);
    CREATE TABLE hook_errors (
        id         INTEGER PRIMARY KEY,
        at_ms      INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        message    TEXT NOT NULL
    ) STRICT;
    ",
    // 2: permission decisions, what waits on a human, and approvals learned from humans.
    "
    CREATE TABLE decisions (
        id             INTEGER PRIMARY KEY,
        event_id       INTEGER NOT NULL REFERENCES events(id),
        session_id     TEXT NOT NULL,
        at_ms          INTEGER NOT NULL,
        hook_event     TEXT NOT NULL,
        tool_name      TEXT NOT NULL,
        tool_use_id    TEXT,
        project_root   TEXT NOT NULL,
        input          TEXT NOT NULL,
        level          TEXT NOT NULL,
        answer         TEXT NOT NULL,
        rule           TEXT NOT NULL,
        reason         TEXT NOT NULL,
        mode           TEXT NOT NULL,
        latency_us     INTEGER NOT NULL,
        human_approved INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX decisions_by_session ON decisions(session_id, answer);
    CREATE INDEX decisions_by_tool_use ON decisions(session_id, tool_use_id)
        WHERE tool_use_id IS NOT NULL;
    CREATE INDEX decisions_by_call ON decisions(project_root, tool_name, input);
    CREATE TABLE escalations (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL,
        created_ms  INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        decision_id INTEGER REFERENCES decisions(id),
        summary     TEXT NOT NULL,
        reason      TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'pending',
        answer      TEXT,
        answered_ms INTEGER
    ) STRICT;
    CREATE INDEX escalations_by_state ON escalations(state, session_id);
    CREATE TABLE learned_rules (
        id           INTEGER PRIMARY KEY,
        project_root TEXT NOT NULL,
        tool_name    TEXT NOT NULL,
        input        TEXT NOT NULL,
        source       TEXT NOT NULL,
        created_ms   INTEGER NOT NULL,
        UNIQUE (project_root, tool_name, input)
    ) STRICT;
    ",
    // 3: sessions to resume when a usage limit resets; one open resume per session.
    "
    CREATE TABLE resumes (
        id              INTEGER PRIMARY KEY,
        session_id      TEXT NOT NULL,
        cwd             TEXT NOT NULL,
        transcript_path TEXT,
        limit_kind      TEXT NOT NULL,
        resets_at_ms    INTEGER,
        due_ms          INTEGER NOT NULL,
        prompt          TEXT NOT NULL,
        state           TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        claimed_ms      INTEGER,
        runner_pid      INTEGER,
        last_error      TEXT,
        created_ms      INTEGER NOT NULL,
        updated_ms      INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX resumes_one_open_per_session ON resumes(session_id)
        WHERE state IN ('pending', 'running');
    CREATE INDEX resumes_by_due ON resumes(state, due_ms);
    ",
    // 4: task lists of `execute_task_list` and their tasks, written as they run.
    "
    CREATE TABLE task_lists (
        id               INTEGER PRIMARY KEY,
        created_ms       INTEGER NOT NULL,
        updated_ms       INTEGER NOT NULL,
        finished_ms      INTEGER,
        cwd              TEXT NOT NULL,
        options          TEXT NOT NULL,
        state            TEXT NOT NULL,
        worker_pid       INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        error            TEXT
    ) STRICT;
    CREATE INDEX task_lists_by_state ON task_lists(state);
    CREATE TABLE tasks (
        list_id      INTEGER NOT NULL REFERENCES task_lists(id),
        position     INTEGER NOT NULL,
        prompt       TEXT NOT NULL,
        options      TEXT NOT NULL,
        state        TEXT NOT NULL,
        status       TEXT,
        started_ms   INTEGER,
        finished_ms  INTEGER,
        duration_ms  INTEGER,
        session_id   TEXT,
        result_text  TEXT,
        turns        INTEGER,
        tool_uses    INTEGER,
        cost_usd     REAL,
        denials      TEXT,
        error        TEXT,
        resumes      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (list_id, position)
    ) STRICT;
    CREATE INDEX tasks_by_session ON tasks(session_id) WHERE session_id IS NOT NULL;
    ",
    // 5: every answer a brain gave (questions, Stop-hook questions, MEDIUM permissions).
    "
    CREATE TABLE brain_answers (
        id              INTEGER PRIMARY KEY,
        session_id      TEXT NOT NULL,
        at_ms           INTEGER NOT NULL,
        kind            TEXT NOT NULL,
        question        TEXT NOT NULL,
        answer          TEXT,
        confidence      REAL NOT NULL,
        escalated       INTEGER NOT NULL,
        brain           TEXT NOT NULL,
        fallback_reason TEXT,
        reasoning       TEXT NOT NULL,
        latency_us      INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX brain_answers_by_session ON brain_answers(session_id, kind, at_ms);
    ",
    // 6: the human bridge. Escalations learn where they came from and what the brain suggested,
    // and how a human's answer reaches the session; a human's "approve" becomes a one-time
    // approval of that exact call; the perpetual queue hands tasks to sessions at their Stop;
    // a session can be paused.
    "
    ALTER TABLE escalations ADD COLUMN project_root TEXT;
    ALTER TABLE escalations ADD COLUMN mode TEXT;
    ALTER TABLE escalations ADD COLUMN suggestion TEXT;
    ALTER TABLE escalations ADD COLUMN queue_task_id INTEGER;
    ALTER TABLE escalations ADD COLUMN verdict TEXT;
    ALTER TABLE escalations ADD COLUMN resume_id INTEGER;
    CREATE TABLE approvals (
        id            INTEGER PRIMARY KEY,
        escalation_id INTEGER NOT NULL REFERENCES escalations(id),
        session_id    TEXT NOT NULL,
        project_root  TEXT NOT NULL,
        tool_name     TEXT NOT NULL,
        input         TEXT NOT NULL,
        created_ms    INTEGER NOT NULL,
        used_ms       INTEGER
    ) STRICT;
    CREATE INDEX approvals_unused ON approvals(session_id, tool_name, input) WHERE used_ms IS NULL;
    CREATE TABLE queue_tasks (
        id           INTEGER PRIMARY KEY,
        session_id   TEXT,
        project_root TEXT NOT NULL,
        text         TEXT NOT NULL,
        source       TEXT NOT NULL,
        state        TEXT NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        created_ms   INTEGER NOT NULL,
        started_ms   INTEGER,
        finished_ms  INTEGER
    ) STRICT;
    CREATE INDEX queue_tasks_by_session ON queue_tasks(state, session_id);
    CREATE INDEX queue_tasks_by_project ON queue_tasks(state, project_root);
    ALTER TABLE sessions ADD COLUMN paused_ms INTEGER;
    ",
    // 7: notifications: every message we decided to send (and every one we throttled), with the
    // outcome of each channel. The index serves the throttle's lookup of a session's recent sends.
    // No foreign key on escalation_id: a notification is a log and must never fail on it.
    "
    CREATE TABLE notifications (
        id            INTEGER PRIMARY KEY,
        session_id    TEXT,
        at_ms         INTEGER NOT NULL,
        kind          TEXT NOT NULL,
        dedupe_key    TEXT NOT NULL,
        title         TEXT NOT NULL,
        body          TEXT NOT NULL,
        urgency       TEXT NOT NULL,
        escalation_id INTEGER,
        state         TEXT NOT NULL,
        deliveries    TEXT,
        finished_ms   INTEGER
    ) STRICT;
    CREATE INDEX notifications_by_session ON notifications(session_id, at_ms);
    ",
    // 8: a human's approval matches one exact call: the digest of its full input, tool and
    // directory (pcc_core::permission), never the redacted, bounded `input`. A queued task
    // remembers whom it was queued for, so a project task taken by a session that then ended
    // goes back to the project, not to that session.
    "
    ALTER TABLE decisions ADD COLUMN call_digest TEXT;
    ALTER TABLE approvals ADD COLUMN call_digest TEXT;
    CREATE INDEX approvals_by_digest ON approvals(session_id, call_digest) WHERE used_ms IS NULL;
    DROP INDEX approvals_unused;
    ALTER TABLE queue_tasks ADD COLUMN target_session_id TEXT;
    UPDATE queue_tasks SET target_session_id = session_id WHERE state = 'pending';
    ",
    // 9: a permission escalation whose call was deferred (PreToolUse `defer` in a headless
    // session) names that call, so the resume's PreToolUse for it finds the human's answer.
    "
    ALTER TABLE escalations ADD COLUMN deferred_tool_use_id TEXT;
    CREATE INDEX escalations_by_deferred_call ON escalations(session_id, deferred_tool_use_id)
        WHERE deferred_tool_use_id IS NOT NULL;
    ",
    // 10: a resume's claim names processes, not bare pids: the scheduler and the `claude` it
    // started, each by pid and start (`<boot id>:<start time in clock ticks>`, what
    // /proc/<pid>/stat says), so a reused pid is not taken for the claimant and a claude
    // outliving its scheduler is found (it leads its own process group: pgid = child_pid).
    "
    ALTER TABLE resumes ADD COLUMN runner_start TEXT;
    ALTER TABLE resumes ADD COLUMN child_pid INTEGER;
    ALTER TABLE resumes ADD COLUMN child_start TEXT;
    ",
    // 11: an event folded in from the spool (events that could not wait for the write lock)
    // carries its spool file's name, so a fold interrupted between its commit and deleting the
    // files never stores an event twice.
    "
    ALTER TABLE events ADD COLUMN spool_key TEXT;
    CREATE UNIQUE INDEX events_by_spool_key ON events(spool_key) WHERE spool_key IS NOT NULL;
    ",
    // 12: `doctor` proves a hook could write now: it commits a row here, with some room's worth
    // of bytes, and deletes it again.
    "
    CREATE TABLE doctor_probes (
        id      INTEGER PRIMARY KEY,
        at_ms   INTEGER NOT NULL,
        payload BLOB NOT NULL
    ) STRICT;
    ",
    // 13: an answer says who gave it (`cli`, `api_token`, `web_session`, `capability`), which
    // one (a capability's id, a web session) and from where (a peer address, the CLI's user and
    // terminal). Until now only `respond` could answer, so every earlier answer was the CLI's.
    // A capability is one button of a notification: a random token (only its SHA-256 is kept),
    // bound to one escalation and one answer, with an expiry, used once; redeeming one voids
    // its siblings.
    "
    ALTER TABLE escalations ADD COLUMN answered_by TEXT;
    ALTER TABLE escalations ADD COLUMN answered_by_detail TEXT;
    ALTER TABLE escalations ADD COLUMN answered_from TEXT;
    UPDATE escalations SET answered_by = 'cli' WHERE state = 'answered';
    CREATE TABLE capabilities (
        id            INTEGER PRIMARY KEY,
        escalation_id INTEGER NOT NULL REFERENCES escalations(id),
        answer        TEXT NOT NULL,
        token_sha256  TEXT NOT NULL UNIQUE,
        created_ms    INTEGER NOT NULL,
        expires_ms    INTEGER NOT NULL,
        used_ms       INTEGER,
        used_from     TEXT,
        voided_ms     INTEGER
    ) STRICT;
    CREATE INDEX capabilities_by_escalation ON capabilities(escalation_id);
    ",
    // 14: sessions started by `pcc-hooks start`: what was started, the supervisor and the
    // `claude` that run it (each by pid and start, as resumes name theirs, so a reused pid is
    // never signalled), and how it ended. Its first task is the prompt, a queue task like the
    // ones the Stop hook hands over after it.
    "
    CREATE TABLE started_sessions (
        id                TEXT PRIMARY KEY,
        cwd               TEXT NOT NULL,
        claude            TEXT NOT NULL,
        model             TEXT,
        log_path          TEXT NOT NULL,
        first_task_id     INTEGER NOT NULL REFERENCES queue_tasks(id),
        tasks_total       INTEGER NOT NULL,
        state             TEXT NOT NULL,
        created_ms        INTEGER NOT NULL,
        supervisor_pid    INTEGER,
        supervisor_start  TEXT,
        child_pid         INTEGER,
        child_start       TEXT,
        started_ms        INTEGER,
        stop_requested_ms INTEGER,
        ended_ms          INTEGER,
        exit_code         INTEGER,
        exit_signal       INTEGER,
        error             TEXT
    ) STRICT;
    CREATE INDEX started_sessions_by_state ON started_sessions(state, ended_ms);
    ",
    // 15: incoming webhook deliveries (`pcc-hooks serve`'s `/webhooks/<source>`), refused or
    // accepted, with the rule that matched and what its work became. `accepted` marks the first
    // signed delivery of an id: the unique index makes a replay fail to be accepted, while an
    // unsigned copy sent first cannot take the id. `prompt` holds a rule's rendered prompt only
    // until its work is done.
    "
    CREATE TABLE webhook_deliveries (
        id          INTEGER PRIMARY KEY,
        received_ms INTEGER NOT NULL,
        source      TEXT NOT NULL,
        event       TEXT,
        delivery_id TEXT NOT NULL,
        accepted    INTEGER NOT NULL,
        outcome     TEXT NOT NULL,
        status      INTEGER NOT NULL,
        rule        TEXT,
        action      TEXT,
        project     TEXT,
        prompt      TEXT,
        work        TEXT,
        detail      TEXT,
        finished_ms INTEGER
    ) STRICT;
    CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries(source, delivery_id)
        WHERE accepted = 1;
    CREATE INDEX webhook_deliveries_open ON webhook_deliveries(outcome)
        WHERE outcome IN ('pending', 'working');
    ",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Answerer, EscalationState, Provenance, Store};
    use rusqlite::Connection;

    /// A file as a build of schema 12 left it: one answered escalation and one pending.
    fn version_12(path: &std::path::Path) -> rusqlite::Result<()> {
        let connection = Connection::open(path)?;
        for migration in &MIGRATIONS[..12] {
            connection.execute_batch(migration)?;
        }
        connection.pragma_update(None, "user_version", 12)?;
        connection.execute_batch(
            "INSERT INTO escalations (id, session_id, created_ms, kind, summary, reason, state,
                                      verdict, answer, answered_ms)
             VALUES (1, 's1', 10, 'question', 'which branch?', 'unattended', 'answered',
                     'answer', 'main', 20),
                    (2, 's1', 30, 'permission', 'Bash: git push --force', 'HIGH', 'pending',
                     NULL, NULL, NULL);",
        )
    }

    #[test]
    fn a_version_12_file_keeps_its_escalations_and_earlier_answers_are_the_clis()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pcc.db");
        version_12(&path)?;
        let mut store = Store::open(&path)?;
        assert_eq!(store.schema_version()?, SCHEMA_VERSION);
        let answered = store.escalation(1)?.ok_or("escalation 1 is gone")?;
        assert_eq!(answered.state, EscalationState::Answered);
        assert_eq!(answered.answer.as_deref(), Some("main"));
        assert_eq!(answered.raised.summary, "which branch?");
        assert_eq!(
            answered.provenance,
            Some(Provenance::new(Answerer::Cli)),
            "only `respond` could answer before"
        );
        let pending = store.escalation(2)?.ok_or("escalation 2 is gone")?;
        assert_eq!(pending.state, EscalationState::Pending);
        assert_eq!(pending.provenance, None);
        let minted =
            store.mint_capabilities(2, &[crate::CapabilityAnswer::Approve], 40, 3_600_000)?;
        assert_eq!(minted.len(), 1, "the new table takes capabilities");
        Ok(())
    }
}
