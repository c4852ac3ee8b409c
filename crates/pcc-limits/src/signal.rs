//! What a detected limit is: which limit, when it resets, and which signal told us.
//!
//! These types are the vocabulary shared by every detector in this module and by the scheduler
//! that resumes a session. They carry no behaviour beyond small, total conversions, so the
//! scheduler can store them (they serialise) and tests can compare them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which limit stopped the session.
///
/// The kind decides what the scheduler does: every subscription limit is waited out until
/// `resets_at`; [`LimitKind::ApiKeyRateLimit`] is a per-minute API throttle with no reset time, so
/// it calls for a short backoff and a retry rather than a scheduled resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The rolling 5-hour subscription window (`You've hit your 5-hour limit`, `five_hour`).
    FiveHour,
    /// The 7-day subscription limit (`You've hit your weekly limit`, `seven_day`).
    Weekly,
    /// The weekly limit on Opus models (`You've hit your Opus limit`, `seven_day_opus`).
    Opus,
    /// The weekly limit on Sonnet models (`You've hit your Sonnet limit`, `seven_day_sonnet`).
    Sonnet,
    /// The per-model limit the binary calls `Fable limit` (`docs/claude-code-contract.md` §6, from the binary).
    Fable,
    /// The name Claude Code used for the 5-hour window around v2.1.187 (`session limit`).
    Session,
    /// Prepaid usage credits are used up (`You're out of usage credits`, `usage credit limit`).
    UsageCredits,
    /// Extra (overage) usage is used up (`You're out of extra usage`).
    ExtraUsage,
    /// The organisation's whole allowance is used up (`Your org is out of usage`).
    OrgOutOfUsage,
    /// An API-key 429 (`Request rejected (429)`): no reset time is given, so back off briefly.
    ApiKeyRateLimit,
    /// A limit whose wording names no known limit (`You've hit your limit`, the v1 epoch form).
    Unknown,
}

impl LimitKind {
    /// The stable snake_case name, as serialised and stored (`five_hour`, `weekly`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::FiveHour => "five_hour",
            LimitKind::Weekly => "weekly",
            LimitKind::Opus => "opus",
            LimitKind::Sonnet => "sonnet",
            LimitKind::Fable => "fable",
            LimitKind::Session => "session",
            LimitKind::UsageCredits => "usage_credits",
            LimitKind::ExtraUsage => "extra_usage",
            LimitKind::OrgOutOfUsage => "org_out_of_usage",
            LimitKind::ApiKeyRateLimit => "api_key_rate_limit",
            LimitKind::Unknown => "unknown",
        }
    }

    /// The kind for a limit name as the messages spell it (`5-hour`, `weekly`, `Opus`, …),
    /// compared without regard to ASCII case. An empty or unrecognised name is
    /// [`LimitKind::Unknown`]: the message still proves a limit, it just does not say which.
    pub fn from_limit_name(name: &str) -> LimitKind {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "5-hour" | "5 hour" | "five-hour" | "five hour" => LimitKind::FiveHour,
            "weekly" | "7-day" | "seven-day" => LimitKind::Weekly,
            "opus" | "weekly opus" | "opus weekly" => LimitKind::Opus,
            "sonnet" | "weekly sonnet" | "sonnet weekly" => LimitKind::Sonnet,
            "fable" | "weekly fable" | "fable weekly" => LimitKind::Fable,
            "session" => LimitKind::Session,
            "usage credit" | "usage credits" => LimitKind::UsageCredits,
            "extra usage" => LimitKind::ExtraUsage,
            _ => LimitKind::Unknown,
        }
    }

    /// The kind for the `rateLimitType` of a `rate_limit_event` or a transcript's `quotaLimits`
    /// (`five_hour`, `seven_day`, `seven_day_opus`, …). Unrecognised values are
    /// [`LimitKind::Unknown`] so that a new type never hides the limit itself.
    pub fn from_rate_limit_type(kind: &str) -> LimitKind {
        match kind.trim().to_ascii_lowercase().as_str() {
            "five_hour" => LimitKind::FiveHour,
            "seven_day" => LimitKind::Weekly,
            "seven_day_opus" => LimitKind::Opus,
            "seven_day_sonnet" => LimitKind::Sonnet,
            "seven_day_fable" => LimitKind::Fable,
            "overage" | "extra_usage" => LimitKind::ExtraUsage,
            _ => LimitKind::Unknown,
        }
    }

    /// Whether this limit is only a short throttle to back off from, not a reset to wait for.
    /// True only for [`LimitKind::ApiKeyRateLimit`], which never carries a reset time.
    pub fn is_backoff_only(self) -> bool {
        matches!(self, LimitKind::ApiKeyRateLimit)
    }
}

/// Which signal a [`LimitSignal`] was read from, strongest first.
///
/// Kept in the signal so that the status display and the logs can say how sure we are: the
/// structured sources carry an exact reset instant, the text only a minute-resolution wall time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalSource {
    /// The `StopFailure` hook input (`error: "rate_limit"`, text in `last_assistant_message`).
    StopFailure,
    /// The transcript's API-error entry (`isApiErrorMessage`, `quotaLimits.resetsAt`).
    Transcript,
    /// A `rate_limit_event` line of `claude -p --output-format stream-json` with status `rejected`.
    StreamRateLimitEvent,
    /// The final `result` object of `claude -p` (`api_error_status: 429`).
    ResultJson,
    /// Free text matched by its wording (`docs/claude-code-contract.md` §6), the weakest signal.
    Text,
}

/// A usage or rate limit that stopped (or will stop) a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitSignal {
    /// Which limit it is; decides between a scheduled resume and a short backoff.
    pub kind: LimitKind,
    /// When the limit lifts, if the signal says. `None` for API-key throttles and for the
    /// "out of usage" family, which may name no reset: the session is still limited.
    ///
    /// A time taken from text can be up to [`super::RESET_TOLERANCE`] before the `now` it was
    /// resolved against; such a reset is due immediately.
    pub resets_at: Option<Timestamp>,
    /// Which signal found it.
    pub source: SignalSource,
    /// The limit message as Claude Code showed it, for logs and the status display.
    pub message: Option<String>,
    /// A time-zone name the message gave that the bundled time-zone database does not know. When
    /// set, `resets_at` was computed in the caller's local zone instead, so it may be off by the
    /// difference between the two zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_zone: Option<String>,
}

/// The answer of `pcc-hooks limits parse`: `{"limited": bool, "kind": …, "resets_at": RFC3339|null}`.
///
/// A separate type from [`LimitSignal`] because "not limited" must still print an object, and the
/// command's output is a contract for scripts, while the signal may grow fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitReport {
    /// Whether the text showed a limit.
    pub limited: bool,
    /// Which limit, or `null` when not limited.
    pub kind: Option<LimitKind>,
    /// When it resets (RFC 3339 in UTC), or `null` when unknown or not limited.
    pub resets_at: Option<Timestamp>,
    /// Which signal found it; omitted when not limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SignalSource>,
    /// See [`LimitSignal::unknown_zone`]; omitted when the zone was known or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_zone: Option<String>,
}

impl LimitReport {
    /// The report for a detection result: `None` is "not limited".
    pub fn from_signal(signal: Option<&LimitSignal>) -> LimitReport {
        match signal {
            Some(signal) => LimitReport {
                limited: true,
                kind: Some(signal.kind),
                resets_at: signal.resets_at,
                source: Some(signal.source),
                unknown_zone: signal.unknown_zone.clone(),
            },
            None => LimitReport {
                limited: false,
                kind: None,
                resets_at: None,
                source: None,
                unknown_zone: None,
            },
        }
    }
}
