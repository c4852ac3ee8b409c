//! Notifications: every message pcc-hooks decided to send a human (Claude Code's `Notification`
//! hook, new escalations, `notify test`), every one it held back as a duplicate or over the rate
//! cap, and how each channel fared.
//!
//! The throttle's decision and the row it produces are one transaction
//! ([`Store::record_notification`]): two hook processes racing on the same message see each
//! other's row, so exactly one of them sends it. The sending itself happens later, usually in a
//! detached child, which fills in the deliveries ([`Store::finish_notification`]).

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::stored_enum;
use pcc_core::redact::{redact, redact_opt};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Value, json};

/// Most recent sends the throttle lookup reads. The lookup is already bounded to the throttle's
/// window; this caps a window flooded with high-urgency sends (which the rate cap lets through).
pub const RECENT_SENDS_LIMIT: u32 = 1000;

/// How long a notification may stay `sending`: far longer than any send can last (every channel
/// within `timeout_ms`, at most 30 s, plus a grace and the write of the outcome). A row still
/// `sending` after that lost its sender — killed, or the machine stopped — and the next
/// notification recorded finishes it as failed, saying so; it is never sent again (the dead
/// sender may have delivered before it died).
pub const SENDING_LEASE_MS: i64 = 5 * 60 * 1000;

/// The channel name under which an abandoned send is finished.
pub const SENDER_CHANNEL: &str = "sender";

/// A notification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The session it is about; `None` for messages about no session (`notify test`).
    pub session_id: Option<String>,
    /// When it was raised, ms since the epoch.
    pub at_ms: i64,
    /// Why (`permission_prompt`, `escalation`, `test`, …: `pcc_notify::NotifyKind`).
    pub kind: String,
    /// What the throttle compares: two messages of one session with the same key are duplicates.
    pub dedupe_key: String,
    /// The headline.
    pub title: String,
    /// The text.
    pub body: String,
    /// `low`, `normal` or `high`.
    pub urgency: String,
    /// The escalation it announces, if any.
    pub escalation_id: Option<i64>,
}

stored_enum! {
    /// Where a notification stands.
    pub enum NotificationState in "notifications.state" {
        /// Decided to send; the channels have not all reported yet (or the sender died).
        Sending = "sending",
        /// At least one channel delivered and none failed (channels skipped as unavailable here,
        /// such as a missing desktop notifier, do not count as failures).
        Sent = "sent",
        /// Some channels delivered, some failed.
        Partial = "partial",
        /// No channel delivered.
        Failed = "failed",
        /// Held back: the same message was sent for the session within the throttle window.
        Duplicate = "duplicate",
        /// Held back: the session reached its cap of sends within the window.
        RateLimited = "rate_limited",
    }
}

impl NotificationState {
    /// The final state of a send whose channels reported `deliveries`: the table's summary of
    /// them, so `notify log` and tests need not re-read every delivery.
    pub fn after(deliveries: &[DeliveryRecord]) -> NotificationState {
        let delivered = deliveries.iter().filter(|d| d.ok).count();
        let failed = deliveries.iter().filter(|d| !d.ok && !d.skipped).count();
        match (delivered, failed) {
            (0, _) => NotificationState::Failed,
            (_, 0) => NotificationState::Sent,
            _ => NotificationState::Partial,
        }
    }

    /// Whether the message was (or is being) sent, as opposed to held back by the throttle.
    pub fn was_sent(self) -> bool {
        !matches!(
            self,
            NotificationState::Duplicate | NotificationState::RateLimited
        )
    }
}

/// How one channel fared (stored as JSON in the `deliveries` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// `desktop`, `bell`, or `webhook[<i>] <format> <host>` (never the URL: it may be a secret).
    pub channel: String,
    /// Delivered.
    pub ok: bool,
    /// Not attempted because the channel is unavailable here; `error` says why.
    pub skipped: bool,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// Milliseconds from the start of the send to this channel's outcome.
    pub elapsed_ms: i64,
}

/// A recent send, as the throttle needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentNotification {
    /// Its session.
    pub session_id: Option<String>,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// When it was raised, ms since the epoch.
    pub at_ms: i64,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Row id.
    pub id: i64,
    /// What was recorded.
    pub message: NewNotification,
    /// Where it stands.
    pub state: NotificationState,
    /// Each channel's outcome, once the send finished.
    pub deliveries: Vec<DeliveryRecord>,
    /// When the send finished (or, for a held-back message, when it was held back).
    pub finished_ms: Option<i64>,
}

const COLUMNS: &str = "id, session_id, at_ms, kind, dedupe_key, title, body, urgency, escalation_id, \
                       state, deliveries, finished_ms";

fn notification_from_row(row: &Row<'_>) -> rusqlite::Result<StoredNotification> {
    let deliveries: Option<String> = row.get(10)?;
    Ok(StoredNotification {
        id: row.get(0)?,
        message: NewNotification {
            session_id: row.get(1)?,
            at_ms: row.get(2)?,
            kind: row.get(3)?,
            dedupe_key: row.get(4)?,
            title: row.get(5)?,
            body: row.get(6)?,
            urgency: row.get(7)?,
            escalation_id: row.get(8)?,
        },
        state: row.get(9)?,
        deliveries: deliveries
            .as_deref()
            .map(deliveries_from_json)
            .transpose()
            .map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(
                    10,
                    rusqlite::types::Type::Text,
                    error.into(),
                )
            })?
            .unwrap_or_default(),
        finished_ms: row.get(11)?,
    })
}

fn deliveries_to_json(deliveries: &[DeliveryRecord]) -> String {
    Value::Array(
        deliveries
            .iter()
            .map(|d| {
                json!({
                    "channel": d.channel,
                    "ok": d.ok,
                    "skipped": d.skipped,
                    "error": redact_opt(d.error.as_deref()),
                    "elapsed_ms": d.elapsed_ms,
                })
            })
            .collect(),
    )
    .to_string()
}

fn deliveries_from_json(text: &str) -> Result<Vec<DeliveryRecord>, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
    let items = value
        .as_array()
        .ok_or_else(|| "deliveries is not a JSON array".to_owned())?;
    items
        .iter()
        .map(|item| {
            Ok(DeliveryRecord {
                channel: item["channel"]
                    .as_str()
                    .ok_or_else(|| "a delivery without a channel".to_owned())?
                    .to_owned(),
                ok: item["ok"].as_bool().unwrap_or(false),
                skipped: item["skipped"].as_bool().unwrap_or(false),
                error: item["error"].as_str().map(str::to_owned),
                elapsed_ms: item["elapsed_ms"].as_i64().unwrap_or(0),
            })
        })
        .collect()
}

impl Store {
    /// Records `message` with the state `decide` gives it, in one transaction with the lookup
    /// `decide` sees: the sends of the message's session raised at or after `since_ms` (the
    /// throttle's window), newest first, at most [`RECENT_SENDS_LIMIT`]. A held-back message is
    /// finished at once (`finished_ms = at_ms`). Returns the row id and the state.
    ///
    /// Sends left `sending` for longer than `SENDING_LEASE_MS` (5 minutes) before `message.at_ms` are
    /// finished as failed in the same transaction (their sender died).
    pub fn record_notification(
        &mut self,
        message: &NewNotification,
        since_ms: i64,
        decide: impl FnOnce(&[RecentNotification]) -> NotificationState,
    ) -> Result<(i64, NotificationState), StoreError> {
        self.write(|transaction| {
            finish_abandoned_sends(transaction, message.at_ms)?;
            let recent = recent_sends(
                transaction,
                message.session_id.as_deref(),
                since_ms,
                RECENT_SENDS_LIMIT,
            )?;
            let state = decide(&recent);
            let finished_ms = (!state.was_sent()).then_some(message.at_ms);
            let id = transaction.query_row(
                "INSERT INTO notifications (session_id, at_ms, kind, dedupe_key, title, body, urgency,
                                            escalation_id, state, finished_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 RETURNING id",
                params![
                    message.session_id,
                    message.at_ms,
                    message.kind,
                    message.dedupe_key,
                    redact(&message.title),
                    redact(&message.body),
                    message.urgency,
                    message.escalation_id,
                    state,
                    finished_ms,
                ],
                |row| row.get(0),
            )?;
            Ok((id, state))
        })
    }

    /// The sends (not the held-back messages) of `session_id` (`None`: messages without a
    /// session) raised at or after `since_ms`, newest first, at most `limit`.
    pub fn recent_notification_sends(
        &self,
        session_id: Option<&str>,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<RecentNotification>, StoreError> {
        recent_sends(&self.conn, session_id, since_ms, limit).map_err(|source| self.error(source))
    }

    /// Stores the outcome of each channel of notification `id` and its final state
    /// ([`NotificationState::after`] the deliveries). Returns that state.
    pub fn finish_notification(
        &mut self,
        id: i64,
        deliveries: &[DeliveryRecord],
        finished_ms: i64,
    ) -> Result<NotificationState, StoreError> {
        let state = NotificationState::after(deliveries);
        let json = deliveries_to_json(deliveries);
        self.write(|transaction| {
            transaction.execute(
                "UPDATE notifications SET state = ?2, deliveries = ?3, finished_ms = ?4 WHERE id = ?1",
                params![id, state, json, finished_ms],
            )
        })?;
        Ok(state)
    }

    /// One notification.
    pub fn notification(&self, id: i64) -> Result<Option<StoredNotification>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1"),
                params![id],
                notification_from_row,
            )
            .optional()
            .map_err(|source| self.error(source))
    }

    /// The latest notifications, newest first (`notify log`).
    pub fn notifications(&self, limit: u32) -> Result<Vec<StoredNotification>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM notifications ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![limit], notification_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }
}

/// Finishes as failed every send still `sending` [`SENDING_LEASE_MS`] after it was raised.
fn finish_abandoned_sends(conn: &rusqlite::Connection, now_ms: i64) -> rusqlite::Result<usize> {
    let abandoned = DeliveryRecord {
        channel: SENDER_CHANNEL.to_owned(),
        ok: false,
        skipped: false,
        error: Some(format!(
            "the sender ended without recording an outcome within {} s (killed, or the machine \
             stopped); not sent again",
            SENDING_LEASE_MS / 1000
        )),
        elapsed_ms: SENDING_LEASE_MS,
    };
    conn.execute(
        "UPDATE notifications SET state = 'failed', deliveries = ?2, finished_ms = ?3
         WHERE state = 'sending' AND at_ms < ?1",
        params![
            now_ms.saturating_sub(SENDING_LEASE_MS),
            deliveries_to_json(&[abandoned]),
            now_ms
        ],
    )
}

/// The throttle lookup, on a connection or inside a transaction (which derefs to one). Served
/// by `notifications_by_session(session_id, at_ms)`.
fn recent_sends(
    conn: &rusqlite::Connection,
    session_id: Option<&str>,
    since_ms: i64,
    limit: u32,
) -> rusqlite::Result<Vec<RecentNotification>> {
    let mut statement = conn.prepare_cached(
        "SELECT session_id, dedupe_key, at_ms FROM notifications
         WHERE session_id IS ?1 AND at_ms >= ?2 AND state NOT IN ('duplicate', 'rate_limited')
         ORDER BY at_ms DESC LIMIT ?3",
    )?;
    let rows = statement.query_map(params![session_id, since_ms, limit], |row| {
        Ok(RecentNotification {
            session_id: row.get(0)?,
            dedupe_key: row.get(1)?,
            at_ms: row.get(2)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(session: Option<&str>, key: &str, at_ms: i64) -> NewNotification {
        NewNotification {
            session_id: session.map(str::to_owned),
            at_ms,
            kind: "permission_prompt".to_owned(),
            dedupe_key: key.to_owned(),
            title: "Claude needs your permission".to_owned(),
            body: "Bash: rm -rf build".to_owned(),
            urgency: "normal".to_owned(),
            escalation_id: None,
        }
    }

    fn delivery(channel: &str, ok: bool, skipped: bool) -> DeliveryRecord {
        DeliveryRecord {
            channel: channel.to_owned(),
            ok,
            skipped,
            error: (!ok).then(|| format!("{channel} did not deliver")),
            elapsed_ms: 7,
        }
    }

    #[test]
    fn the_final_state_summarises_the_channels() {
        let ok = delivery("webhook[0] json 127.0.0.1:1", true, false);
        let failed = delivery("webhook[1] json 127.0.0.1:2", false, false);
        let skipped = delivery("desktop", false, true);
        assert_eq!(
            NotificationState::after(&[ok.clone(), skipped.clone()]),
            NotificationState::Sent
        );
        assert_eq!(
            NotificationState::after(&[ok, failed.clone()]),
            NotificationState::Partial
        );
        assert_eq!(
            NotificationState::after(&[failed, skipped.clone()]),
            NotificationState::Failed
        );
        assert_eq!(
            NotificationState::after(&[skipped]),
            NotificationState::Failed,
            "nothing reached the human"
        );
        assert_eq!(NotificationState::after(&[]), NotificationState::Failed);
    }

    #[test]
    fn the_throttle_sees_the_sends_of_its_session_within_the_window()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("pcc.db"))?;
        let send = |_: &[RecentNotification]| NotificationState::Sending;
        store.record_notification(&message(Some("a"), "k1", 1_000), 0, send)?;
        store.record_notification(&message(Some("a"), "k2", 5_000), 0, send)?;
        store.record_notification(&message(Some("b"), "k1", 5_000), 0, send)?;
        store.record_notification(&message(None, "k1", 5_000), 0, send)?;
        let (_, held) = store.record_notification(&message(Some("a"), "k3", 6_000), 0, |_| {
            NotificationState::Duplicate
        })?;
        assert_eq!(held, NotificationState::Duplicate);

        // Inside the transaction, the decider sees session a's sends since 2 s, newest first;
        // other sessions, older sends and held-back messages are not in its window.
        let mut seen = Vec::new();
        let (id, state) =
            store.record_notification(&message(Some("a"), "k2", 7_000), 2_000, |recent| {
                seen = recent.to_vec();
                NotificationState::Duplicate
            })?;
        assert_eq!(state, NotificationState::Duplicate);
        assert_eq!(
            seen,
            vec![RecentNotification {
                session_id: Some("a".to_owned()),
                dedupe_key: "k2".to_owned(),
                at_ms: 5_000
            }]
        );
        let stored = store.notification(id)?.expect("the held-back row");
        assert_eq!(stored.finished_ms, Some(7_000), "held back means finished");
        assert_eq!(
            store.recent_notification_sends(None, 0, 10)?.len(),
            1,
            "messages without a session are their own bucket"
        );
        Ok(())
    }

    #[test]
    fn of_racing_processes_exactly_one_sends_the_same_message()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pcc.db");
        Store::open(&path)?;
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || -> Result<NotificationState, StoreError> {
                    let mut store = Store::open(&path)?;
                    let (_, state) = store.record_notification(
                        &message(Some("s"), "k", 1_000),
                        0,
                        |recent| {
                            if recent.iter().any(|sent| sent.dedupe_key == "k") {
                                NotificationState::Duplicate
                            } else {
                                NotificationState::Sending
                            }
                        },
                    )?;
                    Ok(state)
                })
            })
            .collect();
        let mut sending = 0;
        for racer in racers {
            let state = racer.join().map_err(|_| "a racer panicked")??;
            if state == NotificationState::Sending {
                sending += 1;
            }
        }
        assert_eq!(sending, 1, "the lookup and the insert are one transaction");
        Ok(())
    }

    #[test]
    fn a_send_whose_sender_died_is_finished_by_the_next_notification_after_its_lease()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("pcc.db"))?;
        let send = |_: &[RecentNotification]| NotificationState::Sending;
        let (orphan, _) = store.record_notification(&message(Some("a"), "k1", 1_000), 0, send)?;
        let within = 1_000 + SENDING_LEASE_MS;
        let (young, _) = store.record_notification(&message(Some("b"), "k2", within), 0, send)?;
        let still = store.notification(orphan)?.expect("the orphan");
        assert_eq!(still.state, NotificationState::Sending, "within its lease");

        let after = within + 1;
        store.record_notification(&message(Some("c"), "k3", after), 0, send)?;
        let finished = store.notification(orphan)?.expect("the orphan");
        assert_eq!(finished.state, NotificationState::Failed);
        assert_eq!(finished.finished_ms, Some(after));
        assert_eq!(finished.deliveries.len(), 1);
        assert_eq!(finished.deliveries[0].channel, SENDER_CHANNEL);
        assert!(
            finished.deliveries[0]
                .error
                .as_deref()
                .is_some_and(|why| why.contains("not sent again")),
            "{finished:?}"
        );
        let young = store.notification(young)?.expect("the young one");
        assert_eq!(
            young.state,
            NotificationState::Sending,
            "still in its lease"
        );
        Ok(())
    }

    #[test]
    fn secrets_in_a_notification_are_not_stored() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("pcc.db"))?;
        let mut leaky = message(Some("s"), "k", 1_000);
        leaky.title = "docker login --password TitlePw9x".to_owned();
        leaky.body = "Bash: mysql -pBodyPw9x shop".to_owned();
        let (id, _) = store.record_notification(&leaky, 0, |_| NotificationState::Sending)?;
        let mut failed = delivery("webhook[0] json 127.0.0.1:1", false, false);
        failed.error = Some("HTTP 400: bad token=ErrTok9xyz".to_owned());
        store.finish_notification(id, &[failed], 2_000)?;
        let stored = format!("{:?}", store.notification(id)?);
        for secret in ["TitlePw9x", "BodyPw9x", "ErrTok9xyz"] {
            assert!(!stored.contains(secret), "{secret}: {stored}");
        }
        Ok(())
    }

    #[test]
    fn deliveries_are_stored_and_listed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("pcc.db"))?;
        let mut escalation = message(Some("s"), "escalation:4", 1_000);
        escalation.escalation_id = Some(4);
        escalation.urgency = "high".to_owned();
        let (id, state) =
            store.record_notification(&escalation, 0, |_| NotificationState::Sending)?;
        assert_eq!(state, NotificationState::Sending);
        let listed = store.notifications(10)?;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].state, NotificationState::Sending);
        assert!(listed[0].deliveries.is_empty());
        assert_eq!(listed[0].finished_ms, None);

        let deliveries = vec![
            delivery("desktop", false, true),
            delivery("webhook[0] slack hooks.slack.com", true, false),
            delivery("webhook[1] ntfy ntfy.sh", false, false),
        ];
        assert_eq!(
            store.finish_notification(id, &deliveries, 1_250)?,
            NotificationState::Partial
        );
        let stored = store.notification(id)?.expect("the row");
        assert_eq!(stored.message, escalation);
        assert_eq!(stored.state, NotificationState::Partial);
        assert_eq!(stored.deliveries, deliveries);
        assert_eq!(stored.finished_ms, Some(1_250));
        assert_eq!(store.notification(id + 1)?, None);
        Ok(())
    }
}
