//! `pcc-hooks scheduler`: runs the resumes that are due, one at a time, and exits when none is
//! left (`--once`: run what is due now, then exit, for cron or a systemd timer).
//!
//! One scheduler per database (see [`crate::scheduler_lock`]). Everything it knows is in SQLite,
//! so a reboot or a crash loses nothing: a claim left by a dead scheduler goes back to pending,
//! and a resume whose time passed long ago runs once.

mod resume_run;

use crate::cli::SchedulerArgs;
use crate::config_files;
use crate::failure::Failure;
use crate::notifier::{self, EscalationNotice};
use crate::programs::process_alive;
use crate::scheduler_lock;
use pcc_core::paths::DataDir;
use pcc_core::resume_schedule::{due_after_reset, retry_after_failure};
use pcc_store::{NewEscalation, ResumeResult, Store};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest the scheduler sleeps before looking again (a resume scheduled meanwhile by a hook,
/// or moved by `pcc-hooks resume --now`, is then seen within this time).
const MAX_NAP: Duration = Duration::from_secs(30);

/// Runs the scheduler until nothing is pending (or once, with `--once`).
pub fn run(args: &SchedulerArgs) -> Result<(), Failure> {
    let data = DataDir::from_env()?;
    let Some(_lock) = scheduler_lock::try_acquire(&data)
        .map_err(|error| Failure::new(format!("cannot take the scheduler lock: {error}")))?
    else {
        eprintln!(
            "pcc-hooks: another scheduler is running for {}",
            data.root().display()
        );
        return Ok(());
    };
    let mut store = Store::open(&data.database())?;
    let recovered = store.recover_abandoned_resumes(|pid| process_alive(i64::from(pid)))?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "resumes claimed by a scheduler that died were put back"
        );
    }
    let claude = claude_program();
    loop {
        let now = now_ms();
        if let Some(resume) = store.claim_due_resume(now, std::process::id())? {
            tracing::info!(session = %resume.plan.session_id, attempt = resume.attempts, "resuming");
            let outcome = resume_run::run(&claude, &resume);
            let finished = now_ms();
            let result = match outcome {
                resume_run::Outcome::Completed => ResumeResult::Done,
                resume_run::Outcome::LimitedAgain { resets_at_ms } => {
                    let grace_ms = config_files::load_in_force(&data, Path::new(&resume.plan.cwd))
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
            if let Some((escalation_id, escalation)) =
                store.finish_resume(resume.id, &result, finished)?
            {
                notify_gave_up(&data, &mut store, escalation_id, &escalation);
            }
            continue;
        }
        if args.once {
            return Ok(());
        }
        let Some(next_due) = store.next_resume_due(now_ms())? else {
            return Ok(());
        };
        let wait = u64::try_from(next_due.saturating_sub(now_ms())).unwrap_or(0);
        std::thread::sleep(Duration::from_millis(wait).min(MAX_NAP));
    }
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
        &loaded.config.notify,
        &EscalationNotice::of(escalation_id, escalation),
    );
}

/// `$PCC_CLAUDE_BIN` when set (tests, unusual installs), else `claude` on PATH.
fn claude_program() -> PathBuf {
    std::env::var_os("PCC_CLAUDE_BIN")
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("claude"), PathBuf::from)
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
