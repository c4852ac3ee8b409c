//! Running a real `claude -p` session hermetically against a [`MockApi`].

mod kill;
mod outcome;
mod sandbox;
mod slots;

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

pub use outcome::SessionOutcome;
pub use sandbox::{Sandbox, TEST_API_KEY, TEST_OAUTH_TOKEN};
pub use slots::SLOTS_ENV;

use crate::claude_cli::ensure_claude;
use crate::mock_api::MockApi;

/// Default hard limit for one run; a normal run takes about a second.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long to wait for stdout/stderr to close after the CLI exited before killing its process
/// group (a hook or background command that inherited the pipes may keep them open).
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// Builder for one `claude -p PROMPT --output-format stream-json --verbose
/// --include-hook-events` run.
///
/// Defaults: a fresh [`Sandbox`] (own `HOME` and `CLAUDE_CONFIG_DIR`), cwd = its project dir,
/// stdin from `/dev/null`, the hermetic environment of [`Sandbox::command`], a
/// [`DEFAULT_TIMEOUT`]. At most [`SLOTS_ENV`] (default 2) runs execute at once across all test
/// processes. `--dangerously-skip-permissions` is not passed (as root it needs `IS_SANDBOX=1`).
#[derive(Debug, Clone)]
#[must_use = "a ClaudeSession does nothing until .run()"]
pub struct ClaudeSession {
    base_url: String,
    prompt: String,
    sandbox: Option<Sandbox>,
    cwd: Option<PathBuf>,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    env_remove: Vec<OsString>,
    oauth: bool,
    stream_json_input: bool,
    timeout: Duration,
}

impl ClaudeSession {
    /// A session sending `prompt` to `mock`.
    pub fn new(mock: &MockApi, prompt: impl Into<String>) -> Self {
        Self {
            base_url: mock.base_url(),
            prompt: prompt.into(),
            sandbox: None,
            cwd: None,
            args: Vec::new(),
            env: Vec::new(),
            env_remove: Vec::new(),
            oauth: false,
            stream_json_input: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Runs in `sandbox` (share one between runs that need the same config, e.g. `--resume`).
    pub fn sandbox(mut self, sandbox: &Sandbox) -> Self {
        self.sandbox = Some(sandbox.clone());
        self
    }

    /// Working directory (project dir) of the run; defaults to [`Sandbox::project_dir`].
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Appends one CLI argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends CLI arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// `--settings <file or inline JSON>`.
    pub fn settings(self, settings: impl AsRef<OsStr>) -> Self {
        self.arg("--settings").arg(settings)
    }

    /// `--plugin-dir <dir>`: load a plugin for this run only.
    pub fn plugin_dir(self, dir: impl AsRef<Path>) -> Self {
        self.arg("--plugin-dir").arg(dir.as_ref())
    }

    /// `--resume <session id>` (use the same sandbox and cwd as the original run).
    pub fn resume(self, session_id: &str) -> Self {
        self.arg("--resume").arg(session_id)
    }

    /// Sets an environment variable (applied after the hermetic defaults, so it can override
    /// them, e.g. `CLAUDE_CODE_MAX_RETRIES`).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Removes an environment variable, including a hermetic default (e.g. drop
    /// `ANTHROPIC_API_KEY` when testing `CLAUDE_CODE_OAUTH_TOKEN`).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env_remove.push(key.as_ref().to_owned());
        self
    }

    /// Authenticates like a Claude subscription instead of an API key: removes
    /// `ANTHROPIC_API_KEY` and sets `CLAUDE_CODE_OAUTH_TOKEN` to [`TEST_OAUTH_TOKEN`], so the
    /// CLI sends `Authorization: Bearer <token>` (plus the `oauth-2025-04-20` beta) and reads
    /// 429s as subscription usage limits (see [`Turn::usage_limit`](crate::Turn::usage_limit)).
    ///
    /// Works offline as is: with an env token and the hermetic environment, 2.1.329 opens no
    /// connection but the one to the mock (checked with strace: no validation, refresh or profile
    /// lookup). Applied before
    /// [`ClaudeSession::env`] / [`ClaudeSession::env_remove`], which can still override it.
    pub fn oauth(mut self) -> Self {
        self.oauth = true;
        self
    }

    /// Sends the prompt as a stream-json user message on stdin (`--input-format stream-json`,
    /// stdin closed after it) instead of as an argument, with `--permission-prompt-tool stdio`:
    /// the SDK's way of running `-p`, the one in which `AskUserQuestion` is offered to the model
    /// (plain `-p` hides it since 2.1.187, `docs/claude-code-contract.md` §4).
    pub fn stream_json_input(mut self) -> Self {
        self.stream_json_input = true;
        self
    }

    /// Hard limit for the run; on expiry the process group is killed and the test fails with
    /// the captured output.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs the session to completion.
    ///
    /// A non-zero exit is not a panic (error scenarios are tested too); use
    /// [`SessionOutcome::assert_success`] for the happy path.
    ///
    /// # Panics
    /// If the CLI cannot be installed or started, or on timeout (with the captured output).
    pub fn run(self) -> SessionOutcome {
        let claude = ensure_claude();
        let sandbox = self.sandbox.unwrap_or_default();
        let cwd = self.cwd.unwrap_or_else(|| sandbox.project_dir());
        let mut cmd = sandbox.command(&claude, Some(&self.base_url));
        cmd.arg("-p");
        if self.stream_json_input {
            cmd.args([
                "--input-format",
                "stream-json",
                "--permission-prompt-tool",
                "stdio",
            ])
            .stdin(Stdio::piped());
        } else {
            cmd.arg(&self.prompt).stdin(Stdio::null());
        }
        cmd.args([
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-hook-events",
        ])
        .args(&self.args)
        .current_dir(&cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own process group, so a timeout also reaches the CLI's tools (hooks: see `kill`).
        .process_group(0);
        if self.oauth {
            cmd.env_remove("ANTHROPIC_API_KEY")
                .env("CLAUDE_CODE_OAUTH_TOKEN", TEST_OAUTH_TOKEN);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for k in &self.env_remove {
            cmd.env_remove(k);
        }

        let _slot = slots::acquire();
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", claude.display()));
        let pid = child.id();
        if let Some(mut stdin) = child.stdin.take() {
            let message = serde_json::json!({"type": "user", "message": {"role": "user", "content": self.prompt}});
            // A CLI that exits early closes the pipe; its output then says why.
            let _ = writeln!(stdin, "{message}");
        }
        let stdout = Capture::start(child.stdout.take());
        let stderr = Capture::start(child.stderr.take());
        let (done_tx, done_rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = wait(&mut child);
            let _ = done_tx.send(status);
        });

        let (status, timed_out) = match done_rx.recv_timeout(self.timeout) {
            Ok(status) => (status, false),
            Err(_) => {
                kill::kill_tree(pid);
                let status = done_rx
                    .recv()
                    .expect("waiter thread ended without reporting the exit status");
                (status, true)
            }
        };
        let _ = waiter.join();
        let elapsed = start.elapsed();
        let (out, err) = collect(stdout, stderr, pid);
        let outcome = SessionOutcome::from_output(status, out, err, elapsed, sandbox, cwd);
        assert!(
            !timed_out,
            "claude run timed out after {:?} (process tree of {pid} killed)\n{outcome}",
            self.timeout
        );
        outcome
    }
}

/// Output of one pipe, filled by a reader thread; shared so a partial capture can be taken if
/// the pipe never closes.
struct Capture {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    /// Reads `pipe` to EOF on a thread.
    fn start(pipe: Option<impl Read + Send + 'static>) -> Self {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let sink = buf.clone();
        std::thread::spawn(move || {
            if let Some(mut p) = pipe {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = p.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend_from_slice(&chunk[..n]);
                }
            }
            let _ = tx.send(());
        });
        Self { buf, done }
    }

    /// Waits until EOF or `deadline`, then returns what was read; `closed` is false if the pipe
    /// was still open (something outside our reach holds it).
    fn finish(self, deadline: Instant) -> (String, bool) {
        let left = deadline.saturating_duration_since(Instant::now());
        let closed = self.done.recv_timeout(left).is_ok();
        let bytes = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        (String::from_utf8_lossy(&bytes).into_owned(), closed)
    }
}

/// Gathers both pipes. If something the CLI started still holds them open after
/// [`DRAIN_GRACE`], kills the process tree, waits a moment more, and keeps what was written.
fn collect(stdout: Capture, stderr: Capture, pid: u32) -> (String, String) {
    let deadline = Instant::now() + DRAIN_GRACE;
    let (out, out_closed) = stdout.finish(deadline);
    let (mut err, err_closed) = stderr.finish(deadline);
    if !(out_closed && err_closed) {
        kill::kill_tree(pid);
        err.push_str(&format!(
            "\n[pcc-e2e: stdout/stderr still open {DRAIN_GRACE:?} after claude exited; \
             output may be truncated]"
        ));
    }
    (out, err)
}

fn wait(child: &mut Child) -> ExitStatus {
    child.wait().expect("cannot wait for the claude process")
}
