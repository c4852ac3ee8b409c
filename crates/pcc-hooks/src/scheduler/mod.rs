//! The resume scheduler: runs the resumes that are due, one at a time, and exits when none is
//! left (`--once`: run what is due now, then exit, for cron or a systemd timer).
//!
//! One scheduler per database (see [`lock`]). Everything it knows is in SQLite,
//! so a reboot or a crash loses nothing, and a resume whose time passed long ago runs once.
//!
//! A scheduler that dies (SIGKILL, SIGTERM, a crash) leaves its `claude` running: it is the
//! leader of its own process group, writing to files rather than to the dead scheduler's
//! pipes. The claim names both processes by pid and start, so the next scheduler takes over
//! every claim whose scheduler is not running (a reused pid is not that scheduler), waits for
//! the `claude` it left, if it still runs, and records its outcome from its output
//! ([`resume_run::adopt`]); only a claim whose `claude` never started runs again. So a session
//! never has two resumed `claude`s at once.

pub mod lock;
pub mod resume_run;

use crate::clock::now_ms;
use crate::config_files;
use crate::error::HookError;
use crate::notifier::{self, EscalationNotice};
use crate::process;
use pcc_core::bridge::resume_schedule::{due_after_reset, retry_after_failure};
use pcc_core::paths::DataDir;
use pcc_store::{NewEscalation, ProcessStamp, Resume, ResumeResult, ResumeState, Store};
use std::path::Path;
use std::time::Duration;

/// The longest the scheduler sleeps before looking again (a resume scheduled meanwhile by a hook,
/// or moved by `pcc-hooks resume --now`, is then seen within this time).
const MAX_NAP: Duration = Duration::from_secs(30);

/// Runs the resumes that are due until nothing is pending (or once, with `once`). The caller
/// holds the scheduler lock ([`lock::try_acquire`]) for as long as this runs.
pub fn serve(data: &DataDir, once: bool) -> Result<(), HookError> {
    let mut store = Store::open(&data.database())?;
    let me = process::current();
    take_over_abandoned(data, &mut store, &me)?;
    let claude = crate::programs::claude_program();
    loop {
        let now = now_ms();
        if let Some(resume) = store.claim_due_resume(now, &me)? {
            tracing::info!(session = %resume.plan.session_id, attempt = resume.attempts, "resuming");
            let files = resume_run::RunFiles::of(data, &resume);
            let outcome = resume_run::run(&claude, &resume, &files, |child| {
                store
                    .record_resume_child(resume.id, &me, child, now_ms())
                    .unwrap_or_else(|error| {
                        // Unrecorded, the child is still found through its output's lock.
                        tracing::error!(%error, "cannot record the resumed claude's pid");
                        true
                    })
            });
            finish(data, &mut store, &resume, outcome)?;
            files.remove();
            continue;
        }
        if once {
            return Ok(());
        }
        let Some(next_due) = store.next_resume_due(now_ms())? else {
            return Ok(());
        };
        let wait = u64::try_from(next_due.saturating_sub(now_ms())).unwrap_or(0);
        std::thread::sleep(Duration::from_millis(wait).min(MAX_NAP));
    }
}

/// Takes over the claims of schedulers that are gone: waits for any `claude` one left running,
/// records how each run ended, and puts back to pending the claims whose `claude` never started.
/// Then no run is in flight, and files left in the runs directory are leftovers.
fn take_over_abandoned(
    data: &DataDir,
    store: &mut Store,
    me: &ProcessStamp,
) -> Result<(), HookError> {
    for resume in store.take_over_abandoned_resumes(me, process::is_running, now_ms())? {
        let files = resume_run::RunFiles::of(data, &resume);
        match resume_run::adopt(&files, resume.child.as_ref()) {
            None => {
                tracing::warn!(session = %resume.plan.session_id,
                    "a resume claimed by a scheduler that died before starting claude was put back");
                store.release_resume(resume.id, now_ms())?;
            }
            Some(outcome) => {
                tracing::warn!(session = %resume.plan.session_id, ?outcome,
                    "recorded the outcome of a resume whose scheduler died");
                finish(data, store, &resume, outcome)?;
            }
        }
        files.remove();
    }
    if let Ok(entries) = std::fs::read_dir(resume_run::runs_dir(data)) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Records how a run ended: done, limited again (rescheduled after the reset and the grace), or
/// failed (retried after a backoff, or given up on with an escalation).
fn finish(
    data: &DataDir,
    store: &mut Store,
    resume: &Resume,
    outcome: resume_run::Outcome,
) -> Result<(), HookError> {
    let finished = now_ms();
    let result = match outcome {
        resume_run::Outcome::Completed => ResumeResult::Done,
        resume_run::Outcome::LimitedAgain { resets_at_ms } => {
            let grace_ms = config_files::load_in_force(data, Path::new(&resume.plan.cwd))
                .config
                .resume_grace_seconds
                .saturating_mul(1000);
            let grace_ms = i64::try_from(grace_ms).unwrap_or(i64::MAX);
            // No reset in the stream: try again after the grace rather than spin.
            let reset = resets_at_ms.unwrap_or(finished);
            ResumeResult::LimitedAgain {
                resets_at_ms,
                due_ms: due_after_reset(reset, finished, grace_ms),
            }
        }
        resume_run::Outcome::Failed(error) => ResumeResult::Failed {
            retry_at_ms: retry_after_failure(resume.attempts, finished),
            error,
        },
    };
    if let Some((escalation_id, escalation)) = store.finish_resume(resume.id, &result, finished)? {
        notify_gave_up(data, store, escalation_id, &escalation);
    }
    Ok(())
}

/// Whether a `running` claim is in flight: its scheduler or the `claude` it started still runs
/// (the very processes the claim names, not whoever holds their pids now). One that is not was
/// interrupted; the next scheduler records how it ended or runs it again.
pub fn claim_in_flight(resume: &Resume) -> bool {
    resume.state == ResumeState::Running
        && [&resume.runner, &resume.child]
            .into_iter()
            .flatten()
            .any(process::is_running)
}

/// A resume given up on is an escalation: tell the human.
fn notify_gave_up(
    data: &DataDir,
    store: &mut Store,
    escalation_id: i64,
    escalation: &NewEscalation,
) {
    let project = Path::new(escalation.project_root.as_deref().unwrap_or(""));
    // A broken config file does not silence the news: what is in force instead notifies.
    let loaded = config_files::load_in_force(data, project);
    for problem in &loaded.problems {
        tracing::error!(%problem, effect = problem.effect(), "a configuration file is not used");
    }
    notifier::escalation_raised(
        data,
        store,
        &loaded.config,
        &EscalationNotice::of(escalation_id, escalation),
    );
}
