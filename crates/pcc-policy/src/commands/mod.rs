//! Per-command knowledge: given one argument vector, how risky is it, and what does it
//! run in turn. Each family of commands lives in its own module, mostly as data tables.

mod builtins;
mod cloud;
mod containers;
mod file_specs;
mod files;
mod git;
mod interpreters;
mod network;
mod packages;
mod readonly;
mod rm;
mod search;
mod secrets;
mod sed;
pub(crate) mod spec;
mod system;
mod wrappers;

pub(crate) use builtins::harmless_variable;

pub(crate) use interpreters::{STDIN_SCRIPT_RULE, is_shell};
pub(crate) use readonly::YES_RULE;

use std::path::{Path, PathBuf};

use super::PolicyContext;
use super::data_dir;
use super::level::RiskLevel;
use super::paths::{
    PlaceKind, glob_base, glob_may_match_sensitive, place_kind, resolve, secret_kind,
    through_links, write_finding,
};
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
    /// Writes files (in the project or elsewhere): a build run later in the same command
    /// may run what was written.
    pub writes_files: bool,
    /// May create a symlink (`ln`, `cp -s`, unpacking an archive): later paths of the
    /// same command can no longer be placed.
    pub makes_links: bool,
}

impl Facts {
    /// Combines facts of parts of a command line.
    pub(crate) fn merge(&mut self, other: Self) {
        self.network |= other.network;
        self.reads_secret |= other.reads_secret;
        self.runs_stdin |= other.runs_stdin;
        self.writes_files |= other.writes_files;
        self.makes_links |= other.makes_links;
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

/// What a command's judge rules about one argument vector (the whole call's judgement, with
/// the user's rules, is `pcc_core::Judgement`).
#[derive(Debug, Clone)]
pub(crate) struct Ruling {
    pub finding: Finding,
    pub facts: Facts,
    pub nested: Vec<Nested>,
    /// What the command prints, when it is literal text (`echo`/`printf` of literals).
    pub literal_stdout: Option<String>,
    /// The judge looked at every argument itself, dynamic ones included (`kill $!`), so
    /// the generic check of unproven arguments does not apply.
    pub args_judged: bool,
}

impl Ruling {
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

impl From<Finding> for Ruling {
    fn from(finding: Finding) -> Self {
        Self {
            finding,
            facts: Facts::default(),
            nested: Vec::new(),
            literal_stdout: None,
            args_judged: false,
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
    /// An earlier command of the same line may have made a symlink or left the working
    /// directory unknown: no path can be placed any more.
    pub paths_untrusted: bool,
    /// Links made earlier in the same line (`ln -s ~/.ssh k`): link path, target.
    pub links: &'a [(PathBuf, PathBuf)],
    /// Every path placed while judging, for the caller to check against links that already
    /// exist on disk (which no parse can see).
    pub touched: &'a std::cell::RefCell<Vec<PathBuf>>,
}

impl<'a> Invocation<'a> {
    /// The arguments after the command name.
    pub(crate) fn args(&self) -> &'a [Arg] {
        self.argv.get(1..).unwrap_or(&[])
    }

    /// Where an argument points: its path and the kind of place, `None` when unknowable.
    ///
    /// A glob is placed by the directory its matches are under, when the pattern can
    /// neither climb out of it nor match a secret or a protected name; otherwise unknown.
    pub(crate) fn locate(&self, arg: &Arg) -> Option<(PathBuf, PlaceKind)> {
        if arg.dynamic || self.paths_untrusted {
            return None;
        }
        let path = if arg.glob {
            let (base, tail) = glob_base(&arg.text)?;
            if let Some(reached) = self.reach_of_glob(&base, &tail, data_dir::Sweep::Deep)? {
                return Some(reached);
            }
            if glob_may_match_sensitive(&tail) {
                let base = through_links(resolve(&base, self.cwd?, &self.ctx.home), self.links);
                let base = base.to_string_lossy().into_owned();
                // `*` or `.e*` may match `.env`; still placed when the base is harmless to
                // read or write as a whole (scratch, build outputs, system files), and a
                // secret when the base holds the user's keys (`~/.ssh/id_*`, `~/.s?h/*`).
                let base = resolve(&base, self.cwd?, &self.ctx.home);
                let kind = place_kind(&base, self.ctx);
                self.touched.borrow_mut().push(base.clone());
                return match kind {
                    PlaceKind::ProjectDisposable | PlaceKind::Temp | PlaceKind::SystemPublic => {
                        Some((base, kind))
                    }
                    PlaceKind::Home
                    | PlaceKind::HomeFile
                    | PlaceKind::Secret(_)
                    | PlaceKind::AgentHome => Some((
                        base,
                        PlaceKind::Secret(super::paths::SecretKind::Credentials),
                    )),
                    _ => None,
                };
            }
            resolve(&base, self.cwd?, &self.ctx.home)
        } else {
            resolve(&arg.text, self.cwd?, &self.ctx.home)
        };
        let path = through_links(path, self.links);
        let kind = place_kind(&path, self.ctx);
        self.touched.borrow_mut().push(path.clone());
        Some((path, kind))
    }

    /// Where an argument points for a program that only looks at names and sizes: a glob
    /// is placed by the directory its matches are under, whatever they may be named.
    pub(crate) fn locate_base(&self, arg: &Arg) -> Option<(PathBuf, PlaceKind)> {
        if !arg.glob || arg.dynamic || self.paths_untrusted {
            return self.locate(arg);
        }
        let (base, tail) = glob_base(&arg.text)?;
        if let Some(reached) = self.reach_of_glob(&base, &tail, data_dir::Sweep::Names)? {
            return Some(reached);
        }
        let path = through_links(resolve(&base, self.cwd?, &self.ctx.home), self.links);
        let kind = place_kind(&path, self.ctx);
        self.touched.borrow_mut().push(path.clone());
        Some((path, kind))
    }

    /// A glob that may match pcc-hooks' data directory, a directory on the way to it or
    /// something in it (`.pc?/spool/*`, `**/*.log` above it) is placed there: its directory
    /// alone (the project root) would let it pass as the project's. `None` when the working
    /// directory is unknown, `Some(None)` when the glob reaches no data directory.
    fn reach_of_glob(
        &self,
        base: &str,
        tail: &str,
        sweep: data_dir::Sweep,
    ) -> Option<Option<(PathBuf, PlaceKind)>> {
        if self.ctx.data_dirs.is_empty() {
            return Some(None);
        }
        let base = through_links(resolve(base, self.cwd?, &self.ctx.home), self.links);
        if data_dir::relation(&base, self.ctx) == data_dir::Relation::Apart {
            return Some(None);
        }
        // Only where the directory alone could pass: a glob under the root, the home or the
        // system is judged stricter by its directory already (`rm -rf /*` is CRITICAL).
        let passable = matches!(
            place_kind(&base, self.ctx),
            PlaceKind::ProjectRoot
                | PlaceKind::Project
                | PlaceKind::ProjectDisposable
                | PlaceKind::Temp
                | PlaceKind::VcsInternal
                | PlaceKind::AgentSettings
                | PlaceKind::AgentHome
                | PlaceKind::ShellRc
                | PlaceKind::SystemPublic
        );
        if !passable {
            return Some(None);
        }
        let kind = match data_dir::glob_reach(&base, tail, sweep, self.ctx) {
            Some(data_dir::Reach::Credentials) => {
                PlaceKind::Secret(super::paths::SecretKind::Credentials)
            }
            Some(data_dir::Reach::Some) => PlaceKind::AgentHome,
            None => return Some(None),
        };
        self.touched.borrow_mut().push(base.clone());
        Some(Some((base, kind)))
    }

    /// Where an argument points, `None` when unknowable.
    pub(crate) fn place(&self, arg: &Arg) -> Option<PlaceKind> {
        self.locate(arg).map(|(_, kind)| kind)
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

    /// True when `arg` names a secret file (or a glob under a secret directory).
    pub(crate) fn is_secret(&self, arg: &Arg) -> bool {
        self.locate(arg).is_some_and(|(p, kind)| {
            secret_kind(&p, &self.ctx.home).is_some()
                || (matches!(kind, PlaceKind::Secret(_))
                    && data_dir::relation(&p, self.ctx) != data_dir::Relation::Apart)
        })
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

/// A gigabyte: what a write of that size or more is, to a disk.
pub(crate) const GIGABYTE: u128 = 1 << 30;

/// A size as GNU tools read it (`4k`, `100M`, `1GiB`, `5G`, `99999M`); `None` when it is
/// not one.
pub(crate) fn size_in_bytes(text: &str) -> Option<u128> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u128 = text[..digits_end].parse().ok()?;
    let unit = text[digits_end..].to_ascii_uppercase();
    let binary = |power: u32| 1u128 << (10 * power);
    let decimal = |power: u32| 1000u128.pow(power);
    let multiplier = match unit.as_str() {
        "" | "C" => 1,
        "W" => 2,
        "B" => 512,
        "K" | "KIB" => binary(1),
        "KB" => decimal(1),
        "M" | "MIB" => binary(2),
        "MB" => decimal(2),
        "G" | "GIB" => binary(3),
        "GB" => decimal(3),
        "T" | "TIB" => binary(4),
        "TB" => decimal(4),
        "P" | "PIB" | "PB" | "E" | "EIB" | "EB" | "Z" | "Y" => binary(5),
        _ => return None,
    };
    number.checked_mul(multiplier)
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

/// Judges one argument vector.
pub(crate) fn judge(inv: &Invocation<'_>) -> Ruling {
    let Some(first) = inv.argv.first() else {
        return Ruling::of(RiskLevel::Low, "shell.empty", "nothing to run");
    };
    if first.dynamic || (first.glob && first.text != "[") {
        return dynamic_command(inv);
    }
    let name = command_name(&first.text);
    if first.text.contains('/') && !system_program(&first.text, inv) {
        // `./cat`, `bin/ls`, `/tmp/x/ls`: a program that happens to share a name.
        return Ruling::of(
            RiskLevel::Medium,
            "command.path",
            format!(
                "runs {}, a program at that path, not the system's {name}",
                first.text
            ),
        );
    }
    let (mut judgement, args_judged) = dispatch(name, inv);
    if !args_judged && !judgement.args_judged && judgement.finding.level == RiskLevel::Low {
        judgement = judgement.raise(unproven_arguments(name, inv.args()));
    }
    if !args_judged {
        judgement = judgement.raise(secret_arguments(name, inv));
        if judgement.finding.rule.starts_with("build.") {
            judgement = judgement.raise(build_outputs(inv));
        }
    }
    if let Some(var) = inv.env.iter().find(|v| !harmless_variable(v)) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "env.hijack",
            format!("sets {var}, which may change what the command runs"),
        ));
    }
    judgement
}

/// True when a command word with a `/` names an installed program (`/usr/bin/rm`), which
/// is what its name says.
fn system_program(word: &str, inv: &Invocation<'_>) -> bool {
    let Some(cwd) = inv.cwd else {
        return false;
    };
    let path = resolve(word, cwd, &inv.ctx.home);
    [
        "/usr/bin",
        "/bin",
        "/usr/sbin",
        "/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
        "/snap/bin",
        "/usr/libexec",
    ]
    .iter()
    .any(|dir| path.parent() == Some(std::path::Path::new(dir)))
}

/// A family judged the command LOW by its subcommand and flags; its values must still be
/// known: a dynamic argument, a secret-named variable or an evaluated word is not proven.
fn unproven_arguments(name: &str, args: &[Arg]) -> Finding {
    let mut finding = Finding::new(RiskLevel::Low, "shell.empty", "");
    for arg in args {
        let next = if arg.secret_var {
            Finding::new(
                RiskLevel::High,
                "secrets.variable",
                format!("{name} is given a secret-named variable ({})", arg.text),
            )
        } else if arg.evaluates {
            Finding::new(
                RiskLevel::Medium,
                "shell.evaluates-data",
                format!("{} evaluates data as code", arg.text),
            )
        } else if arg.dynamic {
            Finding::new(
                RiskLevel::Medium,
                "arg.dynamic",
                format!("{name} is given {}, known only at run time", arg.text),
            )
        } else {
            continue;
        };
        finding = finding.max(next);
    }
    finding
}

/// Any argument (or `--opt=value`) that names a secret file: whatever the program does
/// with it, it holds the secret in its hands.
fn secret_arguments(name: &str, inv: &Invocation<'_>) -> Finding {
    let mut finding = Finding::new(RiskLevel::Low, "shell.empty", "");
    if matches!(name, "source" | "." | "terraform" | "tofu") {
        // Sourcing runs the file; its values stay in the shell (judged as running code).
        // Terraform's own state and variables are its business.
        return finding;
    }
    let args = inv.args();
    for (i, arg) in args.iter().enumerate() {
        // `--env-file .env` hands the values to a program or container, not to the output.
        let env_file = |text: &str| text.contains("env-file") || text.contains("env_file");
        if env_file(&arg.text) || i.checked_sub(1).is_some_and(|p| env_file(&args[p].text)) {
            continue;
        }
        let value = match arg.text.split_once('=') {
            Some((option, value)) if option.starts_with('-') => arg.part(value),
            _ => arg.clone(),
        };
        if value.text.starts_with('-') || value.text.contains("://") {
            continue;
        }
        if inv.is_secret(&value) {
            finding = finding.max(Finding::new(
                RiskLevel::High,
                "path.secret-read",
                format!("{name} is given secret file {}", value.text),
            ));
        }
    }
    finding
}

/// Build tools write where their output options say (`gcc -o`, `go build -o`,
/// `cargo install --root`).
fn build_outputs(inv: &Invocation<'_>) -> Finding {
    const OUTPUTS: &[&str] = &[
        "-o",
        "--output",
        "--out-dir",
        "--outdir",
        "--target-dir",
        "--root",
        "--prefix",
        "-out",
        "--dest",
        "--destdir",
        "--install-dir",
        "--artifact-dir",
        "--basetemp",
        "--junitxml",
        "--junit-xml",
        "--data-file",
        "--html",
        "--report-log",
        "--result-log",
        "--log-file",
        "--coverage-dir",
        "--output-file",
        "--cache-dir",
    ];
    // Where the build reads its code and configuration from: outside the project it runs
    // someone else's code, or ours against someone else's files.
    const ELSEWHERE: &[&str] = &[
        "-C",
        "--directory",
        "--dir",
        "--manifest-path",
        "--cwd",
        "-f",
        "--file",
        "--makefile",
        "--rootdir",
        "--config",
        "--config-file",
        "--project",
        "-p",
        "-c",
        "--override-ini",
    ];
    let args = inv.args();
    let mut finding = Finding::new(RiskLevel::Low, "shell.empty", "");
    for (i, arg) in args.iter().enumerate() {
        let target = match arg.text.split_once('=') {
            Some((option, value)) if OUTPUTS.contains(&option) => Some(arg.part(value)),
            _ if OUTPUTS.contains(&arg.text.as_str()) => args.get(i + 1).cloned(),
            _ if arg.text.starts_with("-o")
                && arg.text.len() > 2
                && !arg.text.starts_with("--") =>
            {
                Some(arg.part(&arg.text[2..]))
            }
            _ => None,
        };
        if let Some(target) = target {
            finding = finding.max(if target.text.contains('=') {
                // pytest's `-o cache_dir=…`: a configuration override, not a file.
                elsewhere_finding(inv, "--override-ini", &target)
            } else {
                inv.write_to(&target)
            });
        }
        let elsewhere = match arg.text.split_once('=') {
            Some((option, value)) if ELSEWHERE.contains(&option) => Some((option, arg.part(value))),
            _ if ELSEWHERE.contains(&arg.text.as_str()) => {
                args.get(i + 1).map(|v| (arg.text.as_str(), v.clone()))
            }
            _ => None,
        };
        if let Some((option, value)) = elsewhere {
            finding = finding.max(elsewhere_finding(inv, option, &value));
        }
        // Options that run a program named on the command line, not the project's:
        // `make --eval`, `make SHELL=/tmp/x`, `npm --script-shell`, `go -toolexec`/`-exec`.
        let text = arg.text.as_str();
        let runs_named = [
            "--eval",
            "--script-shell",
            "-toolexec",
            "--toolexec",
            "-exec",
            "--exec",
            "--rulesdir",
            "--resolve-plugins-relative-to",
        ]
        .iter()
        .any(|o| text == *o || text.strip_prefix(o).is_some_and(|r| r.starts_with('=')))
            || (text == "-E"
                && inv
                    .argv
                    .first()
                    .is_some_and(|a| command_name(&a.text).ends_with("make")))
            || [
                "SHELL=",
                "MAKESHELL=",
                ".SHELLFLAGS=",
                "MAKEFLAGS=",
                "MAKEFILES=",
            ]
            .iter()
            .any(|v| text.starts_with(v));
        if runs_named {
            finding = finding.max(Finding::new(
                RiskLevel::Medium,
                "build.runs-named-code",
                format!("{text} makes the build run a program of the command line's choosing"),
            ));
        }
        // A script or program outside the project (`bun run /tmp/x.js`).
        if !text.starts_with('-')
            && text.contains('/')
            && !text.contains("://")
            && !text.contains("...")
            && inv.place(arg).is_some_and(|kind| {
                !matches!(
                    kind,
                    PlaceKind::Project
                        | PlaceKind::ProjectRoot
                        | PlaceKind::ProjectDisposable
                        | PlaceKind::NullDevice
                )
            })
        {
            finding = finding.max(Finding::new(
                RiskLevel::Medium,
                "build.elsewhere",
                format!("{text} is outside the project"),
            ));
        }
    }
    finding
}

/// A build option that points at code or configuration: `cargo --config k=v` and pytest's
/// `-o`/`-c` change what runs; a directory or file must be inside the project; `-p NAME`
/// names a package (cargo) or a plugin (pytest) and is harmless as a plain word.
fn elsewhere_finding(inv: &Invocation<'_>, option: &str, value: &Arg) -> Finding {
    let overrides = option == "--override-ini"
        || (matches!(option, "--config" | "-c") && value.text.contains('='));
    if overrides {
        return Finding::new(
            RiskLevel::Medium,
            "build.config-override",
            format!(
                "{option} {} overrides the build's configuration",
                value.text
            ),
        );
    }
    if option == "-p" && !value.text.contains('/') {
        return Finding::new(RiskLevel::Low, "shell.empty", "");
    }
    match inv.place(value) {
        Some(PlaceKind::Project | PlaceKind::ProjectRoot | PlaceKind::ProjectDisposable) => {
            Finding::new(RiskLevel::Low, "shell.empty", "")
        }
        _ => Finding::new(
            RiskLevel::Medium,
            "build.elsewhere",
            format!(
                "{option} {} points the build outside the project",
                value.text
            ),
        ),
    }
}

/// Finds the judgement for `name`; the flag says whether it judged every argument itself
/// (the allow-listed programs and builtins do; the families judge subcommands and flags).
fn dispatch(name: &str, inv: &Invocation<'_>) -> (Ruling, bool) {
    if let Some(j) = secrets::judge(name, inv) {
        return (j, true);
    }
    if let Some(j) = wrappers::judge(name, inv) {
        return (j, false);
    }
    if let Some(j) = builtins::judge(name, inv) {
        return (j, true);
    }
    if let Some(j) = readonly::judge(name, inv) {
        return (j, true);
    }
    let families: &[fn(&str, &Invocation<'_>) -> Option<Ruling>] = &[
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
    let judgement = families
        .iter()
        .find_map(|family| family(name, inv))
        .unwrap_or_else(|| {
            Ruling::of(
                RiskLevel::Medium,
                "command.unknown",
                format!("unknown command {name}"),
            )
        });
    (judgement, false)
}

/// The command word itself is computed (`$X foo`, `$(echo rm) -rf /`): we cannot know
/// what runs. Forceful-looking flags make it HIGH.
fn dynamic_command(inv: &Invocation<'_>) -> Ruling {
    let forceful = has_flag(inv.args(), &["--force", "--recursive"], &['r', 'R', 'f']);
    let level = if forceful {
        RiskLevel::High
    } else {
        RiskLevel::Medium
    };
    Ruling::of(
        level,
        "shell.dynamic-command",
        "the command name is computed at run time",
    )
}
