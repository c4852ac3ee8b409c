//! The JSON API is the CLI's other door: the same documents, and the same answer in the store
//! whichever door it came through (twin databases, one answered by `pcc-hooks respond`, the
//! other by the API), and the next identical hook call is allowed once.

use crate::common::{Running, client, decision};
use pcc_store::Store;
use serde_json::{Value, json};

/// The escalation as stored, less who answered and when (which differ by door by design).
fn stored_answer(server: &Running, id: i64) -> Value {
    let store = Store::open_existing(&server.data.database())
        .expect("open")
        .expect("exists");
    let escalation = store.escalation(id).expect("read").expect("exists");
    json!({
        "state": format!("{:?}", escalation.state),
        "verdict": escalation.verdict.map(|verdict| verdict.as_str()),
        "answer": escalation.answer,
        "resume": escalation.resume_id.is_some(),
        "answered": escalation.answered_ms.is_some(),
        "pending_after": store.pending_escalations().expect("pending").len(),
    })
}

fn without_who(mut document: Value) -> Value {
    document
        .as_object_mut()
        .expect("an object")
        .remove("answered_by");
    document
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_through_the_api_is_the_clis_answer_and_allows_the_next_identical_call_once() {
    let by_cli = Running::start().await;
    let by_api = Running::start().await;
    let cli_id = by_cli.escalate("sess-twin");
    let api_id = by_api.escalate("sess-twin");

    let pending: Value = client()
        .get(by_api.url("/api/pending"))
        .header("authorization", by_api.bearer())
        .send()
        .await
        .expect("pending")
        .json()
        .await
        .expect("JSON");
    let cli_pending: Value =
        serde_json::from_slice(&by_api.cli(&["pending", "--json"]).stdout).expect("JSON");
    assert_eq!(pending, cli_pending, "GET /api/pending is `pending --json`");
    assert_eq!(pending[0]["id"], api_id);

    let cli_output = by_cli.cli(&["respond", &cli_id.to_string(), "approve", "--json"]);
    assert!(cli_output.status.success());
    let cli_doc: Value = serde_json::from_slice(&cli_output.stdout).expect("JSON");
    let response = client()
        .post(by_api.url(&format!("/api/escalations/{api_id}/respond")))
        .header("authorization", by_api.bearer())
        .json(&json!({"answer": "approve", "remember": false}))
        .send()
        .await
        .expect("respond");
    assert_eq!(response.status(), 200);
    let api_doc: Value = response.json().await.expect("JSON");
    assert_eq!(without_who(api_doc.clone()), without_who(cli_doc.clone()));
    assert_eq!(api_doc["answered_by"], "api_token from 127.0.0.1");
    assert!(
        cli_doc["answered_by"]
            .as_str()
            .is_some_and(|by| by.starts_with("cli from "))
    );
    assert_eq!(
        stored_answer(&by_api, api_id),
        stored_answer(&by_cli, cli_id)
    );
    assert_eq!(stored_answer(&by_api, api_id)["verdict"], "approve");

    let call = by_api.push("sess-twin");
    assert_eq!(
        decision(&by_api.hook(&call)),
        "allow",
        "approved: runs once"
    );
    assert_eq!(decision(&by_api.hook(&call)), "deny", "and only once");

    let again = client()
        .post(by_api.url(&format!("/api/escalations/{api_id}/respond")))
        .header("authorization", by_api.bearer())
        .json(&json!({"answer": "deny"}))
        .send()
        .await
        .expect("respond");
    assert_eq!(again.status(), 409, "answered once");
    let message = again.json::<Value>().await.expect("JSON")["error"]
        .as_str()
        .expect("error")
        .to_owned();
    let cli_again = by_cli.cli(&["respond", &cli_id.to_string(), "deny"]);
    let cli_message = String::from_utf8_lossy(&cli_again.stderr).to_string();
    assert!(message.contains("was already answered") && message.contains("by api_token"));
    assert!(
        cli_message.contains("was already answered"),
        "{cli_message}"
    );
    let unknown = client()
        .post(by_api.url("/api/escalations/9999/respond"))
        .header("authorization", by_api.bearer())
        .json(&json!({"answer": "approve"}))
        .send()
        .await
        .expect("respond");
    assert_eq!(unknown.status(), 404);
    let bad = client()
        .post(by_api.url(&format!("/api/escalations/{api_id}/respond")))
        .header("authorization", by_api.bearer())
        .json(&json!({"answer": "  "}))
        .send()
        .await
        .expect("respond");
    assert_eq!(bad.status(), 400, "an empty answer");
}

/// `GET path` with the token, as JSON.
async fn get(server: &Running, path: &str) -> Value {
    let response = client()
        .get(server.url(path))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("JSON")
}

fn cli_json(server: &Running, args: &[&str]) -> Value {
    let output = server.cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_document_is_the_clis_and_the_queue_changes_through_the_same_code() {
    let server = Running::start().await;
    server.escalate("sess-docs");
    let queued = client()
        .post(server.url("/api/queue"))
        .header("authorization", server.bearer())
        .json(&json!({"session": "sess-d", "text": "  write the tests  "}))
        .send()
        .await
        .expect("add");
    assert_eq!(queued.status(), 201);
    let queued: Value = queued.json().await.expect("JSON");
    assert_eq!(queued[0]["text"], "write the tests");
    assert_eq!(queued[0]["already_queued"], false);
    let twice: Value = client()
        .post(server.url("/api/queue"))
        .header("authorization", server.bearer())
        .json(&json!({"session": "sess-docs", "text": "write the tests"}))
        .send()
        .await
        .expect("add")
        .json()
        .await
        .expect("JSON");
    assert_eq!(twice[0]["already_queued"], true, "the same dedupe as `add`");
    let for_project: Value = client()
        .post(server.url("/api/queue"))
        .header("authorization", server.bearer())
        .json(&json!({"project": server.project, "text": "next session's task"}))
        .send()
        .await
        .expect("add")
        .json()
        .await
        .expect("JSON");
    assert_eq!(for_project[0]["session_id"], Value::Null);

    assert_eq!(
        get(&server, "/api/queue").await,
        cli_json(&server, &["queue", "--json"])
    );
    assert_eq!(
        get(&server, "/api/queue?all=true").await,
        cli_json(&server, &["queue", "--all", "--json"])
    );
    assert_eq!(
        get(&server, "/api/decisions").await,
        cli_json(&server, &["decisions", "--json"])
    );
    assert_eq!(
        get(&server, "/api/lists").await,
        cli_json(&server, &["lists", "--json"])
    );
    let status = get(&server, "/api/status").await;
    let cli_status = cli_json(&server, &["status", "--json"]);
    let ignore_clock = |mut value: Value| {
        value["generated_at"] = Value::Null;
        for session in value["sessions"].as_array_mut().into_iter().flatten() {
            session["last_seen_ago_s"] = Value::Null;
        }
        value
    };
    assert_eq!(ignore_clock(status), ignore_clock(cli_status));

    let paused: Value = client()
        .post(server.url("/api/sessions/sess-d/pause"))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("pause")
        .json()
        .await
        .expect("JSON");
    assert_eq!(paused, json!({"session_id": "sess-docs", "paused": true}));
    assert_eq!(
        cli_json(&server, &["status", "--json"])["sessions"][0]["paused"],
        true
    );

    let id = queued[0]["id"].as_i64().expect("id");
    let removed = client()
        .delete(server.url(&format!("/api/queue/{id}")))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("remove");
    assert_eq!(removed.status(), 200);
    assert_eq!(removed.json::<Value>().await.expect("JSON")["id"], id);
    let twice = client()
        .delete(server.url(&format!("/api/queue/{id}")))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("remove");
    assert_eq!(
        twice.status(),
        409,
        "already removed, as `queue remove` says"
    );
    for (path, status) in [("/api/queue/999", 404), ("/api/lists/7", 404)] {
        let response = client()
            .request(
                if path.starts_with("/api/queue") {
                    reqwest::Method::DELETE
                } else {
                    reqwest::Method::GET
                },
                server.url(path),
            )
            .header("authorization", server.bearer())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), status, "{path}");
    }
}
