//! A real MCP client (rmcp, child-process transport) talking to the built `pcc-mcp`, with a
//! fake `claude` (pcc-testkit's `fake-claude`) and a private `PCC_HOME`.

#![allow(dead_code, missing_docs)]

use pcc_testkit::claude;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ProgressNotificationParam, Request,
    ServerResult,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::mpsc;

/// Collects progress notifications, and forwards each to a channel.
#[derive(Clone)]
pub struct ProgressClient {
    pub seen: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    pub tx: mpsc::UnboundedSender<ProgressNotificationParam>,
}

impl ClientHandler for ProgressClient {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(params.clone());
        }
        let _ = self.tx.send(params);
    }
}

pub struct Harness {
    pub home: TempDir,
    pub work: TempDir,
    pub client: RunningService<RoleClient, ProgressClient>,
    pub progress: mpsc::UnboundedReceiver<ProgressNotificationParam>,
    pub seen: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

/// The fake `claude` (pcc-testkit's `fake-claude`).
pub fn fake_claude() -> PathBuf {
    claude::program()
}

pub fn temp() -> TempDir {
    tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"))
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(&[]).await
    }

    /// Starts the server; `env` overrides the defaults (`PCC_CLAUDE_BIN` = the fake).
    pub async fn start_with(env: &[(&str, &str)]) -> Harness {
        let home = temp();
        let work = temp();
        let fake = fake_claude();
        let record = work.path().join("record.jsonl");
        let gate = work.path().join("gate");
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let home_path = home.path().to_owned();
        let command =
            tokio::process::Command::new(env!("CARGO_BIN_EXE_pcc-mcp")).configure(move |cmd| {
                cmd.env("PCC_HOME", &home_path)
                    .env("PCC_CLAUDE_BIN", &fake)
                    .env(claude::RECORD_ENV, &record)
                    .env(claude::GATE_ENV, &gate);
                for (key, value) in &env {
                    cmd.env(key, value);
                }
            });
        let transport =
            TokioChildProcess::new(command).unwrap_or_else(|err| panic!("spawn pcc-mcp: {err}"));
        let (tx, progress) = mpsc::unbounded_channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let client = ProgressClient {
            seen: seen.clone(),
            tx,
        }
        .serve(transport)
        .await
        .unwrap_or_else(|err| panic!("initialize: {err}"));
        Harness {
            home,
            work,
            client,
            progress,
            seen,
        }
    }

    pub fn cwd(&self) -> String {
        self.work.path().display().to_string()
    }

    pub fn database(&self) -> PathBuf {
        self.home.path().join("pcc.db")
    }

    /// One `start` note per child the fake saw, in order.
    pub fn records(&self) -> Vec<Value> {
        claude::runs(&self.work.path().join("record.jsonl"))
    }

    pub fn open_gate(&self) {
        std::fs::write(self.work.path().join("gate"), "open")
            .unwrap_or_else(|err| panic!("gate: {err}"));
    }

    /// Calls a tool without a progress token.
    pub async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object");
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
            .await
            .unwrap_or_else(|err| panic!("call {tool}: {err}"))
    }

    /// Calls a tool with a progress token (rmcp's cancellable request adds one).
    pub async fn call_with_progress(&self, tool: &str, arguments: Value) -> CallToolResult {
        let handle = self.start_call(tool, arguments).await;
        match handle
            .await_response()
            .await
            .unwrap_or_else(|err| panic!("call {tool}: {err}"))
        {
            ServerResult::CallToolResult(result) => result,
            other => panic!("unexpected answer {other:?}"),
        }
    }

    pub async fn start_call(
        &self,
        tool: &str,
        arguments: Value,
    ) -> rmcp::service::RequestHandle<RoleClient> {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object");
        };
        self.client
            .send_cancellable_request(
                ClientRequest::CallToolRequest(Request::new(
                    CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments),
                )),
                PeerRequestOptions::no_options(),
            )
            .await
            .unwrap_or_else(|err| panic!("send {tool}: {err}"))
    }

    /// Polls `task_list_status` (the tool's own state) until `done` holds; at most 30 s.
    pub async fn wait_for_list(&self, list_id: i64, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = json_of(
                &self
                    .call(
                        "task_list_status",
                        serde_json::json!({ "list_id": list_id }),
                    )
                    .await,
            );
            if done(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "list {list_id} never got there: {status:#}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn json_of(result: &CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "tool error: {}",
        text_of(result)
    );
    let text = text_of(result);
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"))
}

pub fn is_finished(status: &Value) -> bool {
    matches!(
        status["state"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}
