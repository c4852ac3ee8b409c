//! Recognising a limit by the wording Claude Code prints (`docs/claude-code-contract.md` §6), the fallback when no
//! structured signal is at hand.
//!
//! Being wrong here is costly both ways: missing a limit leaves a session stopped, and seeing one
//! in ordinary prose ("I'll add rate limiting to the API") would park a working session for hours.
//! So a line counts only if it *starts* with a wording the binary itself uses (after leading
//! whitespace and the `⎿` the terminal UI draws): the prefixes the binary checks (`You've hit
//! your`, `You've reached your`, `You're out of usage credits`, `You're out of extra usage`,
//! `Your org is out of usage`) and the older forms (`5-hour limit reached ∙ resets 3am`,
//! `Claude AI usage limit reached|<epoch>`, `Your limit will reset at 3pm (UTC)`). A model
//! quoting the phrase mid-sentence, warnings such as "Approaching usage limit" or "You've used
//! 90% of your weekly limit", and everything else are not limits.

use super::reset_time::{
    ClockTime, DayHint, Meridiem, ResetSpec, resolve_reset, timestamp_from_epoch,
};
use super::signal::{LimitKind, LimitSignal, SignalSource};
use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use regex_lite::{Captures, Regex};
use std::sync::OnceLock;

/// How much of a matched line is examined for its reset clause. Real limit lines are under 100
/// characters; the cap keeps a huge pasted line from costing more than a short one.
const MAX_LINE_BYTES: usize = 512;

/// A limit line found in text, before its reset is placed in time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextMatch<'a> {
    pub(crate) kind: LimitKind,
    pub(crate) reset: WrittenReset,
    /// The matched line, trimmed, as the message to keep.
    pub(crate) line: &'a str,
}

/// The reset as the message writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WrittenReset {
    /// No reset given (the "out of usage" family, API-key throttles) or none we could read.
    Absent,
    /// An exact instant (`Claude AI usage limit reached|1795255041`).
    Instant(Timestamp),
    /// A wall-clock time to place relative to `now`.
    Wall(ResetSpec),
}

/// Recognises a limit in `text` and places its reset in time relative to `now`, using the zone
/// the message names or else `local`. `None` means the text shows no limit.
///
/// This is what `pcc-hooks limits parse` runs, and what the structured detectors fall back to for
/// the text they carry, so the command shows exactly what the hooks would decide.
pub fn parse_limit_text(text: &str, now: Timestamp, local: &TimeZone) -> Option<LimitSignal> {
    signal_from_text(text, SignalSource::Text, now, local)
}

/// [`parse_limit_text`] with the source recorded as `source`, for detectors whose structured
/// input carries the limit as text (StopFailure, the `result` object).
pub(crate) fn signal_from_text(
    text: &str,
    source: SignalSource,
    now: Timestamp,
    local: &TimeZone,
) -> Option<LimitSignal> {
    let found = find_limit(text)?;
    let (resets_at, unknown_zone) = match &found.reset {
        WrittenReset::Absent => (None, None),
        WrittenReset::Instant(at) => (Some(*at), None),
        WrittenReset::Wall(spec) => match resolve_reset(spec, now, local) {
            Some(resolved) => (Some(resolved.at), resolved.unknown_zone),
            None => (None, None),
        },
    };
    Some(LimitSignal {
        kind: found.kind,
        resets_at,
        source,
        message: Some(found.line.to_owned()),
        unknown_zone,
    })
}

/// The last line of `text` that is a limit message (the newest, when the text is a log or a
/// screen), or `None`.
pub(crate) fn find_limit(text: &str) -> Option<TextMatch<'_>> {
    text.lines().rev().find_map(match_line)
}

/// Whether one line is a limit message, and which.
fn match_line(raw: &str) -> Option<TextMatch<'_>> {
    let line = strip_decoration(raw);
    let line = truncate(line, MAX_LINE_BYTES).trim_end();
    if line.is_empty() {
        return None;
    }
    let kind = line_kind(line)?;
    let reset = if kind.is_backoff_only() {
        WrittenReset::Absent
    } else {
        written_reset(line)
    };
    Some(TextMatch { kind, reset, line })
}

/// Leading whitespace and the `⎿` gutter the terminal UI puts before a result.
fn strip_decoration(line: &str) -> &str {
    let line = line.trim_start();
    line.strip_prefix('⎿').map_or(line, str::trim_start)
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The kind of limit a line announces, from its start; `None` if it announces none.
fn line_kind(line: &str) -> Option<LimitKind> {
    for prefix in ["You've hit your ", "You've reached your "] {
        if let Some(rest) = strip_prefix_loose(line, prefix) {
            return named_limit(rest);
        }
    }
    let families = [
        ("You're out of usage credits", LimitKind::UsageCredits),
        ("You're out of extra usage", LimitKind::ExtraUsage),
        ("Your org is out of usage", LimitKind::OrgOutOfUsage),
        ("Your limit will reset at ", LimitKind::Unknown),
        (
            "API Error: Request rejected (429)",
            LimitKind::ApiKeyRateLimit,
        ),
        ("API Error: 429 ", LimitKind::ApiKeyRateLimit),
    ];
    for (prefix, kind) in families {
        if strip_prefix_loose(line, prefix).is_some() {
            return Some(kind);
        }
    }
    limit_reached(line)
}

/// The kind for the words between `You've hit your` and `limit` (`5-hour`, `weekly`, nothing, …).
/// `None` when `limit` does not follow within a few words ("You've reached your goal").
fn named_limit(rest: &str) -> Option<LimitKind> {
    let name = name_before_word(rest, "limit")?;
    Some(LimitKind::from_limit_name(name))
}

/// The older `5-hour limit reached ∙ resets 3am` and `Claude AI usage limit reached|<epoch>`:
/// a known limit name, then `limit reached`, at the start of the line.
fn limit_reached(line: &str) -> Option<LimitKind> {
    let name = name_before_word(line, "limit reached")?.trim();
    let generic = ["usage", "claude usage", "claude ai usage"];
    if generic.iter().any(|g| name.eq_ignore_ascii_case(g)) {
        // "Usage limit reached" names no limit, so it counts only with the reset that the real
        // messages carry (`|<epoch>` or `reset at …`), not as the start of a sentence of prose.
        let vouched = line.contains('|') || line.to_ascii_lowercase().contains("reset");
        return vouched.then_some(LimitKind::Unknown);
    }
    let kind = LimitKind::from_limit_name(name);
    // A name we do not know ("Approaching usage limit reached"?) is not a limit line: here,
    // unlike after `You've hit your`, nothing else vouches for the line.
    if kind == LimitKind::Unknown {
        return None;
    }
    Some(kind)
}

/// The text before the word `word` (ASCII case-insensitive) if the word comes within the first
/// three words and everything before it looks like a limit name (letters, digits, `-`, spaces).
fn name_before_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    const MAX_NAME_BYTES: usize = 40;
    let lower = truncate(text, MAX_NAME_BYTES + word.len() + 1).to_ascii_lowercase();
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find(word) {
        let start = search_from + found;
        let end = start + word.len();
        let name = &text[..start];
        let at_word_start = name.is_empty() || name.ends_with(' ');
        let at_word_end = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() || c == 's');
        let name_ok = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
            && name.split_whitespace().count() <= 3;
        if at_word_start && at_word_end && name_ok {
            return Some(name);
        }
        search_from = end;
    }
    None
}

/// `text` without `prefix`, compared ASCII case-insensitively and with the typographic
/// apostrophe `’` accepted for `'` (terminals and copy-paste turn one into the other).
fn strip_prefix_loose<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let mut rest = text.char_indices();
    for expected in prefix.chars() {
        let (_, actual) = rest.next()?;
        let same = actual.eq_ignore_ascii_case(&expected)
            || (expected == '\'' && matches!(actual, '’' | '‘' | 'ʼ'));
        if !same {
            return None;
        }
    }
    let offset = rest.next().map_or(text.len(), |(index, _)| index);
    Some(&text[offset..])
}

/// The reset a limit line writes: `|<epoch>` or a `resets …` / `reset at …` clause.
fn written_reset(line: &str) -> WrittenReset {
    if let Some(at) = epoch_reset(line) {
        return WrittenReset::Instant(at);
    }
    match reset_clause()
        .captures(line)
        .and_then(|caps| spec_from(&caps))
    {
        Some(spec) => WrittenReset::Wall(spec),
        None => WrittenReset::Absent,
    }
}

/// `limit reached|1795255041`: the v1 form, seconds since the epoch.
fn epoch_reset(line: &str) -> Option<Timestamp> {
    let (_, after) = line.split_once('|')?;
    let digits: &str = {
        let after = after.trim_start();
        let end = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        &after[..end]
    };
    timestamp_from_epoch(digits.parse().ok()?)
}

/// The reset clause: `resets [at|on] [Weekday[,]] [Mon DD[, YYYY][,]] [at] H[:MM][am|pm] [(Zone)]`.
/// Compiled on first use only: most texts never reach it.
fn reset_clause() -> &'static Regex {
    static RESET_CLAUSE: OnceLock<Regex> = OnceLock::new();
    RESET_CLAUSE.get_or_init(|| {
        Regex::new(
            r"(?ix)
            \b resets? (?: \s+ (?:at|on) )? \s+
            (?: (?P<weekday> mon|tue|wed|thu|fri|sat|sun ) [a-z]* \.? ,? \s+ )?
            (?: (?P<month> jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec ) [a-z]* \.? \s+
                (?P<day> \d{1,2} ) (?: st|nd|rd|th )?
                (?: ,? \s+ (?P<year> \d{4} ) )?
                ,? \s+ (?: at \s+ )? )?
            (?P<hour> \d{1,2} ) (?: : (?P<minute> \d{2} ) )?
            \s* (?: (?P<meridiem> [ap] ) \.? m \.? )?
            (?: \s* \( \s* (?P<zone> [a-z] [a-z0-9_+/-]* ) \s* \) )?
            ",
        )
        .expect("the reset clause pattern is valid")
    })
}

/// The written reset from the clause's captures; `None` for impossible values (`13pm`, `9:75`,
/// a bare `3` with neither minutes nor am/pm).
fn spec_from(caps: &Captures<'_>) -> Option<ResetSpec> {
    let number = |name: &str| -> Option<u32> { caps.name(name)?.as_str().parse().ok() };
    let meridiem = caps
        .name("meridiem")
        .map(|m| match m.as_str().to_ascii_lowercase().as_str() {
            "a" => Meridiem::Am,
            _ => Meridiem::Pm,
        });
    let minute = number("minute");
    if meridiem.is_none() && minute.is_none() {
        return None;
    }
    let time = ClockTime::from_parts(number("hour")?, minute.unwrap_or(0), meridiem)?;
    let day = match (caps.name("month"), caps.name("weekday")) {
        (Some(month), _) => DayHint::MonthDay {
            month: month_number(month.as_str())?,
            day: i8::try_from(number("day")?).ok()?,
            year: match caps.name("year") {
                Some(year) => Some(year.as_str().parse().ok()?),
                None => None,
            },
        },
        (None, Some(weekday)) => DayHint::Weekday(weekday_named(weekday.as_str())?),
        (None, None) => DayHint::None,
    };
    Some(ResetSpec {
        time,
        day,
        zone: caps.name("zone").map(|zone| zone.as_str().to_owned()),
    })
}

/// 1..=12 for the three-letter month abbreviation the pattern captured.
fn month_number(abbreviation: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = abbreviation.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| *m == lower)?;
    i8::try_from(index + 1).ok()
}

/// The weekday for the three-letter abbreviation the pattern captured.
fn weekday_named(abbreviation: &str) -> Option<Weekday> {
    Some(match abbreviation.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_line_starts() {
        let cases = [
            (
                "You've hit your 5-hour limit · resets 3pm",
                Some(LimitKind::FiveHour),
            ),
            ("You’ve hit your weekly limit", Some(LimitKind::Weekly)),
            (
                "you've hit your usage credit limit",
                Some(LimitKind::UsageCredits),
            ),
            ("You've reached your goal!", None),
            ("You've hit your stride today", None),
            ("Opus limit reached ∙ resets 3am", Some(LimitKind::Opus)),
            ("Approaching usage limit · resets at 3pm", None),
            ("Rate limit reached, retrying", None),
            (
                "Claude AI usage limit reached|1795255041",
                Some(LimitKind::Unknown),
            ),
            (
                "API Error: Request rejected (429) · slow down",
                Some(LimitKind::ApiKeyRateLimit),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(line_kind(line), expected, "{line}");
        }
    }

    #[test]
    fn prefix_needs_the_whole_anchor() {
        assert_eq!(strip_prefix_loose("You've hit", "You've hit your "), None);
        assert_eq!(
            strip_prefix_loose("YOU'VE HIT YOUR x", "You've hit your "),
            Some("x")
        );
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("ab·cd", 3), "ab");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn epoch_in_milliseconds_is_accepted() {
        assert_eq!(
            epoch_reset("Claude AI usage limit reached|1795255041000"),
            Timestamp::from_second(1_795_255_041).ok()
        );
        assert_eq!(epoch_reset("Claude AI usage limit reached|soon"), None);
    }
}
