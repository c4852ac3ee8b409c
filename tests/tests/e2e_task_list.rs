//! `execute_task_list` end to end with the real Claude Code CLI: a parent `claude -p` session calls
//! the tool on our MCP server; each of the three tasks runs in a real child `claude -p` against
//! the same mock; task 2 is told task 1's result; the tasks run one after the other; the parent
//! receives the three results.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, Turn, ensure_claude, pcc_binary};
use serde_json::json;

#[test]
fn three_tasks_run_in_fresh_claude_processes_in_order_and_report_back() {
    let sandbox = Sandbox::new();
    let pcc_home = sandbox.root().join("pcc-home");
    let project = sandbox.project_dir();
    let mock = MockApi::start([
        Turn::tool(
            "mcp__pcc__execute_task_list",
            json!({"tasks": ["TASK-ONE: write the notes", "TASK-TWO: build on the notes", "TASK-THREE: summarise"],
                   "cwd": project, "context": "summary"}),
        ),
        Turn::text("All three tasks are done."),
    ]);
    // Later prompts carry the earlier tasks as context, so the most specific marker comes first.
    mock.add_conversation(
        "TASK-THREE",
        [Turn::text_with_nonce(
            "Summary: gamma-789 built on beta-456.",
        )],
    );
    mock.add_conversation(
        "TASK-TWO",
        [Turn::text_with_nonce("Built beta-456 on the notes.")],
    );
    mock.add_conversation(
        "TASK-ONE",
        [Turn::text_with_nonce("Notes written: alpha-123.")],
    );
    let mcp_config = json!({"mcpServers": {"pcc": {
        "command": pcc_binary("pcc-mcp"),
        "args": [],
        "env": {"PCC_HOME": pcc_home, "PCC_CLAUDE_BIN": ensure_claude()},
    }}});
    let out = ClaudeSession::new(&mock, "run the three steps as a task list")
        .sandbox(&sandbox)
        .args([
            "--mcp-config",
            &mcp_config.to_string(),
            "--strict-mcp-config",
        ])
        .args(["--allowedTools", "mcp__pcc__execute_task_list"])
        .env("PCC_HOME", &pcc_home)
        .timeout(std::time::Duration::from_secs(180))
        .run();
    out.assert_success();
    assert_eq!(
        out.result_text(),
        Some("All three tasks are done."),
        "{out}"
    );

    // The parent got the three results back in its tool_result.
    let parent = mock
        .scripted_requests()
        .into_iter()
        .find(|request| request.assistant_count() == 1 && request.tool_results().len() == 1)
        .expect("the parent's request after the tool call");
    let result = &parent.tool_results()[0];
    assert!(!result.is_error, "{}", result.text);
    for expected in ["alpha-123", "beta-456", "gamma-789", "succeeded"] {
        assert!(
            result.text.contains(expected),
            "{expected} missing from {}",
            result.text
        );
    }

    // Task 2 was told task 1's result; each child was a fresh process with its own session.
    let child = |marker: &str| {
        mock.scripted_requests()
            .into_iter()
            .find(|request| {
                request
                    .user_texts()
                    .first()
                    .is_some_and(|text| text.contains(marker))
            })
            .unwrap_or_else(|| panic!("no child request for {marker}"))
    };
    assert!(
        child("TASK-TWO").user_texts()[0].contains("alpha-123"),
        "task 2 sees task 1's result"
    );
    let sessions: std::collections::BTreeSet<String> = ["TASK-ONE", "TASK-TWO", "TASK-THREE"]
        .iter()
        .filter_map(|marker| {
            child(marker)
                .header("x-claude-code-session-id")
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        sessions.len(),
        3,
        "three different child sessions: {sessions:?}"
    );

    // The database shows the order: each task started after the previous one ended.
    let conn = rusqlite::Connection::open(pcc_home.join("pcc.db")).expect("database");
    let mut statement = conn
        .prepare("SELECT position, status, started_ms, finished_ms FROM tasks ORDER BY position")
        .expect("prepare");
    let tasks: Vec<(i64, String, i64, i64)> = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert!(tasks.iter().all(|task| task.1 == "succeeded"), "{tasks:?}");
    for pair in tasks.windows(2) {
        assert!(
            pair[1].2 >= pair[0].3,
            "task {} started before task {} ended: {tasks:?}",
            pair[1].0,
            pair[0].0
        );
    }
}
