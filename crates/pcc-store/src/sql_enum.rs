//! Closed sets of values stored as text: levels, answers, modes, escalation kinds, who answered,
//! a capability's answer, and the states of sessions, escalations, resumes, queued tasks, task
//! lists, tasks and notifications.
//!
//! Each crosses the store as an enum, so the compiler checks every `match` on it, and is stored
//! as the same text as before (no migration). The store's own enums are declared with
//! [`stored_enum!`], which gives them `ToSql` and `FromSql`; the domain's enums stay in
//! `pcc-core`, which knows nothing of SQLite, and go through the [`Sql`] wrapper (the orphan rule
//! forbids implementing rusqlite's traits for them here). Text the build does not know (a newer
//! pcc-hooks wrote it, or a human) is never a panic nor a default: reading it fails with
//! [`crate::StoreError::UnknownValue`], naming the column and the value.

use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::session_state::SessionState;
use pcc_core::{Answer, Mode};
use pcc_policy::RiskLevel;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A value of a closed set, stored as its name in a text column.
pub trait SqlEnum: Copy + 'static {
    /// Where the values are stored (`table.column`), for the error about an unknown one.
    const COLUMN: &'static str;
    /// Every value: what a stored name is looked up in, and what the round-trip test covers.
    const ALL: &'static [Self];
    /// The name stored.
    fn name(self) -> &'static str;
}

/// A stored name no value of the column has.
#[derive(Debug, thiserror::Error)]
#[error("{column} holds {value:?}, which this build does not know")]
pub(crate) struct UnknownValue {
    /// Where it was read.
    pub(crate) column: &'static str,
    /// The text found.
    pub(crate) value: String,
}

/// The value named `text`, if there is one.
pub(crate) fn from_name<T: SqlEnum>(text: &str) -> Option<T> {
    T::ALL.iter().copied().find(|value| value.name() == text)
}

/// The value named `text`, or the error saying the column holds an unknown one.
fn parse<T: SqlEnum>(value: ValueRef<'_>) -> FromSqlResult<T> {
    let text = value.as_str()?;
    from_name(text).ok_or_else(|| {
        FromSqlError::Other(Box::new(UnknownValue {
            column: T::COLUMN,
            value: text.to_owned(),
        }))
    })
}

/// Binds or reads a domain enum of `pcc-core` as its stored name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sql<T>(pub T);

impl<T: SqlEnum> ToSql for Sql<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.0.name().as_bytes(),
        )))
    }
}

impl<T: SqlEnum> FromSql for Sql<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        parse(value).map(Sql)
    }
}

/// Reads column `index` of `row` as the domain enum `T`.
pub(crate) fn get<T: SqlEnum>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    Ok(row.get::<_, Sql<T>>(index)?.0)
}

/// Reads column `index` of `row`, which may be NULL, as the domain enum `T`.
pub(crate) fn get_opt<T: SqlEnum>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<T>> {
    Ok(row.get::<_, Option<Sql<T>>>(index)?.map(|value| value.0))
}

/// `ToSql` and `FromSql` of a store enum, by its [`SqlEnum`] names.
pub(crate) fn to_sql<T: SqlEnum>(value: T) -> rusqlite::Result<ToSqlOutput<'static>> {
    Ok(ToSqlOutput::Borrowed(ValueRef::Text(
        value.name().as_bytes(),
    )))
}

/// See [`to_sql`].
pub(crate) fn from_sql<T: SqlEnum>(value: ValueRef<'_>) -> FromSqlResult<T> {
    parse(value)
}

/// Declares an enum of the store, stored as text in `$column`: the enum, `as_str`, `Display`,
/// [`SqlEnum`], `ToSql` and `FromSql`, from one list of variants and their names.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $column:literal {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// The name stored, printed and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::sql_enum::SqlEnum for $name {
            const COLUMN: &'static str = $column;
            const ALL: &'static [Self] = &[$( $name::$variant, )+];
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                $crate::sql_enum::to_sql(*self)
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                $crate::sql_enum::from_sql(value)
            }
        }
    };
}
pub(crate) use stored_enum;

/// Makes a `pcc-core` enum storable through [`Sql`]. The `match` in `name` is exhaustive, so a
/// variant added in `pcc-core` does not compile here until it is listed (and so round-trips).
macro_rules! domain_enum {
    ($type:ident in $column:literal: $($variant:ident),+ $(,)?) => {
        impl SqlEnum for $type {
            const COLUMN: &'static str = $column;
            const ALL: &'static [Self] = &[$( $type::$variant, )+];
            fn name(self) -> &'static str {
                match self {
                    $( $type::$variant )|+ => self.as_str(),
                }
            }
        }
    };
}

domain_enum!(RiskLevel in "decisions.level": Low, Medium, High, Critical);
domain_enum!(Answer in "decisions.answer": Allow, Deny, Ask, NoDecision, Contained, Defer);
domain_enum!(Mode in "decisions.mode, escalations.mode": Interactive, Unattended);
domain_enum!(
    EscalationKind in "escalations.kind": Permission, Question, ResumeFailed, Task, TaskUnverified
);
domain_enum!(SessionState in "sessions.state": Working, WaitingForUser, Idle, Errored, Ended);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Answerer, CapabilityAnswer, EscalationState, NotificationState, QueueTaskState,
        ResumeState, TaskListState, TaskState, TaskStatus, Verdict,
    };
    use rusqlite::Connection;

    /// Writes `value` into a fresh table and reads it back, as itself and as text.
    fn write_and_read<V: ToSql + FromSql>(value: &V) -> (V, String) {
        let connection = Connection::open_in_memory().expect("in-memory SQLite");
        connection
            .execute("CREATE TABLE t (value TEXT)", [])
            .expect("a table");
        connection
            .execute("INSERT INTO t VALUES (?1)", [value])
            .expect("a row");
        connection
            .query_row("SELECT value, value FROM t", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .expect("the row back")
    }

    /// Every value of `T` (through [`Sql`]) written and read back through SQLite, as the text
    /// it was stored as before it was an enum.
    fn round_trips<T: SqlEnum + PartialEq + std::fmt::Debug>(expected: &[&str]) {
        let names: Vec<&str> = T::ALL.iter().map(|value| value.name()).collect();
        assert_eq!(names, expected, "{}", T::COLUMN);
        for value in T::ALL {
            let (read, text) = write_and_read(&Sql(*value));
            assert_eq!(read.0, *value);
            assert_eq!(text, value.name());
        }
    }

    /// [`round_trips`], and the same through the store enum's own `ToSql` and `FromSql`.
    fn round_trips_directly<T>(expected: &[&str])
    where
        T: SqlEnum + ToSql + FromSql + PartialEq + std::fmt::Debug,
    {
        round_trips::<T>(expected);
        for value in T::ALL {
            assert_eq!(write_and_read(value), (*value, value.name().to_owned()));
        }
    }

    #[test]
    fn every_value_round_trips_as_the_text_stored_before() {
        round_trips::<RiskLevel>(&["LOW", "MEDIUM", "HIGH", "CRITICAL"]);
        round_trips::<Answer>(&["allow", "deny", "ask", "none", "contained", "defer"]);
        round_trips::<Mode>(&["interactive", "unattended"]);
        round_trips::<EscalationKind>(&[
            "permission",
            "question",
            "resume_failed",
            "task",
            "task_unverified",
        ]);
        round_trips::<SessionState>(&["working", "waiting_for_user", "idle", "errored", "ended"]);
        round_trips_directly::<EscalationState>(&["pending", "answered"]);
        round_trips_directly::<Verdict>(&["approve", "deny", "answer"]);
        round_trips_directly::<Answerer>(&["cli", "api_token", "web_session", "capability"]);
        round_trips_directly::<CapabilityAnswer>(&["approve", "deny"]);
        round_trips_directly::<ResumeState>(&["pending", "running", "done", "failed", "cancelled"]);
        round_trips_directly::<QueueTaskState>(&[
            "pending",
            "active",
            "done",
            "removed",
            "escalated",
        ]);
        round_trips_directly::<TaskListState>(&[
            "pending",
            "running",
            "succeeded",
            "failed",
            "cancelled",
        ]);
        round_trips_directly::<TaskState>(&["pending", "running", "finished"]);
        round_trips_directly::<TaskStatus>(&[
            "succeeded",
            "failed",
            "timed_out",
            "cancelled",
            "rate_limited",
            "unverified",
            "skipped",
        ]);
        round_trips_directly::<NotificationState>(&[
            "sending",
            "sent",
            "partial",
            "failed",
            "duplicate",
            "rate_limited",
        ]);
    }

    #[test]
    fn the_escalation_kinds_are_those_pcc_core_lists() {
        assert_eq!(
            <EscalationKind as SqlEnum>::ALL,
            EscalationKind::ALL.as_slice()
        );
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_the_column_and_the_value() {
        let connection = Connection::open_in_memory().expect("in-memory SQLite");
        let error = connection
            .query_row("SELECT 'paused'", [], |row| row.get::<_, ResumeState>(0))
            .expect_err("an unknown name");
        assert!(
            error
                .to_string()
                .contains(r#"resumes.state holds "paused""#),
            "{error}"
        );
        let error = connection
            .query_row("SELECT 'low'", [], |row| get::<RiskLevel>(row, 0))
            .expect_err("an unknown name");
        assert!(
            error.to_string().contains(r#"decisions.level holds "low""#),
            "{error}"
        );
        let null = connection
            .query_row("SELECT NULL", [], |row| get_opt::<Mode>(row, 0))
            .expect("in-memory SQLite");
        assert_eq!(null, None, "NULL is no value, not an unknown one");
    }
}
