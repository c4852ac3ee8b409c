//! Detecting a limit from the structured data Claude Code produces, strongest signal first:
//! the `StopFailure` hook input, the transcript's API-error entry, and the `rate_limit_event` and
//! `result` objects of `claude -p --output-format stream-json` (`docs/claude-code-contract.md` §1, §5, §6, §7).
//!
//! Each detector takes one parsed JSON value (or the text of a JSONL file) and answers `None`
//! when the value is not a limit. Unexpected shapes are "not a limit", never a panic: the data
//! comes from another program whose format changes between versions.

use super::reset_time::timestamp_from_epoch;
use super::signal::{LimitKind, LimitSignal, SignalSource};
use super::text::signal_from_text;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

/// A limit from a `StopFailure` hook input: `hook_event_name: "StopFailure"` with
/// `error: "rate_limit"`. The reset comes from the text in `last_assistant_message` (or
/// `error_details`), resolved against `now` and `local` like [`super::parse_limit_text`].
///
/// The event itself proves the session stopped on a limit, so even text we cannot read gives a
/// signal: [`LimitKind::Unknown`] with no reset, for the caller to complete from the transcript.
pub fn detect_stop_failure(input: &Value, now: Timestamp, local: &TimeZone) -> Option<LimitSignal> {
    if str_field(input, "hook_event_name") != Some("StopFailure")
        || str_field(input, "error") != Some("rate_limit")
    {
        return None;
    }
    let texts = [
        str_field(input, "last_assistant_message"),
        str_field(input, "error_details"),
    ];
    let from_text = texts
        .into_iter()
        .flatten()
        .find_map(|text| signal_from_text(text, SignalSource::StopFailure, now, local));
    Some(from_text.unwrap_or_else(|| {
        LimitSignal {
            kind: LimitKind::Unknown,
            resets_at: None,
            source: SignalSource::StopFailure,
            message: texts
                .into_iter()
                .flatten()
                .find(|t| !t.is_empty())
                .map(str::to_owned),
            unknown_zone: None,
        }
    }))
}

/// A limit from one transcript entry: `isApiErrorMessage: true` with `error: "rate_limit"`,
/// `apiErrorStatus: 429` or `apiError: "usage_limit_reached"`.
///
/// The reset is `quotaLimits.resetsAt` (or `apiErrorParams.rate_limit_info.resetsAt`), exact to
/// the second, else the entry's text; the kind is `rateLimitType`, else the text's. An entry with
/// neither quota data nor a subscription wording is an API-key throttle.
pub fn detect_transcript_entry(
    entry: &Value,
    now: Timestamp,
    local: &TimeZone,
) -> Option<LimitSignal> {
    if entry.get("isApiErrorMessage").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let usage_limit = str_field(entry, "apiError") == Some("usage_limit_reached");
    let rate_limited = str_field(entry, "error") == Some("rate_limit")
        || entry.get("apiErrorStatus").and_then(Value::as_u64) == Some(429);
    if !usage_limit && !rate_limited {
        return None;
    }
    let quota = entry.get("quotaLimits").or_else(|| {
        entry
            .get("apiErrorParams")
            .and_then(|params| params.get("rate_limit_info"))
    });
    let text = message_text(entry);
    let from_text = signal_from_text(&text, SignalSource::Transcript, now, local);
    let quota_kind = quota
        .and_then(|q| str_field(q, "rateLimitType"))
        .map(LimitKind::from_rate_limit_type);
    let quota_reset = quota.and_then(|q| q.get("resetsAt")).and_then(epoch_value);

    let kind = match (quota_kind, &from_text) {
        (Some(kind), _) if kind != LimitKind::Unknown => kind,
        (_, Some(signal)) => signal.kind,
        _ if usage_limit || quota.is_some() => LimitKind::Unknown,
        _ => LimitKind::ApiKeyRateLimit,
    };
    let (resets_at, unknown_zone) = match (quota_reset, &from_text) {
        (Some(at), _) => (Some(at), None),
        (None, Some(signal)) => (signal.resets_at, signal.unknown_zone.clone()),
        (None, None) => (None, None),
    };
    Some(LimitSignal {
        kind,
        resets_at: if kind.is_backoff_only() {
            None
        } else {
            resets_at
        },
        source: SignalSource::Transcript,
        message: (!text.is_empty()).then_some(text),
        unknown_zone,
    })
}

/// The newest limit among the last `max_lines` lines of a transcript (JSONL text, e.g. the tail
/// of the file; a first line cut in half is skipped like any line that is not JSON).
///
/// Scanning stops at the newest real assistant message (not a sidechain, not an API error): a
/// session that answered after a limit is no longer limited, so an older limit entry is stale.
pub fn scan_transcript_tail(
    jsonl: &str,
    max_lines: usize,
    now: Timestamp,
    local: &TimeZone,
) -> Option<LimitSignal> {
    for line in jsonl
        .lines()
        .rev()
        .filter(|line| !line.trim().is_empty())
        .take(max_lines)
    {
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(signal) = detect_transcript_entry(&entry, now, local) {
            return Some(signal);
        }
        if is_real_assistant_message(&entry) {
            return None;
        }
    }
    None
}

/// A limit from one `claude -p --output-format stream-json` object: a `rate_limit_event` whose
/// `rate_limit_info.status` is `rejected` (other statuses such as `allowed_warning` only warn),
/// or a `result` (see [`detect_result`]).
pub fn detect_stream_event(event: &Value, now: Timestamp, local: &TimeZone) -> Option<LimitSignal> {
    match str_field(event, "type")? {
        "rate_limit_event" => {
            let info = event.get("rate_limit_info")?;
            if str_field(info, "status") != Some("rejected") {
                return None;
            }
            Some(LimitSignal {
                kind: str_field(info, "rateLimitType")
                    .map_or(LimitKind::Unknown, LimitKind::from_rate_limit_type),
                resets_at: info.get("resetsAt").and_then(epoch_value),
                source: SignalSource::StreamRateLimitEvent,
                message: None,
                unknown_zone: None,
            })
        }
        "result" => detect_result(event, now, local),
        _ => None,
    }
}

/// A limit from the final `result` object of `claude -p` (`--output-format json` or the last
/// stream-json line).
///
/// `api_error_status: 429` with `api_error: "usage_limit_reached"` is a subscription limit whose
/// reset is in the `result` text; a 429 without it is an API-key throttle
/// ([`LimitKind::ApiKeyRateLimit`], no reset). An error result without a status (older versions)
/// counts only if its text is a limit wording.
pub fn detect_result(result: &Value, now: Timestamp, local: &TimeZone) -> Option<LimitSignal> {
    if str_field(result, "type").is_some_and(|kind| kind != "result") {
        return None;
    }
    let text = str_field(result, "result").unwrap_or("");
    let from_text = signal_from_text(text, SignalSource::ResultJson, now, local);
    let status_429 = result.get("api_error_status").and_then(Value::as_u64) == Some(429);
    if !status_429 {
        let is_error = result.get("is_error").and_then(Value::as_bool) == Some(true);
        return from_text.filter(|_| is_error);
    }
    let usage_limit = str_field(result, "api_error") == Some("usage_limit_reached");
    match from_text {
        Some(signal) if usage_limit || !signal.kind.is_backoff_only() => Some(signal),
        _ if usage_limit => Some(LimitSignal {
            kind: LimitKind::Unknown,
            resets_at: None,
            source: SignalSource::ResultJson,
            message: (!text.is_empty()).then(|| text.to_owned()),
            unknown_zone: None,
        }),
        _ => Some(LimitSignal {
            kind: LimitKind::ApiKeyRateLimit,
            resets_at: None,
            source: SignalSource::ResultJson,
            message: (!text.is_empty()).then(|| text.to_owned()),
            unknown_zone: None,
        }),
    }
}

/// The limit a whole `claude -p --output-format stream-json` run ended on, or `None` if it ended
/// without one.
///
/// A rejected `rate_limit_event` is preferred for its exact `resetsAt`, taking the message (and
/// the kind, if the event names none) from the `result`. A run whose `result` is not an error
/// finished its work, whatever events came before.
pub fn scan_stream_json(jsonl: &str, now: Timestamp, local: &TimeZone) -> Option<LimitSignal> {
    let mut tracker = StreamLimitTracker::default();
    for line in jsonl.lines() {
        if let Ok(event) = serde_json::from_str::<Value>(line) {
            tracker.observe(&event, now, local);
        }
    }
    tracker.limit()
}

/// What a `claude -p` stream has said about a usage limit so far, fed one event at a time, for
/// readers that cannot hold the whole stream ([`scan_stream_json`] is the whole-text form).
#[derive(Debug, Clone, Default)]
pub struct StreamLimitTracker {
    rejected_event: Option<LimitSignal>,
    result: Option<(bool, Option<LimitSignal>)>,
}

impl StreamLimitTracker {
    /// Takes one parsed stream-json event; returns the limit it signals, if any.
    pub fn observe(
        &mut self,
        event: &Value,
        now: Timestamp,
        local: &TimeZone,
    ) -> Option<LimitSignal> {
        match str_field(event, "type") {
            Some("rate_limit_event") => {
                let signal = detect_stream_event(event, now, local);
                if signal.is_some() {
                    self.rejected_event.clone_from(&signal);
                }
                signal
            }
            Some("result") => {
                let is_error = event.get("is_error").and_then(Value::as_bool) == Some(true);
                let signal = detect_result(event, now, local);
                self.result = Some((is_error, signal.clone()));
                signal
            }
            _ => None,
        }
    }

    /// The limit the run ended on: none when its `result` is not an error (it finished its
    /// work, whatever came before); else the rejected event for its exact `resetsAt`, completed
    /// from the `result` (its message, and its kind when the event named none).
    pub fn limit(&self) -> Option<LimitSignal> {
        let from_result = match &self.result {
            Some((false, _)) => return None,
            Some((true, signal)) => signal.clone(),
            None => None,
        };
        match (self.rejected_event.clone(), from_result) {
            (Some(mut event), Some(from_result)) => {
                if event.kind == LimitKind::Unknown {
                    event.kind = from_result.kind;
                }
                if event.resets_at.is_none() {
                    event.resets_at = from_result.resets_at;
                }
                event.message = from_result.message;
                Some(event)
            }
            (event, from_result) => event.or(from_result),
        }
    }
}

/// The string value of `value[key]`, if it is a string.
fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// An epoch-seconds `resetsAt`: an integer, a float, or a string of digits.
fn epoch_value(value: &Value) -> Option<Timestamp> {
    let seconds = match value {
        Value::Number(number) => match number.as_i64() {
            Some(seconds) => seconds,
            // Whole seconds are what we schedule on; a fraction is dropped deliberately.
            #[allow(clippy::cast_possible_truncation)]
            None => number.as_f64().filter(|f| f.is_finite())? as i64,
        },
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    timestamp_from_epoch(seconds)
}

/// The text blocks of a transcript entry's `message.content`, joined by newlines (the content is
/// either a string or a list of blocks).
fn message_text(entry: &Value) -> String {
    match entry
        .get("message")
        .and_then(|message| message.get("content"))
    {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|block| str_field(block, "type") == Some("text"))
            .filter_map(|block| str_field(block, "text"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// An assistant answer from the model in the main conversation: the session made progress.
fn is_real_assistant_message(entry: &Value) -> bool {
    str_field(entry, "type") == Some("assistant")
        && entry.get("isSidechain").and_then(Value::as_bool) != Some(true)
        && entry.get("isApiErrorMessage").and_then(Value::as_bool) != Some(true)
        && entry
            .get("message")
            .and_then(|message| str_field(message, "model"))
            != Some("<synthetic>")
}
