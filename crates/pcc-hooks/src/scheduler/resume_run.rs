//! One resume: `claude -p --output-format stream-json --verbose --resume <session>` in the
//! session's directory, built by [`ClaudeCommand`] like every `claude` of ours (unattended, without
//! the launching session's variables), spawned with an argument vector (no shell) as the leader of
//! its own process group, with the continue prompt on stdin (no argument-size limit, nothing in
//! `ps`).
//!
//! Its stdout and stderr go to files in `<data dir>/resume-runs/`, not to pipes: a `claude` whose
//! scheduler dies keeps running and keeps its output. The stream file is locked (`flock`) before
//! the spawn and the child inherits the lock through its stdout, so the lock is held exactly
//! while a `claude` of that run may still write, whether or not its scheduler lived to record
//! its pid. The next scheduler waits on that lock ([`adopt`]) and reads the outcome from the
//! file, so a run is never joined by a second `claude` on the same session.

use crate::process;
use pcc_core::paths::DataDir;
use pcc_limits::StreamLimitTracker;
use pcc_runner::ClaudeCommand;
use pcc_store::private::{self, Access};
use pcc_store::{ProcessStamp, Resume};
use serde_json::Value;
use std::fs::{File, TryLockError};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

/// How long a `claude` told to stop (SIGTERM) has before SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// How much of the end of stderr is read for the error of a failed run.
const STDERR_TAIL_BYTES: u64 = 8 * 1024;

/// How a resume run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The session ran its turn to the end.
    Completed,
    /// It hit a usage limit again.
    LimitedAgain {
        /// The new reset, when the stream said.
        resets_at_ms: Option<i64>,
    },
    /// It could not run or ended in an error.
    Failed(String),
}

/// The files of one attempt of one resume, and the data directory they belong to.
pub struct RunFiles {
    home: PathBuf,
    stream: PathBuf,
    stderr: PathBuf,
    prompt: PathBuf,
}

impl RunFiles {
    /// The files of the resume's current attempt.
    pub fn of(data: &DataDir, resume: &Resume) -> RunFiles {
        let dir = runs_dir(data);
        let name = format!("{}-{}", resume.id, resume.attempts);
        RunFiles {
            home: data.root().to_path_buf(),
            stream: dir.join(format!("{name}.jsonl")),
            stderr: dir.join(format!("{name}.stderr")),
            prompt: dir.join(format!("{name}.prompt")),
        }
    }

    /// Deletes them once the outcome is recorded (absent ones are fine).
    pub fn remove(&self) {
        for path in [&self.stream, &self.stderr, &self.prompt] {
            if let Err(error) = std::fs::remove_file(path)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), %error, "cannot remove a resume's file");
            }
        }
    }
}

/// Where runs keep their files.
pub fn runs_dir(data: &DataDir) -> PathBuf {
    data.root().join("resume-runs")
}

/// Runs the resume to its end. `started` is told the child's stamp as soon as it runs and
/// answers whether the claim is still ours; when it is not (cancelled meanwhile), the child's
/// group is stopped.
pub fn run(
    claude: &Path,
    resume: &Resume,
    files: &RunFiles,
    started: impl FnOnce(&ProcessStamp) -> bool,
) -> Outcome {
    let mut child = match spawn(claude, resume, files) {
        Ok(child) => child,
        Err(error) => return Outcome::Failed(error),
    };
    if let Some(stamp) = process::stamp_of(child.id())
        && !started(&stamp)
    {
        tracing::info!(session = %resume.plan.session_id, "the resume was cancelled: stopping claude");
        process::stop_group(&stamp, STOP_GRACE);
    }
    match child.wait() {
        Ok(status) => outcome(files, Some(status)),
        Err(error) => Outcome::Failed(format!("waiting for claude failed: {error}")),
    }
}

/// For a claim whose scheduler is gone: waits for the `claude` it left, if one still runs, and
/// returns how the run ended; `None` when no `claude` was started for it.
pub fn adopt(files: &RunFiles, child: Option<&ProcessStamp>) -> Option<Outcome> {
    let stream = match File::open(&files.stream) {
        Ok(stream) => stream,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            // Never started, or its output was deleted: either way it runs again, alone.
            if let Some(child) = child.filter(|child| process::is_running(child)) {
                process::stop_group(child, STOP_GRACE);
            }
            return None;
        }
        Err(error) => {
            return Some(Outcome::Failed(format!(
                "cannot read the output of the interrupted run ({}): {error}",
                files.stream.display()
            )));
        }
    };
    match stream.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            tracing::warn!(
                pid = child.map(|child| child.pid),
                "a claude left by a scheduler that died still runs: waiting for it"
            );
            if let Err(error) = stream.lock() {
                return Some(Outcome::Failed(format!(
                    "cannot wait for the interrupted run: {error}"
                )));
            }
        }
        Err(TryLockError::Error(error)) => {
            return Some(Outcome::Failed(format!(
                "cannot wait for the interrupted run: {error}"
            )));
        }
    }
    // It let go of its output but may still run: it is stopped before anything runs again.
    if let Some(child) = child.filter(|child| process::is_running(child)) {
        process::stop_group(child, STOP_GRACE);
    }
    let started = child.is_some() || stream.metadata().is_ok_and(|meta| meta.len() > 0);
    started.then(|| outcome(files, None))
}

fn spawn(claude: &Path, resume: &Resume, files: &RunFiles) -> Result<std::process::Child, String> {
    let file_error =
        |path: &Path, error: std::io::Error| format!("cannot prepare {}: {error}", path.display());
    let (stream, _) = private::open_file(&files.stream, Access::Replace)
        .map_err(|error| file_error(&files.stream, error))?;
    // Ours until the child holds it too, through its stdout.
    stream
        .try_lock()
        .map_err(|error| file_error(&files.stream, error.into()))?;
    let child_stdout = stream
        .try_clone()
        .map_err(|error| file_error(&files.stream, error))?;
    let (stderr, _) = private::open_file(&files.stderr, Access::Replace)
        .map_err(|error| file_error(&files.stderr, error))?;
    // No prompt for a session stopped on a deferred call: the resume asks about that call again
    // by itself, and a prompt would only add a turn after it. A file, not a pipe: the child has
    // it whole at once and never waits on a writer.
    let stdin = if resume.plan.prompt.is_empty() {
        Stdio::null()
    } else {
        private::write_file(&files.prompt, resume.plan.prompt.as_bytes())
            .and_then(|_| File::open(&files.prompt))
            .map(Stdio::from)
            .map_err(|error| file_error(&files.prompt, error))?
    };
    ClaudeCommand::new(claude, &resume.plan.cwd)
        .resume(Some(resume.plan.session_id.clone()))
        .pcc_home(Some(files.home.clone()))
        .to_command()
        .stdin(stdin)
        .stdout(child_stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", claude.display()))
}

/// How the run ended, from its stream (and its exit status, when we are its parent).
fn outcome(files: &RunFiles, status: Option<ExitStatus>) -> Outcome {
    let now = jiff::Timestamp::now();
    let local = jiff::tz::TimeZone::system();
    let mut limits = StreamLimitTracker::default();
    let mut result: Option<Value> = None;
    if let Ok(stream) = File::open(&files.stream) {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            limits.observe(&event, now, &local);
            if event.get("type").and_then(Value::as_str) == Some("result") {
                result = Some(event);
            }
        }
    }
    if let Some(signal) = limits
        .limit()
        .filter(|signal| !signal.kind.is_backoff_only())
    {
        return Outcome::LimitedAgain {
            resets_at_ms: signal.resets_at.map(|time| time.as_millisecond()),
        };
    }
    let is_error = result
        .as_ref()
        .and_then(|r| r.get("is_error"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let exited_ok = status.is_none_or(|status| status.success());
    if exited_ok && !is_error {
        return Outcome::Completed;
    }
    let text = result
        .as_ref()
        .and_then(|r| r.get("result"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| last_line(&files.stderr));
    match status {
        Some(status) => Outcome::Failed(format!("claude exited with {status}: {text}")),
        None => Outcome::Failed(format!(
            "claude ended after its scheduler stopped, without a successful result: {text}"
        )),
    }
}

/// The last non-empty line of a file, read from its end only.
fn last_line(path: &Path) -> String {
    let mut tail = Vec::new();
    if let Ok(mut file) = File::open(path) {
        let length = file.metadata().map_or(0, |meta| meta.len());
        let _ = file
            .seek(SeekFrom::Start(length.saturating_sub(STDERR_TAIL_BYTES)))
            .and_then(|_| file.read_to_end(&mut tail));
    }
    String::from_utf8_lossy(&tail)
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
        .to_owned()
}
