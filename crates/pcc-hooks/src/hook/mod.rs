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
//! Failure rules (ARCHITECTURE.md invariants 1 and 4):
//! - stdout carries nothing but the protocol answer, so errors go to stderr and the log file;
//! - input that is not a hook call (invalid JSON, empty, too large, not an object, wrong shape)
//!   is one line on stderr and exit 2, which blocks the action (exit 1 would not); the error is
//!   counted in the database when it can be opened;
//! - on `PreToolUse` and `PermissionRequest`, an internal failure (a config that does not load,
//!   a database locked past its timeout, corrupt, unwritable; a panic) never becomes silence:
//!   the call is judged by the built-in policy alone ([`fail_closed`]), so only what it proves
//!   LOW is allowed, and the answer is printed whether or not it could be recorded;
//! - every other event keeps working with a broken config (what is in force instead:
//!   `pcc_core::config::Config::in_force`); a store failure there is logged and answered with
//!   no decision and exit 0;
//! - a config file that cannot be used is loud: a stderr line on every call that reads it, a
//!   `config` row in `hook_errors`, and a notification (deduplicated per file and error).

mod brain;
mod contain;
pub(crate) mod links;

pub use contain::runner as contain_runner;
mod fail_closed;
mod limit;
mod permission;
mod quick;
mod stop;

use crate::clock::now_ms;
use crate::config_files;
use crate::error::HookError;
use crate::notifier;
use crate::scheduler;
use fail_closed::{Problem, one_line, project_of};
use pcc_core::Mode;
use pcc_core::config::ConfigInForce;
use pcc_core::hook::{HookEvent, HookInput, HookInputError, MAX_HOOK_INPUT_BYTES};
use pcc_core::paths::{DataDir, project_root};
use pcc_core::permission::fail_closed::{Trouble, after_a_panic, mode_when_unsure};
use pcc_store::{EventRecord, HookErrorKind, Store, StoreError};
use permission::{Asker, PermissionCall};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Exit code 2: Claude Code blocks the action and shows our stderr line.
const BLOCK: u8 = 2;

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
    let input = match catch_unwind(|| read_stdin().and_then(|bytes| HookInput::parse(&bytes))) {
        Ok(Ok(input)) => input,
        Ok(Err(error)) => return refuse_input(HookErrorKind::Input, &error.to_string()),
        Err(_) => {
            return refuse_input(
                HookErrorKind::Internal,
                "internal error while reading the hook input",
            );
        }
    };
    match permission_call(&input) {
        Some(call) => answer_permission(started, &input, &call),
        None => match catch_unwind(AssertUnwindSafe(|| handle_other_event(started, &input))) {
            Ok(code) => code,
            Err(_) => {
                // The panic message is already on stderr (default hook) and logged below.
                tracing::error!(event = %input.event_name, "hook call panicked; answered with no decision");
                record_error(HookErrorKind::Internal, "hook call panicked");
                ExitCode::SUCCESS
            }
        },
    }
}

/// Input that is not a hook call: one line on stderr, counted, and a blocking exit.
fn refuse_input(kind: HookErrorKind, error: &str) -> ExitCode {
    eprintln!("pcc-hooks: {}", one_line(error));
    tracing::warn!(%error, "rejected hook input");
    record_error(kind, error);
    ExitCode::from(BLOCK)
}

/// The call of a `PreToolUse` or `PermissionRequest` event.
fn permission_call(input: &HookInput) -> Option<PermissionCall<'_>> {
    match &input.event {
        HookEvent::PreToolUse(call) => Some(PermissionCall {
            asker: Asker::PreToolUse,
            tool_name: &call.tool_name,
            tool_input: &call.tool_input,
            tool_use_id: call.tool_use_id.as_deref(),
        }),
        HookEvent::PermissionRequest(request) => Some(PermissionCall {
            asker: Asker::PermissionRequest,
            tool_name: &request.tool_name,
            tool_input: &request.tool_input,
            tool_use_id: None,
        }),
        _ => None,
    }
}

fn event_record(input: &HookInput) -> EventRecord {
    let claude_project_dir = std::env::var("CLAUDE_PROJECT_DIR").ok();
    EventRecord::from_hook(
        input,
        project_root(&input.cwd, claude_project_dir.as_deref()),
        now_ms(),
    )
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// `PreToolUse` / `PermissionRequest`: always an answer. A panic anywhere in judging is caught
/// and answered like any other internal error (deny unattended, ask interactive).
fn answer_permission(started: Instant, input: &HookInput, call: &PermissionCall<'_>) -> ExitCode {
    let mode_env = std::env::var("PCC_MODE").ok();
    let known_mode = Cell::new(None);
    let unsure_mode =
        || mode_when_unsure(mode_env.as_deref(), None, input.permission_mode.as_deref());
    let (reply, panicked) = guarded(call.asker, &known_mode, unsure_mode, || {
        judge_permission(started, input, call, mode_env.as_deref(), &known_mode)
    });
    if panicked {
        record_error(
            HookErrorKind::Internal,
            "the permission path panicked; the call was not allowed",
        );
    }
    match reply {
        Some(reply) => print_reply(&reply),
        None => ExitCode::SUCCESS,
    }
}

/// Runs `judge`; if it panics, answers as for an internal error in the mode `judge` had
/// resolved by then (`known_mode`), else in `unsure_mode()`. The flag says it panicked.
fn guarded(
    asker: Asker,
    known_mode: &Cell<Option<Mode>>,
    unsure_mode: impl FnOnce() -> Mode,
    judge: impl FnOnce() -> Option<Value>,
) -> (Option<Value>, bool) {
    match catch_unwind(AssertUnwindSafe(judge)) {
        Ok(reply) => (reply, false),
        Err(_) => {
            let mode = known_mode.get().unwrap_or_else(unsure_mode);
            let decision = after_a_panic(mode);
            eprintln!(
                "pcc-hooks: internal error while judging a tool call; answered {}",
                decision.answer.as_str()
            );
            tracing::error!(
                answer = decision.answer.as_str(),
                "the permission path panicked"
            );
            (permission::reply(asker, &decision, None), true)
        }
    }
}

fn judge_permission(
    started: Instant,
    input: &HookInput,
    call: &PermissionCall<'_>,
    mode_env: Option<&str>,
    known_mode: &Cell<Option<Mode>>,
) -> Option<Value> {
    let record = event_record(input);
    let data = match DataDir::from_env() {
        Ok(data) => data,
        Err(error) => {
            // No global config to read and nowhere to record: the built-in policy alone.
            let mode = mode_when_unsure(mode_env, None, input.permission_mode.as_deref());
            known_mode.set(Some(mode));
            let text = format!("no data directory ({error})");
            let problem = Problem {
                trouble: Trouble::Store,
                text: &text,
            };
            return fail_closed::answer(
                started,
                &home(),
                None,
                &record,
                call,
                None,
                mode,
                &problem,
            );
        }
    };
    let context = HookContext {
        started,
        data,
        home: home(),
        mode_env: mode_env.map(str::to_owned),
    };
    let loaded = config_files::load_in_force(&context.data, project_of(&record));
    // The mode of any answer that is not the usual one: unknown reads as unattended.
    let trusted = loaded
        .global_is_sound()
        .then_some(loaded.config.mode)
        .flatten();
    let mode = mode_when_unsure(mode_env, trusted, input.permission_mode.as_deref());
    known_mode.set(Some(mode));
    if !loaded.problems.is_empty() {
        let mut store = Store::open(&context.data.database())
            .inspect_err(|error| tracing::error!(%error, "database unusable too"))
            .ok();
        report_config_problems(&context.data, store.as_mut(), &loaded, record.at_ms);
        let text = loaded
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let problem = Problem {
            trouble: Trouble::Config,
            text: &text,
        };
        return fail_closed::answer(
            started,
            &context.home,
            store.as_mut(),
            &record,
            call,
            Some(&loaded.config.permissions),
            mode,
            &problem,
        );
    }
    let usual_mode = Mode::resolve(
        mode_env,
        loaded.config.mode,
        input.permission_mode.as_deref(),
    );
    let judged = permission::judge(&context, &record, call, &loaded.config);
    if let Ok(Some(judgement)) = &judged
        && let Some(reply) = quick::answer(&context, &record, call, judgement, usual_mode)
    {
        return reply;
    }
    let mut store = match Store::open(&context.data.database()) {
        Ok(store) => store,
        Err(error) => {
            if error.is_locked() {
                spooled(&context.data, &record, &error);
            }
            let text = format!("could not use the database: {error}");
            let problem = Problem {
                trouble: Trouble::Store,
                text: &text,
            };
            return fail_closed::answer(
                started,
                &context.home,
                None,
                &record,
                call,
                Some(&loaded.config.permissions),
                mode,
                &problem,
            );
        }
    };
    let answered = judged.and_then(|judged| {
        permission::answer(
            &context,
            &mut store,
            &record,
            call,
            judged,
            &loaded.config,
            usual_mode,
        )
    });
    match answered {
        Ok(reply) => reply,
        Err(permission::Failure::Rules(error)) => {
            let counted = store.record_hook_error(HookErrorKind::Config, &error, record.at_ms);
            if let Err(store_error) = counted {
                tracing::error!(%store_error, "could not count a rule error");
            }
            eprintln!("pcc-hooks: {}", one_line(&error));
            let text = format!("config error: {error}");
            let problem = Problem {
                trouble: Trouble::Config,
                text: &text,
            };
            fail_closed::answer(
                started,
                &context.home,
                Some(&mut store),
                &record,
                call,
                None,
                mode,
                &problem,
            )
        }
        Err(permission::Failure::Store(error)) => {
            // The database failed mid-way (locked past its timeout, read-only, full): another
            // write would likely fail the same way, so the answer is only logged. Locked, the
            // event at least is kept in the spool.
            if error.is_locked() {
                spooled(&context.data, &record, &error);
            }
            let text = format!("could not use the database: {error}");
            let problem = Problem {
                trouble: Trouble::Store,
                text: &text,
            };
            fail_closed::answer(
                started,
                &context.home,
                None,
                &record,
                call,
                Some(&loaded.config.permissions),
                mode,
                &problem,
            )
        }
    }
}

/// Makes a configuration file that cannot be used loud: a stderr line, a `config` row in
/// `hook_errors` and a notification (the throttle keeps it to one per file and error within its
/// interval). Never fails the call.
pub(crate) fn report_config_problems(
    data: &DataDir,
    mut store: Option<&mut Store>,
    loaded: &ConfigInForce,
    at_ms: i64,
) {
    for problem in &loaded.problems {
        let line = format!("{problem} ({})", problem.effect());
        eprintln!("pcc-hooks: {}", one_line(&line));
        tracing::error!(%problem, effect = problem.effect(), "a configuration file is not used");
        if let Some(store) = store.as_deref_mut() {
            if let Err(error) = store.record_hook_error(HookErrorKind::Config, &line, at_ms) {
                tracing::error!(%error, "could not count a config error");
            }
            notifier::config_broken(data, store, &loaded.config.notify, problem);
        }
    }
}

/// Every event but the permission ones: recorded, and answered when the event has an answer.
/// An event that could not get the write lock in time is kept in the spool, which the next
/// writer folds in: it is not lost, and the call goes on with no decision.
fn handle_other_event(started: Instant, input: &HookInput) -> ExitCode {
    let record = event_record(input);
    let data = match DataDir::from_env() {
        Ok(data) => data,
        Err(error) => {
            // Not a recording failure: there is nowhere to record to.
            let line = format!("{} not recorded: {error}", input.event_name);
            eprintln!("pcc-hooks: {}", one_line(&line));
            tracing::error!(%error, event = %input.event_name, "no data directory; answered with no decision");
            return ExitCode::SUCCESS;
        }
    };
    let context = HookContext {
        started,
        data,
        home: home(),
        mode_env: std::env::var("PCC_MODE").ok(),
    };
    match respond(&context, input, &record) {
        Ok(Some(reply)) => print_reply(&reply),
        Ok(None) => ExitCode::SUCCESS,
        Err(error) if error.is_locked() && spooled(&context.data, &record, &error) => {
            if !records_only(&input.event) {
                eprintln!(
                    "pcc-hooks: the database stayed locked; {} is kept in the spool for the next \
                     call to record, and nothing else was done for it",
                    input.event_name
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let line = format!("could not record {}: {error}", input.event_name);
            eprintln!("pcc-hooks: {}", one_line(&line));
            tracing::error!(%error, event = %input.event_name, session = %input.session_id,
                summary = %record.summary, "hook call failed; answered with no decision");
            crate::error::keep_unrecorded("store", &line);
            ExitCode::SUCCESS
        }
    }
}

/// How long an event that is nothing but its row waits for the write lock before it goes to the
/// spool: Claude Code waits for the hook (a `UserPromptSubmit` holds the prompt back), and the
/// spool loses nothing.
const RECORD_ONLY_LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether a call for `event` does nothing but record it, so the spool keeps all it does.
fn records_only(event: &HookEvent) -> bool {
    !matches!(
        event,
        HookEvent::Stop(_)
            | HookEvent::SessionStart(_)
            | HookEvent::SessionEnd(_)
            | HookEvent::StopFailure(_)
            | HookEvent::PostToolUse(_)
            | HookEvent::Notification(_)
            | HookEvent::PreToolUse(_)
            | HookEvent::PermissionRequest(_)
    )
}

/// Keeps `record` in the spool after `error` (the lock was not had in time); true when it is
/// kept. What the call would have done besides recording (a queued task handed over at a Stop, a
/// resume scheduled) is not done this time; the log says so.
fn spooled(data: &DataDir, record: &EventRecord, error: &StoreError) -> bool {
    match Store::spool_event(&data.database(), record) {
        Ok(path) => {
            tracing::warn!(%error, event = %record.event, session = %record.session_id,
                path = %path.display(), "the database stayed locked; the event is kept in the spool");
            true
        }
        Err(spool_error) => {
            tracing::error!(%spool_error, "could not keep the event in the spool either");
            false
        }
    }
}

/// Records the call and works out the reply for its (non-permission) event.
fn respond(
    context: &HookContext,
    input: &HookInput,
    record: &EventRecord,
) -> Result<Option<Value>, StoreError> {
    let only_its_row = match &input.event {
        HookEvent::PostToolUse(result) => {
            quick::nothing_to_learn(context, record, &result.tool_name, &result.tool_input)
        }
        event => records_only(event),
    };
    if only_its_row && quick::record_only(context, record) {
        return Ok(None);
    }
    let mut store = Store::open(&context.data.database())?;
    match &input.event {
        HookEvent::Stop(stop) => stop::answer(context, &mut store, record, stop),
        HookEvent::SessionStart(_) => {
            store.record_event(record)?;
            // After a reboot nothing runs the stored resumes until something starts a scheduler;
            // a new session is a rare, cheap moment to make sure one runs.
            if store.next_resume_due(record.at_ms)?.is_some() || store.has_running_resume()? {
                start_scheduler(context);
            }
            Ok(None)
        }
        HookEvent::SessionEnd(_) => {
            // A human's answer, or a resume after a limit, waiting for this session to end can
            // now run.
            if store.record_session_end(record)? {
                start_scheduler(context);
            }
            Ok(None)
        }
        HookEvent::StopFailure(failure) => {
            // A queued task stays active: a resume goes on with it, and a session that ends
            // instead puts it back (SessionEnd).
            limit::record_stop_failure(context, &mut store, record, failure)?;
            Ok(None)
        }
        HookEvent::PostToolUse(_) => {
            // Read only when the call was one a human approved. A broken config must not stop
            // the event from being recorded; learning then uses what is in force instead.
            let loaded = RefCell::new(None);
            let threshold = || {
                let in_force = config_files::load_in_force(&context.data, project_of(record));
                let threshold = in_force.config.approvals_to_learn;
                loaded.replace(Some(in_force));
                threshold
            };
            store.record_tool_ran(record, threshold)?;
            if let Some(in_force) = loaded.into_inner() {
                report_config_problems(&context.data, Some(&mut store), &in_force, record.at_ms);
            }
            Ok(None)
        }
        HookEvent::Notification(note) => {
            store.record_event(record)?;
            // Claude Code waits for the user: tell them where they are (never fails the call).
            let loaded = config_files::load_in_force(&context.data, project_of(record));
            report_config_problems(&context.data, Some(&mut store), &loaded, record.at_ms);
            notifier::claude_notification(&context.data, &mut store, record, note, &loaded.config);
            Ok(None)
        }
        _ => {
            if records_only(&input.event) {
                // Rather than keep Claude waiting for the lock, the event goes to the spool
                // (`handle_other_event`) after a short wait.
                store.set_busy_timeout(RECORD_ONLY_LOCK_WAIT)?;
            }
            store.record_event(record)?;
            Ok(None)
        }
    }
}

fn start_scheduler(context: &HookContext) {
    if let Err(error) = scheduler::lock::ensure_running(&context.data) {
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

/// Counts one hook error in the database.
fn count_error(kind: HookErrorKind, message: &str) -> Result<(), HookError> {
    let mut store = Store::open(&DataDir::from_env()?.database())?;
    Ok(store.record_hook_error(kind, message, now_ms())?)
}

/// Best effort: a failure to count an error is logged, never escalated.
fn record_error(kind: HookErrorKind, message: &str) {
    if let Err(error) = count_error(kind, message) {
        tracing::error!(%error, "could not count a hook error in the database");
        crate::error::keep_unrecorded(
            kind.as_str(),
            &format!("{message} (not counted in the database: {error})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panicking_judge() -> Option<Value> {
        panic!("a bug in the permission path")
    }

    #[test]
    fn a_panic_in_the_permission_path_is_never_silence_nor_an_allow() {
        // Unattended (known before the panic): deny.
        let known = Cell::new(Some(Mode::Unattended));
        let reply = guarded(
            Asker::PreToolUse,
            &known,
            || Mode::Interactive,
            panicking_judge,
        );
        assert!(reply.1, "the panic is reported");
        let reply = reply.0.expect("an answer");
        assert_eq!(reply["hookSpecificOutput"]["permissionDecision"], "deny");
        assert!(
            reply["hookSpecificOutput"]["permissionDecisionReason"]
                .as_str()
                .is_some_and(|reason| reason.contains("internal error")),
            "{reply}"
        );
        // Interactive: ask.
        let known = Cell::new(Some(Mode::Interactive));
        let reply = guarded(
            Asker::PreToolUse,
            &known,
            || Mode::Unattended,
            panicking_judge,
        );
        assert!(reply.1, "the panic is reported");
        let reply = reply.0.expect("an answer");
        assert_eq!(reply["hookSpecificOutput"]["permissionDecision"], "ask");
        // The mode not known yet: the unsure reading decides.
        let reply = guarded(
            Asker::PermissionRequest,
            &Cell::new(None),
            || Mode::Unattended,
            panicking_judge,
        );
        assert!(reply.1, "the panic is reported");
        let reply = reply.0.expect("an answer");
        assert_eq!(
            reply["hookSpecificOutput"]["decision"]["behavior"], "deny",
            "{reply}"
        );
        // A PermissionRequest with a human there leaves Claude Code's own dialog.
        let reply = guarded(
            Asker::PermissionRequest,
            &Cell::new(Some(Mode::Interactive)),
            || Mode::Unattended,
            panicking_judge,
        );
        assert_eq!(reply, (None, true));
        // No panic: the judge's own answer.
        let own = guarded(
            Asker::PreToolUse,
            &Cell::new(None),
            || Mode::Unattended,
            || Some(serde_json::json!({"x": 1})),
        );
        assert_eq!(own, (Some(serde_json::json!({"x": 1})), false));
    }
}
