//! `pcc-hooks webhooks log [--limit N] [--json]`: the deliveries `pcc-hooks serve` received,
//! newest first, each with what became of it — refused (and why), a duplicate, ignored, or the
//! work its rule caused (the queued task, the started session, the task list) — so a webhook
//! that "does nothing" can be told apart from one that never arrived.

use crate::cli::{ColorChoice, WebhooksLogArgs};
use crate::error::HookError;
use crate::term::{Palette, emit, pad, rfc3339};
use pcc_core::paths::DataDir;
use pcc_store::{Store, WebhookDelivery, WebhookOutcome};
use serde::Serialize;
use std::fmt::Write as _;

/// One delivery, as `webhooks log --json` prints it.
#[derive(Serialize)]
struct DeliveryJson<'a> {
    id: i64,
    received_at: String,
    source: &'static str,
    event: Option<&'a str>,
    delivery_id: &'a str,
    /// `queued`, `started`, `listed`, `pending`, `working`, `ignored`, `duplicate`, `failed`,
    /// `interrupted`, `unsigned`, `bad_signature`, `too_large`, `invalid`, `not_configured`,
    /// `config_error`.
    outcome: &'static str,
    /// The HTTP status the sender was answered with.
    status: u16,
    rule: Option<&'a str>,
    action: Option<&'static str>,
    project: Option<&'a str>,
    /// The queued task's id, the started session's id or the task list's id.
    work: Option<&'a str>,
    detail: Option<&'a str>,
    finished_at: Option<String>,
}

impl<'a> DeliveryJson<'a> {
    fn of(delivery: &'a WebhookDelivery) -> DeliveryJson<'a> {
        DeliveryJson {
            id: delivery.id,
            received_at: rfc3339(delivery.received.received_ms),
            source: delivery.received.source.as_str(),
            event: delivery.received.event.as_deref(),
            delivery_id: &delivery.received.delivery_id,
            outcome: delivery.outcome.as_str(),
            status: delivery.status,
            rule: delivery.rule.as_deref(),
            action: delivery.action.map(|action| action.as_str()),
            project: delivery.project.as_deref(),
            work: delivery.work.as_deref(),
            detail: delivery.detail.as_deref(),
            finished_at: delivery.finished_ms.map(rfc3339),
        }
    }
}

/// What the work made, in words: `task 12`, `session 3f2a…`, `list 4`.
fn made(delivery: &WebhookDelivery) -> Option<String> {
    let work = delivery.work.as_deref()?;
    let what = match delivery.outcome {
        WebhookOutcome::Queued => "task",
        WebhookOutcome::Started => "session",
        WebhookOutcome::Listed => "task list",
        _ => return None,
    };
    Some(format!("{what} {work}"))
}

/// Prints the latest deliveries.
pub fn log(args: &WebhooksLogArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let deliveries = match Store::open_existing(&database)? {
        Some(store) => store.webhook_deliveries(args.limit)?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<DeliveryJson<'_>> = deliveries.iter().map(DeliveryJson::of).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({ "deliveries": rows }))
            .map_err(|error| HookError::new(format!("cannot encode the deliveries: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    if deliveries.is_empty() {
        return emit(
            "No webhook deliveries recorded yet. `pcc-hooks serve` receives them at \
             /webhooks/github, /webhooks/sentry and /webhooks/jira.\n",
        );
    }
    let palette = Palette::for_stdout(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        palette.bold(
            "  ID  RECEIVED             SOURCE  EVENT                     OUTCOME        HTTP  DELIVERY"
        )
    );
    for delivery in &deliveries {
        let outcome = delivery.outcome.as_str();
        let shown = match delivery.outcome {
            WebhookOutcome::Queued | WebhookOutcome::Started | WebhookOutcome::Listed => {
                palette.green(outcome)
            }
            WebhookOutcome::Pending | WebhookOutcome::Working | WebhookOutcome::Duplicate => {
                palette.yellow(outcome)
            }
            WebhookOutcome::Ignored => palette.dim(outcome),
            _ => palette.red(outcome),
        };
        let at = rfc3339(delivery.received.received_ms);
        let event = delivery.received.event.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "{:>4}  {:<20} {:<7} {:<25} {} {:>4}  {}",
            delivery.id,
            at.get(..19).unwrap_or(&at),
            delivery.received.source.as_str(),
            event.chars().take(25).collect::<String>(),
            pad(&shown, outcome.chars().count(), 14),
            delivery.status,
            delivery.received.delivery_id
        );
        if let Some(rule) = &delivery.rule {
            let made = made(delivery).map_or_else(String::new, |made| format!(": {made}"));
            let _ = writeln!(out, "      rule {rule}{made}");
        }
        if let Some(detail) = &delivery.detail {
            let _ = writeln!(out, "      {}", palette.dim(detail));
        }
    }
    emit(&out)
}
