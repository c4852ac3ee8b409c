//! The fake `claude`: where the `fake-claude` binary is, how a test scripts it, and what it
//! recorded.
//!
//! A test starts what it tests (`pcc-hooks scheduler`, `pcc-mcp`, `run_child`) with
//! `PCC_CLAUDE_BIN` (or the spec's program) set to [`program()`], names a [`Scenario`] in
//! [`SCENARIO_ENV`] (or, for a task of a list, as `SCENARIO=<name>` in the task's prompt), and a
//! record file in [`RECORD_ENV`]. The fake inherits those through whatever starts it.
//!
//! Every run appends to the record one JSON line when it starts,
//! `{"event": "start", "argv", "stdin", "cwd", "env", "pid", "session", "time"}` (`env` is every
//! variable it received, `time` seconds since the epoch), and one when its turn ends,
//! `{"event": "end", "pid", "session", "time"}`; see [`runs`] and [`notes`]. Without `-p` it is
//! a subcommand (`claude mcp add …`): noted with its argv only, and it succeeds; `--version`
//! prints [`VERSION_ENV`].

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The scenario to play, by [`Scenario::name`]. Without it, the last `SCENARIO=<name>` in the
/// prompt, else [`Scenario::Success`].
pub const SCENARIO_ENV: &str = "FAKE_CLAUDE_SCENARIO";
/// The scenario to play instead when the fake is started with `--resume`.
pub const SCENARIO_ON_RESUME_ENV: &str = "FAKE_CLAUDE_SCENARIO_ON_RESUME";
/// The file every run appends its notes to.
pub const RECORD_ENV: &str = "FAKE_CLAUDE_RECORD";
/// The session id to report. Without it: the `--resume` argument, else `fake-<PCC_TASK_ID>`,
/// else [`DEFAULT_SESSION`].
pub const SESSION_ENV: &str = "FAKE_CLAUDE_SESSION";
/// [`Scenario::UsageLimit`]'s reset, in seconds since the epoch (default: two hours from now).
pub const RESETS_AT_ENV: &str = "FAKE_CLAUDE_RESETS_AT";
/// A file whose `flock` the fake takes (so waits for) before its turn ends: a test holding the
/// lock holds the fake mid-run, in any scenario.
pub const HOLD_ENV: &str = "FAKE_CLAUDE_HOLD";
/// A path [`Scenario::Gate`] waits to exist before it ends its turn.
pub const GATE_ENV: &str = "FAKE_CLAUDE_GATE";
/// A file [`Scenario::Slow`] writes once it runs, so a test can wait for that.
pub const READY_ENV: &str = "FAKE_CLAUDE_READY";
/// A FIFO (or file) the fake writes `ran` to as its last act, so a test can block on it.
pub const DONE_FIFO_ENV: &str = "FAKE_CLAUDE_DONE_FIFO";
/// Where [`Scenario::Hang`] and [`Scenario::OrphanHoldsStdout`] write their grandchild's pid.
pub const PID_FILE_ENV: &str = "FAKE_CLAUDE_PID_FILE";
/// What `claude --version` prints (default [`DEFAULT_VERSION`]).
pub const VERSION_ENV: &str = "FAKE_CLAUDE_VERSION";

/// The session id when nothing names one.
pub const DEFAULT_SESSION: &str = "11111111-2222-3333-4444-555555555555";
/// What `claude --version` prints by default.
pub const DEFAULT_VERSION: &str = "2.1.329 (Claude Code)";

/// What the fake does in one run. Each prints stream-json as `claude -p` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// A turn with a tool call, a line that is not JSON, and a successful result that echoes the
    /// prompt's `TASK-COMPLETE` nonce. The result text is `RESULT[<tag>]` for the prompt's last
    /// `TAG=<tag>`, else `All done`.
    Success,
    /// As [`Scenario::Success`], but first fills stdout far past a pipe's buffer before it reads
    /// the prompt (a runner that writes the prompt before reading deadlocks).
    FloodThenRead,
    /// A successful result without the nonce.
    NoNonce,
    /// A successful result with a wrong nonce.
    WrongNonce,
    /// An error result (`boom`, errors `Tool crashed: boom`), `fatal: …` on stderr, exit 1.
    Fail,
    /// No result at all, `segfault-ish` on stderr, exit 3.
    ExitNoResult,
    /// Succeeds and exits at once, leaving a grandchild that holds stdout open.
    OrphanHoldsStdout,
    /// Outlives SIGTERM, with a grandchild that does too, after some output.
    Hang,
    /// Some output, then waits until killed (SIGTERM works).
    Slow,
    /// About 11 MB of stdout and 4 MB of stderr, interleaved, then a result.
    Flood,
    /// A `rate_limit_event` (`rejected`, five hours) and the 429 "You've hit your 5-hour
    /// limit" result of a subscription, exit 1.
    UsageLimit,
    /// The 429 result of an API key's rate limit (no reset), exit 1.
    ApiKey429,
    /// One result line and nothing else (benchmarks).
    Quick,
    /// As [`Scenario::Success`], after [`GATE_ENV`] exists.
    Gate,
    /// No output, exit 0.
    Silent,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 15] = [
        Scenario::Success,
        Scenario::FloodThenRead,
        Scenario::NoNonce,
        Scenario::WrongNonce,
        Scenario::Fail,
        Scenario::ExitNoResult,
        Scenario::OrphanHoldsStdout,
        Scenario::Hang,
        Scenario::Slow,
        Scenario::Flood,
        Scenario::UsageLimit,
        Scenario::ApiKey429,
        Scenario::Quick,
        Scenario::Gate,
        Scenario::Silent,
    ];

    /// The name a test gives in [`SCENARIO_ENV`] or as `SCENARIO=<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Success => "success",
            Scenario::FloodThenRead => "flood_then_read",
            Scenario::NoNonce => "no_nonce",
            Scenario::WrongNonce => "wrong_nonce",
            Scenario::Fail => "fail",
            Scenario::ExitNoResult => "exit_no_result",
            Scenario::OrphanHoldsStdout => "orphan_holds_stdout",
            Scenario::Hang => "hang",
            Scenario::Slow => "slow",
            Scenario::Flood => "flood",
            Scenario::UsageLimit => "usage_limit",
            Scenario::ApiKey429 => "api_key_429",
            Scenario::Quick => "quick",
            Scenario::Gate => "gate",
            Scenario::Silent => "silent",
        }
    }

    /// The scenario of that name.
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name() == name)
    }
}

/// The `fake-claude` binary built beside the running test.
///
/// Cargo builds a package's own binaries for its tests, not a dependency's, so this one is built
/// by `cargo nextest run --workspace` (every workspace binary) or `cargo build -p pcc-testkit`.
///
/// # Panics
/// When it is missing or older than its sources, with the command that builds it: a stale fake
/// would make a test pass or fail for a double that is no longer there.
pub fn program() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test executable has a path");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let build = if profile_dir.ends_with("release") {
        "cargo build --release -p pcc-testkit"
    } else {
        "cargo build -p pcc-testkit"
    };
    let binary = profile_dir.join("fake-claude");
    let built = modified(&binary).unwrap_or_else(|| {
        panic!(
            "{} does not exist; build it first: {build}",
            binary.display()
        )
    });
    let sources = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some((source, changed)) = newest(&[sources.join("Cargo.toml"), sources.join("src")])
        && changed > built
    {
        panic!(
            "{} is older than {}; rebuild it first: {build}",
            binary.display(),
            source.display()
        );
    }
    binary
}

/// `dir/claude`, a link to [`program()`], for code that finds `claude` on `PATH`.
pub fn link_as_claude(dir: &Path) -> PathBuf {
    let link = dir.join("claude");
    std::os::unix::fs::symlink(program(), &link)
        .unwrap_or_else(|err| panic!("link {}: {err}", link.display()));
    link
}

/// Every note of the record, in order (none when the fake never ran).
///
/// # Panics
/// On a line that is not JSON: the fake writes whole lines.
pub fn notes(record: &Path) -> Vec<Value> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}")))
        .collect()
}

/// The `start` notes of the record: one per run, with its argv, stdin, cwd and env.
pub fn runs(record: &Path) -> Vec<Value> {
    notes(record)
        .into_iter()
        .filter(|note| note["event"] == "start")
        .collect()
}

/// The arguments of a run, as strings.
pub fn argv(run: &Value) -> Vec<String> {
    run["argv"]
        .as_array()
        .unwrap_or_else(|| panic!("no argv in {run}"))
        .iter()
        .map(|arg| arg.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
}

/// The most recently changed file under `roots`.
fn newest(roots: &[PathBuf]) -> Option<(PathBuf, SystemTime)> {
    let mut newest: Option<(PathBuf, SystemTime)> = None;
    let mut pending = roots.to_vec();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.flatten().map(|entry| entry.path()));
            }
        } else if let Some(time) = modified(&path)
            && newest.as_ref().is_none_or(|(_, best)| time > *best)
        {
            newest = Some((path, time));
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_found_by_its_name() {
        for scenario in Scenario::ALL {
            assert_eq!(Scenario::from_name(scenario.name()), Some(scenario));
        }
        assert_eq!(Scenario::from_name("nonsense"), None);
    }
}
