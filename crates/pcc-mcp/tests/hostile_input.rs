//! Raw lines on the built `pcc-mcp`'s stdin, the way no well-behaved client writes them: every
//! request gets exactly one answer with the JSON-RPC 2.0 code for what is wrong, its `id` when it
//! can be read, and a message a human can act on; the server keeps serving after each.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long an answer may take; a missing answer fails the test after this.
const ANSWER_WAIT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    _home: tempfile::TempDir,
}

impl Server {
    /// The server, initialised as a client would.
    fn start() -> Server {
        let home = common::temp();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pcc-mcp"))
            .env("PCC_HOME", home.path())
            .env("PCC_CLAUDE_BIN", common::fake_claude())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("spawn pcc-mcp: {err}"));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            lines,
            _home: home,
        };
        let init = server.ask(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "hostile", "version": "0"}}}),
        );
        assert!(init["result"]["serverInfo"].is_object(), "{init}");
        server.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        server
    }

    fn send_line(&mut self, line: &str) {
        self.send_bytes(line.as_bytes());
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin
            .write_all(bytes)
            .and_then(|()| self.stdin.write_all(b"\n"))
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|err| panic!("write to pcc-mcp: {err}"));
    }

    /// The next answer (notifications skipped).
    fn answer(&self) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(ANSWER_WAIT)
                .unwrap_or_else(|err| panic!("no answer within {ANSWER_WAIT:?}: {err}"));
            let value: Value =
                serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"));
            if value.get("id").is_some() {
                return value;
            }
        }
    }

    fn ask(&mut self, request: &Value) -> Value {
        self.send_line(&request.to_string());
        self.answer()
    }

    /// Sends `line` and checks the one answer: `code`, `id`, and words in the message.
    fn refused(&mut self, line: &str, code: i64, id: &Value, says: &str) {
        self.send_line(line);
        self.check(code, id, says, &line[..line.len().min(120)]);
    }

    fn check(&self, code: i64, id: &Value, says: &str, what: &str) {
        let answer = self.answer();
        assert_eq!(answer["jsonrpc"], "2.0", "{what}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{what}: {answer}");
        assert_eq!(&answer["id"], id, "{what}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{what}: {message}");
    }

    /// The server still answers a plain request.
    fn still_serves(&mut self, id: i64) {
        let pong = self.ask(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
        assert_eq!(pong["id"], id, "{pong}");
        assert!(pong["result"].is_object(), "{pong}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn lines_that_are_not_json_get_a_parse_error() {
    let mut server = Server::start();
    for line in ["hello", "{\"jsonrpc\":\"2.0\",", "{'id': 1}", "\u{1}\u{7f}"] {
        server.refused(line, -32700, &Value::Null, "not JSON");
    }
    server.send_bytes(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\xff\"}");
    server.check(-32700, &Value::Null, "not JSON", "invalid UTF-8");
    server.still_serves(2);
}

#[test]
fn json_that_is_not_a_request_is_an_invalid_request() {
    let mut server = Server::start();
    let cases = [
        ("[]", Value::Null, "batches"),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            Value::Null,
            "batches",
        ),
        ("\"ping\"", Value::Null, "is an object"),
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            Value::Null,
            "`id` must be a string or an integer",
        ),
        (
            r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#,
            json!(3),
            "`jsonrpc` must be \"2.0\"",
        ),
        (
            r#"{"jsonrpc":"2.0","id":"m","method":["tools/call"]}"#,
            json!("m"),
            "`method` must be a string",
        ),
        (r#"{"jsonrpc":"2.0","id":4}"#, json!(4), "no `method`"),
    ];
    for (line, id, says) in cases {
        server.refused(line, -32600, &id, says);
    }
    server.still_serves(5);
}

#[test]
fn tools_call_params_that_do_not_fit_are_invalid_params() {
    let mut server = Server::start();
    let cases = [
        (
            json!({"name": "task_list_status", "arguments": [1]}),
            "`params.arguments` must be an object of the tool's parameters by name",
        ),
        (
            json!({"name": "task_list_status", "arguments": 1}),
            "got a number",
        ),
        (json!({"arguments": {"list_id": 1}}), "`params.name`"),
        (json!("task_list_status"), "needs `params`"),
        (
            json!({"name": "no_such_tool", "arguments": {}}),
            "there is no tool `no_such_tool`; pcc-mcp has `cancel_task_list`, `execute_task_list`",
        ),
    ];
    for (index, (params, says)) in cases.into_iter().enumerate() {
        let id = json!(format!("call-{index}"));
        let line = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
            .to_string();
        server.refused(&line, -32602, &id, says);
    }
    server.refused(
        r#"{"jsonrpc":"2.0","id":9,"method":"tools/list","params":[]}"#,
        -32602,
        &json!(9),
        "the params of `tools/list` do not fit",
    );
    let unknown = server.ask(&json!({"jsonrpc": "2.0", "id": 10, "method": "no/such/method"}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    server.still_serves(11);
}

#[test]
fn a_negative_timeout_is_a_tool_error_that_says_what_is_allowed() {
    let mut server = Server::start();
    let answer = server.ask(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "execute_task_list",
        "arguments": {"cwd": "/tmp", "tasks": [{"prompt": "x", "timeout_s": -5}]}}}),
    );
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains(
            "task 1: `timeout_s` must be a whole number of seconds from 1 to 604800 (7 days); got -5"
        ),
        "{text}"
    );
    assert!(!text.contains("untagged"), "{text}");
}

#[test]
fn a_line_over_16_mib_is_answered_with_its_id_and_the_server_reads_on() {
    let mut server = Server::start();
    let filler = "x".repeat(17 * 1024 * 1024);
    // The id last, as the TypeScript SDK writes it, after the bulk of the message.
    let line = format!(
        r#"{{"method":"tools/call","params":{{"name":"execute_task_list","arguments":{{"cwd":"/tmp","tasks":["{filler}"]}}}},"jsonrpc":"2.0","id":"huge"}}"#
    );
    server.send_line(&line);
    server.check(
        -32600,
        &json!("huge"),
        "over the 16777216-byte (16 MiB) limit",
        "id last",
    );
    server.still_serves(1);
    // No id to be found: still answered, with a null id.
    server.send_line(&format!("[\"{filler}\"]"));
    server.check(-32600, &Value::Null, "16 MiB", "no id");
    server.still_serves(2);
}
