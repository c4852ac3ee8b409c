//! Fifty SSE clients and one hook call: every client hears of it within a second of the call.
//! The assertion uses that bound; `sse_fan_out_figures` (ignored, run by hand) prints p50 and
//! max over repeated calls.

use crate::common::{Events, Running};
use serde_json::json;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;

/// Seconds from the start of each hook call to each client's event, over `rounds` calls.
async fn fan_out(rounds: usize) -> Vec<Duration> {
    let server = Running::start().await;
    let mut streams = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        streams.push(Events::open(&server).await);
    }
    let mut delays = Vec::with_capacity(rounds * CLIENTS);
    for round in 0..rounds {
        let session = format!("sess-load-{round}");
        let input = json!({"session_id": session, "cwd": server.project,
            "hook_event_name": "SessionStart", "source": "startup",
            "transcript_path": server.project.join("t.jsonl")});
        let started = Instant::now();
        let (data, project) = (server.data.clone(), input.clone());
        let hook = tokio::task::spawn_blocking(move || crate::common::hook(&data, &project));
        let waits = streams.iter_mut().map(|events| {
            let session = session.clone();
            async move {
                let deadline = started + Duration::from_secs(10);
                loop {
                    let event = events
                        .next_named("session_state", deadline)
                        .await
                        .expect("every client gets the event");
                    if event.data["session_id"] == session.as_str() {
                        return started.elapsed();
                    }
                }
            }
        });
        delays.extend(futures_util::future::join_all(waits).await);
        hook.await.expect("hook task");
    }
    delays
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_clients_each_hear_of_a_hook_call_within_a_second() {
    let mut delays = fan_out(1).await;
    delays.sort();
    let (p50, max) = (percentile(&delays, 0.5), delays[delays.len() - 1]);
    eprintln!("50 SSE clients, one hook call: p50 {p50:?}, max {max:?}");
    assert_eq!(delays.len(), CLIENTS);
    assert!(max < Duration::from_secs(1), "p50 {p50:?}, max {max:?}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: cargo nextest run -p pcc-server --run-ignored only sse_fan_out_figures --no-capture"]
async fn sse_fan_out_figures() {
    let mut delays = fan_out(20).await;
    delays.sort();
    eprintln!(
        "50 SSE clients x 20 hook calls ({} deliveries): p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        delays.len(),
        percentile(&delays, 0.5),
        percentile(&delays, 0.9),
        percentile(&delays, 0.99),
        delays[delays.len() - 1]
    );
}
