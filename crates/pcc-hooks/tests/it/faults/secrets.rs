//! Faults: secrets. Every secret form of `pcc-core/tests/data/secrets.tsv` is pushed through the
//! real binary the ways a secret arrives — a Bash command judged unattended (so it is escalated
//! and notified to an ntfy webhook on 127.0.0.1), a `.env` written, a Claude notification, a
//! queued task handed over at a Stop, a human's answer to an escalation, bad input on stdin —
//! all under `PCC_LOG=debug`. Then the database file, its WAL, every log file, every webhook
//! request and every stderr line are searched for each raw value: none may hold one.
//!
//! Also here: the logger stays silent on stderr when its file cannot be written (a full disk),
//! since a hook's stderr is shown to Claude and the user.

use crate::common::*;
use pcc_testkit::http::{Loopback, Reply};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `(form, text)` of every secret form, and every raw secret.
fn secret_forms() -> Vec<(String, String, String)> {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pcc-core/tests/data/secrets.tsv"
    ))
    .lines()
    .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    .filter_map(|line| {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "three fields: {line:?}");
        (fields[2] != "-").then(|| {
            (
                fields[0].to_owned(),
                fields[1].replace("\\n", "\n"),
                fields[2].to_owned(),
            )
        })
    })
    .collect()
}

/// The CLI with notifications on, debug logging and an unattended mode.
fn cli(home: &Path) -> Command {
    let mut command = command(home);
    command
        .current_dir(home)
        .env_remove("PCC_NOTIFY")
        .env("PCC_LOG", "debug")
        .env("PCC_MODE", "unattended");
    command
}

/// Runs the hook with `input`; returns its output, whose stderr is kept for the search.
fn hook(home: &Path, input: &serde_json::Value, stderr: &mut Vec<u8>) -> Output {
    let output = run_with_stdin(cli(home).arg("hook"), input.to_string().as_bytes());
    stderr.extend_from_slice(&output.stderr);
    output
}

/// Waits until no notification is still being sent, so every webhook request has been made.
fn wait_for_the_senders(home: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sending = count(
            &db(home),
            "SELECT COUNT(*) FROM notifications WHERE state = 'sending'",
        );
        if sending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{sending} sends never finished");
        // Polling rows other processes write; each poll is one short read.
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn no_secret_reaches_the_database_the_log_a_webhook_or_stderr() {
    let home = tempfile::tempdir().expect("tempdir");
    let project = home.path().join("project");
    std::fs::create_dir(&project).expect("project dir");
    let cwd = project.to_string_lossy().into_owned();
    let server = Loopback::start(Reply::Status(200));
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[notify]\ndesktop = false\n[[notify.webhooks]]\nurl = \"{}\"\nformat = \"ntfy\"\n",
            server.url("/pcc")
        ),
    )
    .expect("config.toml");

    let forms = secret_forms();
    assert!(forms.len() >= 50, "{} forms", forms.len());
    let mut stderr = Vec::new();
    for (index, (form, text, _)) in forms.iter().enumerate() {
        let session = format!("secrets-{index:03}-{form}");
        let base = json!({"session_id": session, "cwd": cwd, "transcript_path": null});
        let with = |fields: serde_json::Value| {
            let mut input = base.clone();
            input
                .as_object_mut()
                .expect("an object")
                .extend(fields.as_object().expect("an object").clone());
            input
        };
        // A Bash command, judged while unattended: a call that is not LOW is escalated and
        // the escalation notified.
        hook(
            home.path(),
            &with(json!({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                         "tool_use_id": format!("toolu_{index}"),
                         "tool_input": {"command": text, "description": text}})),
            &mut stderr,
        );
        // A .env written (HIGH: a secret file), escalated and notified too.
        hook(
            home.path(),
            &with(
                json!({"hook_event_name": "PreToolUse", "tool_name": "Write",
                         "tool_input": {"file_path": format!("{cwd}/.env"), "content": text}}),
            ),
            &mut stderr,
        );
        // Claude Code's own notification carrying it.
        hook(
            home.path(),
            &with(json!({"hook_event_name": "Notification", "message": text,
                         "notification_type": "idle_prompt"})),
            &mut stderr,
        );
        // Bad input carrying it: refused, exit 2.
        let bad = with(json!({"hook_event_name": "PreToolUse", "cwd": 5,
                              "tool_name": "Bash", "tool_input": {"command": text}}));
        let refused = hook(home.path(), &bad, &mut stderr);
        assert_eq!(refused.status.code(), Some(2), "{form}: bad input blocks");
        let garbage = run_with_stdin(cli(home.path()).arg("hook"), text.as_bytes());
        stderr.extend_from_slice(&garbage.stderr);
        // A queued task, handed over at the session's next Stop.
        let added = cli(home.path())
            .args(["add", "--project", &cwd, "--", text])
            .output()
            .expect("run add");
        stderr.extend_from_slice(&added.stderr);
        assert!(added.status.success(), "{form}: {}", text_of(&added.stderr));
        hook(
            home.path(),
            &with(json!({"hook_event_name": "Stop", "stop_hook_active": false,
                         "last_assistant_message": text})),
            &mut stderr,
        );
    }
    // A human's answers carrying them, to the escalations raised above.
    let escalations: Vec<i64> = {
        let conn = db(home.path());
        let mut statement = conn
            .prepare("SELECT id FROM escalations WHERE state = 'pending' ORDER BY id")
            .expect("prepare");
        statement
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert!(
        escalations.len() >= forms.len(),
        "every .env write was escalated: {} escalations",
        escalations.len()
    );
    for ((_, text, _), id) in forms.iter().zip(&escalations) {
        let answered = cli(home.path())
            .args(["respond", &id.to_string(), "--", text])
            .env("PATH", "/nonexistent")
            .output()
            .expect("run respond");
        stderr.extend_from_slice(&answered.stderr);
    }
    wait_for_the_senders(home.path());
    // Every sink was written: queued tasks, answers, refused inputs.
    let conn = db(home.path());
    let n = forms.len() as i64;
    assert!(
        count(
            &conn,
            "SELECT COUNT(*) FROM queue_tasks WHERE state = 'active'"
        ) >= n
    );
    assert!(
        count(
            &conn,
            "SELECT COUNT(*) FROM escalations WHERE state = 'answered'"
        ) >= n
    );
    assert!(
        count(
            &conn,
            "SELECT COUNT(*) FROM hook_errors WHERE kind = 'input'"
        ) >= 2 * n
    );
    drop(conn);
    let notified = count(&db(home.path()), "SELECT COUNT(*) FROM notifications");
    assert!(
        notified >= forms.len() as i64,
        "escalations were notified: {notified}"
    );
    let mut webhook = Vec::new();
    while let Some(request) = server.try_next() {
        webhook.extend(format!("{:?}\n", request.headers).into_bytes());
        webhook.extend(request.body);
        webhook.push(b'\n');
    }
    assert!(!webhook.is_empty(), "the webhook was called");

    let mut places: Vec<(String, Vec<u8>)> = files_under(home.path())
        .into_iter()
        .filter(|path| !path.starts_with(&project) && !path.ends_with("config.toml"))
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_default();
            (path.display().to_string(), bytes)
        })
        .collect();
    assert!(
        places.iter().any(|(name, _)| name.ends_with("pcc.db")),
        "{places:?}"
    );
    assert!(
        places
            .iter()
            .any(|(name, bytes)| name.ends_with("pcc-hooks.log") && !bytes.is_empty()),
        "the debug log was written"
    );
    places.push(("webhook requests".to_owned(), webhook));
    places.push(("stderr".to_owned(), stderr));
    let mut leaks = Vec::new();
    for (form, _, secret) in &forms {
        for (place, bytes) in &places {
            if contains(bytes, secret.as_bytes()) {
                leaks.push(format!("{form}: {secret:?} in {place}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_log_file_that_cannot_be_written_leaves_stderr_silent() {
    let home = tempfile::tempdir().expect("tempdir");
    let logs = home.path().join("logs");
    std::fs::create_dir(&logs).expect("logs dir");
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", logs.join("pcc-hooks.log")).expect("symlink");
    let input = json!({"session_id": "full-disk", "cwd": "/tmp", "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": "git status"}});
    let output = run_with_stdin(
        command(home.path()).arg("hook").env("PCC_LOG", "debug"),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text_of(&output.stderr));
    assert!(!output.stdout.is_empty(), "answered");
    assert!(
        output.stderr.is_empty(),
        "the logger's failures stay off stderr: {}",
        text_of(&output.stderr)
    );
}

#[test]
fn a_command_line_clap_refuses_does_not_echo_a_secret() {
    let home = tempfile::tempdir().expect("tempdir");
    for (name, form, raw) in secret_forms() {
        // clap quotes the argument it cannot place: as a subcommand, and as a stray value.
        for args in [vec![form.as_str()], vec!["pending", form.as_str()]] {
            let output = command(home.path())
                .args(&args)
                .output()
                .expect("run pcc-hooks");
            assert_eq!(output.status.code(), Some(2), "{name}: a usage error");
            assert!(!output.stderr.is_empty(), "{name}: the error is still said");
            assert!(
                !contains(&output.stderr, raw.as_bytes()),
                "{name}: {raw:?} echoed: {}",
                text_of(&output.stderr)
            );
        }
    }
}
