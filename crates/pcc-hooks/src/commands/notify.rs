//! `pcc-hooks notify test`, `pcc-hooks notify log`, and the hidden `pcc-hooks notify send-json`
//! a hook starts to send a notification without waiting for it (see `crate::notifier`).

use crate::cli::{ColorChoice, NotifyLogArgs, NotifyTestArgs};
use crate::clock::now_ms;
use crate::config_files;
use crate::error::HookError;
use crate::notifier::{delivery_record, has_channel, new_notification};
use crate::session_lookup::short_id;
use crate::term::{Palette, emit, rfc3339};
use jiff::Timestamp;
use pcc_core::paths::DataDir;
use pcc_notify::{Notification, NotifyKind, SendEnv, SendJob};
use pcc_store::{DeliveryRecord, NotificationState, Store, StoredNotification};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Read;

/// The largest job `send-json` reads: a notification and its channels are a few KiB.
const MAX_JOB_BYTES: u64 = 1024 * 1024;

/// The detached sender: reads one [`SendJob`] on stdin, sends it to every channel within its
/// timeout, and records each channel's outcome in the row the hook stored. Its stdout and stderr
/// are `/dev/null`, so everything worth knowing goes to the log and the database.
pub fn send_json() -> Result<(), HookError> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_JOB_BYTES)
        .read_to_string(&mut text)
        .map_err(|error| logged(format!("cannot read the notification job: {error}")))?;
    let job = SendJob::from_json(&text)
        .map_err(|error| logged(format!("invalid notification job: {error}")))?;
    let deliveries = pcc_notify::send(&job.config, &job.notification, &SendEnv::from_process());
    for delivery in &deliveries {
        let why = delivery.error.as_deref().unwrap_or("");
        let (channel, kind) = (&delivery.channel, job.notification.kind);
        if delivery.skipped {
            tracing::info!(%channel, %kind, why, "notification channel skipped");
        } else if !delivery.ok {
            tracing::warn!(%channel, %kind, why, "notification not delivered");
        }
    }
    let Some(target) = job.record else {
        return Ok(());
    };
    let records: Vec<DeliveryRecord> = deliveries.iter().map(delivery_record).collect();
    Store::open(&target.database)
        .and_then(|mut store| store.finish_notification(target.id, &records, now_ms()))
        .map(drop)
        .map_err(|error| logged(format!("cannot record notification {}: {error}", target.id)))
}

/// One channel's outcome, as `notify test --json` and `notify log --json` show it.
#[derive(Serialize)]
struct DeliveryJson<'a> {
    channel: &'a str,
    /// `ok`, `skipped` or `failed`.
    status: &'static str,
    error: Option<&'a str>,
    elapsed_ms: i64,
}

impl<'a> DeliveryJson<'a> {
    fn of(delivery: &'a DeliveryRecord) -> Self {
        DeliveryJson {
            channel: &delivery.channel,
            status: status(delivery),
            error: delivery.error.as_deref(),
            elapsed_ms: delivery.elapsed_ms,
        }
    }
}

fn status(delivery: &DeliveryRecord) -> &'static str {
    if delivery.ok {
        "ok"
    } else if delivery.skipped {
        "skipped"
    } else {
        "failed"
    }
}

/// Sends a test notification to every configured channel, synchronously and without the
/// throttle, prints each channel's outcome and records the whole. Fails (exit 1) when the
/// configuration does not load, when no channel is configured, and when no channel delivered.
pub fn test(args: &NotifyTestArgs, color: ColorChoice) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let project = std::env::current_dir()
        .map_err(|error| HookError::new(format!("cannot read the current directory: {error}")))?;
    let config = config_files::load(&data, &project)?;
    let notify = &config.notify;
    if !has_channel(notify) {
        return Err(HookError::new(format!(
            "no notification channel is configured: set desktop = true, bell = true or add \
             [[notify.webhooks]] in the [notify] section of {}",
            config_files::global_path(&data).display()
        )));
    }
    let now = Timestamp::now();
    let message = Notification::new(
        NotifyKind::Test,
        "pcc-hooks test notification",
        "Notifications from pcc-hooks reach you here (sent by `pcc-hooks notify test`).",
        now,
    );
    // The test is recorded like any send, but a database problem must not stop the test itself.
    let mut recorded = Store::open(&data.database()).and_then(|mut store| {
        let row = new_notification(&message, now.as_millisecond(), None);
        let (id, _) = store
            .record_notification(&row, now.as_millisecond(), |_| NotificationState::Sending)?;
        Ok((store, id))
    });
    if let Err(error) = &recorded {
        eprintln!("warning: the test is not recorded: {error}");
    }
    let deliveries: Vec<DeliveryRecord> =
        pcc_notify::send(notify, &message, &SendEnv::from_process())
            .iter()
            .map(delivery_record)
            .collect();
    let state = NotificationState::after(&deliveries);
    let id = match &mut recorded {
        Ok((store, id)) => {
            if let Err(error) = store.finish_notification(*id, &deliveries, now_ms()) {
                eprintln!("warning: the test's outcome is not recorded: {error}");
            }
            Some(*id)
        }
        Err(_) => None,
    };

    if args.json {
        let document = serde_json::json!({
            "id": id,
            "state": state.as_str(),
            "deliveries": deliveries.iter().map(DeliveryJson::of).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&document)
            .map_err(|error| HookError::new(format!("cannot encode the result: {error}")))?;
        emit(&format!("{text}\n"))?;
    } else {
        let palette = Palette::for_stdout(color);
        let width = deliveries
            .iter()
            .map(|d| d.channel.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for delivery in &deliveries {
            let _ = writeln!(
                out,
                "{}",
                delivery_line(palette, delivery, width).trim_end()
            );
        }
        emit(&out)?;
    }
    if state == NotificationState::Failed {
        return Err(HookError::new(
            "no channel delivered the test notification (see above)",
        ));
    }
    Ok(())
}

/// `<channel>  ok|skipped|failed  <why or how long>`, the status coloured.
fn delivery_line(palette: Palette, delivery: &DeliveryRecord, width: usize) -> String {
    let shown = status(delivery);
    let padded = format!("{shown:<7}");
    let coloured = match shown {
        "ok" => palette.green(&padded),
        "skipped" => palette.yellow(&padded),
        _ => palette.red(&padded),
    };
    let detail = match &delivery.error {
        Some(error) => error.clone(),
        None => palette.dim(&format!("{} ms", delivery.elapsed_ms)),
    };
    format!("{:<width$}  {coloured}  {detail}", delivery.channel)
}

/// One notification in `notify log --json`.
#[derive(Serialize)]
struct NotificationJson<'a> {
    id: i64,
    at: String,
    session_id: Option<&'a str>,
    kind: &'a str,
    urgency: &'a str,
    title: &'a str,
    body: &'a str,
    escalation_id: Option<i64>,
    state: &'static str,
    finished_at: Option<String>,
    deliveries: Vec<DeliveryJson<'a>>,
}

impl<'a> NotificationJson<'a> {
    fn of(stored: &'a StoredNotification) -> Self {
        let message = &stored.message;
        NotificationJson {
            id: stored.id,
            at: rfc3339(message.at_ms),
            session_id: message.session_id.as_deref(),
            kind: &message.kind,
            urgency: &message.urgency,
            title: &message.title,
            body: &message.body,
            escalation_id: message.escalation_id,
            state: stored.state.as_str(),
            finished_at: stored.finished_ms.map(rfc3339),
            deliveries: stored.deliveries.iter().map(DeliveryJson::of).collect(),
        }
    }
}

/// Prints the latest notifications and how each channel fared.
pub fn log(args: &NotifyLogArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let stored = match Store::open_existing(&database)? {
        Some(store) => store.notifications(args.limit)?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<NotificationJson<'_>> = stored.iter().map(NotificationJson::of).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({ "notifications": rows }))
            .map_err(|error| HookError::new(format!("cannot encode notifications: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    if stored.is_empty() {
        return emit("No notifications recorded yet.\n");
    }
    let palette = Palette::for_stdout(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        palette.bold("  ID  TIME                 STATE         KIND               SESSION   TITLE")
    );
    for row in &stored {
        let message = &row.message;
        let state = format!("{:<12}", row.state.as_str());
        let state = match row.state {
            NotificationState::Sent => palette.green(&state),
            NotificationState::Failed => palette.red(&state),
            NotificationState::Partial | NotificationState::Sending => palette.yellow(&state),
            NotificationState::Duplicate | NotificationState::RateLimited => palette.dim(&state),
        };
        let at = rfc3339(message.at_ms);
        let session = message.session_id.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "{:>4}  {:<20} {}  {:<18} {:<9} {}",
            row.id,
            at.get(..19).unwrap_or(&at),
            state,
            message.kind,
            short_id(session),
            message.title.chars().take(60).collect::<String>()
        );
        let width = row
            .deliveries
            .iter()
            .map(|d| d.channel.chars().count())
            .max()
            .unwrap_or(0);
        for delivery in &row.deliveries {
            let _ = writeln!(
                out,
                "      {}",
                delivery_line(palette, delivery, width).trim_end()
            );
        }
    }
    emit(&out)
}

/// A failure of the detached sender, which nobody reads on stderr: logged as well.
fn logged(message: String) -> HookError {
    tracing::error!("{message}");
    HookError::new(message)
}
