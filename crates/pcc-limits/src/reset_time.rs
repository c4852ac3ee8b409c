//! Turning the wall-clock reset a limit message shows (`resets Nov 24, 7:17pm (UTC)`) into an
//! instant.
//!
//! Rules, all relative to a `now` and a local zone the caller passes in (nothing here reads the
//! clock or the machine's zone):
//! - The zone is the IANA name in the message, looked up in the time-zone database compiled into
//!   the binary ([`time_zone`]), else the local zone. An unknown name falls back to the local zone
//!   and is reported, never a panic.
//! - The reset is the first instant matching the message that is not more than
//!   [`RESET_TOLERANCE`] before `now`: a bare time rolls over to the next day, a weekday to the
//!   next week, a month and day to the next year. Within the tolerance the written time is kept
//!   as is (slightly in the past), meaning "due now".
//! - A wall time that does not exist (the spring-forward gap) or exists twice (the fall-back
//!   hour) is resolved with jiff's `compatible` disambiguation, the same rule as RFC 5545 and
//!   Temporal: a time in a gap moves forward by the length of the gap (2:30am on a day that skips
//!   from 2am to 3am is 3:30am), a repeated time takes the earlier of its two instants.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::sync::OnceLock;

/// How far before `now` a written reset time may lie and still mean "this one, due now" rather
/// than "the next one" (tomorrow, next week, next year).
///
/// Messages show the reset to the minute (or to the hour in older versions) while the real reset
/// has seconds (`9:57am` for 09:57:21), and the hook or the scanner reads the message a little
/// after Claude Code wrote it. Five minutes covers both with room to spare; a limit message never
/// names a reset that is only minutes away on the *next* day, because a bare time comes from the
/// 5-hour window (at most 5 hours ahead) and weekly resets carry a date.
pub const RESET_TOLERANCE: SignedDuration = SignedDuration::from_secs(5 * 60);

/// A time of day as a message writes it, already converted to the 24-hour clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClockTime {
    /// 0..=23.
    pub(crate) hour: i8,
    /// 0..=59.
    pub(crate) minute: i8,
}

impl ClockTime {
    /// A clock time from its parts: `hour` as written, `minute`, and `am`/`pm` if given.
    /// `12am` is midnight, `12pm` noon; with `am`/`pm` the hour must be 1..=12, without it
    /// 0..=23. `None` for anything else, so nonsense like `13pm` is not a reset.
    pub(crate) fn from_parts(hour: u32, minute: u32, meridiem: Option<Meridiem>) -> Option<Self> {
        if minute > 59 {
            return None;
        }
        let hour = match meridiem {
            Some(meridiem) => {
                if !(1..=12).contains(&hour) {
                    return None;
                }
                let hour12 = hour % 12;
                match meridiem {
                    Meridiem::Am => hour12,
                    Meridiem::Pm => hour12 + 12,
                }
            }
            None if hour <= 23 => hour,
            None => return None,
        };
        Some(ClockTime {
            hour: i8::try_from(hour).ok()?,
            minute: i8::try_from(minute).ok()?,
        })
    }

    fn to_time(self) -> Option<Time> {
        Time::new(self.hour, self.minute, 0, 0).ok()
    }
}

/// Morning or afternoon on the 12-hour clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meridiem {
    /// `am`: 12am is midnight.
    Am,
    /// `pm`: 12pm is noon.
    Pm,
}

/// Which day a reset names, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DayHint {
    /// Only a time: today if still ahead, else tomorrow.
    None,
    /// A weekday (`Mon`): this week's if still ahead, else next week's.
    Weekday(Weekday),
    /// A month and day (`Nov 24`), with the year if written: this year's if still ahead, else
    /// next year's.
    MonthDay {
        /// 1..=12.
        month: i8,
        /// 1..=31, checked against the month when resolved.
        day: i8,
        /// The year if the message gave one; then there is no rollover.
        year: Option<i16>,
    },
}

/// A reset as written in a message, before it is placed in time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResetSpec {
    pub(crate) time: ClockTime,
    pub(crate) day: DayHint,
    /// The zone name in parentheses, if any (`UTC`, `Europe/Oslo`, `Asia/Calcutta`).
    pub(crate) zone: Option<String>,
}

/// A reset placed in time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResolvedReset {
    pub(crate) at: Timestamp,
    /// The message's zone name when the database did not know it (the local zone was used).
    pub(crate) unknown_zone: Option<String>,
}

/// The instant for a count of seconds since the Unix epoch, as `resetsAt` and the v1 text form
/// give it. Values from 10^11 up are read as milliseconds (10^11 seconds is the year 5138, while
/// milliseconds of any date since 1973 are that large), in case a variant ever sends those.
pub(crate) fn timestamp_from_epoch(value: i64) -> Option<Timestamp> {
    const FIRST_MILLISECOND_LOOKING_VALUE: i64 = 100_000_000_000;
    if value >= FIRST_MILLISECOND_LOOKING_VALUE {
        Timestamp::from_millisecond(value).ok()
    } else {
        Timestamp::from_second(value).ok()
    }
}

/// The time-zone database every lookup uses: the copy of the IANA database compiled into the
/// binary (jiff's `tzdb-bundle-always`), never `/usr/share/zoneinfo`, so the same message gives
/// the same instant on every machine, including CI containers without tzdata.
fn database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// The time zone for an IANA name (`Europe/Oslo`, `UTC`, legacy links such as `Asia/Calcutta`
/// and `US/Pacific`), case-insensitively, from the database compiled into the binary. `None` for
/// names it does not know.
///
/// Public so that the CLI's `--tz ZONE` resolves names exactly as messages are resolved.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    database().get(name).ok()
}

/// Places `spec` in time relative to `now`, using the message's zone or else `local`. `None` only
/// for a date that exists in no year we look at (`Feb 30`) or instants outside jiff's range.
pub(crate) fn resolve_reset(
    spec: &ResetSpec,
    now: Timestamp,
    local: &TimeZone,
) -> Option<ResolvedReset> {
    let (zone, unknown_zone) = match spec.zone.as_deref() {
        Some(name) => match time_zone(name) {
            Some(zone) => (zone, None),
            None => (local.clone(), Some(name.to_owned())),
        },
        None => (local.clone(), None),
    };
    let time = spec.time.to_time()?;
    let today = now.to_zoned(zone.clone()).date();
    let earliest = now.checked_sub(RESET_TOLERANCE).ok()?;
    let at = match spec.day {
        DayHint::None => first_not_before(&zone, time, earliest, [today, today.tomorrow().ok()?]),
        DayHint::Weekday(weekday) => {
            let ahead = i64::from(weekday.since(today.weekday()));
            let this_week = today.checked_add(ahead.days()).ok()?;
            let next_week = this_week.checked_add(7.days()).ok()?;
            first_not_before(&zone, time, earliest, [this_week, next_week])
        }
        DayHint::MonthDay {
            month,
            day,
            year: Some(year),
        } => at_wall_time(&zone, Date::new(year, month, day).ok()?, time),
        DayHint::MonthDay {
            month,
            day,
            year: None,
        } => {
            // Feb 29 exists only in leap years: look up to 8 years ahead for the next one.
            (today.year()..=today.year().saturating_add(8))
                .filter_map(|year| Date::new(year, month, day).ok())
                .filter_map(|date| at_wall_time(&zone, date, time))
                .find(|at| *at >= earliest)
        }
    }?;
    Some(ResolvedReset { at, unknown_zone })
}

/// The first of `dates` (in order) whose wall `time` in `zone` is not before `earliest`.
fn first_not_before<const N: usize>(
    zone: &TimeZone,
    time: Time,
    earliest: Timestamp,
    dates: [Date; N],
) -> Option<Timestamp> {
    dates
        .into_iter()
        .filter_map(|date| at_wall_time(zone, date, time))
        .find(|at| *at >= earliest)
}

/// The instant of a wall time in a zone, with `compatible` disambiguation for DST gaps and folds
/// (see the module documentation).
fn at_wall_time(zone: &TimeZone, date: Date, time: Time) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(DateTime::from_parts(date, time))
        .compatible()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse()
            .unwrap_or_else(|err| panic!("bad timestamp {text}: {err}"))
    }

    fn spec(hour: u32, minute: u32, meridiem: Option<Meridiem>, day: DayHint) -> ResetSpec {
        ResetSpec {
            time: ClockTime::from_parts(hour, minute, meridiem)
                .unwrap_or_else(|| panic!("bad clock time {hour}:{minute}")),
            day,
            zone: Some("UTC".to_owned()),
        }
    }

    #[test]
    fn twelve_am_is_midnight_and_twelve_pm_is_noon() {
        assert_eq!(
            ClockTime::from_parts(12, 0, Some(Meridiem::Am)),
            Some(ClockTime { hour: 0, minute: 0 })
        );
        assert_eq!(
            ClockTime::from_parts(12, 30, Some(Meridiem::Pm)),
            Some(ClockTime {
                hour: 12,
                minute: 30
            })
        );
        assert_eq!(ClockTime::from_parts(13, 0, Some(Meridiem::Pm)), None);
        assert_eq!(ClockTime::from_parts(0, 0, Some(Meridiem::Am)), None);
        assert_eq!(ClockTime::from_parts(24, 0, None), None);
        assert_eq!(ClockTime::from_parts(9, 60, None), None);
    }

    #[test]
    fn feb_29_skips_to_the_next_leap_year() {
        let day = DayHint::MonthDay {
            month: 2,
            day: 29,
            year: None,
        };
        let resolved = resolve_reset(
            &spec(9, 0, Some(Meridiem::Am), day),
            ts("2026-11-21T10:00:00Z"),
            &TimeZone::UTC,
        );
        assert_eq!(resolved.map(|r| r.at), Some(ts("2028-02-29T09:00:00Z")));
    }

    #[test]
    fn impossible_date_has_no_reset() {
        let day = DayHint::MonthDay {
            month: 2,
            day: 30,
            year: None,
        };
        let resolved = resolve_reset(
            &spec(9, 0, Some(Meridiem::Am), day),
            ts("2026-11-21T10:00:00Z"),
            &TimeZone::UTC,
        );
        assert_eq!(resolved, None);
    }

    #[test]
    fn tolerance_boundary_is_inclusive() {
        let reset = spec(10, 0, None, DayHint::None);
        let at_edge = resolve_reset(&reset, ts("2026-11-21T10:05:00Z"), &TimeZone::UTC);
        assert_eq!(at_edge.map(|r| r.at), Some(ts("2026-11-21T10:00:00Z")));
        let past_edge = resolve_reset(&reset, ts("2026-11-21T10:05:01Z"), &TimeZone::UTC);
        assert_eq!(past_edge.map(|r| r.at), Some(ts("2026-11-22T10:00:00Z")));
    }

    #[test]
    fn legacy_links_and_case_resolve() {
        for name in [
            "Asia/Calcutta",
            "US/Pacific",
            "utc",
            "europe/oslo",
            "Etc/GMT+5",
        ] {
            assert!(time_zone(name).is_some(), "{name} should resolve");
        }
        for name in ["", "Area/City", "PST", "Mars/Olympus_Mons"] {
            assert!(time_zone(name).is_none(), "{name} should not resolve");
        }
    }
}
