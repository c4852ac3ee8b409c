//! The permission risk policy: decides how risky one Claude Code tool call is.
//!
//! The threat is an overeager or prompt-injected agent that writes and runs code in the
//! project. LOW is a promise: the call is harmless, proven from the parse alone — an
//! allow-listed program with allow-listed options (`commands/spec.rs`), on arguments whose
//! values are fully known, whose paths resolve inside the project or to harmless places
//! (scratch outside the home, installed programs, `/dev/null`). Anything the parse cannot
//! pin down (a value known only at run time, an unknown option, a construct bash
//! evaluates as code, a path behind a link) is never LOW: wrong toward MEDIUM costs a
//! stall, wrong toward LOW costs someone their data.
//!
//! Pure functions only (no I/O, no environment reads), so every hook call is fast and
//! every decision is reproducible in tests. Shell commands are parsed with a real shell
//! parser and every simple command that would run is judged; see `shell` and `commands`.

mod commands;
mod containment;
mod data_dir;
mod file_tools;
mod level;
mod mcp;
mod paths;
mod shell;
mod verbs;
mod verdict;

use std::path::PathBuf;

use serde_json::Value;

pub use containment::Containment;
pub use level::RiskLevel;
pub use verdict::{Finding, SimpleCommandSummary, Verdict};

/// Where the tool call happens; passed in (never read from the environment) so that
/// classification is hermetic and testable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyContext {
    /// The session's working directory, against which relative paths are resolved.
    pub cwd: PathBuf,
    /// The project root: writes below it are the normal business of a coding agent.
    pub project_root: PathBuf,
    /// The user's home directory, for `~` and for secrets such as `~/.ssh`.
    pub home: PathBuf,
    /// Every name of pcc-hooks' own data directory (`$PCC_HOME` or the platform default):
    /// as configured, made absolute, and with its links resolved when it exists. It holds the
    /// database of human approvals, the spool, the deferral marks, the server token and the
    /// config, and may lie anywhere (under `/tmp`, inside the project): a path at or under it
    /// is pcc-hooks' own wherever it is (HIGH to write, never LOW to read), which the places
    /// known by name under the home cannot say. Empty when the caller has none; a relative
    /// entry is taken against `cwd`.
    pub data_dirs: Vec<PathBuf>,
}

/// Claude tools that ask the user something rather than act; the brain answers them.
const QUESTION_TOOLS: &[&str] = &["AskUserQuestion", "ExitPlanMode"];

/// Claude tools with no side effects outside Claude's own bookkeeping.
const HARMLESS_TOOLS: &[&str] = &[
    "TodoWrite",
    "Task",
    "Agent",
    "WebSearch",
    "BashOutput",
    "KillShell",
    "KillBash",
    "ListMcpResourcesTool",
    "ReadMcpResourceTool",
    "TaskOutput",
    "TaskStop",
];

/// Classifies one tool call.
///
/// `tool_input` is the JSON object Claude Code sends in the hook's `tool_input`; a
/// missing or malformed input is never LOW (rule `input.invalid`).
pub fn classify(tool_name: &str, tool_input: &Value, ctx: &PolicyContext) -> Verdict {
    if tool_name == "Bash" {
        return match tool_input.get("command").and_then(Value::as_str) {
            Some(command) => shell::classify_shell(command, ctx),
            None => Verdict::from_finding(file_tools::invalid_input(
                tool_name,
                "has no command string",
            )),
        };
    }
    if let Some(finding) = file_tools::classify_file_tool(tool_name, tool_input, ctx) {
        let mut verdict = Verdict::from_finding(finding);
        verdict.paths = file_tools::paths_of(tool_input, ctx);
        return verdict;
    }
    if let Some((server, tool)) = mcp::split_mcp_name(tool_name) {
        let mut verdict = Verdict::from_finding(mcp::classify_mcp(server, tool, tool_input, ctx));
        verdict.paths = file_tools::paths_of(tool_input, ctx);
        return verdict;
    }
    let finding = if QUESTION_TOOLS.contains(&tool_name) {
        Finding::new(
            RiskLevel::Low,
            "tool.question",
            format!("{tool_name} asks the user; not a permission"),
        )
    } else if HARMLESS_TOOLS.contains(&tool_name) {
        Finding::new(
            RiskLevel::Low,
            "tool.harmless",
            format!("{tool_name} has no side effects outside Claude"),
        )
    } else if tool_name == "WebFetch" {
        Finding::new(
            RiskLevel::Medium,
            "tool.web-fetch",
            "fetches a web page (network, untrusted content)",
        )
    } else {
        Finding::new(
            RiskLevel::Medium,
            "tool.unknown",
            format!("unknown tool {tool_name}"),
        )
    };
    Verdict::from_finding(finding)
}

/// True when `path` (as found on disk, links followed) is a place the policy lets LOW read
/// or write: the project (not its protected files, for a write), scratch outside the home,
/// installed programs (for a read), `/dev/null`. The caller checks the paths of a LOW
/// verdict ([`Verdict::paths`]) with it after following links on disk, which the pure
/// policy cannot do.
pub fn harmless_place(path: &std::path::Path, ctx: &PolicyContext, write: bool) -> bool {
    use paths::PlaceKind::{
        AgentSettings, NullDevice, Project, ProjectDisposable, ProjectRoot, SystemPublic, Temp,
        VcsInternal,
    };
    let kind = paths::place_kind(path, ctx);
    if write {
        matches!(
            kind,
            Project | ProjectDisposable | ProjectRoot | Temp | NullDevice
        )
    } else {
        matches!(
            kind,
            Project
                | ProjectDisposable
                | ProjectRoot
                | Temp
                | NullDevice
                | SystemPublic
                | VcsInternal
                | AgentSettings
        )
    }
}

/// Resolves a tool's path argument exactly as the policy does: against the session cwd,
/// `~` against home, `.`/`..` folded lexically (no filesystem access). Exposed so that
/// permission rules and records match the same path the policy judged.
pub fn resolve_path(raw: &str, ctx: &PolicyContext) -> PathBuf {
    paths::resolve(raw, &ctx.cwd, &ctx.home)
}

/// Classifies a shell command line as the `Bash` tool would run it; the entry point for
/// `pcc-hooks explain -- 'COMMAND'`.
pub fn classify_command(command: &str, ctx: &PolicyContext) -> Verdict {
    shell::classify_shell(command, ctx)
}
