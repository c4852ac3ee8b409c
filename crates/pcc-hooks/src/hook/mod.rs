//! `pcc-hooks hook`: the one entry point Claude Code runs for every hook event.
//!
//! One process per call: read stdin once, open the database once, write in one transaction,
//! answer, exit. `PreToolUse` and `PermissionRequest` get a permission answer ([`permission`],
//! which also answers `AskUserQuestion` through the brain); `Stop` may answer a turn that ends in
//! a question, deliver a human's answer or hand over the next queued task ([`stop`]);
//! `StopFailure` schedules a resume after a usage limit ([`limit`]); `SessionEnd` puts an
//! interrupted queued task back unless a resume will go on with it;
//! `PostToolUse` tells learning that a call we left to the human ran; every other event is
//! recorded and answered with no decision (nothing on stdout).
//!
//! Failure rules (DESIGN.md invariants 1 and 4):
//! - stdout carries nothing but the protocol answer, so errors go to stderr and the log file;
//! - input that is not a hook call (invalid JSON, empty, too large, not an object) is a clear
//!   one-line error on stderr and exit 1, which Claude Code treats as non-blocking; the error is
//!   counted in the database when it can be opened;
//! - an internal failure (database locked past its timeout, corrupt, unwritable; a bad config; a
//!   panic) is logged and answered with no decision and exit 0, so it can never turn into a
//!   permission.

mod brain;
mod limit;
mod permission;
mod stop;

use crate::config_files;
use crate::notifier;
use crate::scheduler_lock;
use pcc_core::config::DEFAULT_APPROVALS_TO_LEARN;
use pcc_core::hook::{HookEvent, HookInput, HookInputError, MAX_HOOK_INPUT_BYTES};
use pcc_core::paths::{DataDir, project_root};
use pcc_store::{EventRecord, HookErrorKind, Store};
use permission::{Asker, PermissionCall};
use serde_json::Value;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a hook call knows about its surroundings, read once from the environment.
pub struct HookContext {
    /// When the call started, for the decision's latency.
    pub started: Instant,
    /// Where our files are.
    pub data: DataDir,
    /// The user's home, for `~` in paths and rules.
    pub home: PathBuf,
    /// `PCC_MODE`, when set.
    pub mode_env: Option<String>,
}

/// Runs one hook call and returns the exit code Claude Code will see.
pub fn run() -> ExitCode {
    let started = Instant::now();
    match catch_unwind(AssertUnwindSafe(|| handle_one_call(started))) {
        Ok(code) => code,
        Err(_) => {
            // The panic message is already on stderr (default hook) and logged below.
            tracing::error!("hook call panicked; answered with no decision");
            record_error(HookErrorKind::Internal, "hook call panicked");
            ExitCode::SUCCESS
        }
    }
}

fn handle_one_call(started: Instant) -> ExitCode {
    let input = match read_stdin().and_then(|bytes| HookInput::parse(&bytes)) {
        Ok(input) => input,
        Err(error) => {
            eprintln!("pcc-hooks: {error}");
            tracing::warn!(%error, "rejected hook input");
            record_error(HookErrorKind::Input, &error.to_string());
            return ExitCode::FAILURE;
        }
    };
    let claude_project_dir = std::env::var("CLAUDE_PROJECT_DIR").ok();
    let record = EventRecord::from_hook(
        &input,
        project_root(&input.cwd, claude_project_dir.as_deref()),
        now_ms(),
    );
    let answer = DataDir::from_env()
        .map_err(|error| error.to_string())
        .and_then(|data| {
            let context = HookContext {
                started,
                data,
                home: std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default(),
                mode_env: std::env::var("PCC_MODE").ok(),
            };
            respond(&context, &input, &record)
        });
    match answer {
        Ok(Some(reply)) => print_reply(&reply),
        Ok(None) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pcc-hooks: could not record {}: {error}", input.event_name);
            tracing::error!(%error, event = %input.event_name, session = %input.session_id,
                summary = %record.summary, "hook call failed; answered with no decision");
            ExitCode::SUCCESS
        }
    }
}

/// Records the call and works out the reply for its event.
fn respond(
    context: &HookContext,
    input: &HookInput,
    record: &EventRecord,
) -> Result<Option<Value>, String> {
    let mut store = Store::open(&context.data.database()).map_err(|error| error.to_string())?;
    let call = match &input.event {
        HookEvent::PreToolUse(call) => PermissionCall {
            asker: Asker::PreToolUse,
            tool_name: &call.tool_name,
            tool_input: &call.tool_input,
            tool_use_id: call.tool_use_id.as_deref(),
        },
        HookEvent::PermissionRequest(request) => PermissionCall {
            asker: Asker::PermissionRequest,
            tool_name: &request.tool_name,
            tool_input: &request.tool_input,
            tool_use_id: None,
        },
        HookEvent::Stop(stop) => return stop::answer(context, &mut store, record, stop),
        HookEvent::SessionStart(_) => {
            store
                .record_event(record)
                .map_err(|error| error.to_string())?;
            // After a reboot nothing runs the stored resumes until something starts a scheduler;
            // a new session is a rare, cheap moment to make sure one runs.
            if store
                .next_resume_due(record.at_ms)
                .map_err(|error| error.to_string())?
                .is_some()
            {
                start_scheduler(context);
            }
            return Ok(None);
        }
        HookEvent::SessionEnd(_) => {
            // A human's answer, or a resume after a limit, waiting for this session to end can
            // now run.
            if store
                .record_session_end(record)
                .map_err(|error| error.to_string())?
            {
                start_scheduler(context);
            }
            return Ok(None);
        }
        HookEvent::StopFailure(failure) => {
            // A queued task stays active: a resume goes on with it, and a session that ends
            // instead puts it back (SessionEnd).
            limit::record_stop_failure(context, &mut store, record, failure)?;
            return Ok(None);
        }
        HookEvent::PostToolUse(_) => {
            // Read only when the call was one a human approved. A broken config must not stop
            // the event from being recorded; learning then uses the default threshold.
            let threshold = || {
                config_files::load(&context.data, &PathBuf::from(&record.project_root))
                    .map_or(DEFAULT_APPROVALS_TO_LEARN, |config| {
                        config.approvals_to_learn
                    })
            };
            store
                .record_tool_ran(record, threshold)
                .map_err(|error| error.to_string())?;
            return Ok(None);
        }
        HookEvent::Notification(note) => {
            store
                .record_event(record)
                .map_err(|error| error.to_string())?;
            // Claude Code waits for the user: tell them where they are (never fails the call).
            notifier::claude_notification(&context.data, &mut store, record, note);
            return Ok(None);
        }
        _ => {
            store
                .record_event(record)
                .map_err(|error| error.to_string())?;
            return Ok(None);
        }
    };
    permission::answer(context, &mut store, record, call).inspect_err(|error| {
        // The decision failed (a bad config, say): keep the event and the error, decide nothing.
        let kept = store.record_event(record).map(drop);
        let counted = store.record_hook_error(HookErrorKind::Internal, error, record.at_ms);
        if let Err(store_error) = kept.and(counted) {
            tracing::error!(%store_error, "could not record the event of a failed decision");
        }
    })
}

fn start_scheduler(context: &HookContext) {
    if let Err(error) = scheduler_lock::ensure_running(&context.data) {
        tracing::error!(%error, "could not start the scheduler");
    }
}

/// Writes the reply as one line; a reader that went away is logged, not fatal.
fn print_reply(reply: &Value) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{reply}").and_then(|()| stdout.flush()) {
        tracing::error!(%error, "could not write the hook reply");
    }
    ExitCode::SUCCESS
}

/// Reads stdin up to one byte past the limit, so an oversized input is detected without being
/// buffered whole.
fn read_stdin() -> Result<Vec<u8>, HookInputError> {
    let mut bytes = Vec::with_capacity(16 * 1024);
    std::io::stdin()
        .lock()
        .take(MAX_HOOK_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| HookInputError::Unreadable(error.to_string()))?;
    Ok(bytes)
}

/// Best effort: a failure to count an error is logged, never escalated.
fn record_error(kind: HookErrorKind, message: &str) {
    let result = DataDir::from_env()
        .map_err(|error| error.to_string())
        .and_then(|dir| Store::open(&dir.database()).map_err(|error| error.to_string()))
        .and_then(|mut store| {
            store
                .record_hook_error(kind, message, now_ms())
                .map_err(|error| error.to_string())
        });
    if let Err(error) = result {
        tracing::error!(%error, "could not count a hook error in the database");
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
