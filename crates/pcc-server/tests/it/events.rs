//! `/api/events`: a real hook call, made by the built `pcc-hooks hook` in another process,
//! reaches an SSE client as a typed event; so do an escalation and its answer.

use crate::common::{Events, Running, captured_pre_tool_use, client};
use serde_json::json;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn a_hook_call_in_another_process_is_an_event_on_the_stream() {
    let server = Running::start().await;
    let mut events = Events::open(&server).await;
    let start = json!({"session_id": "sess-live", "cwd": server.project,
        "hook_event_name": "SessionStart", "source": "startup",
        "transcript_path": server.project.join("t.jsonl")});
    assert_eq!(server.hook(&start), None, "SessionStart prints nothing");
    let event = events
        .next_named("session_state", Instant::now() + WAIT)
        .await
        .expect("a session_state event");
    assert_eq!(event.data["type"], "session_state");
    assert_eq!(event.data["session_id"], "sess-live");
    assert_eq!(event.data["last_event"], "SessionStart");

    let push = captured_pre_tool_use(&server.project, "sess-live", "git push --force origin main");
    server.hook(&push);
    let raised = events
        .next_named("escalation_raised", Instant::now() + WAIT)
        .await
        .expect("an escalation_raised event");
    assert_eq!(raised.data["session_id"], "sess-live");
    assert_eq!(raised.data["kind"], "permission");
    let id = raised.data["id"].as_i64().expect("id");

    let answered = client()
        .post(server.url(&format!("/api/escalations/{id}/respond")))
        .header("authorization", server.bearer())
        .json(&json!({"answer": "deny"}))
        .send()
        .await
        .expect("respond");
    assert_eq!(answered.status(), 200);
    let event = events
        .next_named("escalation_answered", Instant::now() + WAIT)
        .await
        .expect("an escalation_answered event");
    assert_eq!(
        event.data,
        json!({"type": "escalation_answered", "id": id,
        "session_id": "sess-live", "verdict": "deny"})
    );

    let added = server.cli(&["add", "sess-live", "write the changelog"]);
    assert!(added.status.success());
    let queued = events
        .next_named("task_queued", Instant::now() + WAIT)
        .await
        .expect("a task_queued event");
    assert_eq!(queued.data["session_id"], "sess-live");
}
