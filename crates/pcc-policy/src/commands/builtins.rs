//! Shell builtins: most only change the shell's own state, but some print every variable
//! (secrets included), some change what later commands run, and some evaluate data.

use super::super::level::RiskLevel;
use super::super::shell::words::{Arg, is_secret_name};
use super::super::verdict::Finding;
use super::spec::{self, Role};
use super::{Invocation, Ruling};

/// Variables a command may be given, or the shell may set, without changing what runs:
/// locale, colour, verbosity and the like.
const HARMLESS_VARIABLES: &[&str] = &[
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLORTERM",
    "CI",
    "DEBUG",
    "VERBOSE",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "CARGO_TERM_COLOR",
    "CARGO_INCREMENTAL",
    "CARGO_TARGET_DIR",
    "NODE_ENV",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "PYTHONWARNINGS",
    "PYTEST_ADDOPTS",
    "GOFLAGS",
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    "TEST",
    "ENV_NAME",
    "PORT",
    "HOST",
    "LOG_LEVEL",
    "TIMEOUT",
    "GIT_TERMINAL_PROMPT",
    "PAGER_OFF",
    "NPM_CONFIG_LOGLEVEL",
    "HUSKY",
    "TMPDIR",
];

/// True when setting `name` cannot change what a program runs or where it reads: a
/// harmless name, a locale variable, or a lower-case shell variable that no program reads
/// from the environment by convention.
pub(crate) fn harmless_variable(name: &str) -> bool {
    HARMLESS_VARIABLES.contains(&name)
        || name.starts_with("LC_")
        || (name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !matches!(
                name,
                "http_proxy" | "https_proxy" | "all_proxy" | "no_proxy"
            ))
}

/// Judges builtins; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let args = inv.args();
    let judgement = match name {
        ":" | "true" | "false" | "shift" | "return" | "exit" | "break" | "continue" | "wait"
        | "sleep" | "fg" | "bg" | "disown" | "times" | "dirs" | "popd" | "ulimit" | "umask"
        | "unalias" | "type" | "caller" | "suspend" => inert(name, inv),
        // `jobs -x CMD` runs CMD.
        "jobs"
            if args
                .iter()
                .any(|a| a.text.starts_with('-') && a.text.contains('x')) =>
        {
            runs_code("jobs -x runs a command")
        }
        "jobs" => inert(name, inv),
        // `history -r FILE` reads a file into the list it prints; `-w`/`-a` write files; `-s`
        // adds lines.
        "history"
            if args
                .iter()
                .all(|a| a.text.bytes().all(|b| b.is_ascii_digit())) =>
        {
            inert(name, inv)
        }
        "history" => runs_code("history reads or writes files and adds commands"),
        "getopts" => {
            let names: Vec<Arg> = args.iter().skip(1).take(1).cloned().collect();
            names_only(name, inv, &names)
        }
        "cd" | "pushd" => inert(name, inv),
        "test" | "[" => test(name, inv),
        "export" | "declare" | "typeset" | "local" | "readonly" => declare(name, inv),
        "set" => set(inv),
        "unset" => names_only(name, inv, args),
        // `mapfile -C CALLBACK` runs the callback; `read -e` uses readline, `-u`/`-d` are fine.
        "mapfile" | "readarray"
            if args
                .iter()
                .any(|a| a.text.starts_with("-C") || a.text.starts_with("-c")) =>
        {
            runs_code("mapfile -C runs a callback")
        }
        "read" | "mapfile" | "readarray" => {
            let names: Vec<Arg> = super::super::shell::assigned_names(name, args)
                .into_iter()
                .map(Arg::literal)
                .collect();
            let dynamic = args.iter().any(|a| a.dynamic);
            if dynamic {
                return Some(Ruling::of(
                    RiskLevel::Medium,
                    "shell.evaluates-data",
                    format!("{name} with words known only at run time"),
                ));
            }
            names_only(name, inv, &names)
        }
        "let" => Ruling::of(
            RiskLevel::Medium,
            "shell.evaluates-data",
            "let evaluates arithmetic on variables, subscripts included",
        ),
        "alias" if args.is_empty() || args.iter().all(|a| a.text == "-p") => {
            Ruling::of(RiskLevel::Low, "readonly.command", "alias lists aliases")
        }
        "alias" => Ruling::of(
            RiskLevel::Medium,
            "shell.changes-commands",
            "alias changes what later commands run",
        ),
        "hash" if args.iter().any(|a| a.text.starts_with("-p")) => Ruling::of(
            RiskLevel::Medium,
            "shell.changes-commands",
            "hash -p changes what a command name runs",
        ),
        "hash" => inert(name, inv),
        "enable" => Ruling::of(
            RiskLevel::Medium,
            "shell.changes-commands",
            "enable loads or disables builtins",
        ),
        "shopt"
            if args.iter().any(|a| {
                a.text.contains("dotglob")
                    || a.text.contains("nocaseglob")
                    || a.text.contains("expand_aliases")
                    || a.dynamic
            }) =>
        {
            Ruling::of(
                RiskLevel::Medium,
                "shell.changes-commands",
                "shopt changes what globs match or what names run",
            )
        }
        "shopt" => inert(name, inv),
        "printenv" => printenv(inv),
        // `-C`, `-F` run commands, `-W` expands its words, `-X`/`-G` glob.
        "compgen" => {
            let listing = args.iter().all(|a| {
                (a.text.starts_with('-')
                    && a.text.len() > 1
                    && a.text[1..].chars().all(|c| "abcdefgjksuv".contains(c)))
                    || (!a.text.starts_with('-') && !a.dynamic && !a.glob)
            });
            if listing {
                // `compgen -f DIR/` lists DIR's names, as `ls DIR` would.
                let files = args.iter().any(|a| {
                    a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('f')
                        || a.text == "-d"
                });
                let mut judgement =
                    Ruling::of(RiskLevel::Low, "readonly.command", "compgen lists names");
                for word in args.iter().filter(|a| files && !a.text.starts_with('-')) {
                    judgement = judgement.raise(spec::read_place(name, inv, word, true));
                }
                judgement
            } else {
                runs_code("compgen -C, -F, -W or -X runs or expands text")
            }
        }
        _ => return None,
    };
    Some(judgement)
}

/// A builtin whose arguments do not matter to what it does (`sleep $n`, `cd "$d"`).
fn inert(name: &str, inv: &Invocation<'_>) -> Ruling {
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "shell.builtin",
        format!("{name} changes only the shell's state"),
    );
    for arg in inv.args() {
        judgement = spec::judge_use(judgement, name, inv, Role::Inert, arg);
    }
    judgement
}

/// `test`/`[`: a look at strings and paths. `-v` with a subscript evaluates it.
fn test(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    if args.iter().any(|a| a.text == "-v") {
        return Ruling::of(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{name} -v evaluates a subscript"),
        );
    }
    inert(name, inv)
}

/// Names given to `unset`/`read`: a subscript (`a[$(id)]`) is evaluated, and a variable
/// such as `PATH` changes what later commands run.
fn names_only(name: &str, inv: &Invocation<'_>, names: &[Arg]) -> Ruling {
    let evaluates = names.iter().any(|a| a.text.contains('[') || a.dynamic);
    if evaluates {
        return Ruling::of(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{name} on a computed name or subscript, which bash evaluates"),
        );
    }
    if let Some(var) = names.iter().find(|a| !harmless_variable(&a.text)) {
        return Ruling::of(
            RiskLevel::Medium,
            "env.hijack",
            format!(
                "{name} sets {}, which may change what later commands run",
                var.text
            ),
        );
    }
    inert(name, inv)
}

/// A builtin used in a way that runs or plants code.
fn runs_code(reason: &str) -> Ruling {
    Ruling::of(RiskLevel::Medium, "shell.changes-commands", reason)
}

/// Every variable, tokens included, printed to the transcript.
fn env_dump(what: &str) -> Ruling {
    let mut judgement = Ruling::of(
        RiskLevel::High,
        "secrets.env-dump",
        format!("{what} prints environment variables, secrets included"),
    );
    judgement.facts.reads_secret = true;
    judgement
}

/// `export`, `declare`, `local`, `readonly`, `typeset`.
fn declare(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let options: Vec<&str> = args
        .iter()
        .map(|a| a.text.as_str())
        .filter(|t| t.starts_with('-') || t.starts_with('+'))
        .collect();
    let assignments: Vec<&Arg> = args
        .iter()
        .filter(|a| !a.text.starts_with('-') && !a.text.starts_with('+'))
        .collect();
    if assignments.is_empty() {
        // `export`, `export -p`, `declare -x`, `declare -p`: a dump of variables.
        let prints_functions_only = options.iter().any(|o| o.contains('f') || o.contains('F'));
        if !prints_functions_only {
            return env_dump(format!("{name} {}", options.join(" ")).trim_end());
        }
        return Ruling::of(
            RiskLevel::Low,
            "readonly.command",
            format!("{name} lists functions"),
        );
    }
    // Only attributes that change nothing about evaluation: `-i` makes every later value
    // arithmetic, `-a`/`-A` parse subscripts, `-n` makes a reference, `-f` a function.
    if options
        .iter()
        .any(|o| o[1..].chars().any(|c| !"rxglup".contains(c)))
    {
        return Ruling::of(
            RiskLevel::Medium,
            "shell.changes-commands",
            format!("{name} of a function or a name reference"),
        );
    }
    if matches!(name, "declare" | "typeset" | "local")
        && options.iter().any(|o| o.contains('p'))
        && assignments.iter().any(|a| is_secret_name(&a.text))
    {
        return env_dump(&format!("{name} -p"));
    }
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "shell.assignment",
        format!("{name} sets shell variables"),
    );
    for assignment in assignments {
        judgement = judgement.raise(assignment_finding(name, assignment));
    }
    judgement
}

/// One `NAME=value` given to `export` and its kind.
fn assignment_finding(builtin: &str, arg: &Arg) -> Finding {
    let (variable, value) = arg.text.split_once('=').unwrap_or((&arg.text, ""));
    if variable.contains('[') || variable.contains('$') {
        return Finding::new(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{builtin} of a computed name or subscript, which bash evaluates"),
        );
    }
    if value.starts_with('(') && builtin != "export" {
        return Finding::new(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{builtin} of an array, whose subscripts bash evaluates"),
        );
    }
    if variable.starts_with("BASH_FUNC_") || value.starts_with("()") {
        return Finding::new(
            RiskLevel::High,
            "shell.changes-commands",
            format!("{builtin} defines an exported function {variable}"),
        );
    }
    if !harmless_variable(variable) {
        return Finding::new(
            RiskLevel::Medium,
            "env.hijack",
            format!("{builtin} sets {variable}, which may change what later commands run"),
        );
    }
    if arg.secret_var || arg.evaluates {
        return Finding::new(
            RiskLevel::Medium,
            "shell.evaluates-data",
            format!("{builtin} copies a value known only at run time"),
        );
    }
    Finding::new(
        RiskLevel::Low,
        "shell.assignment",
        format!("{builtin} sets {variable}"),
    )
}

/// `set` alone prints every variable; `set -e`, `set -o pipefail`, `set -- a b` do not.
fn set(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    if args.is_empty() {
        return env_dump("set");
    }
    if args.iter().any(|a| a.dynamic) {
        return Ruling::of(
            RiskLevel::Medium,
            "arg.dynamic",
            "set with options known only at run time",
        );
    }
    Ruling::of(RiskLevel::Low, "shell.builtin", "set changes shell options")
}

/// `printenv NAME…` prints those variables; alone, every one.
fn printenv(inv: &Invocation<'_>) -> Ruling {
    let names: Vec<&Arg> = inv
        .args()
        .iter()
        .filter(|a| !a.text.starts_with('-'))
        .collect();
    if names.is_empty() || names.iter().any(|a| a.dynamic || is_secret_name(&a.text)) {
        return env_dump("printenv");
    }
    Ruling::of(
        RiskLevel::Low,
        "readonly.command",
        "printenv prints named variables",
    )
}
