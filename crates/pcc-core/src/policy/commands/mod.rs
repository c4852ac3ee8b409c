//! Per-command knowledge: given one argument vector, how risky is it, and what does it
//! run in turn. Each family of commands lives in its own module, mostly as data tables.

mod cloud;
mod containers;
mod files;
mod git;
mod interpreters;
mod network;
mod packages;
mod readonly;
mod rm;
mod search;
mod system;
mod wrappers;

pub(crate) use interpreters::STDIN_SCRIPT_RULE;

use std::path::{Path, PathBuf};

use super::PolicyContext;
use super::level::RiskLevel;
use super::paths::{PlaceKind, place_kind, resolve, secret_kind, write_finding};
use super::shell::words::Arg;
use super::verdict::Finding;

/// Facts about a command that matter in combination with other commands.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    /// Talks to the network (fetches or sends).
    pub network: bool,
    /// Reads a secret file.
    pub reads_secret: bool,
    /// Executes a script read from standard input (`sh`, `bash -s`, `python -`).
    pub runs_stdin: bool,
}

impl Facts {
    /// Combines facts of parts of a command line.
    pub(crate) fn merge(&mut self, other: Self) {
        self.network |= other.network;
        self.reads_secret |= other.reads_secret;
        self.runs_stdin |= other.runs_stdin;
    }
}

/// Something a command runs in turn, to be judged like a command of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Nested {
    /// Shell text to parse (`bash -c '…'`, `eval …`, `ssh host '…'`).
    Script(String),
    /// An argument vector to judge directly (`sudo rm …`, `xargs rm`, `find -exec rm {} ;`).
    Argv(Vec<Arg>),
}

/// The judgement of one argument vector.
#[derive(Debug, Clone)]
pub(crate) struct Judgement {
    pub finding: Finding,
    pub facts: Facts,
    pub nested: Vec<Nested>,
    /// What the command prints, when it is literal text (`echo`/`printf` of literals).
    pub literal_stdout: Option<String>,
}

impl Judgement {
    /// A judgement with no facts and nothing nested.
    pub(crate) fn of(level: RiskLevel, rule: &'static str, reason: impl Into<String>) -> Self {
        Self::from(Finding::new(level, rule, reason))
    }

    /// Adds something the command runs in turn.
    pub(crate) fn with_nested(mut self, nested: Nested) -> Self {
        self.nested.push(nested);
        self
    }

    /// Raises the finding to `other` if `other` is riskier.
    pub(crate) fn raise(mut self, other: Finding) -> Self {
        self.finding = self.finding.max(other);
        self
    }

    /// Marks the command as talking to the network.
    pub(crate) fn networked(mut self) -> Self {
        self.facts.network = true;
        self
    }
}

impl From<Finding> for Judgement {
    fn from(finding: Finding) -> Self {
        Self {
            finding,
            facts: Facts::default(),
            nested: Vec::new(),
            literal_stdout: None,
        }
    }
}

/// One command about to run, with what is needed to judge it.
pub(crate) struct Invocation<'a> {
    /// The words after expansion; `argv[0]` is the command.
    pub argv: &'a [Arg],
    /// Names of variables assigned for this command only (`VAR=x cmd`).
    pub env: &'a [String],
    /// The working directory, `None` when a dynamic `cd` made it unknowable.
    pub cwd: Option<&'a Path>,
    /// Project root and home.
    pub ctx: &'a PolicyContext,
    /// An argument came from a substitution that used the network (`bash -c "$(curl …)"`).
    pub subst_network: bool,
}

impl<'a> Invocation<'a> {
    /// The arguments after the command name.
    pub(crate) fn args(&self) -> &'a [Arg] {
        self.argv.get(1..).unwrap_or(&[])
    }

    /// Resolves a literal argument to a path; `None` when it is dynamic or the cwd is unknown.
    pub(crate) fn path(&self, arg: &Arg) -> Option<PathBuf> {
        if arg.dynamic {
            return None;
        }
        Some(resolve(&arg.text, self.cwd?, &self.ctx.home))
    }

    /// Where an argument points, `None` when unknowable.
    pub(crate) fn place(&self, arg: &Arg) -> Option<PlaceKind> {
        self.path(arg).map(|p| place_kind(&p, self.ctx))
    }

    /// The finding for writing to the path named by `arg`.
    pub(crate) fn write_to(&self, arg: &Arg) -> Finding {
        match self.place(arg) {
            Some(kind) => write_finding(kind, &arg.text),
            None => Finding::new(
                RiskLevel::Medium,
                "path.dynamic",
                format!("writes {} (known only at run time)", arg.text),
            ),
        }
    }

    /// True when `arg` names a secret file.
    pub(crate) fn is_secret(&self, arg: &Arg) -> bool {
        self.path(arg)
            .is_some_and(|p| secret_kind(&p, &self.ctx.home).is_some())
    }
}

/// The arguments that are not options (do not start with `-`), after a `--` everything.
pub(crate) fn operands(args: &[Arg]) -> Vec<&Arg> {
    let mut out = Vec::new();
    let mut options_done = false;
    for arg in args {
        if options_done || !arg.text.starts_with('-') || arg.text == "-" {
            out.push(arg);
        } else if arg.text == "--" {
            options_done = true;
        }
    }
    out
}

/// True if any argument is one of `flags` exactly, or a short-flag cluster containing one
/// of `letters` (`-rf` contains `r`).
pub(crate) fn has_flag(args: &[Arg], flags: &[&str], letters: &[char]) -> bool {
    args.iter().take_while(|a| a.text != "--").any(|a| {
        let t = a.text.as_str();
        flags.iter().any(|f| {
            t == *f || (f.starts_with("--") && t.starts_with(f) && t[f.len()..].starts_with('='))
        }) || (t.starts_with('-')
            && !t.starts_with("--")
            && t[1..].chars().any(|c| letters.contains(&c)))
    })
}

/// Normalises a command word: basename of a path, interpreter version suffixes dropped
/// (`/usr/bin/python3.12` → `python`).
pub(crate) fn command_name(word: &str) -> &str {
    let base = word.rsplit('/').next().unwrap_or(word);
    let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match trimmed {
        "python" | "pip" | "ruby" | "perl" | "node" | "php" | "lua" | "gcc" | "g++" | "clang" => {
            trimmed
        }
        _ => base,
    }
}

/// Environment variables that change what a command runs, so even a harmless command is
/// not harmless with them.
const HIJACKING_ENV: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "DYLD_INSERT_LIBRARIES",
    "PATH",
    "BASH_ENV",
    "ENV",
    "PROMPT_COMMAND",
    "GIT_SSH_COMMAND",
    "GIT_EXTERNAL_DIFF",
    "PAGER",
    "GIT_PAGER",
    "EDITOR",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
    "PERL5OPT",
];

/// Judges one argument vector.
pub(crate) fn judge(inv: &Invocation<'_>) -> Judgement {
    let Some(first) = inv.argv.first() else {
        return Judgement::of(RiskLevel::Low, "shell.empty", "nothing to run");
    };
    if first.dynamic {
        return dynamic_command(inv);
    }
    let name = command_name(&first.text);
    let mut judgement = dispatch(name, inv);
    if let Some(var) = inv.env.iter().find(|v| HIJACKING_ENV.contains(&v.as_str())) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "env.hijack",
            format!("sets {var}, which changes what the command runs"),
        ));
    }
    judgement
}

fn dispatch(name: &str, inv: &Invocation<'_>) -> Judgement {
    if let Some(j) = wrappers::judge(name, inv) {
        return j;
    }
    if let Some(j) = readonly::judge(name, inv) {
        return j;
    }
    let families: &[fn(&str, &Invocation<'_>) -> Option<Judgement>] = &[
        rm::judge,
        git::judge,
        files::judge,
        search::judge,
        interpreters::judge,
        packages::judge,
        network::judge,
        containers::judge,
        cloud::judge,
        system::judge,
    ];
    families
        .iter()
        .find_map(|family| family(name, inv))
        .unwrap_or_else(|| {
            Judgement::of(
                RiskLevel::Medium,
                "command.unknown",
                format!("unknown command {name}"),
            )
        })
}

/// The command word itself is computed (`$X foo`, `$(echo rm) -rf /`): we cannot know
/// what runs. Forceful-looking flags make it HIGH.
fn dynamic_command(inv: &Invocation<'_>) -> Judgement {
    let forceful = has_flag(inv.args(), &["--force", "--recursive"], &['r', 'R', 'f']);
    let level = if forceful {
        RiskLevel::High
    } else {
        RiskLevel::Medium
    };
    Judgement::of(
        level,
        "shell.dynamic-command",
        "the command name is computed at run time",
    )
}
