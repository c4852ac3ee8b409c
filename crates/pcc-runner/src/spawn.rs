//! Starting one child and supervising it to its end.

use crate::cancel::CancelToken;
use crate::nonce::TaskNonce;
use crate::outcome::{ChildOutcome, Ending};
use crate::signals::{KillOnDrop, ProcessGroup};
use crate::spec::ChildSpec;
use crate::stream::{ChildEvent, StreamState, read_all, read_lines};
use crate::tail::Tail;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::future::Future;
use std::os::unix::process::ExitStatusExt;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::task::JoinHandle;
use tokio::time::{Instant as TokioInstant, sleep, sleep_until};

/// Bytes of stdout kept for diagnostics.
pub(crate) const OUTPUT_TAIL_BYTES: usize = 64 * 1024;
/// Bytes of stderr kept for diagnostics.
pub(crate) const STDERR_TAIL_BYTES: usize = 16 * 1024;
/// After SIGKILL, how long we still wait for the leader to be reaped and the pipes to close
/// (a process that left the group can hold them open forever).
const AFTER_KILL_WAIT: Duration = Duration::from_secs(5);
/// A deadline this far away does not come (about 30 years).
const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
/// How often a stopped group is checked for survivors once its leader is gone.
const GROUP_POLL: Duration = Duration::from_millis(20);

/// Runs one `claude -p` child to its end and judges it.
///
/// `events` receives the progress ([`ChildEvent::Started`] first and [`ChildEvent::Finished`]
/// last, unless the program did not start); `cancel` stops the child like the timeout does
/// (SIGTERM to the group, `grace`, SIGKILL). This never panics on a child's behaviour and never
/// returns an error: a program that cannot be started is a [`crate::ChildStatus::Failed`]
/// outcome whose `error` says why.
///
/// When the child exits but something it started keeps stdout or stderr open, the output is
/// drained for `grace` and then the group is killed, so a stray background process cannot hold
/// the run forever. If the returned future is dropped before it completes, the group is killed.
pub async fn run_child(
    spec: ChildSpec,
    mut events: impl FnMut(ChildEvent),
    cancel: &CancelToken,
) -> ChildOutcome {
    let started = Instant::now();
    let nonce = match TaskNonce::generate() {
        Ok(nonce) => nonce,
        Err(err) => {
            return ChildOutcome::not_started(
                format!("could not make a task nonce: {err}"),
                started.elapsed(),
            );
        }
    };
    let mut command = Command::from(spec.command().to_command());
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return ChildOutcome::not_started(
                format!(
                    "could not start the Claude Code program `{}` in `{}`: {err}",
                    spec.claude_program.display(),
                    spec.cwd.display()
                ),
                started.elapsed(),
            );
        }
    };
    let pid = child.id().unwrap_or(0);
    let group = ProcessGroup::of_leader(pid);
    let mut guard = KillOnDrop::new(group);
    let _stdin_writer = child.stdin.take().map(|stdin| {
        AbortOnDrop(tokio::spawn(write_prompt(
            stdin,
            nonce.instruct(&spec.prompt),
        )))
    });
    events(ChildEvent::Started { pid });

    let local = TimeZone::try_system().unwrap_or(TimeZone::UTC);
    let mut state = StreamState::new(local);
    let mut output_tail = Tail::new(OUTPUT_TAIL_BYTES);
    let mut stderr_tail = Tail::new(STDERR_TAIL_BYTES);
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let ending = {
        let state = &mut state;
        let events = &mut events;
        let output_tail = &mut output_tail;
        let stderr_tail = &mut stderr_tail;
        let readers = async move {
            let out = async {
                if let Some(stdout) = stdout {
                    let reader = BufReader::with_capacity(64 * 1024, stdout);
                    let _ = read_lines(reader, output_tail, |line| {
                        state.line(line, Timestamp::now(), events);
                    })
                    .await;
                }
            };
            let err = async {
                if let Some(stderr) = stderr {
                    let _ = read_all(stderr, stderr_tail).await;
                }
            };
            tokio::join!(out, err);
        };
        tokio::pin!(readers);
        let mut watch = Watch {
            readers,
            readers_done: false,
            child: &mut child,
            exit: None,
        };
        let ending = supervise(&mut watch, &spec, group, cancel).await;
        match ending {
            Some(ending) => ending,
            None => exit_ending(watch.exit),
        }
    };
    guard.disarm();
    let outcome = ChildOutcome::judge(
        ending,
        spec.timeout,
        &state,
        &nonce,
        stderr_tail.to_text(),
        output_tail.to_text(),
        started.elapsed(),
    );
    events(ChildEvent::Finished {
        status: outcome.status,
    });
    outcome
}

/// Writes the whole prompt to the child's stdin and closes it, which is where `claude -p` reads
/// a prompt not given as an argument.
///
/// It runs as its own task, beside the output readers: a child that fills its stdout before
/// reading all of a large prompt would otherwise deadlock against us. A child that exits or
/// closes stdin early makes the write fail; that is not an error of ours, the outcome says what
/// the child did.
async fn write_prompt(mut stdin: ChildStdin, prompt: String) {
    if stdin.write_all(prompt.as_bytes()).await.is_ok() {
        let _ = stdin.shutdown().await;
    }
}

/// Aborts the task when the run ends, so a process that holds the child's stdin open without
/// reading it cannot keep the writer (and the prompt) alive past the run.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The child and its output readers, awaited together.
struct Watch<'a, R: Future<Output = ()>> {
    readers: Pin<&'a mut R>,
    readers_done: bool,
    child: &'a mut Child,
    exit: Option<ExitStatus>,
}

impl<R: Future<Output = ()>> Watch<'_, R> {
    /// Waits until the leader has exited, the pipes are closed and (with `group`) no process of
    /// the group is left, or until `until`. Whether it settled.
    async fn settle(&mut self, until: TokioInstant, group: Option<ProcessGroup>) -> bool {
        loop {
            let rest_done = self.exit.is_some() && self.readers_done;
            if rest_done && group.is_none_or(|group| !group.is_alive()) {
                return true;
            }
            tokio::select! {
                () = self.readers.as_mut(), if !self.readers_done => self.readers_done = true,
                status = self.child.wait(), if self.exit.is_none() => self.exit = Some(wait_status(status)),
                () = sleep(GROUP_POLL), if rest_done => {}
                () = sleep_until(until) => return false,
            }
        }
    }
}

/// An unknown exit (the wait itself failed) is recorded as a failure without a code.
fn wait_status(status: std::io::Result<ExitStatus>) -> ExitStatus {
    status.unwrap_or_else(|_| ExitStatus::from_raw(0x7f00))
}

fn exit_ending(exit: Option<ExitStatus>) -> Ending {
    match exit {
        Some(status) => Ending::Exited {
            code: status.code(),
            signal: status.signal(),
        },
        None => Ending::Exited {
            code: None,
            signal: None,
        },
    }
}

/// `timeout` from now, at most [`NEVER`]: a stored list may ask for `u64::MAX` seconds, which
/// would overflow the clock and panic.
fn far_deadline(timeout: Duration) -> TokioInstant {
    let now = TokioInstant::now();
    now.checked_add(timeout.min(NEVER)).unwrap_or(now)
}

/// Runs the child to its end: `None` when it exited by itself, else why we stopped it.
async fn supervise<R: Future<Output = ()>>(
    watch: &mut Watch<'_, R>,
    spec: &ChildSpec,
    group: Option<ProcessGroup>,
    cancel: &CancelToken,
) -> Option<Ending> {
    let deadline = far_deadline(spec.timeout);
    let stop = loop {
        if watch.exit.is_some() {
            break None;
        }
        tokio::select! {
            () = watch.readers.as_mut(), if !watch.readers_done => watch.readers_done = true,
            status = watch.child.wait() => watch.exit = Some(wait_status(status)),
            () = sleep_until(deadline) => break Some(Ending::TimedOut),
            () = cancel.cancelled() => break Some(Ending::Cancelled),
        }
    };
    let kill = |group: Option<ProcessGroup>| {
        if let Some(group) = group {
            group.kill();
        }
    };
    match stop {
        None => {
            // The leader is gone; give the pipes `grace` to close, then stop whatever holds them.
            if !watch.settle(TokioInstant::now() + spec.grace, None).await {
                kill(group);
                watch
                    .settle(TokioInstant::now() + AFTER_KILL_WAIT, None)
                    .await;
            }
        }
        Some(_) => {
            if let Some(group) = group {
                group.terminate();
            }
            if !watch.settle(TokioInstant::now() + spec.grace, group).await {
                kill(group);
                watch
                    .settle(TokioInstant::now() + AFTER_KILL_WAIT, None)
                    .await;
            }
        }
    }
    stop
}
