//! The dashboard's overview at 1,000 sessions and 100,000 events (issue 15: at most 100 ms of
//! server time): the store's read and the page's rendering in-process, and `GET /` through the
//! real `pcc-serve` over loopback; medians and maxima of 20 renders.
//!
//! Run: `cargo build --release -p pcc-hooks && cargo bench -p pcc-server --bench overview`
//! (writing the events first takes a minute or two).
#![allow(missing_docs)]

#[path = "../tests/dashboard_support/mod.rs"]
mod dashboard_support;

use dashboard_support::Serve;
use std::time::{Duration, Instant};

const SESSIONS: i64 = 1000;
const EVENTS_PER_SESSION: i64 = 100;
const TARGET: Duration = Duration::from_millis(100);

/// Writes the sessions and their events through the store, as the hooks would.
fn fill(database: &std::path::Path) {
    let mut store = pcc_store::Store::open(database).expect("store");
    let now = pcc_server::api::now_ms();
    for session in 0..SESSIONS {
        for event in 0..EVENTS_PER_SESSION {
            let name = match event {
                0 => "SessionStart",
                n if n % 2 == 1 => "PreToolUse",
                _ => "PostToolUse",
            };
            store
                .record_event(&pcc_store::EventRecord {
                    session_id: format!("{session:08x}-0000-4000-8000-000000000000"),
                    cwd: "/p".into(),
                    project_root: "/p".into(),
                    transcript_path: None,
                    permission_mode: Some("default".into()),
                    at_ms: now - 1_000_000 + session * EVENTS_PER_SESSION + event,
                    event: name.into(),
                    tool_name: (event > 0).then(|| "Bash".into()),
                    tool_use_id: None,
                    agent_id: None,
                    summary: format!("Bash: cargo test --package p{event}"),
                    unknown_fields: None,
                    state_after: Some(pcc_core::session_state::SessionState::Working),
                })
                .expect("an event");
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    use pcc_server::dashboard::overview::{Overview, render};
    let serve = Serve::start();
    let database = serve.home.join("pcc.db");
    let started = Instant::now();
    fill(&database);
    println!(
        "wrote {} events in {:?}",
        SESSIONS * EVENTS_PER_SESSION,
        started.elapsed()
    );
    let token = std::fs::read_to_string(serve.home.join("server.token")).expect("token");
    let client = reqwest::Client::new();
    let caller = pcc_server::auth::Caller {
        principal: pcc_server::auth::Principal::Token,
        client: "127.0.0.1".parse().expect("ip"),
    };
    let (mut in_process, mut over_http) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let mut opened = pcc_store::Store::open_existing(&database)
            .expect("open")
            .expect("a database");
        let start = Instant::now();
        let overview = Overview::read(Some(&mut opened)).expect("read");
        let page = render(&caller, &overview, pcc_server::api::now_ms()).into_string();
        in_process.push(start.elapsed());
        assert_eq!(overview.sessions.len(), SESSIONS as usize);
        assert!(page.len() > 100_000);
        let start = Instant::now();
        let response = client
            .get(format!("{}/", serve.base))
            .bearer_auth(token.trim())
            .send()
            .await
            .expect("GET /");
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.text().await.expect("body");
        over_http.push(start.elapsed());
        assert!(body.matches("<tr data-session=\"").count() > SESSIONS as usize - 1);
    }
    in_process.sort();
    over_http.sort();
    let median = |times: &[Duration]| times[times.len() / 2];
    for (what, times) in [
        ("read + render in-process", &in_process),
        ("GET / over loopback", &over_http),
    ] {
        println!(
            "overview, {SESSIONS} sessions / {} events, {what}: median {:?}, max {:?} (target {TARGET:?}: {})",
            SESSIONS * EVENTS_PER_SESSION,
            median(times),
            times[times.len() - 1],
            if median(times) <= TARGET {
                "met"
            } else {
                "MISSED"
            }
        );
    }
}
