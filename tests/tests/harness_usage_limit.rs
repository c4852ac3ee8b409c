//! Pins the mock response that makes the real `claude -p` fail with a subscription usage limit
//! (`You've hit your 5-hour limit · resets …`), and that a later `--resume` of that session
//! continues normally — what the scheduler relies on.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, SessionOutcome, Turn};
use serde_json::{Value, json};

/// A reset instant two hours ahead, whole minutes plus 59 s: the CLI shows `h:mm` truncated
/// (never rounded up), so the expected text is derived from the minute it falls in.
fn reset_in_two_hours() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let now = i64::try_from(now).expect("unix time fits i64");
    (now + 2 * 3600) / 60 * 60 + 59
}

/// `h:mmam` / `h:mmpm` (`ham` on the hour) of a unix time in UTC, as the CLI prints it under
/// `TZ=UTC` for a reset less than 24 h ahead.
fn utc_clock(unix: i64) -> String {
    let minutes_of_day = unix.rem_euclid(86_400) / 60;
    let (h24, m) = (minutes_of_day / 60, minutes_of_day % 60);
    let h12 = if h24 % 12 == 0 { 12 } else { h24 % 12 };
    let suffix = if h24 < 12 { "am" } else { "pm" };
    // On the hour the CLI leaves the minutes out: `11am`.
    if m == 0 {
        format!("{h12}{suffix}")
    } else {
        format!("{h12}:{m:02}{suffix}")
    }
}

/// Settings registering a StopFailure hook that saves its stdin next to itself.
fn stop_failure_settings(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let hook = sb.write_executable(
        "hooks/stop_failure.sh",
        // Written under a temporary name and renamed, so a reader never sees a partial file.
        "#!/bin/sh\nd=$(dirname \"$0\")\ncat > \"$d/stop_failure.tmp\" && mv \"$d/stop_failure.tmp\" \"$d/stop_failure.json\"\n",
    );
    let settings = json!({"hooks": {"StopFailure": [
        {"hooks": [{"type": "command", "command": hook}]}]}});
    (
        sb.write_file("settings.json", settings.to_string()),
        sb.root().join("hooks/stop_failure.json"),
    )
}

/// Reads `path` once it exists. Polls for a few seconds, because the StopFailure hook may
/// still be finishing when `claude -p` exits (see the README's "Usage limits").
fn wait_for_file(path: &std::path::Path, out: &SessionOutcome) -> Vec<u8> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            return bytes;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "StopFailure hook wrote no {} (hook lines: {:#?})\n{out}",
            path.display(),
            out.hook_responses("StopFailure")
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn transcript_entries(out: &SessionOutcome) -> Vec<Value> {
    let path = out
        .transcript_path()
        .unwrap_or_else(|| panic!("no transcript written\n{out}"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn usage_limit_429_under_oauth_is_reported_as_a_subscription_limit_and_resume_continues() {
    let reset = reset_in_two_hours();
    let mock = MockApi::start([Turn::usage_limit(reset), Turn::text("Picked up again.")]);
    let sb = Sandbox::new();
    let (settings, hook_stdin) = stop_failure_settings(&sb);

    let out = ClaudeSession::new(&mock, "first prompt")
        .sandbox(&sb)
        .settings(&settings)
        .oauth()
        // The text shows the reset in the local zone and names it; pin it.
        .env("TZ", "UTC")
        .run();

    let expected = format!(
        "You've hit your 5-hour limit · resets {} (UTC)",
        utc_clock(reset)
    );
    assert_eq!(out.status.code(), Some(1), "{out}");
    let result = out.expect_result();
    assert_eq!(result["is_error"], true, "{out}");
    assert_eq!(result["api_error_status"], 429, "{out}");
    assert_eq!(result["api_error_type"], "rate_limit_error", "{out}");
    assert_eq!(result["api_error"], "usage_limit_reached", "{out}");
    assert_eq!(result["terminal_reason"], "api_error", "{out}");
    let text = out.result_text().unwrap_or_default();
    assert!(
        text.starts_with("You've hit your") && text.contains("resets"),
        "{out}"
    );
    assert_eq!(text, expected, "{out}");

    // The request was authenticated with the OAuth token, not an API key.
    let first_reqs = mock.scripted_requests();
    assert_eq!(
        first_reqs.len(),
        1,
        "no retry of a usage limit: {first_reqs:#?}"
    );
    assert_eq!(
        first_reqs[0].header("authorization").map(str::to_owned),
        Some(format!("Bearer {}", pcc_e2e::session::TEST_OAUTH_TOKEN))
    );
    assert_eq!(first_reqs[0].header("x-api-key"), None);

    // StopFailure hook: error kind and the limit text.
    let hook: Value = serde_json::from_slice(&wait_for_file(&hook_stdin, &out))
        .unwrap_or_else(|e| panic!("StopFailure hook stdin is not JSON: {e}\n{out}"));
    assert_eq!(hook["hook_event_name"], "StopFailure");
    assert_eq!(hook["error"], "rate_limit", "{hook}");
    assert_eq!(hook["last_assistant_message"], expected.as_str(), "{hook}");
    assert_eq!(hook["session_id"], out.expect_session_id());

    // stream-json: the rejected rate-limit event with the same reset.
    let events = out.lines_of_type("rate_limit_event");
    assert_eq!(events.len(), 1, "{out}");
    let info = &events[0]["rate_limit_info"];
    assert_eq!(info["status"], "rejected", "{out}");
    assert_eq!(info["resetsAt"], reset, "{out}");
    assert_eq!(info["rateLimitType"], "five_hour", "{out}");

    // Transcript: the synthetic API-error assistant entry with the quota.
    let entries = transcript_entries(&out);
    let error_entry = entries
        .iter()
        .find(|e| e["isApiErrorMessage"] == true)
        .unwrap_or_else(|| panic!("no isApiErrorMessage entry in {entries:#?}"));
    assert_eq!(error_entry["quotaLimits"]["resetsAt"], reset);
    assert_eq!(error_entry["quotaLimits"]["status"], "rejected");
    assert_eq!(error_entry["quotaLimits"]["rateLimitType"], "five_hour");
    assert_eq!(error_entry["apiError"], "usage_limit_reached");
    assert_eq!(error_entry["apiErrorStatus"], 429);
    assert_eq!(error_entry["error"], "rate_limit");
    assert_eq!(error_entry["message"]["model"], "<synthetic>");
    assert_eq!(
        error_entry["message"]["content"][0]["text"],
        expected.as_str()
    );

    // Resume the same session (same sandbox and cwd) once the limit "has reset": the mock's
    // script has moved past the error turn, so the CLI gets a normal answer.
    let resumed = ClaudeSession::new(&mock, "second prompt")
        .sandbox(&sb)
        .settings(&settings)
        .oauth()
        .env("TZ", "UTC")
        .resume(out.expect_session_id())
        .run();
    resumed.assert_success();
    assert_eq!(resumed.result_text(), Some("Picked up again."), "{resumed}");
    assert_eq!(resumed.session_id, out.session_id);

    let reqs = mock.scripted_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    let users = reqs[1].user_texts();
    let first = users.iter().position(|t| t.contains("first prompt"));
    let second = users.iter().position(|t| t.contains("second prompt"));
    assert!(
        matches!((first, second), (Some(a), Some(b)) if a <= b),
        "resumed request carries the earlier prompt, then the new one: {users:#?}"
    );
    // The synthetic error message is not sent back to the model.
    assert_eq!(reqs[1].assistant_count(), 0, "{:#}", reqs[1].body);
    assert!(
        !reqs[1].messages_contain("You've hit your"),
        "{:#}",
        reqs[1].body
    );
}

#[test]
fn clock_format_matches_the_cli() {
    assert_eq!(utc_clock(1_795_262_399), "11:59am"); // 2026-11-21 11:59:59 UTC
    assert_eq!(utc_clock(1_795_262_400), "12pm");
    assert_eq!(utc_clock(1_795_219_260), "12:01am");
}

#[test]
fn weekly_usage_limit_names_the_weekly_window() {
    let reset = reset_in_two_hours() + 3 * 86_400;
    let mock = MockApi::start([Turn::usage_limit_weekly(reset)]);
    let out = ClaudeSession::new(&mock, "go")
        .oauth()
        .env("TZ", "UTC")
        .run();
    assert_eq!(out.status.code(), Some(1), "{out}");
    assert_eq!(
        out.expect_result()["api_error"],
        "usage_limit_reached",
        "{out}"
    );
    let text = out.result_text().unwrap_or_default();
    assert!(
        text.starts_with("You've hit your weekly limit · resets ")
            && text.ends_with(&format!(", {} (UTC)", utc_clock(reset))),
        "{out}"
    );
    let events = out.lines_of_type("rate_limit_event");
    assert_eq!(
        events[0]["rate_limit_info"]["rateLimitType"], "seven_day",
        "{out}"
    );
    assert_eq!(events[0]["rate_limit_info"]["resetsAt"], reset, "{out}");
}

#[test]
fn api_key_auth_turns_the_same_429_into_a_plain_api_error() {
    let mock = MockApi::start([Turn::usage_limit(reset_in_two_hours())]);
    let out = ClaudeSession::new(&mock, "go").run();
    assert_eq!(out.status.code(), Some(1), "{out}");
    let result = out.expect_result();
    assert_eq!(result["api_error_status"], 429, "{out}");
    assert_eq!(result.get("api_error"), None, "{out}");
    assert_eq!(
        out.result_text(),
        Some("API Error: Request rejected (429) · Rate limited"),
        "{out}"
    );
}
