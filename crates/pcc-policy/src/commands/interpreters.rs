//! Shells and language interpreters: inline code (`bash -c`, `python -c`) is judged as
//! what it runs; scripts read from stdin are judged by what feeds them.

use super::super::level::RiskLevel;
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::{Invocation, Nested, Ruling, operands};

/// Shells whose `-c STRING` is shell text we can parse.
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "mksh", "tcsh", "csh", "yash",
];

/// True for the shells whose script on stdin is shell text we can judge.
pub(crate) fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// Language interpreters, with the option that introduces inline code.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("pypy", &["-c"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("ruby", &["-e"]),
    ("perl", &["-e", "-E"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("osascript", &["-e"]),
    ("Rscript", &["-e"]),
];

/// Python modules that are test runners, linters or formatters (LOW, like their CLIs).
const SAFE_PYTHON_MODULES: &[&str] = &[
    "pytest", "unittest", "mypy", "black", "ruff", "flake8", "pylint", "isort", "pyright", "tox",
    "nox", "build", "doctest", "coverage", "tabnanny", "pyflakes", "bandit",
];

/// Words in inline code that suggest deleting, spawning or fetching.
const DANGEROUS_INLINE: &[&str] = &[
    "rmtree",
    "os.remove",
    "os.unlink",
    "unlinkSync",
    "rmSync",
    "rm -rf",
    "rm -r",
    "system(",
    "subprocess",
    "exec(",
    "execSync",
    "spawn",
    "fork",
    "child_process",
    "eval(",
    "popen",
    "File.delete",
    "FileUtils.rm",
    "urlopen",
    "requests.",
    "fetch(",
    "socket",
    "shutil.move",
    "os.rename",
    "chmod",
    "`",
];

/// Judges shells, interpreters, `eval`, `source` and `trap`; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    if SHELLS.contains(&name) {
        return Some(shell(name, inv));
    }
    if let Some((_, inline)) = INTERPRETERS.iter().find(|(n, _)| *n == name) {
        return Some(interpreter(name, inline, inv));
    }
    let args = inv.args();
    match name {
        "eval" => {
            let script: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
            Some(
                remote(
                    inv,
                    Ruling::of(
                        RiskLevel::Low,
                        "shell.eval",
                        "eval runs its arguments as a command",
                    ),
                )
                .with_nested(Nested::Script(script.join(" "))),
            )
        }
        "source" | "." => {
            let file = args.first().map(|a| a.text.as_str()).unwrap_or("");
            let venv = file.ends_with("bin/activate") || file.ends_with("activate.fish");
            let judgement = if venv {
                Ruling::of(
                    RiskLevel::Low,
                    "shell.venv",
                    "activates a virtual environment",
                )
            } else {
                Ruling::of(
                    RiskLevel::Medium,
                    "shell.source",
                    format!("runs the shell file {file}"),
                )
            };
            Some(remote(inv, judgement))
        }
        "trap" => {
            let judgement = Ruling::of(RiskLevel::Low, "shell.trap", "trap sets a handler");
            Some(match operands(args).first() {
                Some(handler) if args.len() > 1 => {
                    judgement.with_nested(Nested::Script(handler.text.clone()))
                }
                _ => judgement,
            })
        }
        _ => None,
    }
}

/// Anything fed from a network download into an interpreter is remote code execution.
fn remote(inv: &Invocation<'_>, judgement: Ruling) -> Ruling {
    if inv.subst_network {
        judgement.raise(Finding::new(
            RiskLevel::Critical,
            "remote-code.substitution",
            "runs code downloaded from the network",
        ))
    } else {
        judgement
    }
}

fn shell(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut i = 0;
    while i < args.len() {
        let text = args[i].text.as_str();
        if text == "--" {
            i += 1;
            break;
        }
        if !text.starts_with('-') && !text.starts_with('+') {
            break;
        }
        if text.starts_with('-') && !text.starts_with("--") && text.contains('c') {
            return match args.get(i + 1) {
                Some(script) if script.dynamic && !inv.subst_network => Ruling::of(
                    RiskLevel::Medium,
                    "shell.dynamic-script",
                    format!("{name} -c with a script known only at run time"),
                ),
                Some(script) => remote(
                    inv,
                    Ruling::of(
                        RiskLevel::Low,
                        "shell.inline",
                        format!("{name} -c runs its script"),
                    ),
                )
                .with_nested(Nested::Script(script.text.clone())),
                None => Ruling::of(
                    RiskLevel::Medium,
                    "shell.inline",
                    format!("{name} -c without a script"),
                ),
            };
        }
        if matches!(text, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
            i += 1;
        }
        i += 1;
    }
    if i >= args.len() || args.iter().any(|a| a.text == "-s") {
        let mut judgement = Ruling::of(
            RiskLevel::Medium,
            STDIN_SCRIPT_RULE,
            format!("{name} runs a script from its input"),
        );
        judgement.facts.runs_stdin = true;
        return remote(inv, judgement);
    }
    remote(
        inv,
        Ruling::of(
            RiskLevel::Medium,
            "shell.script-file",
            format!("{name} runs the script {}", args[i].text),
        ),
    )
}

/// Rule of a shell or interpreter reading its program from stdin; the walker lowers it
/// when that program is visible (a here-document or a literal `echo`).
pub(crate) const STDIN_SCRIPT_RULE: &str = "shell.stdin-script";

fn interpreter(name: &str, inline_options: &[&str], inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    if args
        .iter()
        .any(|a| matches!(a.text.as_str(), "--version" | "-V" | "-v" | "--help" | "-h"))
        && args.len() == 1
    {
        return Ruling::of(
            RiskLevel::Low,
            "interpreter.version",
            format!("{name} prints its version"),
        );
    }
    if let Some(pos) = args
        .iter()
        .position(|a| inline_options.contains(&a.text.as_str()))
    {
        let code = args.get(pos + 1).map(|a| a.text.as_str()).unwrap_or("");
        let dangerous = DANGEROUS_INLINE.iter().any(|d| code.contains(d));
        let judgement = if dangerous {
            Ruling::of(
                RiskLevel::High,
                "interpreter.inline-dangerous",
                format!("{name} inline code deletes, spawns or fetches"),
            )
        } else {
            Ruling::of(
                RiskLevel::Medium,
                "interpreter.inline",
                format!("{name} runs inline code"),
            )
        };
        return remote(inv, judgement);
    }
    if name == "python"
        && let Some(pos) = args.iter().position(|a| a.text == "-m")
    {
        let module = args.get(pos + 1).map(|a| a.text.as_str()).unwrap_or("");
        if SAFE_PYTHON_MODULES.contains(&module) {
            // A test runner or linter of the project, like its CLI (`pytest`): judged as a
            // build, outputs and all.
            return Ruling::of(
                RiskLevel::Low,
                "build.test-runner",
                format!("python -m {module}"),
            );
        }
        if matches!(module, "venv" | "virtualenv") {
            let mut judgement =
                Ruling::of(RiskLevel::Low, "build.venv", format!("python -m {module}"));
            for target in operands(&args[pos + 2..]) {
                judgement = judgement.raise(inv.write_to(target));
            }
            return judgement;
        }
        if matches!(module, "pip" | "pip3" | "uv" | "twine" | "poetry") {
            let mut argv = vec![Arg::literal(module)];
            argv.extend(args[pos + 2..].iter().cloned());
            return Ruling::of(
                RiskLevel::Low,
                "wrapper.python-module",
                format!("python -m {module}"),
            )
            .with_nested(Nested::Argv(argv));
        }
        return Ruling::of(
            RiskLevel::Medium,
            "interpreter.module",
            format!("python -m {module}"),
        );
    }
    let script = operands(args).into_iter().next();
    match script {
        None => {
            let mut judgement = Ruling::of(
                RiskLevel::Medium,
                STDIN_SCRIPT_RULE,
                format!("{name} runs a program from its input"),
            );
            judgement.facts.runs_stdin = true;
            remote(inv, judgement)
        }
        Some(file) if file.text == "-" => {
            let mut judgement = Ruling::of(
                RiskLevel::Medium,
                STDIN_SCRIPT_RULE,
                format!("{name} runs a program from its input"),
            );
            judgement.facts.runs_stdin = true;
            remote(inv, judgement)
        }
        Some(file) => remote(
            inv,
            Ruling::of(
                RiskLevel::Medium,
                "interpreter.script",
                format!("{name} runs {}", file.text),
            ),
        ),
    }
}
