//! The one way we start `claude`: its argument vector and its environment, whoever asks (a task
//! of a list, a resume of a session stopped by a limit, `pcc-hooks start`).
//!
//! Every child is headless (`-p --output-format stream-json --verbose`, the prompt on stdin, never
//! in an argument), unattended (`PCC_MODE=unattended`, which the caller cannot override), and
//! starts clean of the session that launched it: see [`STRIPPED_VARIABLES`].

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};

/// Variables a child never inherits, because each describes the Claude Code session we run in,
/// not the one the child starts. Claude Code sets each for its own children (hooks, tools, MCP
/// servers), and a `claude` that finds one already set takes it as its own:
///
/// - `CLAUDECODE`: "you run inside Claude Code"; a `claude` that sees it behaves as a nested
///   session.
/// - `CLAUDE_CODE_SESSION_ID`, `CLAUDE_CODE_CHILD_SESSION`: the parent's session identity; the
///   child would report (and our hooks would record) the parent's session.
/// - `CLAUDE_CODE_ENTRYPOINT`, `CLAUDE_CODE_SESSION_ATTENDED`, `AI_AGENT`: how the parent was
///   started (`cli`, attended); our hooks read them to tell a headless session from an
///   interactive one, so an inherited `cli` would make a `claude -p` child look attended.
/// - `CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME`: set by the parent's run; a resumed session must
///   ask about a deferred call again.
/// - `CLAUDE_PROJECT_DIR`, `CLAUDE_EFFORT`, `CLAUDE_PLUGIN_ROOT`, `CLAUDE_PLUGIN_DATA`: the
///   parent's project, effort and plugin; the child has its own working directory and plugins.
///
/// Kept: `CLAUDE_CONFIG_DIR`, `ANTHROPIC_*` and `CLAUDE_CODE_OAUTH_TOKEN`, which locate the
/// sessions and the account the child must use, and `PATH`, `HOME` and the rest of the user's
/// environment.
pub const STRIPPED_VARIABLES: &[&str] = &[
    "CLAUDECODE",
    "CLAUDE_CODE_SESSION_ID",
    "CLAUDE_CODE_CHILD_SESSION",
    "CLAUDE_CODE_ENTRYPOINT",
    "CLAUDE_CODE_SESSION_ATTENDED",
    "AI_AGENT",
    "CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME",
    "CLAUDE_PROJECT_DIR",
    "CLAUDE_EFFORT",
    "CLAUDE_PLUGIN_ROOT",
    "CLAUDE_PLUGIN_DATA",
];

/// The variable that makes our hooks in the child treat it as unattended: no human answers.
pub const MODE_VARIABLE: &str = "PCC_MODE";

/// The variable naming our data directory (the same as `pcc_core::paths::PCC_HOME_ENV`), set so
/// the child's hooks write to the database its parent watches.
pub const HOME_VARIABLE: &str = "PCC_HOME";

/// One `claude -p` to start: program, directory, options and our variables.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaudeCommand {
    program: PathBuf,
    cwd: PathBuf,
    model: Option<String>,
    allowed_tools: Vec<String>,
    max_turns: Option<u32>,
    resume: Option<String>,
    session_id: Option<String>,
    pcc_home: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl ClaudeCommand {
    /// `program -p` in `cwd`, with no options.
    pub fn new(program: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> ClaudeCommand {
        ClaudeCommand {
            program: program.into(),
            cwd: cwd.into(),
            model: None,
            allowed_tools: Vec::new(),
            max_turns: None,
            resume: None,
            session_id: None,
            pcc_home: None,
            env: Vec::new(),
        }
    }

    /// `--model`.
    pub fn model(mut self, model: Option<String>) -> ClaudeCommand {
        self.model = model;
        self
    }

    /// `--allowedTools` (nothing when empty), rules in Claude Code's syntax, e.g. `Bash(git *)`.
    pub fn allowed_tools(mut self, rules: Vec<String>) -> ClaudeCommand {
        self.allowed_tools = rules;
        self
    }

    /// `--max-turns`.
    pub fn max_turns(mut self, turns: Option<u32>) -> ClaudeCommand {
        self.max_turns = turns;
        self
    }

    /// `--resume <session>`: continue that session instead of starting a new one.
    pub fn resume(mut self, session: Option<String>) -> ClaudeCommand {
        self.resume = session;
        self
    }

    /// `--session-id <uuid>`: the id the new session gets, chosen by the caller so it is known
    /// (and recorded) before Claude starts (`pcc-hooks start`).
    pub fn session_id(mut self, id: Option<String>) -> ClaudeCommand {
        self.session_id = id;
        self
    }

    /// `PCC_HOME` for the child: the data directory whose database the caller watches.
    pub fn pcc_home(mut self, dir: Option<PathBuf>) -> ClaudeCommand {
        self.pcc_home = dir;
        self
    }

    /// One more variable for the child (task and list ids, so our hooks tie its session to the
    /// task). `PCC_MODE` and `PCC_HOME` are ours and are ignored here, as are the
    /// [`STRIPPED_VARIABLES`].
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ClaudeCommand {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The program.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// The argument vector (without the program). The prompt is not in it: it goes to the
    /// child's stdin (`claude -p` reads the prompt from there when none is given), so a prompt of
    /// any size Claude accepts fits (one argument is capped at 128 KiB by Linux, all of them
    /// at `ARG_MAX`), and nothing in it can be read as an option.
    pub fn args(&self) -> Vec<OsString> {
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
        if let Some(session) = &self.resume {
            args.push("--resume".into());
            args.push(session.into());
        }
        if let Some(id) = &self.session_id {
            args.push("--session-id".into());
            args.push(id.into());
        }
        args
    }

    /// The variables set in the child, in order: the caller's extras, then ours.
    pub fn set_variables(&self) -> Vec<(OsString, OsString)> {
        let ours = |key: &str| {
            key == MODE_VARIABLE || key == HOME_VARIABLE || STRIPPED_VARIABLES.contains(&key)
        };
        let mut vars: Vec<(OsString, OsString)> = self
            .env
            .iter()
            .filter(|(key, _)| !ours(key))
            .map(|(key, value)| (key.into(), value.into()))
            .collect();
        if let Some(home) = &self.pcc_home {
            vars.push((HOME_VARIABLE.into(), home.into()));
        }
        vars.push((MODE_VARIABLE.into(), "unattended".into()));
        vars
    }

    /// The command, ready for the caller's stdio: arguments, directory, environment, and its own
    /// process group (so stopping it stops everything it started, and a terminal's Ctrl-C
    /// reaches only its parent).
    pub fn to_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(&self.program);
        command
            .args(self.args())
            .current_dir(&self.cwd)
            .process_group(0);
        for variable in STRIPPED_VARIABLES {
            command.env_remove(variable);
        }
        command.envs(self.set_variables());
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    /// The environment changes of a built command: `None` for a removed variable.
    fn env_changes(command: &std::process::Command) -> Vec<(String, Option<String>)> {
        let text = |value: &OsStr| value.to_string_lossy().into_owned();
        let mut changes: Vec<_> = command
            .get_envs()
            .map(|(key, value)| (text(key), value.map(text)))
            .collect();
        changes.sort();
        changes
    }

    fn stripped() -> Vec<(String, Option<String>)> {
        STRIPPED_VARIABLES
            .iter()
            .map(|key| ((*key).to_owned(), None))
            .collect()
    }

    #[test]
    fn a_task_of_a_list_runs_headless_with_its_options_and_ids() {
        let command = ClaudeCommand::new("/bin/claude", "/work")
            .model(Some("opus".into()))
            .allowed_tools(vec!["Bash(git *)".into(), "Edit".into()])
            .max_turns(Some(7))
            .pcc_home(Some("/data".into()))
            .env("PCC_TASK_LIST_ID", "3")
            .env("PCC_TASK_ID", "3.1");
        assert_eq!(
            strings(command.args()),
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
            ]
        );
        let built = command.to_command();
        assert_eq!(built.get_program(), "/bin/claude");
        assert_eq!(built.get_current_dir(), Some(Path::new("/work")));
        let mut expected = stripped();
        expected.extend([
            ("PCC_HOME".to_owned(), Some("/data".to_owned())),
            ("PCC_MODE".to_owned(), Some("unattended".to_owned())),
            ("PCC_TASK_ID".to_owned(), Some("3.1".to_owned())),
            ("PCC_TASK_LIST_ID".to_owned(), Some("3".to_owned())),
        ]);
        expected.sort();
        assert_eq!(env_changes(&built), expected);
    }

    #[test]
    fn a_resume_continues_the_session_with_the_same_environment() {
        let command = ClaudeCommand::new("claude", "/project")
            .resume(Some("abc".into()))
            .pcc_home(Some("/data".into()));
        assert_eq!(
            strings(command.args()),
            [
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--resume",
                "abc"
            ]
        );
        let mut expected = stripped();
        expected.extend([
            ("PCC_HOME".to_owned(), Some("/data".to_owned())),
            ("PCC_MODE".to_owned(), Some("unattended".to_owned())),
        ]);
        expected.sort();
        assert_eq!(env_changes(&command.to_command()), expected);
    }

    #[test]
    fn the_caller_cannot_set_our_variables_or_bring_back_a_stripped_one() {
        let command = ClaudeCommand::new("claude", "/")
            .env("PCC_MODE", "interactive")
            .env("PCC_HOME", "/elsewhere")
            .env("CLAUDECODE", "1")
            .env("KEEP", "yes");
        let mut expected = stripped();
        expected.extend([
            ("KEEP".to_owned(), Some("yes".to_owned())),
            ("PCC_MODE".to_owned(), Some("unattended".to_owned())),
        ]);
        expected.sort();
        assert_eq!(env_changes(&command.to_command()), expected);
    }

    #[test]
    fn a_started_session_gets_the_id_chosen_for_it() {
        let command = ClaudeCommand::new("claude", "/project")
            .session_id(Some("3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b".into()));
        assert_eq!(
            strings(command.args()),
            [
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--session-id",
                "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b"
            ]
        );
    }

    #[test]
    fn the_minimal_command_is_headless_stream_json() {
        assert_eq!(
            strings(ClaudeCommand::new("claude", "/").args()),
            ["-p", "--output-format", "stream-json", "--verbose"]
        );
    }
}
