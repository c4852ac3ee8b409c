//! The wording table: limit messages, each with a fixed `now` and local zone, and the exact
//! instant it must resolve to (at least 40 messages, DST edges included).
//!
//! Every case runs through `parse_limit_text`, the function behind `pcc-hooks limits parse`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use pcc_limits::{LimitKind, LimitReport, SignalSource, parse_limit_text, time_zone};

/// One message and what it must give. `resets_at` is RFC 3339 (any offset; compared as instants).
struct Case {
    now: &'static str,
    local: &'static str,
    text: &'static str,
    kind: LimitKind,
    resets_at: Option<&'static str>,
}

/// Saturday 2026-11-21, 08:00 UTC: the `now` of most cases.
const SAT_8AM: &str = "2026-11-21T08:00:00Z";

const fn case(
    now: &'static str,
    local: &'static str,
    text: &'static str,
    kind: LimitKind,
    resets_at: Option<&'static str>,
) -> Case {
    Case {
        now,
        local,
        text,
        kind,
        resets_at,
    }
}

use LimitKind::*;

#[rustfmt::skip]
const LIMITED: &[Case] = &[
    // The wording of v2.1.329 exactly as captured (fixtures/claude-code), minutes before the reset.
    case("2026-11-21T07:57:45.762Z", "UTC", "You've hit your 5-hour limit · resets 9:57am (UTC)", FiveHour, Some("2026-11-21T09:57:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Nov 24, 7:17pm (UTC)", Weekly, Some("2026-11-24T19:17:00Z")),
    // Every limit name, with zones east and west of UTC.
    case(SAT_8AM, "UTC", "You've hit your Opus limit · resets 3pm (Europe/Oslo)", Opus, Some("2026-11-21T15:00:00+01:00")),
    case(SAT_8AM, "UTC", "You've hit your Sonnet limit · resets 3pm (America/New_York) · progress saved", Sonnet, Some("2026-11-21T15:00:00-05:00")),
    case(SAT_8AM, "UTC", "You've hit your Fable limit · resets 11pm (Asia/Kolkata)", Fable, Some("2026-11-21T23:00:00+05:30")),
    case(SAT_8AM, "UTC", "You've hit your session limit · resets 4:20am (Asia/Tokyo)", Session, Some("2026-11-22T04:20:00+09:00")),
    case(SAT_8AM, "UTC", "You've hit your usage credit limit · resets Dec 1, 12am (UTC)", UsageCredits, Some("2026-12-01T00:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your limit · resets 1am (Europe/Oslo)", Unknown, Some("2026-11-22T01:00:00+01:00")),
    case(SAT_8AM, "UTC", "You've reached your weekly limit · resets Nov 24, 7:17pm (UTC)", Weekly, Some("2026-11-24T19:17:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 9:57am (UTC) · progress saved", FiveHour, Some("2026-11-21T09:57:00Z")),
    // Older wordings.
    case(SAT_8AM, "Europe/Oslo", "5-hour limit reached ∙ resets 3am", FiveHour, Some("2026-11-22T03:00:00+01:00")),
    case(SAT_8AM, "UTC", "Opus weekly limit reached ∙ resets Mon 9am (UTC)", Opus, Some("2026-11-23T09:00:00Z")),
    case(SAT_8AM, "UTC", "Claude AI usage limit reached|1795255041", Unknown, Some("2026-11-21T09:57:21Z")),
    case(SAT_8AM, "UTC", "Your limit will reset at 3pm (UTC)", Unknown, Some("2026-11-21T15:00:00Z")),
    case(SAT_8AM, "UTC", "Claude usage limit reached. Your limit will reset at 5pm (America/Santiago).", Unknown, Some("2026-11-21T17:00:00-03:00")),
    // The "out of" family: limited, with or without a reset.
    case(SAT_8AM, "UTC", "You're out of usage credits", UsageCredits, None),
    case(SAT_8AM, "UTC", "You're out of extra usage · resets Dec 1, 12am (UTC)", ExtraUsage, Some("2026-12-01T00:00:00Z")),
    case(SAT_8AM, "UTC", "Your org is out of usage", OrgOutOfUsage, None),
    case(SAT_8AM, "UTC", "You've hit your limit", Unknown, None),
    // 12am is midnight, 12pm noon; 24-hour clock; spacing and case.
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 12pm (UTC)", FiveHour, Some("2026-11-21T12:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 12am (UTC)", FiveHour, Some("2026-11-22T00:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 12:30am (UTC)", FiveHour, Some("2026-11-22T00:30:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 15:00 (UTC)", FiveHour, Some("2026-11-21T15:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 3PM (UTC)", FiveHour, Some("2026-11-21T15:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 9:57 am (UTC)", FiveHour, Some("2026-11-21T09:57:00Z")),
    // Rollover: a time already past is tomorrow; within the tolerance it is due now.
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 7am (UTC)", FiveHour, Some("2026-11-22T07:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 8am (UTC)", FiveHour, Some("2026-11-21T08:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 7:58am (UTC)", FiveHour, Some("2026-11-21T07:58:00Z")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 7:54am (UTC)", FiveHour, Some("2026-11-22T07:54:00Z")),
    // Weekdays: later today, next week when today's has passed, Monday midnight.
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Mon 12:00am (UTC)", Weekly, Some("2026-11-23T00:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Sat 11am (UTC)", Weekly, Some("2026-11-21T11:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Sat 7am (UTC)", Weekly, Some("2026-11-28T07:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Tue 12pm (UTC) · progress saved", Weekly, Some("2026-11-24T12:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Mon 9:30am (Asia/Kolkata)", Weekly, Some("2026-11-23T09:30:00+05:30")),
    // Dates: into next year, a date just passed (a year ahead), the zone's own new year.
    case("2026-12-30T12:00:00Z", "UTC", "You've hit your weekly limit · resets Jan 2, 9am (UTC)", Weekly, Some("2027-01-02T09:00:00Z")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Nov 20, 9am (UTC)", Weekly, Some("2027-11-20T09:00:00Z")),
    case("2026-12-31T23:30:00Z", "Asia/Tokyo", "You've hit your weekly limit · resets Jan 1, 9am", Weekly, Some("2027-01-01T09:00:00+09:00")),
    case(SAT_8AM, "UTC", "You've hit your weekly limit · resets Nov 24, 7:17pm (Europe/Oslo)", Weekly, Some("2026-11-24T19:17:00+01:00")),
    // Legacy zone aliases resolve like their canonical zones.
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 11pm (Asia/Calcutta)", FiveHour, Some("2026-11-21T23:00:00+05:30")),
    case(SAT_8AM, "UTC", "You've hit your 5-hour limit · resets 3pm (US/Pacific)", FiveHour, Some("2026-11-21T15:00:00-08:00")),
    // No zone in the message: the local zone.
    case(SAT_8AM, "America/Los_Angeles", "You've hit your 5-hour limit · resets 3pm", FiveHour, Some("2026-11-21T15:00:00-08:00")),
    case(SAT_8AM, "Asia/Kolkata", "You've hit your 5-hour limit · resets 2:30pm", FiveHour, Some("2026-11-21T14:30:00+05:30")),
    // DST: a wall time in the spring-forward gap moves forward by the gap; a repeated one takes
    // the earlier instant (jiff's `compatible`).
    case("2026-03-08T05:00:00Z", "UTC", "You've hit your 5-hour limit · resets 2:30am (America/New_York)", FiveHour, Some("2026-03-08T03:30:00-04:00")),
    case("2026-11-01T04:00:00Z", "UTC", "You've hit your 5-hour limit · resets 1:30am (America/New_York)", FiveHour, Some("2026-11-01T01:30:00-04:00")),
    case("2026-03-28T23:00:00Z", "Europe/Oslo", "You've hit your 5-hour limit · resets 2:30am", FiveHour, Some("2026-03-29T03:30:00+02:00")),
    case("2026-10-24T23:00:00Z", "UTC", "You've hit your 5-hour limit · resets 2:30am (Europe/Oslo)", FiveHour, Some("2026-10-25T02:30:00+02:00")),
    // Typography and terminal decoration: curly apostrophe, the `⎿` gutter, a second line.
    case(SAT_8AM, "UTC", "You’ve hit your 5-hour limit · resets 9:57am (UTC)", FiveHour, Some("2026-11-21T09:57:00Z")),
    case(SAT_8AM, "UTC", "  ⎿  You've hit your 5-hour limit · resets 9:57am (UTC)\n     /upgrade to increase your usage limit.", FiveHour, Some("2026-11-21T09:57:00Z")),
    case(SAT_8AM, "UTC", "Working on it…\nYou've hit your weekly limit · resets Mon 12:00am (UTC)", Weekly, Some("2026-11-23T00:00:00Z")),
    // The API-key 429: a throttle with no reset.
    case(SAT_8AM, "UTC", "API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.", ApiKeyRateLimit, None),
];

/// Texts that are not limits: warnings, prose, quotes, nothing, noise.
const NOT_LIMITED: &[&str] = &[
    "",
    "   \n\n  ",
    "Approaching usage limit · resets at 3pm",
    "Approaching 5-hour limit · resets 3pm (UTC)",
    "You've used 90% of your weekly limit · resets Mon 12:00am (UTC)",
    "I'll add rate limiting to the API so clients can't hit a rate limit.",
    "The error said You've hit your 5-hour limit · resets 3pm (UTC), so I waited.",
    "`You've hit your 5-hour limit · resets 3pm (UTC)`",
    "> You've hit your 5-hour limit · resets 3pm (UTC)",
    "Rate limit reached for requests per minute",
    "5-hour limit: 80% used",
    "You've reached your goal!",
    "You've hit your stride: all 40 tests pass.",
    "Usage limits are documented at https://support.anthropic.com",
    "Usage limit reached events are logged to the audit table.",
];

fn timestamp(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|err| panic!("bad RFC 3339 timestamp {text:?} in the table: {err}"))
}

fn zone(name: &str) -> TimeZone {
    time_zone(name).unwrap_or_else(|| panic!("zone {name:?} in the table is unknown"))
}

#[test]
fn the_table_is_large_enough() {
    assert!(
        LIMITED.len() + NOT_LIMITED.len() >= 40,
        "the table holds at least 40 messages"
    );
}

#[test]
fn every_limit_message_resolves_to_its_exact_instant() {
    let mut failures = Vec::new();
    for case in LIMITED {
        let signal = parse_limit_text(case.text, timestamp(case.now), &zone(case.local));
        let got = signal.as_ref().map(|s| (s.kind, s.resets_at));
        let want = Some((case.kind, case.resets_at.map(timestamp)));
        if got != want {
            failures.push(format!(
                "{:?} (now {}, local {}):\n    got  {got:?}\n    want {want:?}",
                case.text, case.now, case.local
            ));
            continue;
        }
        if let Some(signal) = signal {
            assert_eq!(signal.source, SignalSource::Text, "{}", case.text);
            assert_eq!(signal.unknown_zone, None, "{}", case.text);
            let message = signal.message.unwrap_or_default();
            assert!(
                case.text.contains(message.as_str()) && !message.is_empty(),
                "{}: message {message:?} is not the matched line",
                case.text
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn non_limits_are_not_limited() {
    let now = timestamp(SAT_8AM);
    for text in NOT_LIMITED {
        let signal = parse_limit_text(text, now, &TimeZone::UTC);
        assert_eq!(signal, None, "{text:?} is not a limit");
    }
}

#[test]
fn huge_inputs_are_not_limits_and_stay_fast() {
    let now = timestamp(SAT_8AM);
    let garbage = "x·y ".repeat(500_000);
    assert_eq!(parse_limit_text(&garbage, now, &TimeZone::UTC), None);
    let long_anchor = format!("You've hit your {}", "a".repeat(1_000_000));
    assert_eq!(parse_limit_text(&long_anchor, now, &TimeZone::UTC), None);
    let many_lines = "rate limit\n".repeat(200_000);
    assert_eq!(parse_limit_text(&many_lines, now, &TimeZone::UTC), None);
}

#[test]
fn a_limit_after_a_huge_line_is_still_found() {
    let now = timestamp(SAT_8AM);
    let text = format!(
        "{}\nYou've hit your 5-hour limit · resets 9:57am (UTC)",
        "z".repeat(2_000_000)
    );
    let signal = parse_limit_text(&text, now, &TimeZone::UTC);
    assert_eq!(
        signal.and_then(|s| s.resets_at),
        Some(timestamp("2026-11-21T09:57:00Z"))
    );
}

#[test]
fn unknown_zone_falls_back_to_local_and_says_so() {
    let signal = parse_limit_text(
        "You've hit your 5-hour limit · resets 3pm (Area/City)",
        timestamp(SAT_8AM),
        &zone("Europe/Oslo"),
    );
    let signal = signal.unwrap_or_else(|| panic!("an unknown zone must not hide the limit"));
    assert_eq!(signal.kind, FiveHour);
    assert_eq!(
        signal.resets_at,
        Some(timestamp("2026-11-21T15:00:00+01:00"))
    );
    assert_eq!(signal.unknown_zone.as_deref(), Some("Area/City"));
}

#[test]
fn impossible_times_keep_the_limit_without_a_reset() {
    for text in [
        "You've hit your 5-hour limit · resets 13pm (UTC)",
        "You've hit your 5-hour limit · resets 9:75am (UTC)",
        "You've hit your weekly limit · resets Feb 30, 9am (UTC)",
        "You've hit your 5-hour limit · resets soon",
    ] {
        let signal = parse_limit_text(text, timestamp(SAT_8AM), &TimeZone::UTC);
        let got = signal.map(|s| (s.kind, s.resets_at));
        assert!(
            matches!(got, Some((FiveHour | Weekly, None))),
            "{text:?}: got {got:?}"
        );
    }
}

#[test]
fn the_report_prints_the_documented_shape() {
    let now = timestamp("2026-11-21T07:57:45Z");
    let signal = parse_limit_text(
        "You've hit your 5-hour limit · resets 9:57am (UTC)",
        now,
        &TimeZone::UTC,
    );
    let limited = serde_json::to_value(LimitReport::from_signal(signal.as_ref()))
        .unwrap_or_else(|err| panic!("report must serialise: {err}"));
    assert_eq!(
        limited,
        serde_json::json!({
            "limited": true,
            "kind": "five_hour",
            "resets_at": "2026-11-21T09:57:00Z",
            "source": "text",
        })
    );
    let not_limited = serde_json::to_value(LimitReport::from_signal(None))
        .unwrap_or_else(|err| panic!("report must serialise: {err}"));
    assert_eq!(
        not_limited,
        serde_json::json!({"limited": false, "kind": null, "resets_at": null})
    );
}
