//! What to run: one `claude -p` child and its limits.

use crate::command::ClaudeCommand;
use std::path::PathBuf;
use std::time::Duration;

/// The time a child gets between SIGTERM and SIGKILL unless the spec says otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// The time a child may run unless the spec says otherwise (one hour).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// One headless Claude Code run: the prompt, where, with which options, and how long.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildSpec {
    /// The task as the user wrote it. The runner appends the nonce instruction and writes it
    /// to the child's stdin.
    pub prompt: String,
    /// The child's working directory.
    pub cwd: PathBuf,
    /// The Claude Code executable: `claude` (looked up on `PATH`) by default; tests use a fake.
    pub claude_program: PathBuf,
    /// `--model`, if set.
    pub model: Option<String>,
    /// `--allowedTools`, if not empty (rules in Claude Code's syntax, e.g. `Bash(git *)`).
    pub allowed_tools: Vec<String>,
    /// `--max-turns`, if set.
    pub max_turns: Option<u32>,
    /// Wall time before the child's process group is terminated.
    pub timeout: Duration,
    /// Time between SIGTERM and SIGKILL when the child is stopped.
    pub grace: Duration,
    /// `--resume <session id>`: continue that session instead of starting a new one.
    pub resume_session: Option<String>,
    /// `PCC_HOME` for the child, so its hooks write to the database the caller watches.
    pub pcc_home: Option<PathBuf>,
    /// Extra environment for the child (task and list ids, so our hooks tie its session to the
    /// task). `PCC_MODE=unattended` is always set and cannot be overridden here; see
    /// [`ClaudeCommand`] for what every child loses and gets.
    pub extra_env: Vec<(String, String)>,
}

impl ChildSpec {
    /// A spec with the defaults: `claude` on `PATH`, no options, [`DEFAULT_TIMEOUT`],
    /// [`DEFAULT_GRACE`].
    pub fn new(prompt: impl Into<String>, cwd: impl Into<PathBuf>) -> ChildSpec {
        ChildSpec {
            prompt: prompt.into(),
            cwd: cwd.into(),
            claude_program: PathBuf::from("claude"),
            model: None,
            allowed_tools: Vec::new(),
            max_turns: None,
            timeout: DEFAULT_TIMEOUT,
            grace: DEFAULT_GRACE,
            resume_session: None,
            pcc_home: None,
            extra_env: Vec::new(),
        }
    }

    /// The `claude` this spec runs: the one builder every child of ours is started with.
    pub fn command(&self) -> ClaudeCommand {
        let mut command = ClaudeCommand::new(&self.claude_program, &self.cwd)
            .model(self.model.clone())
            .allowed_tools(self.allowed_tools.clone())
            .max_turns(self.max_turns)
            .resume(self.resume_session.clone())
            .pcc_home(self.pcc_home.clone());
        for (key, value) in &self.extra_env {
            command = command.env(key, value);
        }
        command
    }
}
