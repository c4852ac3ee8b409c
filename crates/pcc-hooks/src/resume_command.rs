//! `pcc-hooks resume <session> [--now | --cancel]`.

use crate::cli::ResumeArgs;
use crate::failure::Failure;
use crate::scheduler_lock;
use crate::term::emit;
use pcc_core::paths::DataDir;
use pcc_store::Store;

/// Moves the session's scheduled resume to now (and starts the scheduler), or cancels it.
pub fn run(args: &ResumeArgs) -> Result<(), Failure> {
    let data = DataDir::from_env()?;
    let Some(mut store) = Store::open_existing(&data.database())? else {
        return Err(Failure::new("no database yet: nothing is scheduled"));
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let due = match (args.now, args.cancel) {
        (true, _) => Some(now),
        (false, true) => None,
        (false, false) => {
            return Err(Failure::new(
                "say --now to resume now, or --cancel to cancel the scheduled resume",
            ));
        }
    };
    if !store.reschedule_resume(&args.session, due, now)? {
        return Err(Failure::new(format!(
            "session {} has no scheduled resume",
            args.session
        )));
    }
    if args.cancel {
        return emit(&format!(
            "cancelled the scheduled resume of {}\n",
            args.session
        ));
    }
    scheduler_lock::ensure_running(&data)
        .map_err(|error| Failure::new(format!("cannot start the scheduler: {error}")))?;
    emit(&format!("resuming {} now\n", args.session))
}
