//! The structured limit signals against data captured from Claude Code 2.1.329
//! (`fixtures/claude-code/`), plus hand-made stream-json lines for the statuses not captured.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use pcc_limits::{
    LimitKind, LimitSignal, SignalSource, detect_result, detect_stop_failure, detect_stream_event,
    detect_transcript_entry, scan_stream_json, scan_transcript_tail, time_zone,
};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/claude-code/");

/// The captured limit's exact reset (`quotaLimits.resetsAt`): 2026-11-21T09:57:21Z.
const RESETS_AT_EPOCH: i64 = 1_795_255_041;

fn fixture_text(name: &str) -> String {
    let path = format!("{FIXTURES}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {path}: {err}"))
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name))
        .unwrap_or_else(|err| panic!("{name} is not JSON: {err}"))
}

fn timestamp(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|err| panic!("bad timestamp {text:?}: {err}"))
}

fn exact_reset() -> Timestamp {
    Timestamp::from_second(RESETS_AT_EPOCH).unwrap_or_else(|err| panic!("epoch: {err}"))
}

/// When the captured transcript entry was written: two minutes before the 09:57 reset.
fn capture_time() -> Timestamp {
    timestamp("2026-11-21T07:57:45.762Z")
}

fn summary(signal: Option<LimitSignal>) -> Option<(LimitKind, Option<Timestamp>, SignalSource)> {
    signal.map(|s| (s.kind, s.resets_at, s.source))
}

// ---- StopFailure ------------------------------------------------------------------------------

#[test]
fn stop_failure_fixture_gives_the_five_hour_reset_from_its_text() {
    let input = fixture("v2.1.329-StopFailure-usage-limit.json");
    let signal = detect_stop_failure(&input, capture_time(), &TimeZone::UTC);
    let signal = signal.unwrap_or_else(|| panic!("the captured StopFailure is a limit"));
    assert_eq!(signal.kind, LimitKind::FiveHour);
    assert_eq!(signal.resets_at, Some(timestamp("2026-11-21T09:57:00Z")));
    assert_eq!(signal.source, SignalSource::StopFailure);
    assert_eq!(
        signal.message.as_deref(),
        Some("You've hit your 5-hour limit · resets 9:57am (UTC)")
    );
}

#[test]
fn stop_failure_text_zone_wins_over_the_local_zone() {
    let input = fixture("v2.1.329-StopFailure-usage-limit.json");
    let oslo = time_zone("Europe/Oslo").unwrap_or_else(|| panic!("Europe/Oslo is bundled"));
    let signal = detect_stop_failure(&input, capture_time(), &oslo);
    assert_eq!(
        signal.and_then(|s| s.resets_at),
        Some(timestamp("2026-11-21T09:57:00Z"))
    );
}

#[test]
fn stop_failure_with_another_error_is_not_a_limit() {
    let mut input = fixture("v2.1.329-StopFailure-usage-limit.json");
    input["error"] = json!("server_error");
    assert_eq!(
        detect_stop_failure(&input, capture_time(), &TimeZone::UTC),
        None
    );
}

#[test]
fn other_hook_events_are_not_stop_failures() {
    let mut input = fixture("v2.1.329-StopFailure-usage-limit.json");
    input["hook_event_name"] = json!("Stop");
    assert_eq!(
        detect_stop_failure(&input, capture_time(), &TimeZone::UTC),
        None
    );
    let stop = fixture("v2.1.329-Stop.json");
    assert_eq!(
        detect_stop_failure(&stop, capture_time(), &TimeZone::UTC),
        None
    );
}

#[test]
fn stop_failure_rate_limit_with_unreadable_text_is_still_a_limit() {
    let mut input = fixture("v2.1.329-StopFailure-usage-limit.json");
    input["last_assistant_message"] = json!("Something went wrong");
    let got = summary(detect_stop_failure(&input, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((LimitKind::Unknown, None, SignalSource::StopFailure))
    );
    input
        .as_object_mut()
        .map(|object| object.remove("last_assistant_message"));
    let got = summary(detect_stop_failure(&input, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((LimitKind::Unknown, None, SignalSource::StopFailure))
    );
}

#[test]
fn stop_failure_with_api_key_text_is_a_backoff() {
    let mut input = fixture("v2.1.329-StopFailure-usage-limit.json");
    input["last_assistant_message"] = json!(
        "API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later."
    );
    let got = summary(detect_stop_failure(&input, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((LimitKind::ApiKeyRateLimit, None, SignalSource::StopFailure))
    );
}

// ---- Transcript -------------------------------------------------------------------------------

#[test]
fn transcript_fixture_gives_the_exact_quota_reset() {
    let entry = fixture("v2.1.329-transcript-line-usage-limit.json");
    // Read after the written 9:57am has passed by more than the tolerance: the text alone would
    // roll over to tomorrow, the exact `resetsAt` must win.
    let late = timestamp("2026-11-21T10:30:00Z");
    let signal = detect_transcript_entry(&entry, late, &TimeZone::UTC);
    let signal = signal.unwrap_or_else(|| panic!("the captured entry is a limit"));
    assert_eq!(signal.kind, LimitKind::FiveHour);
    assert_eq!(signal.resets_at, Some(exact_reset()));
    assert_eq!(signal.source, SignalSource::Transcript);
    assert_eq!(
        signal.message.as_deref(),
        Some("You've hit your 5-hour limit · resets 9:57am (UTC)")
    );
}

#[test]
fn transcript_entry_without_quota_falls_back_to_its_text() {
    let mut entry = fixture("v2.1.329-transcript-line-usage-limit.json");
    if let Some(object) = entry.as_object_mut() {
        object.remove("quotaLimits");
        object.remove("apiErrorParams");
    }
    let got = summary(detect_transcript_entry(
        &entry,
        capture_time(),
        &TimeZone::UTC,
    ));
    assert_eq!(
        got,
        Some((
            LimitKind::FiveHour,
            Some(timestamp("2026-11-21T09:57:00Z")),
            SignalSource::Transcript
        ))
    );
}

#[test]
fn transcript_entry_uses_the_rate_limit_type_over_the_text() {
    let mut entry = fixture("v2.1.329-transcript-line-usage-limit.json");
    entry["quotaLimits"]["rateLimitType"] = json!("seven_day");
    let got = summary(detect_transcript_entry(
        &entry,
        capture_time(),
        &TimeZone::UTC,
    ));
    assert_eq!(
        got,
        Some((
            LimitKind::Weekly,
            Some(exact_reset()),
            SignalSource::Transcript
        ))
    );
}

#[test]
fn ordinary_transcript_entries_are_not_limits() {
    let mut entry = fixture("v2.1.329-transcript-line-usage-limit.json");
    entry["isApiErrorMessage"] = json!(false);
    assert_eq!(
        detect_transcript_entry(&entry, capture_time(), &TimeZone::UTC),
        None
    );
    let mut overloaded = fixture("v2.1.329-transcript-line-usage-limit.json");
    overloaded["error"] = json!("server_error");
    overloaded["apiErrorStatus"] = json!(529);
    overloaded["apiError"] = json!("overloaded");
    assert_eq!(
        detect_transcript_entry(&overloaded, capture_time(), &TimeZone::UTC),
        None
    );
}

fn transcript_line(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|err| panic!("serialise: {err}"))
}

fn real_assistant_line() -> String {
    transcript_line(&json!({
        "type": "assistant", "isSidechain": false, "uuid": "a1",
        "message": {"model": "claude-sonnet-4-5", "role": "assistant",
                    "content": [{"type": "text", "text": "You've hit your 5-hour limit · resets 3pm (UTC)"}]}
    }))
}

fn user_line() -> String {
    transcript_line(&json!({"type": "user", "message": {"role": "user", "content": "continue"}}))
}

#[test]
fn scanning_a_transcript_finds_the_newest_limit_past_a_torn_last_line() {
    let limit = transcript_line(&fixture("v2.1.329-transcript-line-usage-limit.json"));
    let jsonl = format!(
        "{}\n{}\n{}\n{}\n{{\"type\":\"system\",\"content\":\"half-writ",
        user_line(),
        real_assistant_line(),
        user_line(),
        limit
    );
    let got = summary(scan_transcript_tail(
        &jsonl,
        50,
        capture_time(),
        &TimeZone::UTC,
    ));
    assert_eq!(
        got,
        Some((
            LimitKind::FiveHour,
            Some(exact_reset()),
            SignalSource::Transcript
        ))
    );
}

#[test]
fn scanning_stops_at_an_answer_newer_than_the_limit() {
    let limit = transcript_line(&fixture("v2.1.329-transcript-line-usage-limit.json"));
    let jsonl = format!("{limit}\n{}\n{}\n", user_line(), real_assistant_line());
    assert_eq!(
        scan_transcript_tail(&jsonl, 50, capture_time(), &TimeZone::UTC),
        None
    );
}

#[test]
fn scanning_looks_only_at_the_last_lines_asked_for() {
    let limit = transcript_line(&fixture("v2.1.329-transcript-line-usage-limit.json"));
    let jsonl = format!(
        "{limit}\n{}\n{}\n{}\n",
        user_line(),
        user_line(),
        user_line()
    );
    assert_eq!(
        scan_transcript_tail(&jsonl, 3, capture_time(), &TimeZone::UTC),
        None
    );
    assert!(scan_transcript_tail(&jsonl, 4, capture_time(), &TimeZone::UTC).is_some());
    assert_eq!(
        scan_transcript_tail("", 10, capture_time(), &TimeZone::UTC),
        None
    );
}

// ---- claude -p: result and stream-json --------------------------------------------------------

#[test]
fn subscription_result_fixture_gives_the_reset_from_its_text() {
    let result = fixture("v2.1.329-result-429-subscription-5h.json");
    let got = summary(detect_result(&result, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((
            LimitKind::FiveHour,
            Some(timestamp("2026-11-21T09:57:00Z")),
            SignalSource::ResultJson
        ))
    );
}

#[test]
fn api_key_result_fixture_is_a_backoff_without_reset() {
    let result = fixture("v2.1.329-result-429-apikey.json");
    let signal = detect_result(&result, capture_time(), &TimeZone::UTC);
    let signal = signal.unwrap_or_else(|| panic!("an API-key 429 is a rate limit"));
    assert_eq!(signal.kind, LimitKind::ApiKeyRateLimit);
    assert!(signal.kind.is_backoff_only());
    assert_eq!(signal.resets_at, None);
    assert_eq!(signal.source, SignalSource::ResultJson);
}

#[test]
fn successful_result_fixture_is_not_a_limit() {
    let result = fixture("v2.1.329-result-success.json");
    assert_eq!(detect_result(&result, capture_time(), &TimeZone::UTC), None);
    assert_eq!(
        detect_stream_event(&result, capture_time(), &TimeZone::UTC),
        None
    );
}

fn rate_limit_event(status: &str, kind: &str) -> Value {
    json!({"type": "rate_limit_event",
           "rate_limit_info": {"status": status, "resetsAt": RESETS_AT_EPOCH, "rateLimitType": kind},
           "session_id": "3395273d"})
}

#[test]
fn rejected_rate_limit_events_are_limits_with_exact_resets() {
    for (kind_name, kind) in [
        ("five_hour", LimitKind::FiveHour),
        ("seven_day", LimitKind::Weekly),
        ("seven_day_opus", LimitKind::Opus),
        ("something_new", LimitKind::Unknown),
    ] {
        let event = rate_limit_event("rejected", kind_name);
        let got = summary(detect_stream_event(&event, capture_time(), &TimeZone::UTC));
        assert_eq!(
            got,
            Some((
                kind,
                Some(exact_reset()),
                SignalSource::StreamRateLimitEvent
            )),
            "{kind_name}"
        );
    }
}

#[test]
fn rate_limit_warnings_are_not_limits() {
    for status in ["allowed_warning", "allowed", ""] {
        let event = rate_limit_event(status, "five_hour");
        assert_eq!(
            detect_stream_event(&event, capture_time(), &TimeZone::UTC),
            None,
            "status {status:?}"
        );
    }
    let no_info = json!({"type": "rate_limit_event"});
    assert_eq!(
        detect_stream_event(&no_info, capture_time(), &TimeZone::UTC),
        None
    );
}

fn jsonl(values: &[Value]) -> String {
    values
        .iter()
        .map(transcript_line)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_limited_stream_takes_the_event_reset_and_the_result_message() {
    let stream = jsonl(&[
        json!({"type": "system", "subtype": "init", "tools": []}),
        rate_limit_event("allowed_warning", "seven_day"),
        rate_limit_event("rejected", "five_hour"),
        fixture("v2.1.329-result-429-subscription-5h.json"),
    ]);
    let signal = scan_stream_json(&stream, timestamp("2026-11-21T10:30:00Z"), &TimeZone::UTC);
    let signal = signal.unwrap_or_else(|| panic!("the stream ended on a limit"));
    assert_eq!(signal.kind, LimitKind::FiveHour);
    assert_eq!(signal.resets_at, Some(exact_reset()));
    assert_eq!(signal.source, SignalSource::StreamRateLimitEvent);
    assert_eq!(
        signal.message.as_deref(),
        Some("You've hit your 5-hour limit · resets 9:57am (UTC)")
    );
}

#[test]
fn a_stream_that_succeeded_is_not_limited() {
    let stream = jsonl(&[
        rate_limit_event("rejected", "five_hour"),
        fixture("v2.1.329-result-success.json"),
    ]);
    assert_eq!(
        scan_stream_json(&stream, capture_time(), &TimeZone::UTC),
        None
    );
    let warned = jsonl(&[
        rate_limit_event("allowed_warning", "five_hour"),
        fixture("v2.1.329-result-success.json"),
    ]);
    assert_eq!(
        scan_stream_json(&warned, capture_time(), &TimeZone::UTC),
        None
    );
    let captured = fixture_text("v2.1.197-stream-json-with-hook-events.jsonl");
    assert_eq!(
        scan_stream_json(&captured, capture_time(), &TimeZone::UTC),
        None
    );
}

#[test]
fn a_stream_with_only_an_api_key_429_is_a_backoff() {
    let stream = jsonl(&[
        json!({"type": "system", "subtype": "init"}),
        fixture("v2.1.329-result-429-apikey.json"),
    ]);
    let got = summary(scan_stream_json(&stream, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((LimitKind::ApiKeyRateLimit, None, SignalSource::ResultJson))
    );
}

#[test]
fn a_stream_cut_off_after_the_rejection_is_limited() {
    let stream = format!(
        "{}\n{{\"type\":\"assistant\",\"mess",
        transcript_line(&rate_limit_event("rejected", "seven_day"))
    );
    let got = summary(scan_stream_json(&stream, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((
            LimitKind::Weekly,
            Some(exact_reset()),
            SignalSource::StreamRateLimitEvent
        ))
    );
}

#[test]
fn resets_at_accepts_strings_and_floats_and_rejects_nonsense() {
    let mut event = rate_limit_event("rejected", "five_hour");
    event["rate_limit_info"]["resetsAt"] = json!("1795255041");
    let got = detect_stream_event(&event, capture_time(), &TimeZone::UTC).and_then(|s| s.resets_at);
    assert_eq!(got, Some(exact_reset()));
    event["rate_limit_info"]["resetsAt"] = json!(1_795_255_041.5);
    let got = detect_stream_event(&event, capture_time(), &TimeZone::UTC).and_then(|s| s.resets_at);
    assert_eq!(got, Some(exact_reset()));
    event["rate_limit_info"]["resetsAt"] = json!({"when": "soon"});
    let got = summary(detect_stream_event(&event, capture_time(), &TimeZone::UTC));
    assert_eq!(
        got,
        Some((
            LimitKind::FiveHour,
            None,
            SignalSource::StreamRateLimitEvent
        ))
    );
}
