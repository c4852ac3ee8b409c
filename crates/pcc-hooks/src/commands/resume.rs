//! `pcc-hooks resume <session> [--now | --cancel]`.

use crate::cli::ResumeArgs;
use crate::clock::now_ms;
use crate::error::HookError;
use crate::process;
use crate::scheduler::{claim_in_flight, lock, resume_run::STOP_GRACE};
use crate::term::emit;
use pcc_core::paths::DataDir;
use pcc_store::{Resume, ResumeState, Store};

/// Moves the session's scheduled resume to now (and starts the scheduler), or cancels it; a
/// running one is reported (`--now`) or stopped (`--cancel`).
pub fn run(args: &ResumeArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let Some(mut store) = Store::open_existing(&data.database())? else {
        return Err(HookError::new("no database yet: nothing is scheduled"));
    };
    let now = now_ms();
    match (args.now, args.cancel) {
        (true, _) => resume_now(&data, &mut store, &args.session, now),
        (false, true) => cancel(&mut store, &args.session, now),
        (false, false) => Err(HookError::new(
            "say --now to resume now, or --cancel to cancel the scheduled resume",
        )),
    }
}

fn resume_now(data: &DataDir, store: &mut Store, session: &str, now: i64) -> Result<(), HookError> {
    let mut out = String::new();
    let mut start_scheduler = store.reschedule_resume(session, now, now)?;
    if start_scheduler {
        out.push_str(&format!("resuming {session} now\n"));
    }
    for resume in store.open_resumes(session)? {
        if resume.state != ResumeState::Running {
            continue;
        }
        let id = &resume.plan.session_id;
        if claim_in_flight(&resume) {
            match resume
                .child
                .as_ref()
                .filter(|child| process::is_running(child))
            {
                Some(child) => out.push_str(&format!(
                    "the resume of {id} is running now (claude pid {})\n",
                    child.pid
                )),
                None => out.push_str(&format!("the resume of {id} is starting now\n")),
            }
        } else {
            start_scheduler = true;
            out.push_str(&format!(
                "the resume of {id} was interrupted (its scheduler stopped): a new scheduler \
                 records how it ended or runs it again now\n"
            ));
        }
    }
    if out.is_empty() {
        return Err(no_resume(session));
    }
    if start_scheduler {
        lock::ensure_running(data)
            .map_err(|error| HookError::new(format!("cannot start the scheduler: {error}")))?;
    }
    emit(&out)
}

fn cancel(store: &mut Store, session: &str, now: i64) -> Result<(), HookError> {
    let cancelled = store.cancel_resumes(session, now)?;
    if cancelled.is_empty() {
        return Err(no_resume(session));
    }
    let mut out = String::new();
    for resume in &cancelled {
        out.push_str(&cancelled_line(resume));
    }
    emit(&out)
}

/// Stops the `claude` of a cancelled running resume, and says what was cancelled.
fn cancelled_line(resume: &Resume) -> String {
    let id = &resume.plan.session_id;
    if resume.state != ResumeState::Running {
        return format!("cancelled the scheduled resume of {id}\n");
    }
    if let Some(child) = resume
        .child
        .as_ref()
        .filter(|child| process::is_running(child))
    {
        process::stop_group(child, STOP_GRACE);
        return format!(
            "cancelled the running resume of {id} (stopped claude, pid {})\n",
            child.pid
        );
    }
    if claim_in_flight(resume) {
        // Its scheduler finds the claim cancelled as soon as its claude starts, and stops it.
        return format!("cancelled the resume of {id}, which was starting\n");
    }
    format!("cancelled the interrupted resume of {id}\n")
}

fn no_resume(session: &str) -> HookError {
    HookError::new(format!(
        "session {session} has no scheduled resume (`pcc-hooks status` lists the sessions)"
    ))
}
