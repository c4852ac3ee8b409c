//! `pcc-hooks limits parse`: the hooks' own limit detection, on a message given by hand.

use crate::cli::LimitsParseArgs;
use crate::error::HookError;
use crate::term::emit;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pcc_limits::{LimitReport, parse_limit_text, time_zone};

/// Prints whether the text is a limit, which, and when it resets.
pub fn parse(args: &LimitsParseArgs) -> Result<(), HookError> {
    let now = match &args.now {
        Some(text) => text.parse::<Timestamp>().map_err(|error| {
            HookError::new(format!("--now {text:?} is not an RFC 3339 time: {error}"))
        })?,
        None => Timestamp::now(),
    };
    let local = match &args.tz {
        Some(name) => time_zone(name)
            .ok_or_else(|| HookError::new(format!("--tz {name:?} is not a known time zone")))?,
        None => TimeZone::system(),
    };
    let signal = parse_limit_text(&args.text, now, &local);
    let report = LimitReport::from_signal(signal.as_ref());
    if args.json {
        let text = serde_json::to_string(&report)
            .map_err(|error| HookError::new(format!("cannot encode: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let text = match (&report.kind, &report.resets_at) {
        (None, _) => "not a usage limit\n".to_owned(),
        (Some(kind), Some(reset)) => {
            let local_time = reset.to_zoned(local.clone()).strftime("%Y-%m-%d %H:%M %Z");
            format!("{} limit; resets {reset} ({local_time})\n", kind.as_str())
        }
        (Some(kind), None) => format!("{} limit; no reset time given\n", kind.as_str()),
    };
    emit(&text)
}
