//! Notifications end to end: the built binary gets a captured `Notification` hook input, and a
//! webhook server on 127.0.0.1 (nothing else is ever contacted) receives what a detached sender
//! posts; the outcome of every channel lands in the `notifications` table.
//!
//! Desktop notifications are off in every test but the one that checks a missing notifier, which
//! runs with a `PATH` that has none, so no test pops a real notification.

use crate::common::*;
use pcc_testkit::http::{Loopback, Reply, Request};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// Long enough for a loaded CI machine; every wait ends as soon as its event happens.
const WAIT: Duration = Duration::from_secs(20);

fn fixture(name: &str) -> serde_json::Value {
    hook_fixtures()
        .into_iter()
        .find(|(file, _)| file == name)
        .map(|(_, stdin)| stdin)
        .expect("the captured fixture")
}

/// The captured `permission_prompt` notification (session 98e969cc…, project /home/dev/project).
fn permission_prompt() -> serde_json::Value {
    fixture("v2.1.197-Notification_permission_prompt.json")
}

fn write_config(home: &Path, toml: &str) {
    std::fs::write(home.join("config.toml"), toml).expect("write config.toml");
}

/// `[notify]` with desktop off and one webhook.
fn webhook_config(url: &str, format: &str, extra: &str) -> String {
    format!(
        "[notify]\ndesktop = false\n{extra}\n[[notify.webhooks]]\nurl = \"{url}\"\nformat = \"{format}\"\n"
    )
}

/// The CLI, run from the data directory so no project file of this repository applies.
fn cli(home: &Path) -> std::process::Command {
    let mut command = command(home);
    command.current_dir(home).env_remove("PCC_NOTIFY");
    command
}

fn hook(home: &Path, stdin: &serde_json::Value) -> Output {
    let output = run_with_stdin(cli(home).arg("hook"), stdin.to_string().as_bytes());
    assert!(
        output.status.success(),
        "exit {:?}, stderr {}",
        output.status,
        text(&output.stderr)
    );
    assert!(
        output.stdout.is_empty(),
        "a Notification hook prints nothing: {:?}",
        text(&output.stdout)
    );
    output
}

/// One row of the `notifications` table.
#[derive(Debug)]
struct Row {
    id: i64,
    session_id: Option<String>,
    kind: String,
    state: String,
    deliveries: serde_json::Value,
    at_ms: i64,
    finished_ms: Option<i64>,
}

fn rows(home: &Path) -> Vec<Row> {
    let conn = db(home);
    let mut statement = conn
        .prepare(
            "SELECT id, session_id, kind, state, deliveries, at_ms, finished_ms
             FROM notifications ORDER BY id",
        )
        .expect("prepare");
    statement
        .query_map([], |row| {
            let deliveries: Option<String> = row.get(4)?;
            Ok(Row {
                id: row.get(0)?,
                session_id: row.get(1)?,
                kind: row.get(2)?,
                state: row.get(3)?,
                deliveries: deliveries
                    .map(|text| serde_json::from_str(&text).expect("deliveries are JSON"))
                    .unwrap_or(serde_json::Value::Null),
                at_ms: row.get(5)?,
                finished_ms: row.get(6)?,
            })
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Waits until notification `id` has left `sending` (the detached sender recorded its channels).
fn finished(home: &Path, id: i64) -> Row {
    let deadline = Instant::now() + WAIT;
    loop {
        let row = rows(home).into_iter().find(|row| row.id == id);
        match row {
            Some(row) if row.state != "sending" => return row,
            _ if Instant::now() > deadline => panic!("notification {id} never finished: {row:?}"),
            // Polling a database another process writes; each poll is one short read.
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn only_row(home: &Path) -> Row {
    let mut all = rows(home);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// Runs the captured permission prompt against a webhook of `format`; returns the request the
/// server received, after checking the stored outcome.
fn deliver_in_format(format: &str, extra_config: &str) -> (Request, Loopback) {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    let path = format!("/hook/{format}");
    write_config(
        home.path(),
        &webhook_config(&server.url(&path), format, extra_config),
    );
    hook(home.path(), &permission_prompt());

    let request = server.next(WAIT).expect("the webhook is called");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, path);
    assert!(
        request
            .header("user-agent")
            .is_some_and(|agent| agent.starts_with("pcc-hooks/")),
        "{request:?}"
    );

    let row = finished(home.path(), only_row(home.path()).id);
    assert_eq!(row.state, "sent", "{row:?}");
    assert_eq!(row.kind, "permission_prompt");
    assert_eq!(
        row.session_id.as_deref(),
        Some("98e969cc-086d-45b1-a2a5-24be55712bf8")
    );
    assert_eq!(
        row.deliveries,
        serde_json::json!([{
            "channel": format!("webhook[0] {format} {}", server.host()),
            "ok": true,
            "skipped": false,
            "error": null,
            "elapsed_ms": row.deliveries[0]["elapsed_ms"],
        }])
    );
    assert!(row.finished_ms.is_some_and(|done| done >= row.at_ms));
    // The event itself is recorded as for any hook.
    assert_eq!(
        count(
            &db(home.path()),
            "SELECT COUNT(*) FROM events WHERE event = 'Notification'"
        ),
        1
    );
    (request, server)
}

#[test]
fn a_json_webhook_gets_the_generic_body_and_its_headers() {
    let (request, _server) = deliver_in_format("json", "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["title"], "Claude needs your permission · project");
    assert_eq!(body["message"], "Claude needs your permission");
    assert_eq!(body["session_id"], "98e969cc-086d-45b1-a2a5-24be55712bf8");
    assert_eq!(body["project"], "project");
    assert_eq!(body["kind"], "permission_prompt");
    assert_eq!(body["urgency"], "high");
    let at = body["at"].as_str().expect("at is a string");
    assert!(at.parse::<jiff::Timestamp>().is_ok(), "RFC 3339: {at}");
}

#[test]
fn a_webhook_gets_its_configured_headers() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(204));
    write_config(
        home.path(),
        &format!(
            "{}headers = {{ Authorization = \"Bearer tk_secret\" }}\n",
            webhook_config(&server.url("/h"), "json", "")
        ),
    );
    hook(home.path(), &permission_prompt());
    let request = server.next(WAIT).expect("the webhook is called");
    assert_eq!(request.header("authorization"), Some("Bearer tk_secret"));
    let row = finished(home.path(), only_row(home.path()).id);
    assert_eq!(row.state, "sent", "a 204 is a delivery: {row:?}");
    assert!(
        !row.deliveries.to_string().contains("tk_secret"),
        "{:?}",
        row.deliveries
    );
}

#[test]
fn an_ntfy_webhook_gets_plain_text_and_ntfy_headers() {
    let (request, _server) = deliver_in_format("ntfy", "");
    assert_eq!(
        request.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    // The title holds a non-ASCII "·", so it travels RFC 2047-encoded, which ntfy decodes.
    assert_eq!(
        request.header("title"),
        Some("=?UTF-8?B?Q2xhdWRlIG5lZWRzIHlvdXIgcGVybWlzc2lvbiDCtyBwcm9qZWN0?=")
    );
    assert_eq!(request.header("priority"), Some("4"));
    assert_eq!(request.header("tags"), Some("warning,permission_prompt"));
    assert_eq!(
        request.text(),
        "Claude needs your permission\n\nproject · session 98e969cc"
    );
}

#[test]
fn a_slack_webhook_gets_mrkdwn_text() {
    let (request, _server) = deliver_in_format("slack", "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        serde_json::json!({
            "text": "*Claude needs your permission · project*\nClaude needs your permission\n_project · session 98e969cc_"
        })
    );
}

#[test]
fn a_discord_webhook_gets_an_embed_without_mentions() {
    let (request, _server) = deliver_in_format("discord", "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["content"], "Claude needs your permission · project");
    assert_eq!(body["allowed_mentions"], serde_json::json!({"parse": []}));
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], "Claude needs your permission · project");
    assert_eq!(embed["description"], "Claude needs your permission");
    assert_eq!(embed["color"], 0x00ed_4245, "high urgency is red");
    assert_eq!(embed["footer"]["text"], "project · session 98e969cc");
    assert!(embed["timestamp"].is_string());
}

#[test]
fn a_webhook_that_never_answers_does_not_hold_up_the_hook() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Never);
    let timeout_ms = 1500;
    write_config(
        home.path(),
        &webhook_config(
            &server.url("/slow"),
            "json",
            &format!("timeout_ms = {timeout_ms}"),
        ),
    );
    let started = Instant::now();
    hook(home.path(), &permission_prompt());
    let hook_took = started.elapsed();
    // Had the hook waited for the channel, the row would be final by now: it is still open.
    let open = only_row(home.path());
    assert_eq!(
        open.state, "sending",
        "the hook returned before the send ended ({hook_took:?})"
    );

    let request = server.next(WAIT).expect("the webhook is called");
    assert_eq!(request.path, "/slow");
    let row = finished(home.path(), open.id);
    assert_eq!(row.state, "failed", "{row:?}");
    let delivery = &row.deliveries[0];
    assert_eq!(delivery["ok"], false);
    assert_eq!(delivery["skipped"], false);
    let error = delivery["error"].as_str().unwrap_or_default();
    assert!(error.contains("timed out"), "{error}");
    assert!(
        row.finished_ms
            .is_some_and(|done| done - row.at_ms >= timeout_ms),
        "given up only after timeout_ms: {row:?}"
    );
    drop(server);
}

#[test]
fn a_missing_desktop_notifier_is_left_out_quietly_and_reported_by_doctor() {
    let home = tempfile::tempdir().expect("tempdir");
    let empty_path = tempfile::tempdir().expect("an empty PATH directory");
    let run = |home: &Path| {
        let output = run_with_stdin(
            cli(home)
                .arg("hook")
                .env("PATH", empty_path.path())
                .env("PCC_LOG", "info"),
            permission_prompt().to_string().as_bytes(),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(output.stdout.is_empty());
        assert!(output.stderr.is_empty(), "quiet: {}", text(&output.stderr));
    };

    // The desktop alone (the default channel): nothing can be sent, so nothing is recorded as
    // failed, however many notifications come.
    write_config(home.path(), "[notify]\ndesktop = true\n");
    run(home.path());
    run(home.path());
    assert!(rows(home.path()).is_empty(), "{:?}", rows(home.path()));

    // With a webhook too, the webhook delivers and the row holds no desktop failure.
    let server = Loopback::start(Reply::Status(200));
    write_config(
        home.path(),
        &format!(
            "[notify]\ndesktop = true\n[[notify.webhooks]]\nurl = \"{}\"\nformat = \"json\"\n",
            server.url("/d")
        ),
    );
    run(home.path());
    server.next(WAIT).expect("the webhook is called");
    let row = finished(home.path(), only_row(home.path()).id);
    assert_eq!(row.state, "sent", "{row:?}");
    assert_eq!(row.deliveries.as_array().map(Vec::len), Some(1), "{row:?}");
    assert_eq!(
        row.deliveries[0]["channel"],
        format!("webhook[0] json {}", server.host())
    );

    // Asked, the CLI says why the desktop is not used.
    let test = cli(home.path())
        .args(["notify", "test"])
        .env("PATH", empty_path.path())
        .output()
        .expect("run notify test");
    let shown = text(&test.stdout);
    assert!(
        shown
            .lines()
            .any(|line| line.starts_with("desktop") && line.contains("not found on PATH")),
        "{shown}"
    );
    let doctor = cli(home.path())
        .arg("doctor")
        .env("PATH", empty_path.path())
        .output()
        .expect("run doctor");
    let report = text(&doctor.stdout);
    assert!(
        report
            .lines()
            .any(|line| line.contains("notify") && line.contains("notify-send not found on PATH")),
        "{report}"
    );
}

#[test]
fn a_notification_left_sending_by_a_killed_sender_is_finished_later_and_not_sent_again() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(home.path(), &webhook_config(&server.url("/k"), "json", ""));
    // A send whose sender was killed: raised ten minutes ago, never finished.
    run_hook(home.path(), b"not a hook call");
    let raised = jiff::Timestamp::now().as_millisecond() - 10 * 60 * 1000;
    db(home.path())
        .execute(
            "INSERT INTO notifications (session_id, at_ms, kind, dedupe_key, title, body, urgency,
                                        state)
             VALUES ('s-killed', ?1, 'escalation', 'escalation:1', 't', 'b', 'high', 'sending')",
            [raised],
        )
        .expect("the orphan row");

    hook(home.path(), &permission_prompt());
    let request = server.next(WAIT).expect("the new notification is sent");
    assert_eq!(request.json()["kind"], "permission_prompt");
    let all = rows(home.path());
    let orphan = &all[0];
    assert_eq!(orphan.state, "failed", "{orphan:?}");
    assert_eq!(orphan.deliveries[0]["channel"], "sender");
    let why = orphan.deliveries[0]["error"].as_str().unwrap_or_default();
    assert!(why.contains("not sent again"), "{why}");
    assert_eq!(finished(home.path(), all[1].id).state, "sent");
    assert!(server.try_next().is_none(), "the orphan was not sent again");
}

#[test]
fn the_same_notification_twice_is_sent_once() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(home.path(), &webhook_config(&server.url("/t"), "json", ""));
    hook(home.path(), &permission_prompt());
    hook(home.path(), &permission_prompt());

    let all = rows(home.path());
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1].state, "duplicate", "{all:?}");
    assert_eq!(all[1].finished_ms, Some(all[1].at_ms));
    assert_eq!(all[1].deliveries, serde_json::Value::Null);
    server.next(WAIT).expect("the first one is sent");
    assert_eq!(finished(home.path(), all[0].id).state, "sent");
    // Only the first decision started a sender, and it has finished: nothing else can come.
    assert!(server.try_next().is_none(), "a second request arrived");

    // A different notification of the same session is not a duplicate.
    hook(
        home.path(),
        &fixture("v2.1.197-Notification_idle_prompt.json"),
    );
    let idle = rows(home.path()).pop().expect("the idle prompt's row");
    assert_eq!(idle.kind, "idle_prompt");
    assert_ne!(idle.state, "duplicate");
}

#[test]
fn notify_test_reports_every_channel() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(home.path(), &webhook_config(&server.url("/ok"), "json", ""));
    let output = cli(home.path())
        .args(["notify", "test"])
        .output()
        .expect("run notify test");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let channel = format!("webhook[0] json {}", server.host());
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with(&channel) && line.contains(" ok ")),
        "{stdout}"
    );
    let request = server.next(WAIT).expect("the webhook got the test");
    assert_eq!(request.json()["kind"], "test");

    let row = only_row(home.path());
    assert_eq!((row.kind.as_str(), row.state.as_str()), ("test", "sent"));
    assert_eq!(row.session_id, None);

    // The JSON form, and the log of both sends.
    let json = cli(home.path())
        .args(["notify", "test", "--json"])
        .output()
        .expect("run notify test --json");
    assert!(json.status.success(), "{}", text(&json.stderr));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["state"], "sent");
    assert_eq!(report["deliveries"][0]["status"], "ok");
    assert_eq!(report["deliveries"][0]["channel"], channel);
    let log = cli(home.path())
        .args(["notify", "log", "--json", "--limit", "1"])
        .output()
        .expect("run notify log");
    assert!(log.status.success(), "{}", text(&log.stderr));
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).expect("JSON");
    assert_eq!(log["notifications"].as_array().map(Vec::len), Some(1));
    assert_eq!(log["notifications"][0]["id"], report["id"]);
    assert_eq!(log["notifications"][0]["deliveries"][0]["status"], "ok");
    let plain = cli(home.path())
        .args(["notify", "log"])
        .output()
        .expect("run notify log");
    assert!(plain.status.success());
    assert!(
        text(&plain.stdout).contains(&channel),
        "{}",
        text(&plain.stdout)
    );
}

#[test]
fn notify_test_fails_when_no_channel_delivers() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(500));
    write_config(
        home.path(),
        &webhook_config(&server.url("/err"), "slack", ""),
    );
    let output = cli(home.path())
        .args(["notify", "test"])
        .output()
        .expect("run notify test");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("failed") && stdout.contains("HTTP 500"),
        "{stdout}"
    );
    assert!(
        text(&output.stderr).starts_with("error: no channel delivered"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(only_row(home.path()).state, "failed");

    write_config(home.path(), "[notify]\ndesktop = false\n");
    let none = cli(home.path())
        .args(["notify", "test"])
        .output()
        .expect("run notify test");
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none.stderr).contains("no notification channel is configured"),
        "{}",
        text(&none.stderr)
    );
}

#[test]
fn a_bad_notify_section_never_fails_the_hook_and_is_reported_by_the_cli() {
    for (config, problem) in [
        (
            "[[notify.webhooks]]\nurl = \"ftp://127.0.0.1/hook\"\n",
            "notify.webhooks[0].url",
        ),
        ("[notify]\ndesktp = false\n", "desktp"),
    ] {
        let home = tempfile::tempdir().expect("tempdir");
        write_config(home.path(), config);
        // The file is not used: the defaults (a desktop notification) are in force, and the
        // broken file is announced too. The notifier on this PATH shows nothing.
        let notifier = tempfile::tempdir().expect("a PATH directory");
        let fake = notifier.path().join("notify-send");
        std::fs::write(&fake, "#!/bin/sh\nexit 0\n").expect("write a fake notify-send");
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("make it executable");
        let output = run_with_stdin(
            cli(home.path()).arg("hook").env("PATH", notifier.path()),
            permission_prompt().to_string().as_bytes(),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
        assert!(
            text(&output.stderr).contains(problem),
            "the hook call says so: {}",
            text(&output.stderr)
        );
        let conn = db(home.path());
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM events WHERE event = 'Notification'"
            ),
            1,
            "the event is recorded"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM notifications WHERE kind = 'config_error'"
            ),
            1,
            "the broken file is announced"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM notifications WHERE kind = 'permission_prompt'"
            ),
            1,
            "the notification goes out with the defaults"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM hook_errors WHERE kind = 'config'"
            ),
            1
        );

        for args in [&["config", "show"][..], &["notify", "test"][..]] {
            let output = cli(home.path()).args(args).output().expect("run the CLI");
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(
                stderr.starts_with("error: ")
                    && stderr.contains("config.toml")
                    && stderr.contains(problem),
                "{args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_new_escalation_is_announced_with_how_to_answer_it() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(
        home.path(),
        &webhook_config(&server.url("/esc"), "json", ""),
    );
    let input = serde_json::json!({
        "session_id": "s-escalated", "cwd": "/work/web", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git push --force origin main"},
    });
    let output = run_with_stdin(
        cli(home.path()).arg("hook").env("PCC_MODE", "unattended"),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the permission reply, and only it");
    assert_eq!(reply["hookSpecificOutput"]["permissionDecision"], "deny");

    let escalation: i64 = db(home.path())
        .query_row("SELECT id FROM escalations", [], |row| row.get(0))
        .expect("one escalation");
    let body = server.next(WAIT).expect("the webhook is called").json();
    assert_eq!(body["kind"], "escalation");
    assert_eq!(body["urgency"], "high");
    assert_eq!(body["session_id"], "s-escalated");
    assert_eq!(body["project"], "web");
    assert_eq!(body["title"], format!("Permission needed (#{escalation})"));
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Bash: git push --force origin main"),
        "{message}"
    );
    assert!(
        message.contains(&format!("pcc-hooks respond {escalation} approve|deny"))
            && message.contains("pcc-hooks pending"),
        "{message}"
    );

    let row = finished(home.path(), only_row(home.path()).id);
    assert_eq!(row.state, "sent");
    let linked: Option<i64> = db(home.path())
        .query_row("SELECT escalation_id FROM notifications", [], |row| {
            row.get(0)
        })
        .expect("the row");
    assert_eq!(linked, Some(escalation));
}

#[test]
fn pcc_notify_off_silences_the_hooks() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(home.path(), &webhook_config(&server.url("/t"), "json", ""));
    let output = run_with_stdin(
        cli(home.path()).arg("hook").env("PCC_NOTIFY", "off"),
        permission_prompt().to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        rows(home.path()).is_empty(),
        "nothing sent, nothing recorded"
    );
}

#[test]
fn config_show_lists_notify_and_queue_without_their_secrets() {
    let home = tempfile::tempdir().expect("tempdir");
    write_config(
        home.path(),
        "[queue]\nmax_task_attempts = 4\n[server]\npublic_url = \"https://me.ts.net/\"\n\
         [notify]\ndesktop = false\n[[notify.webhooks]]\n\
         url = \"https://hooks.slack.com/services/T0/B0/SECRETPATH\"\nformat = \"slack\"\n\
         headers = { Authorization = \"Bearer SECRETTOKEN\" }\n",
    );
    let output = cli(home.path())
        .args(["config", "show", "--json"])
        .output()
        .expect("config show");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(!shown.contains("SECRET"), "{shown}");
    let document: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
    assert_eq!(document["config"]["queue"]["max_task_attempts"], 4);
    assert_eq!(
        document["config"]["server"],
        serde_json::json!({"public_url": "https://me.ts.net", "capability_ttl": 3600}),
        "[server] as validated, the ttl in seconds"
    );
    let webhook = &document["config"]["notify"]["webhooks"][0];
    assert_eq!(webhook["url"], "https://hooks.slack.com/[REDACTED]");
    assert_eq!(webhook["format"], "slack");
    assert_eq!(webhook["headers"]["Authorization"], "[REDACTED]");
}

/// Every file under `dir`, its bytes as text (lossy), for looking for a string anywhere.
fn every_file_text(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(every_file_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    found
}

#[test]
fn with_a_public_url_an_ntfy_escalation_carries_approve_deny_and_its_page_and_no_token_is_kept() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = Loopback::start(Reply::Status(200));
    write_config(
        home.path(),
        &format!(
            "{}[server]\npublic_url = \"https://me.tailnet.ts.net/\"\ncapability_ttl = \"30m\"\n",
            webhook_config(&server.url("/my-topic"), "ntfy", "")
        ),
    );
    let input = serde_json::json!({
        "session_id": "s-phone", "cwd": "/work/web", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git push --force origin main"},
    });
    let before = jiff::Timestamp::now().as_millisecond();
    let output = run_with_stdin(
        cli(home.path()).arg("hook").env("PCC_MODE", "unattended"),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let escalation: i64 = db(home.path())
        .query_row("SELECT id FROM escalations", [], |row| row.get(0))
        .expect("one escalation");

    let request = server.next(WAIT).expect("ntfy is called");
    assert_eq!(request.path, "/", "published as JSON to ntfy's root");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["topic"], "my-topic");
    assert_eq!(body["title"], format!("Permission needed (#{escalation})"));
    assert_eq!(body["priority"], 4);
    let page = format!("https://me.tailnet.ts.net/escalations/{escalation}");
    assert_eq!(body["click"], page);
    let actions = body["actions"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 3, "{actions:?}");
    let mut tokens = Vec::new();
    for (action, label) in actions.iter().zip(["Approve", "Deny"]) {
        assert_eq!(action["action"], "http");
        assert_eq!(action["label"], label);
        assert_eq!(action["method"], "POST");
        assert_eq!(action["clear"], true);
        let url = action["url"].as_str().unwrap_or_default();
        let token = url
            .strip_prefix("https://me.tailnet.ts.net/a/")
            .unwrap_or_else(|| panic!("{label} posts to the server: {url}"));
        assert!(
            token.starts_with("pcc_cap_") && token.len() == 72,
            "{token}"
        );
        tokens.push(token.to_owned());
    }
    assert_ne!(tokens[0], tokens[1], "each button its own capability");
    assert_eq!(
        actions[2],
        serde_json::json!({"action": "view", "label": "Open", "url": page})
    );

    let row = finished(home.path(), only_row(home.path()).id);
    assert_eq!(row.state, "sent", "{row:?}");
    let buttons: Vec<(String, i64, Option<i64>)> = {
        let conn = db(home.path());
        let mut statement = conn
            .prepare(
                "SELECT answer, expires_ms - created_ms, used_ms FROM capabilities
                 WHERE escalation_id = ?1 ORDER BY id",
            )
            .expect("prepare");
        statement
            .query_map([escalation], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(
        buttons,
        vec![
            ("approve".to_owned(), 1_800_000, None),
            ("deny".to_owned(), 1_800_000, None)
        ],
        "two unused buttons, valid for capability_ttl"
    );
    let created: i64 = db(home.path())
        .query_row("SELECT MIN(created_ms) FROM capabilities", [], |row| {
            row.get(0)
        })
        .expect("created");
    assert!(created >= before, "minted for this notification");

    // The raw tokens are nowhere but in what ntfy was sent: not in the database, its WAL, the
    // logs, nor what `notify log` shows.
    let log = cli(home.path())
        .args(["notify", "log", "--json"])
        .output()
        .expect("notify log");
    assert!(log.status.success(), "{}", text(&log.stderr));
    let files = every_file_text(home.path());
    assert!(
        files.iter().any(|(path, _)| path.ends_with("pcc.db")),
        "the database is among the files searched"
    );
    for token in &tokens {
        assert!(
            !text(&log.stdout).contains(token.as_str()),
            "notify log shows a token"
        );
        assert!(
            !text(&output.stderr).contains(token.as_str()),
            "stderr shows a token"
        );
        for (path, content) in &files {
            assert!(
                !content.contains(token.as_str()),
                "a raw token is in {}",
                path.display()
            );
        }
    }
}

#[test]
fn a_question_gets_its_page_but_no_buttons_and_slack_gets_the_page_only() {
    let home = tempfile::tempdir().expect("tempdir");
    let ntfy = Loopback::start(Reply::Status(200));
    let slack = Loopback::start(Reply::Status(200));
    write_config(
        home.path(),
        &format!(
            "{}[[notify.webhooks]]\nurl = \"{}\"\nformat = \"slack\"\n[server]\npublic_url = \"https://me.example\"\n",
            webhook_config(&ntfy.url("/t"), "ntfy", ""),
            slack.url("/s")
        ),
    );
    let input = serde_json::json!({
        "session_id": "s-ask", "cwd": "/work/web", "hook_event_name": "PreToolUse",
        "tool_name": "AskUserQuestion", "tool_use_id": "toolu_q",
        "tool_input": {"questions": [{"question": "Which database should the service use?",
            "header": "Database", "multiSelect": false,
            "options": [{"label": "Postgres", "description": "the usual"},
                        {"label": "SQLite", "description": "one file"}]}]},
    });
    let output = run_with_stdin(
        cli(home.path()).arg("hook").env("PCC_MODE", "unattended"),
        input.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let escalations: Vec<(i64, String)> = {
        let conn = db(home.path());
        let mut statement = conn
            .prepare("SELECT id, kind FROM escalations")
            .expect("prepare");
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let [(escalation, kind)] = escalations.as_slice() else {
        panic!("one escalation: {escalations:?}");
    };
    assert_eq!(kind, "question");
    let page = format!("https://me.example/escalations/{escalation}");
    let body = ntfy.next(WAIT).expect("ntfy is called").json();
    assert_eq!(body["click"], page);
    assert_eq!(
        body["actions"],
        serde_json::json!([{"action": "view", "label": "Open", "url": page}]),
        "a question needs words, not a button"
    );
    let text_sent = slack.next(WAIT).expect("slack is called").json()["text"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(
        text_sent.ends_with(&format!("\n<{page}|Open it on the dashboard>")),
        "{text_sent}"
    );
    assert_eq!(
        count(&db(home.path()), "SELECT COUNT(*) FROM capabilities"),
        0,
        "nothing minted for a question"
    );
}
