//! What to run: one `claude -p` child and its limits.

use std::ffi::OsString;
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
    /// Extra environment for the child (task and list ids, so our hooks tie its session to the
    /// task). `PCC_MODE=unattended` is always set and cannot be overridden here.
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
            extra_env: Vec::new(),
        }
    }

    /// The argument vector (without the program). The prompt is not in it: it goes to the
    /// child's stdin (`claude -p` reads the prompt from there when none is given), so a prompt of
    /// any size Claude accepts fits (one argument is capped at 128 KiB by Linux, all of them
    /// at `ARG_MAX`), and nothing in it can be read as an option.
    pub(crate) fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "-p".into(),
            "--output-format".into(),
            "stream-json".into(),
            "--verbose".into(),
        ];
        if let Some(model) = &self.model {
            args.push("--model".into());
            args.push(model.into());
        }
        if !self.allowed_tools.is_empty() {
            // One value, space-separated, as Claude Code documents it (`"Bash(git *) Edit"`):
            // several values after a variadic option could swallow later arguments.
            args.push("--allowedTools".into());
            args.push(self.allowed_tools.join(" ").into());
        }
        if let Some(max_turns) = self.max_turns {
            args.push("--max-turns".into());
            args.push(max_turns.to_string().into());
        }
        if let Some(session) = &self.resume_session {
            args.push("--resume".into());
            args.push(session.into());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn minimal_args() {
        let spec = ChildSpec::new("do it", "/tmp");
        assert_eq!(
            strings(spec.args()),
            ["-p", "--output-format", "stream-json", "--verbose"]
        );
    }

    #[test]
    fn all_options() {
        let mut spec = ChildSpec::new("x", "/tmp");
        spec.model = Some("opus".into());
        spec.allowed_tools = vec!["Bash(git *)".into(), "Edit".into()];
        spec.max_turns = Some(7);
        spec.resume_session = Some("abc".into());
        assert_eq!(
            strings(spec.args()),
            [
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--model",
                "opus",
                "--allowedTools",
                "Bash(git *) Edit",
                "--max-turns",
                "7",
                "--resume",
                "abc"
            ]
        );
    }
}
