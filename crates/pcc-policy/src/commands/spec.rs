//! Proving a command harmless: a program is LOW only when every option it is given is one
//! we know, every option value and operand plays a role we can judge, and every path it
//! reads or writes resolves to a place that is harmless for that use.
//!
//! A [`Spec`] lists what one program accepts. Anything not listed (an unknown option, an
//! operand where none is expected) makes the command MEDIUM: wrong toward MEDIUM costs a
//! stall, wrong toward LOW costs someone their data.

use super::super::data_dir;
use super::super::level::RiskLevel;
use super::super::paths::PlaceKind;
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::{Invocation, Ruling};

/// What an option's value or an operand is to the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Plain data that selects or formats (a count, a delimiter, a pattern): harmless,
    /// but printed or used, so it must be known.
    Plain,
    /// A file whose content the program prints or transforms.
    Read,
    /// A path the program only looks at (names, sizes, counts, hashes, types).
    Meta,
    /// A file the program writes.
    Write,
    /// Text the program runs as a command or program: never LOW.
    Code,
    /// Plain data whose value does not matter to what the program does (`sleep N`,
    /// `test -n X`): may be known only at run time.
    Inert,
}

/// Which operands a program takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operands {
    /// None at all.
    Nothing,
    /// Each operand has this role.
    All(Role),
    /// The first operand is plain (a pattern, a program text, a format); the rest are
    /// read, unless the pattern came from an option.
    PatternThenRead,
    /// `[INPUT [OUTPUT]]`: the first is read, the second written (`uniq`, `xxd`).
    InputThenOutput,
}

/// What one program accepts, and how each accepted thing is judged.
pub(crate) struct Spec {
    /// Program names (the first is shown).
    pub names: &'static [&'static str],
    /// Short flags that take no value.
    pub flags: &'static str,
    /// Short options that take a value, with the value's role.
    pub short: &'static [(char, Role)],
    /// Short flags that may carry a value glued to them (`sed -i.bak`).
    pub optional: &'static str,
    /// Long options: `--name` for a flag, `--name=` for one taking a value (plain unless
    /// listed in `long_roles`).
    pub long: &'static [&'static str],
    /// Long options whose value has another role than [`Role::Plain`].
    pub long_roles: &'static [(&'static str, Role)],
    /// The program's operands.
    pub operands: Operands,
    /// Accepts `-NUM` (`head -20`).
    pub numeric: bool,
    /// With no path operand the program reads the working directory (`ls`, `du`).
    pub reads_cwd: bool,
}

impl Spec {
    /// A spec with no options, no operands and nothing read.
    pub(crate) const fn new(names: &'static [&'static str]) -> Self {
        Self {
            names,
            flags: "",
            short: &[],
            optional: "",
            long: &[],
            long_roles: &[],
            operands: Operands::Nothing,
            numeric: false,
            reads_cwd: false,
        }
    }
}

/// One parsed use of a program: its options and its operands, each with a role.
#[derive(Debug, Default)]
pub(crate) struct Parsed<'a> {
    /// Options as written (`-n`, `--lines`), for the program's own rules.
    pub options: Vec<String>,
    /// Each value or operand with its role.
    pub uses: Vec<(Role, Arg)>,
    /// Each option value with the option it was given to (`-e` → the script).
    pub values: Vec<(String, Arg)>,
    /// Operands in order.
    pub operands: Vec<&'a Arg>,
    /// The first thing we could not accept, if any.
    pub unknown: Option<String>,
}

impl Parsed<'_> {
    /// True if the option (short letter as `-x`, or long `--name`) was given.
    pub(crate) fn has(&self, option: &str) -> bool {
        self.options.iter().any(|o| o == option)
    }
}

/// Parses `args` against `spec`.
pub(crate) fn parse<'a>(spec: &Spec, args: &'a [Arg]) -> Parsed<'a> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let arg = &args[i];
        let text = arg.text.as_str();
        i += 1;
        if options_done || text == "-" || !text.starts_with('-') {
            parsed.operands.push(arg);
            continue;
        }
        if arg.dynamic {
            // `-$X`: an option known only at run time.
            parsed.unknown.get_or_insert_with(|| text.to_owned());
            continue;
        }
        if text == "--" {
            options_done = true;
            continue;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            let flag = format!("--{name}");
            let with_value = format!("--{name}=");
            if spec.long.contains(&flag.as_str()) && inline.is_none() {
                parsed.options.push(flag.clone());
                continue;
            }
            if spec.long.contains(&with_value.as_str()) {
                let role = spec
                    .long_roles
                    .iter()
                    .find(|(n, _)| *n == with_value)
                    .map_or(Role::Plain, |(_, r)| *r);
                let value = match inline {
                    Some(value) => Some(arg.part(value)),
                    None => {
                        i += 1;
                        args.get(i - 1).cloned()
                    }
                };
                parsed.options.push(flag.clone());
                match value {
                    Some(value) => {
                        parsed.values.push((flag.clone(), value.clone()));
                        parsed.uses.push((role, value));
                    }
                    None => {
                        parsed.unknown.get_or_insert_with(|| text.to_owned());
                    }
                }
                continue;
            }
            parsed.unknown.get_or_insert_with(|| text.to_owned());
            continue;
        }
        let cluster = &text[1..];
        if spec.numeric && cluster.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for (offset, letter) in cluster.char_indices() {
            if spec.optional.contains(letter) {
                parsed.options.push(format!("-{letter}"));
                let rest = &cluster[offset + letter.len_utf8()..];
                if !rest.is_empty() {
                    parsed.values.push((format!("-{letter}"), arg.part(rest)));
                    parsed.uses.push((Role::Plain, arg.part(rest)));
                }
                break;
            }
            if spec.flags.contains(letter) {
                parsed.options.push(format!("-{letter}"));
                continue;
            }
            if let Some((_, role)) = spec.short.iter().find(|(l, _)| *l == letter) {
                parsed.options.push(format!("-{letter}"));
                let rest = &cluster[offset + letter.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1).cloned()
                } else {
                    Some(arg.part(rest))
                };
                match value {
                    Some(value) => {
                        parsed.values.push((format!("-{letter}"), value.clone()));
                        parsed.uses.push((*role, value));
                    }
                    None => {
                        parsed.unknown.get_or_insert_with(|| text.to_owned());
                    }
                }
                break;
            }
            parsed.unknown.get_or_insert_with(|| format!("-{letter}"));
            break;
        }
    }
    parsed
}

/// Judges a program against its spec: LOW only when everything is accounted for.
pub(crate) fn judge<'a>(spec: &Spec, inv: &Invocation<'a>) -> (Ruling, Parsed<'a>) {
    let name = spec.names[0];
    let parsed = parse(spec, inv.args());
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "readonly.command",
        format!("{name} only reads"),
    );
    if let Some(option) = &parsed.unknown {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "option.unknown",
            format!("{name}: {option} is not an option known to be harmless"),
        ));
    }
    let mut uses: Vec<(Role, Arg)> = parsed.uses.clone();
    let from_option = ["-e", "-f", "--regexp", "--file"]
        .iter()
        .any(|o| parsed.has(o));
    match spec.operands {
        Operands::Nothing => {
            if let Some(extra) = parsed.operands.first() {
                judgement = judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "option.unknown",
                    format!("{name}: operand {} is not known to be harmless", extra.text),
                ));
            }
        }
        Operands::All(role) => uses.extend(parsed.operands.iter().map(|a| (role, (*a).clone()))),
        Operands::PatternThenRead => {
            for (i, arg) in parsed.operands.iter().enumerate() {
                let role = if i == 0 && !from_option {
                    Role::Plain
                } else {
                    Role::Read
                };
                uses.push((role, (*arg).clone()));
            }
        }
        Operands::InputThenOutput => {
            for (i, arg) in parsed.operands.iter().enumerate() {
                let role = match i {
                    0 => Role::Read,
                    1 => Role::Write,
                    _ => Role::Code,
                };
                uses.push((role, (*arg).clone()));
            }
        }
    }
    let reads_path = uses
        .iter()
        .any(|(r, _)| matches!(r, Role::Read | Role::Meta));
    if spec.reads_cwd && !reads_path {
        judgement = judgement.raise(cwd_read(name, inv));
    }
    // `head -c 16 /dev/urandom`: a bounded read of an endless device.
    let bounded = parsed.values.iter().any(|(option, value)| {
        ["-c", "-n", "--bytes", "--lines", "-N", "--read-bytes"].contains(&option.as_str())
            && !value.dynamic
            && super::size_in_bytes(&value.text).is_some_and(|bytes| bytes < super::GIGABYTE)
    });
    for (role, arg) in &uses {
        if bounded && ENDLESS_DEVICES.contains(&arg.text.as_str()) {
            continue;
        }
        judgement = judge_use(judgement, name, inv, *role, arg);
    }
    (judgement, parsed)
}

/// Judges one value or operand by its role.
pub(crate) fn judge_use(
    mut judgement: Ruling,
    name: &str,
    inv: &Invocation<'_>,
    role: Role,
    arg: &Arg,
) -> Ruling {
    if arg.secret_var {
        judgement.facts.reads_secret = true;
        return judgement.raise(Finding::new(
            RiskLevel::High,
            "secrets.variable",
            format!("{name} is given a secret-named variable ({})", arg.text),
        ));
    }
    if arg.evaluates {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{} evaluates data as code", arg.text),
        ));
    }
    if arg.glob && matches!(role, Role::Inert | Role::Plain) {
        // A glob lists its directory as `ls` would, before the program sees the names:
        // `basename -a ~/.ssh/*`, `echo .pcc/deferred/*`, `seq ~/.ssh/*` (on stderr) print it.
        judgement = judgement.raise(read_place(name, inv, arg, true));
    }
    match role {
        Role::Inert => judgement,
        Role::Plain => {
            // Printing what judged commands printed (`echo $(git status)`) shows nothing
            // new; a variable may hold anything.
            if arg.dynamic && (arg.var || arg.glob || !name_prints(name)) {
                judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "arg.dynamic",
                    format!("{name} is given {}, known only at run time", arg.text),
                ))
            } else {
                judgement
            }
        }
        Role::Code => judgement.raise(Finding::new(
            RiskLevel::Medium,
            "option.runs-code",
            format!("{name} runs {} as a command", arg.text),
        )),
        Role::Write => judgement.raise(inv.write_to(arg)),
        Role::Read | Role::Meta => {
            let finding = read_place(name, inv, arg, role == Role::Meta);
            if finding.rule == "path.secret-read" {
                judgement.facts.reads_secret = true;
            }
            judgement.raise(finding)
        }
    }
}

/// Devices a read of never ends.
const ENDLESS_DEVICES: &[&str] = &["/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"];

/// Programs whose plain arguments are only printed.
fn name_prints(name: &str) -> bool {
    matches!(name, "echo" | "printf")
}

/// The finding for reading `arg` (its content, or with `meta` only its name and size).
pub(crate) fn read_place(name: &str, inv: &Invocation<'_>, arg: &Arg, meta: bool) -> Finding {
    let located = if meta {
        inv.locate_base(arg)
    } else {
        inv.locate(arg)
    };
    let Some((path, place)) = located else {
        let lower = arg.text.to_ascii_lowercase();
        let aims_at_secrets = arg.glob
            && [
                ".env",
                "id_rsa",
                "id_ed25519",
                "credential",
                "secret",
                ".pem",
                ".key",
                ".ssh",
                ".aws",
                "token",
            ]
            .iter()
            .any(|w| lower.contains(w));
        if aims_at_secrets {
            // `grep KEY .env*`: what it means to read is a secret, contained or not.
            return Finding::new(
                RiskLevel::Medium,
                "path.secret-glob",
                format!("{name} reads {}, a pattern aimed at secrets", arg.text),
            );
        }
        return Finding::new(
            RiskLevel::Medium,
            "path.unknown-read",
            format!("{name} reads {}, a path known only at run time", arg.text),
        );
    };
    if matches!(place, PlaceKind::NullDevice)
        && ["zero", "random", "urandom", "full"]
            .iter()
            .any(|d| path == std::path::Path::new("/dev").join(d))
    {
        return Finding::new(
            RiskLevel::Medium,
            "resource.endless-input",
            format!("{name} reads {}, which never ends", arg.text),
        );
    }
    let data_dir = data_dir::relation(&path, inv.ctx);
    if data_dir == data_dir::Relation::Holds && !meta && !arg.glob {
        // The only place on the way to the data directory that is still harmless is the
        // project root (`place_kind`); reading its contents reads the data directory's too,
        // but for rg, which skips hidden directories (`.pcc`) unless told (`rg.hidden`).
        let skipped = name == "rg" && data_dir::hidden_below(&path, inv.ctx);
        if place == PlaceKind::ProjectRoot && !skipped {
            return Finding::new(
                RiskLevel::Medium,
                "path.holds-data-dir",
                format!(
                    "{name} reads {}, which holds pcc-hooks' data directory",
                    arg.text
                ),
            );
        }
    }
    let place = match place {
        // Reading the project's own run-later files (`.vscode/settings.json`) is reading the
        // project; writing them is what is guarded.
        PlaceKind::ShellRc if path.starts_with(&inv.ctx.project_root) => PlaceKind::Project,
        // Counting or listing a secret in the project shows nothing of it; elsewhere, or in
        // pcc-hooks' data directory, it is still a look outside the project.
        PlaceKind::Secret(_)
            if meta
                && (!path.starts_with(&inv.ctx.project_root)
                    || data_dir != data_dir::Relation::Apart) =>
        {
            PlaceKind::Outside
        }
        other => other,
    };
    read_finding_for(place, name, &arg.text, meta)
}

/// What reading a place is, for a shell command.
pub(crate) fn read_finding_for(place: PlaceKind, name: &str, shown: &str, meta: bool) -> Finding {
    match place {
        PlaceKind::Secret(_) if !meta => Finding::new(
            RiskLevel::High,
            "path.secret-read",
            format!("{name} reads secret file {shown}"),
        ),
        PlaceKind::Project
        | PlaceKind::ProjectRoot
        | PlaceKind::ProjectDisposable
        | PlaceKind::VcsInternal
        | PlaceKind::AgentSettings
        | PlaceKind::Temp
        | PlaceKind::SystemPublic
        | PlaceKind::NullDevice
        | PlaceKind::Secret(_) => Finding::new(
            RiskLevel::Low,
            "readonly.command",
            format!("{name} reads {shown}"),
        ),
        PlaceKind::NetworkDevice => Finding::new(
            RiskLevel::High,
            "network.dev-tcp",
            format!("{name} talks to the network through {shown}"),
        ),
        _ => Finding::new(
            RiskLevel::Medium,
            "path.outside-read",
            format!("{name} reads {shown} outside the project"),
        ),
    }
}

/// A program that reads the working directory when given no path.
pub(crate) fn cwd_read(name: &str, inv: &Invocation<'_>) -> Finding {
    read_place(name, inv, &Arg::literal("."), true)
}
