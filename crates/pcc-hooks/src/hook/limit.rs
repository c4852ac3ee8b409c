//! `StopFailure` with a usage limit: record it, schedule the session's resume for when the limit
//! resets, and make sure a scheduler is running to do it.

use super::HookContext;
use crate::config_files;
use crate::scheduler;
use crate::session_files::{TRANSCRIPT_TAIL_BYTES, read_tail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pcc_core::bridge::resume_schedule::due_after_reset;
use pcc_core::hook::StopFailure;
use pcc_limits::{LimitSignal, detect_stop_failure, scan_transcript_tail};
use pcc_store::{EventRecord, NewResume, Store, StoreError};
use std::path::{Path, PathBuf};

/// Records the event; when it is a usage limit with a known reset, also schedules the resume.
pub fn record_stop_failure(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    failure: &StopFailure,
) -> Result<(), StoreError> {
    let now = Timestamp::now();
    let local = TimeZone::system();
    let input = serde_json::json!({
        "hook_event_name": "StopFailure",
        "error": failure.error,
        "error_details": failure.error_details,
        "last_assistant_message": failure.last_assistant_message,
    });
    let Some(signal) = detect_stop_failure(&input, now, &local) else {
        return store.record_event(record).map(drop);
    };
    // The transcript has the reset to the second; the message only to the minute.
    let exact = record
        .transcript_path
        .as_deref()
        .and_then(|path| {
            read_tail(Path::new(path), TRANSCRIPT_TAIL_BYTES)
                .inspect_err(|error| tracing::warn!(%error, "transcript not read"))
                .ok()
        })
        .and_then(|tail| scan_transcript_tail(&tail, 200, now, &local));
    let signal = prefer_exact(signal, exact);
    let Some(resets_at) = signal.resets_at.filter(|_| !signal.kind.is_backoff_only()) else {
        // An API-key throttle or a limit with no reset: Claude Code's own retries or a human.
        tracing::warn!(
            kind = signal.kind.as_str(),
            "limit without a reset time; nothing scheduled"
        );
        return store.record_event(record).map(drop);
    };
    // A broken config must not lose the resume: what is in force instead schedules it.
    let loaded = config_files::load_in_force(&context.data, &PathBuf::from(&record.project_root));
    super::report_config_problems(&context.data, Some(store), &loaded, record.at_ms);
    let config = loaded.config;
    let grace_ms =
        i64::try_from(config.resume_grace_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let resets_at_ms = resets_at.as_millisecond();
    let resume = NewResume {
        session_id: record.session_id.clone(),
        cwd: record.cwd.clone(),
        transcript_path: record.transcript_path.clone(),
        limit_kind: signal.kind.as_str().to_owned(),
        resets_at_ms: Some(resets_at_ms),
        due_ms: due_after_reset(resets_at_ms, record.at_ms, grace_ms),
        prompt: config.continue_prompt,
    };
    store.record_limit(record, &resume)?;
    if let Err(error) = scheduler::lock::ensure_running(&context.data) {
        // The resume is stored: the next hook call, or `pcc-hooks scheduler`, picks it up.
        tracing::error!(%error, "could not start the scheduler");
    }
    Ok(())
}

/// The transcript's signal when it agrees on the kind of limit (it carries exact seconds).
fn prefer_exact(from_message: LimitSignal, from_transcript: Option<LimitSignal>) -> LimitSignal {
    match from_transcript {
        Some(exact) if exact.resets_at.is_some() && exact.kind == from_message.kind => exact,
        _ => from_message,
    }
}
