//! `pcc-hooks webhooks log`: the deliveries the server recorded, newest first, as text and as
//! JSON, with the rule that matched, what its work made and why a refused one was refused.

use crate::common::*;
use pcc_core::config::{WebhookAction, WebhookSource};
use pcc_store::{Acceptance, DeliveryWork, ReceivedDelivery, Store, WebhookOutcome};
use serde_json::Value;

fn received(id: &str, event: &str) -> ReceivedDelivery {
    ReceivedDelivery {
        received_ms: 1_764_000_000_000,
        source: WebhookSource::Github,
        event: Some(event.into()),
        delivery_id: id.into(),
    }
}

#[test]
fn the_log_shows_each_delivery_with_its_outcome_rule_and_work() {
    let home = tempfile::tempdir().expect("tempdir");
    let output = command(home.path())
        .args(["webhooks", "log"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("No webhook deliveries recorded yet."));

    let mut store = Store::open(&home.path().join("pcc.db")).expect("a database");
    store
        .record_webhook_refusal(
            &received("d-forged", "issues"),
            WebhookOutcome::BadSignature,
            401,
            "the delivery's signature is not the secret's",
        )
        .expect("recorded");
    let work = DeliveryWork {
        rule: "#1 github issues.labeled [claude] → queue /srv/app".into(),
        action: WebhookAction::Queue,
        project: "/srv/app".into(),
        prompt: "Fix it".into(),
    };
    let Acceptance::Accepted(id) = store
        .accept_webhook_delivery(
            &received("d-good", "issues.labeled"),
            Some(&work),
            None,
            202,
        )
        .expect("recorded")
    else {
        panic!("a new delivery is accepted");
    };
    store
        .claim_webhook_work(id)
        .expect("claim")
        .expect("pending");
    store
        .finish_webhook_work(
            id,
            WebhookOutcome::Queued,
            Some("12"),
            None,
            1_764_000_000_500,
        )
        .expect("finished");
    drop(store);

    let output = command(home.path())
        .args(["webhooks", "log", "--json"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let log: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rows = log["deliveries"].as_array().expect("deliveries");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["delivery_id"], "d-good", "newest first");
    assert_eq!(rows[0]["outcome"], "queued");
    assert_eq!(rows[0]["status"], 202);
    assert_eq!(rows[0]["action"], "queue");
    assert_eq!(rows[0]["work"], "12");
    assert_eq!(rows[0]["event"], "issues.labeled");
    assert_eq!(rows[0]["received_at"], "2025-11-24T16:00:00Z");
    assert_eq!(rows[0]["finished_at"], "2025-11-24T16:00:00.5Z");
    assert_eq!(rows[1]["outcome"], "bad_signature");
    assert_eq!(rows[1]["status"], 401);
    assert_eq!(rows[1]["rule"], Value::Null);

    let output = command(home.path())
        .args(["--color", "never", "webhooks", "log"])
        .output()
        .expect("run");
    let shown = text(&output.stdout);
    assert!(
        shown.contains("github  issues.labeled")
            && shown.contains("queued")
            && shown.contains("rule #1 github issues.labeled [claude] → queue /srv/app: task 12")
            && shown.contains("bad_signature")
            && shown.contains("the delivery's signature is not the secret's"),
        "{shown}"
    );
}
