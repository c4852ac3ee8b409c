//! `pcc-hooks start DIR (--task T | --requirements FILE) [--detach] [--model M] [--json]`: an
//! unattended `claude -p` in DIR with our hooks, supervised (`pcc_supervisor::start`).
//!
//! Without `--detach` it follows the session: one readable line per event of the session's log
//! (`pcc_supervisor::progress`), and it exits with `claude`'s status once the supervisor has
//! recorded the end. Ctrl-C (or SIGTERM, SIGHUP) stops the session as `pcc-hooks stop` does; a
//! second Ctrl-C leaves at once, the session still stopping.

use crate::cli::{ColorChoice, StartArgs};
use crate::error::{self, HookError};
use crate::programs;
use crate::session_lookup::short_id;
use crate::term::{Palette, emit};
use pcc_core::paths::DataDir;
use pcc_store::{StartedSession, StartedState, Store};
use pcc_supervisor::{Launcher, StartRequest, Started, Work};
use serde::Serialize;
use std::io::{BufRead as _, BufReader};
use std::process::{ExitCode, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the log is read for new lines while the session runs.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// What `--json` prints when the session starts.
#[derive(Serialize)]
struct StartedJson<'a> {
    session_id: &'a str,
    pid: u32,
    supervisor_pid: u32,
    log: String,
    dir: String,
    tasks: usize,
    detached: bool,
}

/// What `--json` prints when a followed session ends.
#[derive(Serialize)]
struct EndedJson<'a> {
    session_id: &'a str,
    state: &'static str,
    exit_code: Option<i32>,
    exit_signal: Option<i32>,
}

/// Starts the session and, unless detached, follows it; the exit code is its `claude`'s.
pub fn run(args: &StartArgs, color: ColorChoice) -> ExitCode {
    match start(args, color) {
        Ok(code) => code,
        Err(error) => error::report(Err(error)),
    }
}

fn start(args: &StartArgs, color: ColorChoice) -> Result<ExitCode, HookError> {
    let data = DataDir::from_env()?;
    let supervisor =
        std::env::current_exe().map_err(HookError::io("cannot find the pcc-hooks binary"))?;
    let launcher = Launcher {
        data: data.clone(),
        claude: programs::claude_program(),
        supervisor,
    };
    let work = match (&args.task, &args.requirements) {
        (Some(task), None) => Work::Task(task.clone()),
        (None, Some(file)) => Work::Requirements(file.clone()),
        // clap's group makes exactly one of them present.
        _ => return Err(HookError::new("give --task or --requirements, not both")),
    };
    let request = StartRequest {
        dir: args.dir.clone(),
        work,
        model: args.model.clone(),
    };
    // Before the start, so a Ctrl-C while claude starts stops it rather than leaving it running.
    let interrupted = if args.detach {
        None
    } else {
        Some(take_over_signals()?)
    };
    let started = pcc_supervisor::start(&launcher, &request)?;
    let dir = std::fs::canonicalize(&args.dir).unwrap_or_else(|_| args.dir.clone());
    if let Some(problem) = crate::commands::doctor::hooks_problem(&dir) {
        // It runs all the same: unattended `claude -p` denies what needs a permission without our
        // hooks, but nothing is decided, recorded or handed over by us.
        eprintln!(
            "warning: our hooks: {problem}; the session runs without our decisions and queue"
        );
    }
    if args.json {
        let json = StartedJson {
            session_id: &started.session_id,
            pid: started.pid,
            supervisor_pid: started.supervisor.pid(),
            log: started.log.display().to_string(),
            dir: dir.display().to_string(),
            tasks: started.tasks,
            detached: args.detach,
        };
        emit(&format!("{}\n", to_json(&json)?))?;
    } else {
        let short = short_id(&started.session_id);
        let queued = match started.tasks {
            1 => String::new(),
            tasks => format!("; {} more task(s) queued for it", tasks - 1),
        };
        emit(&format!(
            "started session {} (claude pid {}) in {}{queued}\n  log: {}\n  stop: pcc-hooks stop {short}\n",
            started.session_id,
            started.pid,
            dir.display(),
            started.log.display()
        ))?;
    }
    match interrupted {
        None => {
            started.supervisor.detach();
            Ok(ExitCode::SUCCESS)
        }
        Some(interrupted) => follow(
            &data,
            started,
            &interrupted,
            args.json,
            Palette::for_stdout(color),
        ),
    }
}

/// Ctrl-C, SIGTERM and SIGHUP raise the flag instead of ending us (the session is stopped
/// then); once it is up, the same signal again takes its default action: leave at once.
fn take_over_signals() -> Result<Arc<AtomicBool>, HookError> {
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register_conditional_default(signal, Arc::clone(&interrupted))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&interrupted)))
            .map_err(HookError::io("cannot take over Ctrl-C"))?;
    }
    Ok(interrupted)
}

/// Prints the log as it grows until the supervisor exits, stopping the session once
/// `interrupted` is raised.
fn follow(
    data: &DataDir,
    started: Started,
    interrupted: &AtomicBool,
    json: bool,
    palette: Palette,
) -> Result<ExitCode, HookError> {
    let Started {
        session_id,
        log,
        mut supervisor,
        ..
    } = started;
    let file = std::fs::File::open(&log)
        .map_err(HookError::io(format!("cannot read {}", log.display())))?;
    let mut reader = BufReader::new(file);
    let mut partial = String::new();
    let mut stopping = None;
    let status = loop {
        let exited = supervisor
            .try_wait()
            .map_err(HookError::io("cannot wait for the supervisor"))?;
        print_new_lines(&mut reader, &mut partial, json)?;
        if let Some(status) = exited {
            break status;
        }
        if interrupted.load(Ordering::Relaxed) && stopping.is_none() {
            eprintln!(
                "stopping session {} (Ctrl-C again to leave it stopping)",
                short_id(&session_id)
            );
            stopping = Some(stop_in_background(data, &session_id));
        }
        std::thread::sleep(FOLLOW_POLL);
    };
    if !partial.is_empty() {
        print_rendered(&partial, json)?;
    }
    if let Some(stopping) = stopping
        && let Ok(Err(error)) = stopping.join()
    {
        eprintln!("error: {error}");
    }
    let recorded = Store::open_existing(&data.database())?
        .and_then(|store| store.started_session(&session_id).transpose())
        .transpose()?;
    if json {
        let json_line = EndedJson {
            session_id: &session_id,
            state: recorded
                .as_ref()
                .map_or("unknown", |session| session.state.as_str()),
            exit_code: recorded.as_ref().and_then(|session| session.exit_code),
            exit_signal: recorded.as_ref().and_then(|session| session.exit_signal),
        };
        emit(&format!("{}\n", to_json(&json_line)?))?;
    } else {
        emit(&format!("{}\n", ending(recorded.as_ref(), status, palette)))?;
    }
    Ok(exit_code(status))
}

/// Reads what the log holds beyond `reader`'s position and prints each complete line; a line
/// still being written waits in `partial`.
fn print_new_lines(
    reader: &mut BufReader<std::fs::File>,
    partial: &mut String,
    json: bool,
) -> Result<(), HookError> {
    loop {
        let read = reader
            .read_line(partial)
            .map_err(HookError::io("cannot read the session's log"))?;
        if read == 0 || !partial.ends_with('\n') {
            return Ok(());
        }
        print_rendered(partial, json)?;
        partial.clear();
    }
}

fn print_rendered(line: &str, json: bool) -> Result<(), HookError> {
    if json {
        return Ok(());
    }
    let lines = pcc_supervisor::progress::render(line);
    if lines.is_empty() {
        return Ok(());
    }
    emit(&format!("{}\n", lines.join("\n")))
}

/// Stops the session on a thread of its own, so the log goes on being shown meanwhile.
fn stop_in_background(
    data: &DataDir,
    session_id: &str,
) -> std::thread::JoinHandle<Result<(), HookError>> {
    let database = data.database();
    let session_id = session_id.to_owned();
    std::thread::spawn(move || {
        let mut store = Store::open(&database)?;
        pcc_supervisor::stop(&mut store, &session_id, pcc_supervisor::DEFAULT_STOP_GRACE)?;
        Ok(())
    })
}

/// The last line: how the session ended.
fn ending(recorded: Option<&StartedSession>, status: ExitStatus, palette: Palette) -> String {
    let id = recorded.map_or("", |session| short_id(&session.plan.id));
    match recorded.map(|session| session.state) {
        Some(StartedState::Exited) if status.success() => {
            palette.green(&format!("session {id} ended: claude exited with 0"))
        }
        Some(StartedState::Stopped) => palette.yellow(&format!("session {id} stopped")),
        _ => palette.red(&format!(
            "session {id} ended: the supervisor exited with {status}"
        )),
    }
}

/// The supervisor mirrors `claude`'s status: its code, or 128 + its signal.
fn exit_code(status: ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt as _;
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn to_json(value: &impl Serialize) -> Result<String, HookError> {
    serde_json::to_string(value)
        .map_err(|error| HookError::new(format!("cannot encode the session as JSON: {error}")))
}
