//! Runner overhead per task and server memory across a long list.
//!
//! `cargo bench -p pcc-mcp --bench list_overhead` starts the built `pcc-mcp` with a fake
//! `claude` that prints one result line and exits (pcc-testkit's `fake-claude`, `SCENARIO=quick`:
//! build it first with `cargo build --release -p pcc-testkit`), runs lists through a real MCP
//! client, and prints:
//! - overhead per task = (list wall time − the children's own wall time) / tasks;
//! - the server's VmRSS before and after a 200-task list (and after a second one).
//!
//! `PCC_BENCH_TASKS` changes the list length (default 200).

#![allow(missing_docs, clippy::unwrap_used)]

use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Value, json};
use std::time::Instant;

#[derive(Clone, Default)]
struct Client;
impl ClientHandler for Client {}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tasks: usize = std::env::var("PCC_BENCH_TASKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let fake = pcc_testkit::claude::program();
    let home_path = home.path().to_owned();
    let transport = TokioChildProcess::new(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_pcc-mcp")).configure(|cmd| {
            cmd.env("PCC_HOME", &home_path).env("PCC_CLAUDE_BIN", &fake);
        }),
    )
    .unwrap();
    let pid = transport.id().unwrap();
    let client = Client.serve(transport).await.unwrap();
    let run = |n: usize| {
        let prompts: Vec<String> = (0..n).map(|i| format!("SCENARIO=quick TAG=t{i}")).collect();
        let arguments = json!({"cwd": work.path().display().to_string(), "tasks": prompts});
        let Value::Object(arguments) = arguments else {
            unreachable!()
        };
        let client = &client;
        async move {
            let started = Instant::now();
            let result = client
                .call_tool(
                    CallToolRequestParams::new("execute_task_list").with_arguments(arguments),
                )
                .await
                .unwrap();
            let wall = started.elapsed();
            let text = result.content[0].as_text().unwrap().text.clone();
            let report: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(report["state"], "succeeded", "{text}");
            let children_ms: i64 = report["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["duration_ms"].as_i64().unwrap())
                .sum();
            (wall, children_ms)
        }
    };
    // Warm up (database creation, page cache).
    run(5).await;
    let rss_before = rss_kib(pid);
    let (wall, children_ms) = run(tasks).await;
    let rss_after = rss_kib(pid);
    let (wall2, children_ms2) = run(tasks).await;
    let rss_after2 = rss_kib(pid);
    for (label, wall, children) in [
        ("list 1", wall, children_ms),
        ("list 2", wall2, children_ms2),
    ] {
        let wall_ms = wall.as_secs_f64() * 1000.0;
        let overhead = (wall_ms - children as f64) / tasks as f64;
        println!(
            "{label}: {tasks} tasks, wall {wall_ms:.0} ms, children {children} ms, \
             overhead {overhead:.2} ms/task (limit 20)"
        );
    }
    println!(
        "pcc-mcp VmRSS: before {rss_before} KiB, after {tasks} tasks {rss_after} KiB, \
         after {} tasks {rss_after2} KiB",
        tasks * 2
    );
    client.cancel().await.unwrap();
}
