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

/// A prompt and a LOW call are kept in the spool, which changes nothing SQLite sees: the watcher
/// folds them and reports what they changed (the stopped session works again).
#[tokio::test(flavor = "multi_thread")]
async fn calls_kept_in_the_spool_reach_the_stream_too() {
    let server = Running::start().await;
    let mut events = Events::open(&server).await;
    let start = json!({"session_id": "sess-low", "cwd": server.project,
        "hook_event_name": "SessionStart", "source": "startup"});
    server.hook(&start);
    events
        .next_named("session_state", Instant::now() + WAIT)
        .await
        .expect("the session starts");
    let stop = json!({"session_id": "sess-low", "cwd": server.project,
        "hook_event_name": "Stop", "stop_hook_active": false});
    server.hook(&stop);
    let idle = events
        .next_named("session_state", Instant::now() + WAIT)
        .await
        .expect("the session stops");
    assert_ne!(idle.data["state"], "working", "{}", idle.data);
    let prompt = json!({"session_id": "sess-low", "cwd": server.project,
        "hook_event_name": "UserPromptSubmit", "prompt": "look around"});
    server.hook(&prompt);
    server.hook(&captured_pre_tool_use(
        &server.project,
        "sess-low",
        "git status",
    ));
    let working = events
        .next_named("session_state", Instant::now() + WAIT)
        .await
        .expect("the spooled calls reach the stream");
    assert_eq!(working.data["session_id"], "sess-low");
    assert_eq!(working.data["state"], "working");
}
