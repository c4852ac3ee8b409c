//! Incoming webhook deliveries (`pcc-hooks serve`'s `/webhooks/<source>`): every one, whatever
//! became of it, for `pcc-hooks webhooks log`; the first signed delivery of each id, so a replay
//! is known; and the work a rule asked for, from its record to its outcome.
//!
//! A delivery is recorded before it is answered, and its work is done after that commit:
//! - [`Store::accept_webhook_delivery`] records a signed delivery in one transaction that also
//!   tells whether its id was seen before (a unique index over accepted deliveries), so two
//!   racing copies of one delivery never both cause work;
//! - [`Store::claim_webhook_work`] moves it from `pending` to `working` for exactly one caller,
//!   and [`Store::finish_webhook_work`] records what the work became;
//! - [`Store::recover_webhook_work`], at a server's start, finds what the last server left:
//!   `pending` work (recorded, never begun) is handed back to be done, `working` work (begun,
//!   its end unknown) becomes `interrupted`, never done twice.
//!
//! Refused deliveries (unsigned, badly signed, too large) are kept for diagnosis but bounded:
//! only the newest [`REFUSED_KEPT`] stay, so a flood of them cannot fill the disk. Accepted ones
//! are kept, since they are what makes a replay detectable. Nothing of a body is stored except
//! the prompt a rule rendered from it (already redacted), until its work is done; a signature or
//! query token never is.

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::{self, SqlEnum, stored_enum};
use pcc_core::config::{WebhookAction, WebhookSource};
use pcc_core::redact::redact_and_truncate;
use rusqlite::{OptionalExtension, Row, params};

/// How many refused deliveries are kept (the newest).
pub const REFUSED_KEPT: i64 = 5_000;

/// The longest event name, delivery id and detail kept, in characters.
const EVENT_CHARS: usize = 100;
const ID_CHARS: usize = 200;
const DETAIL_CHARS: usize = 2_000;

impl SqlEnum for WebhookSource {
    const COLUMN: &'static str = "webhook_deliveries.source";
    const ALL: &'static [Self] = &WebhookSource::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl SqlEnum for WebhookAction {
    const COLUMN: &'static str = "webhook_deliveries.action";
    const ALL: &'static [Self] = &WebhookAction::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

stored_enum! {
    /// What became of a delivery.
    pub enum WebhookOutcome in "webhook_deliveries.outcome" {
        /// The source has no `[webhooks.<source>]` section or its secret variable is unset (401).
        NotConfigured = "not_configured",
        /// config.toml cannot be used, so no rule can be trusted (503).
        ConfigError = "config_error",
        /// Over `max_body_bytes` (413), refused before it was read whole.
        TooLarge = "too_large",
        /// No signature (401).
        Unsigned = "unsigned",
        /// A signature that is not the secret's (401).
        BadSignature = "bad_signature",
        /// Signed, but not a JSON object or of no event we can name (400).
        Invalid = "invalid",
        /// Signed, with an id already accepted (409): nothing done again.
        Duplicate = "duplicate",
        /// Signed; no rule matches it (422, or 200 for a `ping`): nothing to do.
        Ignored = "ignored",
        /// Signed and matched: its work is recorded and not begun (202).
        Pending = "pending",
        /// Its work has begun.
        Working = "working",
        /// The prompt was queued for the project (`work` is the task id).
        Queued = "queued",
        /// A session was started with the prompt (`work` is its id).
        Started = "started",
        /// A task list of the prompt runs (`work` is its id).
        Listed = "listed",
        /// The work could not be done (`detail` says why).
        Failed = "failed",
        /// The server stopped while doing the work; whether it was done is unknown, so it is not
        /// done again.
        Interrupted = "interrupted",
    }
}

impl WebhookOutcome {
    /// Whether the work is still to be done or being done.
    pub fn is_open(self) -> bool {
        matches!(self, WebhookOutcome::Pending | WebhookOutcome::Working)
    }
}

/// A delivery as it arrived: what it says it is. Until its signature is checked these are the
/// sender's claims, stored (redacted, cut) only to explain a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedDelivery {
    /// When it arrived, ms since the epoch.
    pub received_ms: i64,
    /// Its endpoint.
    pub source: WebhookSource,
    /// Its event (`issues.labeled`), when it could be told.
    pub event: Option<String>,
    /// Its delivery id (`X-GitHub-Delivery`, `Request-ID`, `X-Atlassian-Webhook-Identifier`, or
    /// the body's digest when it has none).
    pub delivery_id: String,
}

/// The work a rule asks of an accepted delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryWork {
    /// The rule, as `WebhookRule::describe` names it.
    pub rule: String,
    /// What to do.
    pub action: WebhookAction,
    /// The project it is for.
    pub project: String,
    /// The prompt rendered from the payload (redacted again when stored).
    pub prompt: String,
}

/// What recording a signed delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// New: recorded as row `id` (`pending` with work, else `ignored`).
    Accepted(i64),
    /// Its id was accepted before, as row `first`; this copy is row `id`, a `duplicate`.
    Duplicate {
        /// This copy's row.
        id: i64,
        /// The first copy's row.
        first: i64,
    },
}

/// Work claimed by [`Store::claim_webhook_work`], to be done now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedWork {
    /// The delivery's row.
    pub id: i64,
    /// Where it came from.
    pub source: WebhookSource,
    /// Its delivery id.
    pub delivery_id: String,
    /// What to do.
    pub work: DeliveryWork,
}

/// A recorded delivery, as `webhooks log` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Its row.
    pub id: i64,
    /// What it said it was.
    pub received: ReceivedDelivery,
    /// What became of it.
    pub outcome: WebhookOutcome,
    /// The HTTP status it was answered with.
    pub status: u16,
    /// The rule that matched it.
    pub rule: Option<String>,
    /// That rule's action.
    pub action: Option<WebhookAction>,
    /// That rule's project.
    pub project: Option<String>,
    /// What the work made: a queued task's id, a session's id, a task list's id.
    pub work: Option<String>,
    /// Why it was refused or failed, or why nothing was done.
    pub detail: Option<String>,
    /// When its work ended.
    pub finished_ms: Option<i64>,
}

const COLUMNS: &str = "id, received_ms, source, event, delivery_id, outcome, status, rule, action, \
                       project, work, detail, finished_ms";

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: row.get(0)?,
        received: ReceivedDelivery {
            received_ms: row.get(1)?,
            source: sql_enum::get(row, 2)?,
            event: row.get(3)?,
            delivery_id: row.get(4)?,
        },
        outcome: row.get(5)?,
        status: row.get(6)?,
        rule: row.get(7)?,
        action: sql_enum::get_opt(row, 8)?,
        project: row.get(9)?,
        work: row.get(10)?,
        detail: row.get(11)?,
        finished_ms: row.get(12)?,
    })
}

/// Inserts one row; `accepted` rows are the ones the unique index holds to one per id, and an
/// `INSERT OR IGNORE` of one whose id is taken inserts nothing (`None`).
fn insert(
    conn: &rusqlite::Connection,
    received: &ReceivedDelivery,
    accepted: bool,
    outcome: WebhookOutcome,
    status: u16,
    work: Option<&DeliveryWork>,
    detail: Option<&str>,
) -> rusqlite::Result<Option<i64>> {
    let finished_ms = (!outcome.is_open()).then_some(received.received_ms);
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO webhook_deliveries
             (received_ms, source, event, delivery_id, accepted, outcome, status, rule, action,
              project, prompt, detail, finished_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            received.received_ms,
            sql_enum::Sql(received.source),
            received
                .event
                .as_deref()
                .map(|event| redact_and_truncate(event, EVENT_CHARS)),
            redact_and_truncate(&received.delivery_id, ID_CHARS),
            accepted,
            outcome,
            status,
            work.map(|work| redact_and_truncate(&work.rule, DETAIL_CHARS)),
            work.map(|work| sql_enum::Sql(work.action)),
            work.map(|work| work.project.as_str()),
            work.map(|work| pcc_core::redact::redact(&work.prompt)),
            detail.map(|detail| redact_and_truncate(detail, DETAIL_CHARS)),
            finished_ms,
        ],
    )?;
    Ok((inserted == 1).then(|| conn.last_insert_rowid()))
}

/// Deletes refused deliveries beyond the newest [`REFUSED_KEPT`].
fn prune_refused(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM webhook_deliveries WHERE accepted = 0 AND id <= (
             SELECT id FROM webhook_deliveries WHERE accepted = 0
             ORDER BY id DESC LIMIT 1 OFFSET ?1)",
        params![REFUSED_KEPT],
    )
}

impl Store {
    /// Records a delivery refused before it was trusted (or for what its signed body is), with
    /// the status it is answered with and why; returns its row.
    pub fn record_webhook_refusal(
        &mut self,
        received: &ReceivedDelivery,
        outcome: WebhookOutcome,
        status: u16,
        detail: &str,
    ) -> Result<i64, StoreError> {
        self.write(|transaction| {
            let id = insert(
                transaction,
                received,
                false,
                outcome,
                status,
                None,
                Some(detail),
            )?
            .unwrap_or_default();
            prune_refused(transaction)?;
            Ok(id)
        })
    }

    /// Records a signed delivery answered with `status`: `pending` with the work its rule asks
    /// for (202), or `ignored` (with `detail` saying why) when no rule matched. If its id was
    /// accepted before, nothing is accepted: the copy is recorded as a `duplicate` (409)
    /// instead, in the same transaction.
    pub fn accept_webhook_delivery(
        &mut self,
        received: &ReceivedDelivery,
        work: Option<&DeliveryWork>,
        detail: Option<&str>,
        status: u16,
    ) -> Result<Acceptance, StoreError> {
        let outcome = match work {
            Some(_) => WebhookOutcome::Pending,
            None => WebhookOutcome::Ignored,
        };
        self.write(|transaction| {
            if let Some(id) = insert(transaction, received, true, outcome, status, work, detail)? {
                return Ok(Acceptance::Accepted(id));
            }
            let first: i64 = transaction.query_row(
                "SELECT id FROM webhook_deliveries
                 WHERE source = ?1 AND delivery_id = ?2 AND accepted = 1",
                params![
                    sql_enum::Sql(received.source),
                    redact_and_truncate(&received.delivery_id, ID_CHARS)
                ],
                |row| row.get(0),
            )?;
            let detail = format!("already received as #{first}; nothing is done again");
            let id = insert(
                transaction,
                received,
                false,
                WebhookOutcome::Duplicate,
                409,
                None,
                Some(&detail),
            )?
            .unwrap_or_default();
            prune_refused(transaction)?;
            Ok(Acceptance::Duplicate { id, first })
        })
    }

    /// Takes delivery `id`'s work if it is still `pending` (it becomes `working`); `None` when
    /// someone else took it, or it has none.
    pub fn claim_webhook_work(&mut self, id: i64) -> Result<Option<ClaimedWork>, StoreError> {
        self.write(|transaction| {
            transaction
                .query_row(
                    "UPDATE webhook_deliveries SET outcome = 'working'
                     WHERE id = ?1 AND outcome = 'pending'
                     RETURNING id, source, delivery_id, rule, action, project, prompt",
                    params![id],
                    |row| {
                        Ok(ClaimedWork {
                            id: row.get(0)?,
                            source: sql_enum::get(row, 1)?,
                            delivery_id: row.get(2)?,
                            work: DeliveryWork {
                                rule: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                                action: sql_enum::get(row, 4)?,
                                project: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                                prompt: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
                            },
                        })
                    },
                )
                .optional()
        })
    }

    /// Records how delivery `id`'s work ended: what it made (`work`) or why it failed
    /// (`detail`). The prompt is dropped: the task, session or list holds it now.
    pub fn finish_webhook_work(
        &mut self,
        id: i64,
        outcome: WebhookOutcome,
        work: Option<&str>,
        detail: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE webhook_deliveries
                 SET outcome = ?2, work = ?3, detail = ?4, finished_ms = ?5, prompt = NULL
                 WHERE id = ?1",
                params![
                    id,
                    outcome,
                    work,
                    detail.map(|detail| redact_and_truncate(detail, DETAIL_CHARS)),
                    now_ms
                ],
            )?;
            Ok(())
        })
    }

    /// What a server that stopped left: marks work it had begun `interrupted` and returns the
    /// rows whose work it never began, oldest first, to be done now. Only the one server of the
    /// database (it holds the server lock) may call this, at its start.
    pub fn recover_webhook_work(&mut self, now_ms: i64) -> Result<Vec<i64>, StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE webhook_deliveries
                 SET outcome = 'interrupted', finished_ms = ?1, prompt = NULL,
                     detail = 'the server stopped while doing this work, so whether it was done \
                               is unknown: it is not done again; check the queue and the \
                               sessions, and queue the task by hand if it is missing'
                 WHERE outcome = 'working'",
                params![now_ms],
            )?;
            let mut statement = transaction.prepare(
                "SELECT id FROM webhook_deliveries WHERE outcome = 'pending' ORDER BY id",
            )?;
            let ids = statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(ids)
        })
    }

    /// The newest `limit` deliveries, newest first.
    pub fn webhook_deliveries(&self, limit: u32) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM webhook_deliveries ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![limit], delivery_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Delivery `id`.
    pub fn webhook_delivery(&self, id: i64) -> Result<Option<WebhookDelivery>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM webhook_deliveries WHERE id = ?1"),
                params![id],
                delivery_from_row,
            )
            .optional()
            .map_err(|source| self.error(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("pcc.db")).expect("open");
        (dir, store)
    }

    fn received(id: &str) -> ReceivedDelivery {
        ReceivedDelivery {
            received_ms: 1_000,
            source: WebhookSource::Github,
            event: Some("issues.labeled".into()),
            delivery_id: id.into(),
        }
    }

    fn work() -> DeliveryWork {
        DeliveryWork {
            rule: "#1 github issues.labeled → queue /srv".into(),
            action: WebhookAction::Queue,
            project: "/srv".into(),
            prompt: "Fix it. AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        }
    }

    #[test]
    fn a_delivery_id_is_accepted_once_and_its_work_claimed_once() -> Result<(), StoreError> {
        let (_dir, mut store) = store();
        let Acceptance::Accepted(id) =
            store.accept_webhook_delivery(&received("d-1"), Some(&work()), None, 202)?
        else {
            panic!("the first copy is accepted");
        };
        let again = store.accept_webhook_delivery(&received("d-1"), Some(&work()), None, 202)?;
        let Acceptance::Duplicate { id: copy, first } = again else {
            panic!("a replay is a duplicate: {again:?}");
        };
        assert_eq!(first, id);
        let other_source = ReceivedDelivery {
            source: WebhookSource::Sentry,
            ..received("d-1")
        };
        assert!(matches!(
            store.accept_webhook_delivery(&other_source, None, Some("no rule"), 202)?,
            Acceptance::Accepted(_)
        ));
        let claimed = store.claim_webhook_work(id)?.expect("pending work");
        assert_eq!(claimed.work.action, WebhookAction::Queue);
        assert!(
            !claimed.work.prompt.contains("wJalrXUtnFEMI"),
            "stored redacted: {}",
            claimed.work.prompt
        );
        assert_eq!(store.claim_webhook_work(id)?, None, "claimed once");
        assert_eq!(
            store.claim_webhook_work(copy)?,
            None,
            "a duplicate has no work"
        );
        store.finish_webhook_work(id, WebhookOutcome::Queued, Some("7"), None, 2_000)?;
        let shown = store.webhook_delivery(id)?.expect("recorded");
        assert_eq!(
            (shown.outcome, shown.work.as_deref(), shown.finished_ms),
            (WebhookOutcome::Queued, Some("7"), Some(2_000))
        );
        let log = store.webhook_deliveries(10)?;
        let outcomes: Vec<WebhookOutcome> = log.iter().map(|row| row.outcome).collect();
        assert_eq!(
            outcomes,
            [
                WebhookOutcome::Ignored,
                WebhookOutcome::Duplicate,
                WebhookOutcome::Queued
            ]
        );
        assert_eq!(log[1].status, 409);
        Ok(())
    }

    #[test]
    fn a_refused_delivery_does_not_hold_its_id_and_refusals_are_bounded() -> Result<(), StoreError>
    {
        let (_dir, mut store) = store();
        store.record_webhook_refusal(
            &received("d-2"),
            WebhookOutcome::BadSignature,
            401,
            "the signature is not the secret's",
        )?;
        assert!(
            matches!(
                store.accept_webhook_delivery(&received("d-2"), None, None, 202)?,
                Acceptance::Accepted(_)
            ),
            "a forged copy sent first cannot block the real one"
        );
        for n in 0..REFUSED_KEPT + 10 {
            store.record_webhook_refusal(
                &received(&format!("x-{n}")),
                WebhookOutcome::Unsigned,
                401,
                "no signature",
            )?;
        }
        let all = store.webhook_deliveries(u32::MAX)?;
        let refused = all
            .iter()
            .filter(|row| row.outcome == WebhookOutcome::Unsigned)
            .count();
        assert_eq!(i64::try_from(refused).unwrap_or_default(), REFUSED_KEPT);
        assert!(
            all.iter()
                .any(|row| row.received.delivery_id == "d-2"
                    && row.outcome == WebhookOutcome::Ignored),
            "accepted deliveries stay: they are what makes a replay known"
        );
        assert!(matches!(
            store.accept_webhook_delivery(&received("d-2"), None, None, 202)?,
            Acceptance::Duplicate { .. }
        ));
        Ok(())
    }

    #[test]
    fn a_restart_does_pending_work_and_never_redoes_begun_work() -> Result<(), StoreError> {
        let (_dir, mut store) = store();
        let ids: Vec<i64> = ["a", "b", "c"]
            .into_iter()
            .map(|id| {
                match store.accept_webhook_delivery(&received(id), Some(&work()), None, 202) {
                    Ok(Acceptance::Accepted(row)) => row,
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        store.claim_webhook_work(ids[0])?.expect("claimed");
        store.claim_webhook_work(ids[2])?.expect("claimed");
        store.finish_webhook_work(ids[2], WebhookOutcome::Failed, None, Some("no dir"), 5)?;
        assert_eq!(store.recover_webhook_work(9)?, vec![ids[1]]);
        let begun = store.webhook_delivery(ids[0])?.expect("row");
        assert_eq!(begun.outcome, WebhookOutcome::Interrupted);
        assert_eq!(store.claim_webhook_work(ids[0])?, None);
        assert!(store.claim_webhook_work(ids[1])?.is_some());
        Ok(())
    }
}
