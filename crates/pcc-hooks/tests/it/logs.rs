//! `pcc-hooks logs --follow` on a session whose transcript grows while it runs: lines appear
//! as they are written (a half-written line once it is whole), a tool call waits for the
//! decision our hook records for it, and following stops at the session's `SessionEnd`.

use crate::common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const SESSION: &str = "5e55a0f0-1111-4222-8333-944445555666";
const CALL: &str = "toolu_follow1";

fn hook(home: &Path, transcript: &Path, event: serde_json::Value) {
    let mut input = json!({"session_id": SESSION, "cwd": "/tmp/project",
        "transcript_path": transcript, "permission_mode": "default"});
    if let (Some(input), Some(event)) = (input.as_object_mut(), event.as_object()) {
        input.extend(event.clone());
    }
    let output = run_hook(home, input.to_string().as_bytes());
    assert!(output.status.success(), "{}", text(&output.stderr));
}

fn append(transcript: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(transcript)
        .expect("open transcript");
    file.write_all(text.as_bytes()).expect("append");
}

fn line(value: serde_json::Value) -> String {
    format!("{value}\n")
}

/// The lines `logs --follow` prints, as they come.
fn follow(home: &Path) -> (Child, Receiver<String>) {
    let mut child = command(home)
        .args(["logs", &SESSION[..8], "--follow", "--color", "never"])
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn logs --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        for printed in BufReader::new(stdout).lines() {
            let Ok(printed) = printed else { break };
            if sender.send(printed).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// Waits for a printed line containing `needle`; returns everything printed on the way.
fn wait_for(lines: &Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(printed) => {
                let found = printed.contains(needle);
                seen.push(printed);
                if found {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no line with {needle:?} within 20 s; printed: {seen:#?}");
}

#[test]
fn follow_prints_what_the_session_writes_with_our_decisions_and_stops_at_its_end() {
    let home = tempfile::tempdir().expect("tempdir");
    let transcript = home.path().join("session.jsonl");
    std::fs::write(
        &transcript,
        line(json!({"type": "user", "timestamp": "2026-12-02T10:00:00Z",
                    "message": {"role": "user", "content": "Tidy the build"}})),
    )
    .expect("write transcript");
    hook(
        home.path(),
        &transcript,
        json!({"hook_event_name": "SessionStart", "source": "startup"}),
    );
    let (mut child, lines) = follow(home.path());
    wait_for(&lines, "> Tidy the build");

    // The model's words, written in two pieces: printed once, when whole.
    let said = line(
        json!({"type": "assistant", "timestamp": "2026-12-02T10:00:01Z",
        "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5",
                    "content": [{"type": "text", "text": "Running the tests."}]}}),
    );
    let (head, tail) = said.split_at(40);
    append(&transcript, head);
    append(&transcript, tail);
    wait_for(&lines, "● Running the tests.");

    // A tool call lands before our hook decides it; it is printed with the decision.
    append(
        &transcript,
        &line(
            json!({"type": "assistant", "timestamp": "2026-12-02T10:00:02Z",
            "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5",
                        "content": [{"type": "tool_use", "id": CALL, "name": "Bash",
                                     "input": {"command": "ls"}}]}}),
        ),
    );
    hook(
        home.path(),
        &transcript,
        json!({"hook_event_name": "PreToolUse", "tool_name": "Bash",
               "tool_input": {"command": "ls"}, "tool_use_id": CALL}),
    );
    let printed = wait_for(&lines, "▸ Bash  ls");
    assert_eq!(
        printed
            .iter()
            .filter(|l| l.contains("Running the tests"))
            .count(),
        0,
        "nothing printed twice: {printed:?}"
    );
    let decision = wait_for(&lines, "pcc:");
    assert!(
        decision
            .last()
            .is_some_and(|l| l.contains("pcc: allow · LOW")),
        "{decision:?}"
    );
    append(
        &transcript,
        &line(json!({"type": "user", "timestamp": "2026-12-02T10:00:03Z",
            "message": {"role": "user", "content": [{"type": "tool_result",
                "tool_use_id": CALL, "content": "Cargo.toml\nsrc"}]}})),
    );
    wait_for(&lines, "⎿ Cargo.toml");

    hook(
        home.path(),
        &transcript,
        json!({"hook_event_name": "SessionEnd", "reason": "other"}),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "logs --follow still running 20 s after SessionEnd"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn logs_of_an_unknown_session_or_transcript_say_what_to_do() {
    let home = tempfile::tempdir().expect("tempdir");
    let none = command(home.path())
        .args(["logs", "abc"])
        .output()
        .expect("run logs");
    assert!(!none.status.success());
    assert!(
        text(&none.stderr).contains("no sessions recorded yet"),
        "{}",
        text(&none.stderr)
    );
    let missing = home.path().join("gone.jsonl");
    hook(
        home.path(),
        &missing,
        json!({"hook_event_name": "SessionStart", "source": "startup"}),
    );
    let unreadable = command(home.path())
        .args(["logs", &SESSION[..8]])
        .output()
        .expect("run logs");
    assert!(!unreadable.status.success());
    let message = text(&unreadable.stderr);
    assert!(
        message.contains("cannot read the transcript of session 5e55a0f0")
            && message.contains("gone.jsonl"),
        "{message}"
    );
}
