//! `pcc-hooks hook`: the one entry point Claude Code runs for every hook event.
//!
//! One process per call: read stdin once, open the database once, write in one transaction,
//! answer, exit. In this version every event is **recorded and answered with no decision**
//! (nothing on stdout, exit 0), which lets Claude Code apply its own permission rules. That is the
//! intended behaviour of the recording layer; permission decisions, brain answers and limit
//! handling are added on top of it, each by its own module.
//!
//! Failure rules (DESIGN.md invariants 1 and 4):
//! - stdout carries nothing but the protocol answer, so errors go to stderr and the log file;
//! - input that is not a hook call (invalid JSON, empty, too large, not an object) is a clear
//!   one-line error on stderr and exit 1, which Claude Code treats as non-blocking; the error is
//!   counted in the database when it can be opened;
//! - an internal failure (database locked past its timeout, corrupt, unwritable; a panic) is
//!   logged and answered with no decision and exit 0, so it can never turn into a permission.

use pcc_core::hook::{HookInput, HookInputError, MAX_HOOK_INPUT_BYTES};
use pcc_core::paths::{DataDir, project_root};
use pcc_store::{EventRecord, HookErrorKind, Store};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Runs one hook call and returns the exit code Claude Code will see.
pub fn run() -> ExitCode {
    match catch_unwind(AssertUnwindSafe(handle_one_call)) {
        Ok(code) => code,
        Err(_) => {
            // The panic message is already on stderr (default hook) and logged below.
            tracing::error!("hook call panicked; answered with no decision");
            record_error(HookErrorKind::Internal, "hook call panicked");
            ExitCode::SUCCESS
        }
    }
}

fn handle_one_call() -> ExitCode {
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
    if let Err(error) = store_event(&record) {
        eprintln!("pcc-hooks: could not record {}: {error}", input.event_name);
        tracing::error!(%error, event = %input.event_name, session = %input.session_id,
            "could not record event; answered with no decision");
    }
    ExitCode::SUCCESS
}

fn store_event(record: &EventRecord) -> Result<(), String> {
    let dir = DataDir::from_env().map_err(|error| error.to_string())?;
    let mut store = Store::open(&dir.database()).map_err(|error| error.to_string())?;
    store
        .record_event(record)
        .map(drop)
        .map_err(|error| error.to_string())
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
