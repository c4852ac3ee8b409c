//! The server through a real MCP client: rmcp's client over the child-process transport,
//! spawning the built `pcc-mcp`, with a fake `claude`.

mod common;

use common::{Harness, is_finished, json_of, text_of};
use pcc_store::{EventRecord, Store};
use serde_json::{Value, json};

fn statuses(report: &Value) -> Vec<String> {
    report["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks in {report:#}"))
        .iter()
        .map(|task| task["status"].as_str().unwrap_or("-").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_listed_with_schemas() {
    let harness = Harness::start().await;
    let tools = harness
        .client
        .list_all_tools()
        .await
        .unwrap_or_else(|err| panic!("list tools: {err}"));
    let mut names: Vec<String> = tools.iter().map(|tool| tool.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cancel_task_list",
            "execute_task_list",
            "list_task_lists",
            "pcc_status",
            "task_list_status"
        ]
    );
    for tool in &tools {
        let description = tool.description.as_deref().unwrap_or("");
        assert!(
            description.len() > 80,
            "{} has a short description",
            tool.name
        );
    }
    let execute = tools
        .iter()
        .find(|tool| tool.name == "execute_task_list")
        .unwrap_or_else(|| panic!("no execute_task_list"));
    let schema = Value::Object((*execute.input_schema).clone());
    for field in ["tasks", "cwd", "stop_on_failure", "context", "wait"] {
        assert!(
            schema["properties"].get(field).is_some(),
            "{field}: {schema:#}"
        );
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(required, ["tasks", "cwd"], "{schema:#}");
    let text = schema.to_string();
    for word in [
        "summary",
        "full",
        "none",
        "timeout_s",
        "allowed_tools",
        "max_turns",
    ] {
        assert!(text.contains(word), "{word} missing from {schema:#}");
    }
    let status = tools
        .iter()
        .find(|tool| tool.name == "task_list_status")
        .unwrap_or_else(|| panic!("no task_list_status"));
    assert!(Value::Object((*status.input_schema).clone())["properties"]["list_id"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tasks_run_in_order_with_context_files_and_progress() {
    let harness = Harness::start().await;
    // What our hooks would have recorded for the first child's session (the fake names it
    // `fake-<list>.<task>`; the list is the first of a fresh database).
    {
        let mut store = Store::open(&harness.database()).unwrap_or_else(|err| panic!("{err}"));
        for (tool, event, path) in [
            ("Write", "PostToolUse", "/w/a.txt"),
            ("Edit", "PostToolUse", "/w/b.rs"),
            ("Write", "PostToolUse", "/w/a.txt"),
            ("Read", "PostToolUse", "/w/c.txt"),
            ("Write", "PreToolUse", "/w/never.txt"),
        ] {
            store
                .record_event(&EventRecord {
                    session_id: "fake-1.1".into(),
                    cwd: "/w".into(),
                    project_root: "/w".into(),
                    transcript_path: None,
                    permission_mode: None,
                    at_ms: 1,
                    event: event.into(),
                    tool_name: Some(tool.into()),
                    tool_use_id: None,
                    agent_id: None,
                    summary: format!("{tool}: {path}"),
                    unknown_fields: None,
                    state_after: None,
                })
                .unwrap_or_else(|err| panic!("{err}"));
        }
    }
    let result = harness
        .call_with_progress(
            "execute_task_list",
            json!({
                "cwd": harness.cwd(),
                "tasks": [
                    "First TAG=one",
                    "Second TAG=two",
                    {"prompt": "Third TAG=three", "max_turns": 3, "model": "haiku"}
                ]
            }),
        )
        .await;
    let report = json_of(&result);
    assert_eq!(report["list_id"], 1, "{report:#}");
    assert_eq!(report["state"], "succeeded", "{report:#}");
    assert_eq!(statuses(&report), ["succeeded"; 3]);
    let tasks = report["tasks"].as_array().cloned().unwrap_or_default();
    for (index, tag) in ["one", "two", "three"].iter().enumerate() {
        assert_eq!(tasks[index]["task"], index + 1);
        assert_eq!(tasks[index]["result"], format!("RESULT[{tag}]"));
        assert_eq!(tasks[index]["session_id"], format!("fake-1.{}", index + 1));
        assert_eq!(tasks[index]["turns"], 2);
        assert_eq!(tasks[index]["cost_usd"], 0.0125);
        assert!(tasks[index]["duration_ms"].as_i64().is_some());
    }
    assert_eq!(tasks[0]["files_written"], json!(["/w/a.txt", "/w/b.rs"]));
    assert_eq!(tasks[1]["files_written"], json!([]));

    // What the children were given, in order.
    let records = harness.records();
    assert_eq!(records.len(), 3, "{records:#?}");
    let prompts: Vec<&str> = records
        .iter()
        .map(|r| r["stdin"].as_str().unwrap_or(""))
        .collect();
    assert!(!prompts[0].contains("RESULT["), "{}", prompts[0]);
    assert!(prompts[1].contains("RESULT[one]"), "{}", prompts[1]);
    assert!(!prompts[1].contains("RESULT[two]"), "{}", prompts[1]);
    assert!(
        prompts[2].contains("RESULT[one]") && prompts[2].contains("RESULT[two]"),
        "{}",
        prompts[2]
    );
    for (index, record) in records.iter().enumerate() {
        assert_eq!(record["env"]["PCC_TASK_ID"], format!("1.{}", index + 1));
        assert_eq!(record["env"]["PCC_TASK_LIST_ID"], "1");
        assert_eq!(record["env"]["PCC_MODE"], "unattended");
        assert_eq!(record["cwd"].as_str(), Some(harness.cwd().as_str()));
    }
    let third_argv: Vec<&str> = records[2]["argv"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        third_argv.windows(2).any(|w| w == ["--max-turns", "3"]),
        "{third_argv:?}"
    );
    assert!(
        third_argv.windows(2).any(|w| w == ["--model", "haiku"]),
        "{third_argv:?}"
    );

    // Strictly sequential, by the database.
    let store = Store::open(&harness.database()).unwrap_or_else(|err| panic!("{err}"));
    let rows = store.tasks(1).unwrap_or_else(|err| panic!("{err}"));
    for pair in rows.windows(2) {
        assert!(
            pair[1].started_ms >= pair[0].finished_ms,
            "task {} started before task {} ended",
            pair[1].position + 1,
            pair[0].position + 1
        );
    }

    // Progress: every task's start and end, child events between. rmcp's client handles
    // notifications concurrently, so arrival order is not send order; the server's `progress`
    // values rise strictly, so ordering by them must give the sequence of events.
    let mut seen = harness.seen.lock().map(|s| s.clone()).unwrap_or_default();
    seen.sort_by(|a, b| a.progress.total_cmp(&b.progress));
    assert!(
        seen.windows(2).all(|w| w[1].progress > w[0].progress),
        "{seen:#?}"
    );
    assert!(seen.iter().all(|p| p.total == Some(3.0)));
    let messages: Vec<String> = seen.iter().filter_map(|p| p.message.clone()).collect();
    let expected: Vec<String> = (1..=3)
        .flat_map(|n| {
            [
                format!("task {n}/3 started"),
                format!("task {n}/3: turn 1"),
                format!("task {n}/3: tool Bash (call 1)"),
                format!("task {n}/3: turn 2"),
                format!("task {n}/3 succeeded"),
            ]
        })
        .collect();
    assert_eq!(messages, expected);
    assert_eq!(seen.last().map(|p| p.progress), Some(3.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_stops_the_list_unless_told_otherwise() {
    let harness = Harness::start().await;
    let tasks = json!(["TAG=a", "SCENARIO=fail", "TAG=c"]);
    let report = json_of(
        &harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": tasks}),
            )
            .await,
    );
    assert_eq!(statuses(&report), ["succeeded", "failed", "skipped"]);
    assert_eq!(report["state"], "failed");
    let error = report["tasks"][1]["error"].as_str().unwrap_or("");
    assert!(error.contains("boom"), "{error}");
    assert!(
        report["tasks"][2]["error"]
            .as_str()
            .unwrap_or("")
            .contains("task 2 ended `failed`"),
        "{report:#}"
    );
    assert_eq!(harness.records().len(), 2, "task 3 must not run");

    let report = json_of(
        &harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": tasks, "stop_on_failure": false, "context": "none"}),
            )
            .await,
    );
    assert_eq!(statuses(&report), ["succeeded", "failed", "succeeded"]);
    assert_eq!(report["state"], "failed");
    let records = harness.records();
    assert_eq!(records.len(), 5, "{records:#?}");
    // `context: none`: the third task sees only its own prompt.
    assert!(
        !records[4]["stdin"]
            .as_str()
            .unwrap_or("")
            .contains("RESULT[a]")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_tool_errors_with_clear_messages() {
    let harness = Harness::start().await;
    let missing = harness.work.path().join("does-not-exist");
    let cases = [
        (
            json!({"cwd": missing.display().to_string(), "tasks": ["x"]}),
            "is not a usable directory",
        ),
        (
            json!({"cwd": "relative/dir", "tasks": ["x"]}),
            "must be an absolute path",
        ),
        (
            json!({"cwd": harness.cwd(), "tasks": []}),
            "`tasks` is empty",
        ),
        (
            json!({"cwd": harness.cwd(), "tasks": ["ok", "  "]}),
            "task 2: the prompt is empty",
        ),
    ];
    for (arguments, expected) in cases {
        let result = harness.call("execute_task_list", arguments.clone()).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{arguments}: {}",
            text_of(&result)
        );
        assert!(
            text_of(&result).contains(expected),
            "{arguments}: {}",
            text_of(&result)
        );
    }
    assert!(harness.records().is_empty());
    let result = harness
        .call("task_list_status", json!({"list_id": 99}))
        .await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text_of(&result).contains("no task list 99"),
        "{}",
        text_of(&result)
    );

    let no_claude = Harness::start_with(&[("PCC_CLAUDE_BIN", "/nonexistent/claude")]).await;
    let result = no_claude
        .call(
            "execute_task_list",
            json!({"cwd": no_claude.cwd(), "tasks": ["x"]}),
        )
        .await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text_of(&result).contains("PCC_CLAUDE_BIN=/nonexistent/claude is not an executable file"),
        "{}",
        text_of(&result)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_false_runs_the_list_in_a_worker_that_outlives_the_server() {
    let mut harness = Harness::start().await;
    let started = json_of(
        &harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": ["SCENARIO=gate TAG=g", "TAG=after"], "wait": false}),
            )
            .await,
    );
    let list_id = started["list_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{started:#}"));
    let worker = started["runner_pid"].as_i64().unwrap_or(0);
    assert!(worker > 0, "{started:#}");
    // The first task is running (held by the gate) in the worker, not in the server.
    let running = harness
        .wait_for_list(list_id, |s| s["tasks"][0]["state"] == "running")
        .await;
    assert_eq!(running["runner_pid"], worker);
    let listed = json_of(&harness.call("list_task_lists", json!({})).await);
    assert_eq!(listed["task_lists"][0]["list_id"], list_id);
    assert_eq!(listed["task_lists"][0]["state"], "running");
    let status = json_of(&harness.call("pcc_status", json!({})).await);
    assert_eq!(status["task_lists"][0]["list_id"], list_id, "{status:#}");
    assert_eq!(
        status["task_lists"][0]["running_task"]["task"], 1,
        "{status:#}"
    );

    // Stop the server; the worker goes on.
    let home = std::mem::replace(&mut harness.home, common::temp());
    let work = std::mem::replace(&mut harness.work, common::temp());
    harness
        .client
        .cancel()
        .await
        .unwrap_or_else(|err| panic!("stop the client: {err}"));
    std::fs::write(work.path().join("gate"), "open").unwrap_or_else(|err| panic!("{err}"));
    // A new server over the same database sees the list finish.
    let second = Harness::start_with(&[("PCC_HOME", &home.path().display().to_string())]).await;
    let done = second.wait_for_list(list_id, is_finished).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert_eq!(statuses(&done), ["succeeded", "succeeded"]);
    assert_eq!(done["tasks"][1]["result"], "RESULT[after]");
    assert_eq!(done["runner_pid"], Value::Null);
    drop(work);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_task_list_stops_a_background_list() {
    let harness = Harness::start().await;
    let started = json_of(
        &harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": ["SCENARIO=gate", "TAG=never"], "wait": false}),
            )
            .await,
    );
    let list_id = started["list_id"].as_i64().unwrap_or(0);
    harness
        .wait_for_list(list_id, |s| s["tasks"][0]["state"] == "running")
        .await;
    let cancelled = json_of(
        &harness
            .call("cancel_task_list", json!({"list_id": list_id}))
            .await,
    );
    assert_eq!(cancelled["state"], "running", "{cancelled:#}");
    let done = harness.wait_for_list(list_id, is_finished).await;
    assert_eq!(done["state"], "cancelled", "{done:#}");
    assert_eq!(statuses(&done), ["cancelled", "cancelled"]);
    // The second task never ran. (Whether the first child got as far as recording itself depends
    // on how quickly the cancel arrives after the task is marked running, so it is not asserted.)
    let records = harness.records();
    assert!(records.len() <= 1, "{records:?}");
    assert!(
        !records
            .iter()
            .any(|record| record.to_string().contains("TAG=never")),
        "{records:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_cancellation_stops_the_running_child() {
    let mut harness = Harness::start().await;
    let handle = harness
        .start_call(
            "execute_task_list",
            json!({"cwd": harness.cwd(), "tasks": ["SCENARIO=gate", "TAG=never"]}),
        )
        .await;
    // The child is running once its first turn is reported.
    loop {
        let step = harness
            .progress
            .recv()
            .await
            .unwrap_or_else(|| panic!("no progress"));
        if step.message.as_deref() == Some("task 1/2: turn 1") {
            break;
        }
    }
    handle
        .cancel(Some("test".into()))
        .await
        .unwrap_or_else(|err| panic!("cancel: {err}"));
    let done = harness.wait_for_list(1, is_finished).await;
    assert_eq!(done["state"], "cancelled", "{done:#}");
    assert_eq!(statuses(&done), ["cancelled", "cancelled"]);
}

/// Over `ARG_MAX` (2 MiB with the usual 8 MiB stack) and `MAX_ARG_STRLEN` (128 KiB): as an
/// argument of `claude -p` this task failed mid-list with "Argument list too long".
const HUGE_PROMPT_BYTES: usize = 3 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_larger_than_arg_max_reaches_the_child_whole_on_stdin() {
    let harness = Harness::start().await;
    let body: String = (0..HUGE_PROMPT_BYTES / 16)
        .map(|i| format!("{i:015x}\n"))
        .collect();
    let first = format!("TAG=first\n{body}END-OF-FIRST");
    let report = json_of(
        &harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": [first, "TAG=second"], "context": "full"}),
            )
            .await,
    );
    assert_eq!(statuses(&report), ["succeeded", "succeeded"], "{report:#}");
    let records = harness.records();
    assert_eq!(records.len(), 2);
    let given = records[0]["stdin"].as_str().unwrap_or_default();
    assert!(
        given.starts_with(&format!("{first}\n\n")),
        "the child got {} bytes of a {}-byte prompt",
        given.len(),
        first.len()
    );
    assert!(given.contains("TASK-COMPLETE "));
    let second = records[1]["stdin"].as_str().unwrap_or_default();
    assert!(second.contains("RESULT[first]"), "{second}");
    for record in &records {
        let argv: Vec<&str> = record["argv"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(argv, ["-p", "--output-format", "stream-json", "--verbose"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_claude_could_not_take_is_refused_when_the_list_is_submitted() {
    let harness = Harness::start().await;
    let over = "p".repeat(8 * 1024 * 1024 + 1);
    let cases = [
        (
            json!({"cwd": harness.cwd(), "tasks": ["TAG=ok", over]}),
            "task 2: the prompt is 8388609 bytes; at most 8388608 (8 MiB) fit",
        ),
        (
            json!({"cwd": harness.cwd(), "tasks": [{"prompt": "x", "model": "a\u{0}b"}]}),
            "task 1: `model` must be a model name",
        ),
        (
            json!({"cwd": harness.cwd(), "tasks": [{"prompt": "x", "allowed_tools": ["Bash(x)".repeat(10_000)]}]}),
            "task 1: `allowed_tools` is 70001 bytes in all",
        ),
    ];
    for (arguments, expected) in cases {
        let result = harness.call("execute_task_list", arguments).await;
        assert_eq!(result.is_error, Some(true), "{}", text_of(&result));
        assert!(text_of(&result).contains(expected), "{}", text_of(&result));
    }
    assert!(harness.records().is_empty(), "no task may run");
    let lists = json_of(&harness.call("list_task_lists", json!({})).await);
    assert_eq!(lists["task_lists"], json!([]), "nothing stored: {lists:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_task_options_are_tool_errors_that_name_the_task_and_the_field() {
    let harness = Harness::start().await;
    let cases = [
        (
            json!([{"prompt": "x", "timeout_s": -5}]),
            "task 1: `timeout_s` must be a whole number of seconds from 1 to 604800 (7 days); got -5",
        ),
        (
            json!(["a", {"prompt": "x", "timeout_s": 1.5}]),
            "task 2: `timeout_s` must be a whole number of seconds from 1 to 604800 (7 days); got 1.5",
        ),
        (json!([{"prompt": "x", "timeout_s": 0}]), "got 0"),
        (
            json!([{"prompt": "x", "max_turns": -1}]),
            "task 1: `max_turns` must be a whole number from 1",
        ),
        (
            json!([{"prompt": "x", "allowed_tools": "Edit"}]),
            "task 1: `allowed_tools` must be an array of strings",
        ),
        (
            json!([{"prompt": "x", "timeout": 5}]),
            "task 1: unknown field `timeout`; a task object has `prompt`, `timeout_s`",
        ),
        (
            json!([{"model": "opus"}]),
            "task 1: the task object has no `prompt`",
        ),
        (
            json!([7]),
            "task 1: a task is a prompt (a string) or an object with `prompt`; got 7",
        ),
        (json!("do it"), "`tasks` must be an array of tasks"),
    ];
    for (tasks, expected) in cases {
        // MCP (2025-11-25, SEP-1303): arguments that do not fit the tool's schema are a tool
        // execution error the model can read and correct, not a protocol error.
        let result = harness
            .call(
                "execute_task_list",
                json!({"cwd": harness.cwd(), "tasks": tasks}),
            )
            .await;
        let text = text_of(&result);
        assert_eq!(result.is_error, Some(true), "{tasks} was accepted: {text}");
        assert!(text.contains(expected), "{tasks}: {text}");
        assert!(!text.contains("untagged"), "{text}");
    }
    assert!(harness.records().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcc_status_counts_the_failures_the_database_could_not_take() {
    let harness = Harness::start().await;
    // A database that exists, and one failure only the failure log holds (as a hook writes it
    // when the database is read-only or the disk is full).
    drop(pcc_store::Store::open(&harness.database()).unwrap_or_else(|err| panic!("open: {err}")));
    pcc_store::FailureLog::in_dir(harness.home.path())
        .append(1_000, "store", "database is read-only")
        .unwrap_or_else(|err| panic!("append: {err}"));
    let status = json_of(&harness.call("pcc_status", json!({})).await);
    assert_eq!(status["hook_errors"]["count"], 1, "{status:#}");
    assert_eq!(status["hook_errors"]["unrecorded"], 1, "{status:#}");
    assert_eq!(
        status["hook_errors"]["last"], "database is read-only",
        "{status:#}"
    );
}
