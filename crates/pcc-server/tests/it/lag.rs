//! A client that reads too slowly for the changes sent to it is told to resync, and its stream
//! goes on: lagging costs it the missed changes, not its connection or the server.

use crate::common::{Events, Running};
use pcc_server::events::Change;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_falls_behind_gets_resync_and_the_stream_goes_on() {
    let server = Running::start().await;
    let mut slow = Events::open(&server).await;
    // Far more than the backlog and the socket buffers hold while `slow` reads nothing.
    let flood = 20_000;
    for id in 0..flood {
        let _ = server.changes.send(Change::EscalationAnswered {
            id,
            session_id: "sess-flood".into(),
            verdict: Some("deny".into()),
        });
    }
    let resync = slow
        .next_named("resync", Instant::now() + Duration::from_secs(20))
        .await
        .expect("the slow client is told to resync");
    assert_eq!(resync.data, serde_json::json!({"type": "resync"}));
    let _ = server.changes.send(Change::Resync);
    let _ = server.changes.send(Change::TaskQueued {
        id: 1,
        session_id: None,
        project_root: "/p".into(),
    });
    let after = slow
        .next_named("task_queued", Instant::now() + Duration::from_secs(20))
        .await
        .expect("the stream goes on after a resync");
    assert_eq!(after.data["id"], 1);
}
