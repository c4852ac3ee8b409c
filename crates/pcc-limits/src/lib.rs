//! Usage and rate limits: recognising that a Claude subscription limit stopped a session, and
//! when it resets, so the scheduler can resume the session at that minute with nobody watching.
//!
//! Detection goes strongest signal first (`docs/claude-code-contract.md` §6):
//! 1. the `StopFailure` hook input with `error: "rate_limit"` ([`detect_stop_failure`]);
//! 2. the transcript's API-error entry with `quotaLimits.resetsAt` ([`detect_transcript_entry`],
//!    [`scan_transcript_tail`]);
//! 3. for the `claude -p` children we spawn, the stream-json `rate_limit_event` with status
//!    `rejected` and the `result` with `api_error_status: 429` ([`detect_stream_event`],
//!    [`detect_result`], [`scan_stream_json`]);
//! 4. the message text alone ([`parse_limit_text`]).
//!
//! Everything here is pure: `now` and the local time zone are parameters, nothing reads the clock,
//! the environment or a file. Zone names are looked up in the IANA database compiled into the
//! binary ([`time_zone`]), so an answer is the same on every machine.

mod reset_time;
mod signal;
mod structured;
mod text;

pub use reset_time::{RESET_TOLERANCE, time_zone};
pub use signal::{LimitKind, LimitReport, LimitSignal, SignalSource};
pub use structured::{
    StreamLimitTracker, detect_result, detect_stop_failure, detect_stream_event,
    detect_transcript_entry, scan_stream_json, scan_transcript_tail,
};
pub use text::parse_limit_text;
