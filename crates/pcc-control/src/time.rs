//! Times as both doors show them.

/// RFC 3339 in UTC (`2026-01-02T03:04:05.678Z`), the form every JSON document uses; the raw
/// number when it is out of range.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |time| time.to_string())
}

/// "42s", "5m", "3h", "2d": how long ago, as short as a status column allows.
pub fn ago(elapsed_ms: i64) -> String {
    let seconds = elapsed_ms.max(0) / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}
