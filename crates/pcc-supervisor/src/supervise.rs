//! The supervisor: the process of ours that starts a recorded session's `claude`, keeps its
//! output, waits for it and records how it ended.
//!
//! It reads everything from the store (the start is recorded before it runs), so the caller
//! hands it nothing but the session id. `claude` runs with an argument vector, the prompt on its
//! stdin from a file opened and then removed (any size, nothing in `ps`), as the leader of its
//! own process group, so `stop` reaches everything it starts. Its stdout and stderr come
//! through us line by line, redacted, into the session's log: secrets never reach a file of
//! ours. Once `claude` runs, one [`Handshake`] line on our stdout tells the starter its pid.

use crate::clock::now_ms;
use crate::error::Error;
use crate::files::prompt_path;
use crate::process;
use pcc_core::paths::DataDir;
use pcc_core::redact::redact;
use pcc_runner::ClaudeCommand;
use pcc_store::private::{self, Access};
use pcc_store::{StartedSession, StartedState, Store};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// After `claude` exits, how long something it left behind may keep its output open before the
/// group is killed (a stray background process must not hold the supervisor forever).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// The supervisor's one line to whoever started it: the pid of `claude`, or why it did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handshake {
    /// `claude`'s pid (and process group), once it runs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pid: Option<u32>,
    /// Why it did not run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// How a supervised `claude` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervised {
    /// Its exit code, when it exited with one.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did.
    pub exit_signal: Option<i32>,
    /// What the store says now: `exited` or `stopped`.
    pub state: Option<StartedState>,
}

impl Supervised {
    /// The exit code a supervisor mirrors: `claude`'s own, or 128 + the signal, as a shell says.
    pub fn mirrored_code(&self) -> i32 {
        match (self.exit_code, self.exit_signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => 1,
        }
    }
}

/// Runs session `session_id`'s `claude` to its end. `handshake` gets one line as soon as it runs
/// or could not (whatever stopped it: the starter waits for that line). A start whose `claude`
/// cannot run is recorded `failed`, its tasks taken off the queue.
pub fn supervise(
    data: &DataDir,
    session_id: &str,
    handshake: &mut dyn Write,
) -> Result<Supervised, Error> {
    let mut told = false;
    let result = run(data, session_id, handshake, &mut told);
    if let Err(error) = &result
        && !told
    {
        tell(
            handshake,
            &Handshake {
                pid: None,
                error: Some(error.to_string()),
            },
        );
    }
    result
}

fn run(
    data: &DataDir,
    session_id: &str,
    handshake: &mut dyn Write,
    told: &mut bool,
) -> Result<Supervised, Error> {
    let mut store = Store::open(&data.database())?;
    let started = match store.started_session(session_id)? {
        Some(started) if started.state == StartedState::Starting => started,
        Some(started) => {
            return Err(Error::refused(format!(
                "session {session_id} is {}: it was supervised already",
                started.state
            )));
        }
        None => {
            return Err(Error::refused(format!(
                "no session {session_id} was started by `pcc-hooks start`"
            )));
        }
    };
    let (mut child, mut copying) = match spawn(data, &started) {
        Ok(spawned) => spawned,
        Err(error) => {
            store.record_start_failed(session_id, &error.to_string(), now_ms())?;
            return Err(error);
        }
    };
    let pid = child.id();
    let stamp = process::stamp_or_unknown(pid);
    match store.record_start_running(session_id, &process::current(), &stamp, now_ms()) {
        Ok(true) => {}
        // A stop came first: this claude is not wanted.
        Ok(false) => {
            process::stop_group(&stamp, crate::stop::DEFAULT_STOP_GRACE);
        }
        // A claude nobody could stop or see: it does not run on.
        Err(error) => {
            process::kill_group(pid);
            let _ = child.wait();
            let _ = store.record_start_failed(session_id, &error.to_string(), now_ms());
            return Err(error.into());
        }
    }
    tell(
        handshake,
        &Handshake {
            pid: Some(pid),
            error: None,
        },
    );
    *told = true;
    let status = wait_and_drain(&mut child, &mut copying)?;
    let exit_code = status.code();
    let exit_signal = status.signal();
    let state = store.record_start_exit(session_id, exit_code, exit_signal, now_ms())?;
    Ok(Supervised {
        exit_code,
        exit_signal,
        state,
    })
}

/// Starts the session's `claude`, its prompt on stdin and its output copied into the log.
fn spawn(data: &DataDir, started: &StartedSession) -> Result<(Child, Copying), Error> {
    let plan = &started.plan;
    let log = Path::new(&plan.log_path);
    let (log_file, tightened) = private::open_file(log, Access::Append)
        .map_err(Error::io(format!("cannot create {}", log.display())))?;
    for change in tightened {
        tracing::warn!("{change}");
    }
    let prompt_file = prompt_path(data, &plan.id);
    private::write_file(&prompt_file, started.prompt.as_bytes())
        .map_err(Error::io(format!("cannot write {}", prompt_file.display())))?;
    let prompt = File::open(&prompt_file);
    // The open file is all `claude` needs; the name goes at once, whatever happens next.
    if let Err(error) = std::fs::remove_file(&prompt_file) {
        tracing::warn!(path = %prompt_file.display(), %error, "cannot remove a prompt file");
    }
    let prompt = prompt.map_err(Error::io(format!("cannot read {}", prompt_file.display())))?;
    let mut child = ClaudeCommand::new(&plan.claude, &plan.cwd)
        .model(plan.model.clone())
        .session_id(Some(plan.id.clone()))
        .pcc_home(Some(data.root().to_path_buf()))
        .to_command()
        .stdin(prompt)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            Error::refused(format!(
                "cannot run {} in {}: {error}",
                plan.claude, plan.cwd
            ))
        })?;
    match Copying::start(&mut child, &log_file, log) {
        Ok(copying) => Ok((child, copying)),
        Err(error) => {
            process::kill_group(child.id());
            let _ = child.wait();
            Err(error)
        }
    }
}

/// The threads copying the child's stdout and stderr into the log, line by line, redacted,
/// each on its own (a child writing megabytes to one never blocks on the other).
struct Copying {
    finished: mpsc::Receiver<()>,
    threads: usize,
}

impl Copying {
    fn start(child: &mut Child, log_file: &File, log: &Path) -> Result<Copying, Error> {
        let readers: [Option<Box<dyn Read + Send>>; 2] = [
            child
                .stdout
                .take()
                .map(|out| Box::new(out) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|err| Box::new(err) as Box<dyn Read + Send>),
        ];
        let (done, finished) = mpsc::channel();
        let mut threads = 0;
        for reader in readers.into_iter().flatten() {
            let file = log_file
                .try_clone()
                .map_err(Error::io(format!("cannot write {}", log.display())))?;
            let done = done.clone();
            std::thread::spawn(move || {
                copy_redacted(reader, file);
                let _ = done.send(());
            });
            threads += 1;
        }
        Ok(Copying { finished, threads })
    }

    /// Waits until every copying thread reached the end of its stream, or `until`. Whether
    /// they all did.
    fn wait(&mut self, until: Instant) -> bool {
        while self.threads > 0 {
            let left = until.saturating_duration_since(Instant::now());
            match self.finished.recv_timeout(left) {
                Ok(()) => self.threads -= 1,
                Err(mpsc::RecvTimeoutError::Timeout) => return false,
                Err(mpsc::RecvTimeoutError::Disconnected) => return true,
            }
        }
        true
    }
}

/// One stream into the log: each line redacted and written whole (the log is opened to append,
/// so the two streams' lines never cut into each other).
fn copy_redacted(reader: Box<dyn Read + Send>, mut log: File) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let mut redacted = redact(text.trim_end_matches(['\n', '\r']));
                redacted.push('\n');
                if let Err(error) = log.write_all(redacted.as_bytes()) {
                    tracing::error!(%error, "cannot write a started session's log");
                }
            }
            Err(error) => {
                tracing::error!(%error, "cannot read a started session's output");
                return;
            }
        }
    }
}

/// Waits for `claude`, then for its output to be copied whole. Whatever it left holding the
/// output [`DRAIN_GRACE`] after it exited is killed with its group.
fn wait_and_drain(
    child: &mut Child,
    copying: &mut Copying,
) -> Result<std::process::ExitStatus, Error> {
    let pid = child.id();
    let status = child
        .wait()
        .map_err(Error::io(format!("cannot wait for claude (pid {pid})")))?;
    if !copying.wait(Instant::now() + DRAIN_GRACE) {
        process::kill_group(pid);
        if !copying.wait(Instant::now() + DRAIN_GRACE) {
            tracing::warn!(
                pid,
                "the output of a started session stays open past its group"
            );
        }
    }
    Ok(status)
}

/// Writes the handshake line; a starter that went away is no reason to stop supervising.
fn tell(handshake: &mut dyn Write, message: &Handshake) {
    let line = serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned());
    if let Err(error) = writeln!(handshake, "{line}").and_then(|()| handshake.flush()) {
        tracing::debug!(%error, "the starter no longer reads the handshake");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_gets_each_line_whole_and_redacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("session.log");
        let log = File::create(&path).expect("log");
        let output = "{\"type\":\"assistant\",\"text\":\"token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\"}\r\n\
                      plain line\nlast line without a newline";
        copy_redacted(Box::new(std::io::Cursor::new(output.to_owned())), log);
        let logged = std::fs::read_to_string(&path).expect("read");
        assert!(!logged.contains("ghp_0123456789"), "{logged}");
        let lines: Vec<&str> = logged.lines().collect();
        assert_eq!(lines.len(), 3, "{logged}");
        assert!(
            lines[0].contains("token ") && lines[0].ends_with('}'),
            "{logged}"
        );
        assert_eq!(&lines[1..], ["plain line", "last line without a newline"]);
        assert!(logged.ends_with('\n'));
    }
}
