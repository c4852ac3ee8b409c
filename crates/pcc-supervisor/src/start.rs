//! Starting a session: the checks, the record, and the supervisor that runs it.

use crate::clock::now_ms;
use crate::error::Error;
use crate::files::{log_path, sessions_dir};
use crate::request::{StartRequest, find_program};
use crate::supervise::Handshake;
use pcc_core::paths::{DataDir, PCC_HOME_ENV};
use pcc_store::{NewStartedSession, Store};
use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};

/// The subcommand of the supervisor program that supervises one session:
/// `<supervisor> supervise <session id>`.
pub const SUPERVISE_COMMAND: &str = "supervise";

/// What a start runs: the data directory it records in, the `claude` to start, and our binary
/// that supervises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launcher {
    /// The data directory (its database, its `sessions/` logs).
    pub data: DataDir,
    /// The Claude Code program: a path, or a name looked up on `PATH` (`claude`).
    pub claude: PathBuf,
    /// The `pcc-hooks` binary, whose [`SUPERVISE_COMMAND`] runs the supervisor.
    pub supervisor: PathBuf,
}

/// A session that runs.
#[derive(Debug)]
pub struct Started {
    /// Its id, as Claude Code and our hooks know it.
    pub session_id: String,
    /// Its `claude`'s pid, which is also its process group.
    pub pid: u32,
    /// Where its output goes.
    pub log: PathBuf,
    /// The tasks recorded for it, the prompt included.
    pub tasks: usize,
    /// The process that waits on it and records its end.
    pub supervisor: Supervisor,
}

/// The supervisor process, a child of the caller until [`Supervisor::wait`] or
/// [`Supervisor::detach`].
#[derive(Debug)]
pub struct Supervisor {
    child: Child,
}

impl Supervisor {
    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited, with its status (the session's `claude`'s, mirrored), without
    /// waiting.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for it: it exits with the session's `claude`'s status once the end is recorded.
    pub fn wait(mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }

    /// Lets it run on its own. A caller that lives on (a server) gets a thread that reaps it
    /// when it exits, so it never stays a zombie; a caller that exits first leaves it to init.
    pub fn detach(mut self) {
        std::thread::spawn(move || {
            let _ = self.child.wait();
        });
    }
}

/// Starts a session: checks `request` (refusing it, with nothing recorded, when the directory,
/// `claude`, the supervisor or the task is not usable), records it and its tasks, and starts the
/// supervisor, returning once its `claude` runs. A `claude` that cannot run is recorded as a
/// failed start (its tasks taken off the queue) and returned as the error.
pub fn start(launcher: &Launcher, request: &StartRequest) -> Result<Started, Error> {
    let checked = request.check()?;
    let claude = find_program(&launcher.claude).ok_or_else(|| {
        Error::refused(format!(
            "cannot find Claude Code (`{}`): install it (npm install -g @anthropic-ai/claude-code) \
             or set PCC_CLAUDE_BIN to its path",
            launcher.claude.display()
        ))
    })?;
    let supervisor = find_program(&launcher.supervisor).ok_or_else(|| {
        Error::refused(format!(
            "cannot find the supervisor `{}`: reinstall pcc-hooks",
            launcher.supervisor.display()
        ))
    })?;
    let dir = sessions_dir(&launcher.data);
    pcc_store::private::create_dir(&dir)
        .map_err(Error::io(format!("cannot create {}", dir.display())))?;
    let session_id = uuid::Uuid::new_v4().to_string();
    let log = log_path(&launcher.data, &session_id);
    let mut store = Store::open(&launcher.data.database())?;
    store.record_start(
        &NewStartedSession {
            id: session_id.clone(),
            cwd: checked.dir.display().to_string(),
            claude: claude.display().to_string(),
            model: checked.model.clone(),
            log_path: log.display().to_string(),
        },
        &checked.tasks,
        now_ms(),
    )?;
    let mut child = match spawn_supervisor(&supervisor, &launcher.data, &session_id) {
        Ok(child) => child,
        Err(error) => {
            store.record_start_failed(&session_id, &error.to_string(), now_ms())?;
            return Err(error);
        }
    };
    match read_handshake(&mut child) {
        Ok(pid) => Ok(Started {
            session_id,
            pid,
            log,
            tasks: checked.tasks.len(),
            supervisor: Supervisor { child },
        }),
        Err(message) => {
            let status = child.wait().ok();
            // The supervisor records its own failures; this covers one that died first.
            store.record_start_failed(&session_id, &message, now_ms())?;
            let status = status.map_or_else(String::new, |status| format!(" ({status})"));
            Err(Error::refused(format!("{message}{status}")))
        }
    }
}

/// `<supervisor> supervise <id>`, detached from the caller: its own process group (a
/// terminal's Ctrl-C reaches the caller only), stdin and stderr closed, stdout the handshake.
fn spawn_supervisor(program: &Path, data: &DataDir, session_id: &str) -> Result<Child, Error> {
    std::process::Command::new(program)
        .args([SUPERVISE_COMMAND, session_id])
        .env(PCC_HOME_ENV, data.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(Error::io(format!(
            "cannot start the supervisor {}",
            program.display()
        )))
}

/// `claude`'s pid from the supervisor's first line, or why it did not start.
fn read_handshake(child: &mut Child) -> Result<u32, String> {
    let Some(stdout) = child.stdout.take() else {
        return Err("the supervisor has no output to read".to_owned());
    };
    let mut line = String::new();
    if let Err(error) = BufReader::new(stdout).read_line(&mut line) {
        return Err(format!("cannot read the supervisor's answer: {error}"));
    }
    match serde_json::from_str::<Handshake>(line.trim()) {
        Ok(Handshake {
            pid: Some(pid),
            error: None,
        }) => Ok(pid),
        Ok(Handshake {
            error: Some(error), ..
        }) => Err(error),
        _ if line.is_empty() => Err("the supervisor exited before starting claude".to_owned()),
        _ => Err(format!(
            "the supervisor said something this build does not understand: {}",
            line.trim()
        )),
    }
}
