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
];
