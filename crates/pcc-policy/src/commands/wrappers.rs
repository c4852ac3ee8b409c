//! Commands that run another command (`env`, `sudo`, `timeout`, `xargs`...): the wrapped
//! command is judged as if it ran alone, and the wrapper adds its own risk.

use super::super::level::RiskLevel;
use super::super::shell::words::Arg;
use super::{Invocation, Nested, Ruling};

/// A wrapper: its name, the options that take a value, how many operands precede the
/// command (`timeout 5 cmd` has one), and its own risk.
struct Wrapper {
    name: &'static str,
    options_with_value: &'static [&'static str],
    leading_operands: usize,
    level: RiskLevel,
    rule: &'static str,
}

/// Wrappers whose wrapped command is judged on its own; one line per wrapper.
const WRAPPERS: &[Wrapper] = &[
    w(
        "env",
        &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
        0,
        RiskLevel::Low,
        "wrapper.env",
    ),
    w(
        "time",
        &["-f", "--format", "-o", "--output"],
        0,
        RiskLevel::Low,
        "wrapper.time",
    ),
    w(
        "nice",
        &["-n", "--adjustment"],
        0,
        RiskLevel::Low,
        "wrapper.nice",
    ),
    w(
        "timeout",
        &["-s", "--signal", "-k", "--kill-after"],
        1,
        RiskLevel::Low,
        "wrapper.timeout",
    ),
    w(
        "gtimeout",
        &["-s", "--signal", "-k", "--kill-after"],
        1,
        RiskLevel::Low,
        "wrapper.timeout",
    ),
    w("nohup", &[], 0, RiskLevel::Low, "wrapper.nohup"),
    w("command", &[], 0, RiskLevel::Low, "wrapper.command"),
    w("builtin", &[], 0, RiskLevel::Low, "wrapper.builtin"),
    w("exec", &["-a"], 0, RiskLevel::Low, "wrapper.exec"),
    w(
        "stdbuf",
        &["-i", "-o", "-e", "--input", "--output", "--error"],
        0,
        RiskLevel::Low,
        "wrapper.stdbuf",
    ),
    w(
        "ionice",
        &["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"],
        0,
        RiskLevel::Low,
        "wrapper.ionice",
    ),
    w("setsid", &[], 0, RiskLevel::Low, "wrapper.setsid"),
    w("unbuffer", &[], 0, RiskLevel::Low, "wrapper.unbuffer"),
    w(
        "caffeinate",
        &["-t", "-w"],
        0,
        RiskLevel::Low,
        "wrapper.caffeinate",
    ),
    w("chrt", &[], 1, RiskLevel::Low, "wrapper.chrt"),
    w("taskset", &[], 1, RiskLevel::Low, "wrapper.taskset"),
    w("busybox", &[], 0, RiskLevel::Low, "wrapper.busybox"),
    w("toybox", &[], 0, RiskLevel::Low, "wrapper.busybox"),
    w(
        "xvfb-run",
        &["-n", "-s", "-f", "-e"],
        0,
        RiskLevel::Low,
        "wrapper.xvfb",
    ),
    w("dbus-run-session", &[], 0, RiskLevel::Low, "wrapper.dbus"),
    w(
        "flock",
        &["-w", "-E", "--timeout", "--conflict-exit-code"],
        1,
        RiskLevel::Low,
        "wrapper.flock",
    ),
    w(
        "sudo",
        &[
            "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group",
            "--chdir", "--prompt", "--host",
        ],
        0,
        RiskLevel::High,
        "privilege.sudo",
    ),
    w("doas", &["-u", "-C"], 0, RiskLevel::High, "privilege.sudo"),
    w("pkexec", &["--user"], 0, RiskLevel::High, "privilege.sudo"),
    w(
        "run0",
        &["--user", "-u"],
        0,
        RiskLevel::High,
        "privilege.sudo",
    ),
];

const fn w(
    name: &'static str,
    options_with_value: &'static [&'static str],
    leading_operands: usize,
    level: RiskLevel,
    rule: &'static str,
) -> Wrapper {
    Wrapper {
        name,
        options_with_value,
        leading_operands,
        level,
        rule,
    }
}

/// Judges wrappers, `xargs`, `parallel`, `watch` and `su`; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    match name {
        "xargs" => return Some(xargs(inv)),
        "parallel" => return Some(parallel(inv)),
        "watch" => return Some(watch(inv)),
        "hyperfine" => return Some(hyperfine(inv)),
        "script" => return Some(script(inv)),
        "strace" | "ltrace" | "valgrind" | "perf" => {
            return Some(tracer(name, inv));
        }
        "dc" => {
            return Some(Ruling::of(
                RiskLevel::Medium,
                "wrapper.dc",
                "dc runs shell commands with `!`",
            ));
        }
        "su" => return Some(su(inv)),
        "command" | "type"
            if inv.args().iter().any(|a| a.text == "-v" || a.text == "-V") || name != "command" =>
        {
            return Some(Ruling::of(
                RiskLevel::Low,
                "readonly.lookup",
                "looks up a command",
            ));
        }
        _ => {}
    }
    let wrapper = WRAPPERS.iter().find(|wr| wr.name == name)?;
    let args = inv.args();
    let start = command_start(
        args,
        wrapper.options_with_value,
        wrapper.leading_operands,
        name == "env",
    );
    let verb = match wrapper.level {
        RiskLevel::Low => "runs a command",
        _ => "runs a command with raised privileges",
    };
    let mut judgement = Ruling::of(wrapper.level, wrapper.rule, format!("{name} {verb}"));
    if name == "env"
        && let Some(split) = split_string(args)
    {
        return Some(judgement.with_nested(Nested::Script(split)));
    }
    // Options with their values glued (`-o/home/u/.bashrc`, `-C/dir`) or as GNU long
    // options by any abbreviation (`--out=`): not proven, unless exactly known.
    for arg in &args[..start] {
        let text = arg.text.as_str();
        let glued = !text.starts_with("--")
            && text.len() > 2
            && wrapper
                .options_with_value
                .iter()
                .any(|o| o.len() == 2 && text.starts_with(o));
        let long = text.starts_with("--")
            && !wrapper
                .options_with_value
                .iter()
                .any(|o| text == *o || text.strip_prefix(o).is_some_and(|r| r.starts_with('=')))
            && !matches!(
                text,
                "--" | "--preserve-status"
                    | "--foreground"
                    | "--ignore-environment"
                    | "--null"
                    | "--verbose"
                    | "--quiet"
            );
        if glued || long {
            judgement = judgement.raise(super::super::verdict::Finding::new(
                RiskLevel::Medium,
                "option.unknown",
                format!("{name}: {text} is not an option known to be harmless"),
            ));
        }
    }
    // Options whose value is a file the wrapper writes, or a directory it runs in.
    for (i, arg) in args[..start].iter().enumerate() {
        let value = || args.get(i + 1);
        match (name, arg.text.as_str()) {
            ("time", "-o" | "--output") | ("xvfb-run", "-e" | "-f") => {
                if let Some(target) = value() {
                    judgement = judgement.raise(inv.write_to(target));
                }
            }
            ("env", "-C" | "--chdir") => {
                judgement = judgement.raise(super::super::verdict::Finding::new(
                    RiskLevel::Medium,
                    "wrapper.chdir",
                    "env -C runs the command elsewhere",
                ));
            }
            _ => {}
        }
    }
    if name == "flock"
        && let Some(lock) = args[..start]
            .iter()
            .rev()
            .find(|a| !a.text.starts_with('-'))
    {
        judgement = judgement.raise(inv.write_to(lock));
    }
    if name == "env"
        && let Some(var) = args[..start]
            .iter()
            .filter_map(|a| a.text.split_once('=').map(|(n, _)| n))
            .find(|n| !n.starts_with('-') && !super::harmless_variable(n))
    {
        judgement = judgement.raise(super::super::verdict::Finding::new(
            RiskLevel::Medium,
            "env.hijack",
            format!("env sets {var}, which may change what the command runs"),
        ));
    }
    if name == "env" && start >= args.len() {
        let mut dump = Ruling::of(
            RiskLevel::High,
            "secrets.env-dump",
            "env prints environment variables, secrets included",
        );
        dump.facts.reads_secret = true;
        return Some(dump);
    }
    if start < args.len() {
        judgement = judgement.with_nested(Nested::Argv(args[start..].to_vec()));
    } else if wrapper.level == RiskLevel::Low {
        judgement = Ruling::of(
            RiskLevel::Low,
            wrapper.rule,
            format!("{name} without a command"),
        );
    } else if name == "sudo" || name == "doas" {
        // `sudo -i`, `sudo -s`: an interactive root shell.
        judgement = Ruling::of(
            RiskLevel::High,
            "privilege.sudo",
            format!("{name} opens a root shell"),
        );
    }
    Some(judgement)
}

/// Index of the wrapped command inside `args`, skipping options (and their values),
/// `VAR=x` assignments for `env`, and `leading` operands such as a timeout's duration.
pub(crate) fn command_start(
    args: &[Arg],
    with_value: &[&str],
    leading: usize,
    assignments: bool,
) -> usize {
    let mut i = 0;
    let mut remaining_operands = leading;
    while i < args.len() {
        let text = args[i].text.as_str();
        if text == "--" {
            i += 1;
            break;
        }
        if text.starts_with('-') && text.len() > 1 {
            let takes_value = with_value.contains(&text);
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        if assignments && text.contains('=') && !text.starts_with('=') {
            i += 1;
            continue;
        }
        if remaining_operands > 0 {
            remaining_operands -= 1;
            i += 1;
            continue;
        }
        break;
    }
    while remaining_operands > 0 && i < args.len() {
        remaining_operands -= 1;
        i += 1;
    }
    i.min(args.len())
}

/// `env -S 'cmd args'` runs a whole string split into words.
fn split_string(args: &[Arg]) -> Option<String> {
    let pos = args
        .iter()
        .position(|a| a.text == "-S" || a.text == "--split-string")?;
    let mut script: Vec<&str> = args
        .get(pos + 1..)?
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    script.retain(|s| !s.is_empty());
    Some(script.join(" "))
}

/// `xargs [opts] CMD ARGS`: CMD runs with arguments read from stdin, which we cannot see.
fn xargs(inv: &Invocation<'_>) -> Ruling {
    const WITH_VALUE: &[&str] = &[
        "-a",
        "-d",
        "-E",
        "-I",
        "-L",
        "-n",
        "-P",
        "-s",
        "--arg-file",
        "--delimiter",
        "--max-args",
        "--max-procs",
        "--replace",
    ];
    let args = inv.args();
    let start = command_start(args, WITH_VALUE, 0, false);
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "wrapper.xargs",
        "xargs runs a command on its input",
    );
    for (i, arg) in args[..start].iter().enumerate() {
        let file = match arg.text.as_str() {
            "-a" | "--arg-file" => args.get(i + 1).cloned(),
            text => text
                .strip_prefix("--arg-file=")
                .or_else(|| text.strip_prefix("-a").filter(|f| !f.is_empty()))
                .map(|f| arg.part(f)),
        };
        if let Some(file) = file {
            judgement =
                super::spec::judge_use(judgement, "xargs", inv, super::spec::Role::Read, &file);
        }
    }
    if start >= args.len() {
        return judgement;
    }
    let mut argv = args[start..].to_vec();
    argv.push(Arg::unknown("{input}"));
    judgement.with_nested(Nested::Argv(argv))
}

/// `parallel CMD ::: ARGS` or `parallel 'CMD {}' ::: ARGS`.
fn parallel(inv: &Invocation<'_>) -> Ruling {
    const WITH_VALUE: &[&str] = &[
        "-j",
        "--jobs",
        "-S",
        "--sshlogin",
        "--delay",
        "--timeout",
        "-N",
        "--joblog",
    ];
    let args = inv.args();
    let start = command_start(args, WITH_VALUE, 0, false);
    let end = args
        .iter()
        .position(|a| a.text.starts_with(":::"))
        .unwrap_or(args.len());
    let judgement = Ruling::of(
        RiskLevel::Low,
        "wrapper.parallel",
        "parallel runs a command on each input",
    );
    if start >= end {
        return Ruling::of(
            RiskLevel::Medium,
            "wrapper.parallel",
            "parallel runs commands read from its input",
        );
    }
    let command = &args[start..end];
    if command.len() == 1 && command[0].text.contains(' ') {
        return judgement.with_nested(Nested::Script(command[0].text.clone()));
    }
    let mut argv = command.to_vec();
    argv.push(Arg::unknown("{input}"));
    judgement.with_nested(Nested::Argv(argv))
}

/// `hyperfine [opts] CMD…` runs each command (and `--prepare`/`--setup`/`--cleanup`)
/// through a shell; `--export-*` options write files.
fn hyperfine(inv: &Invocation<'_>) -> Ruling {
    const SCRIPTS: &[&str] = &[
        "-p",
        "--prepare",
        "-s",
        "--setup",
        "-c",
        "--cleanup",
        "--conclude",
    ];
    const PLAIN: &[&str] = &[
        "-w",
        "--warmup",
        "-m",
        "--min-runs",
        "-M",
        "--max-runs",
        "-r",
        "--runs",
        "-n",
        "--command-name",
        "--style",
        "--sort",
        "--time-unit",
        "-u",
        "--output",
        "--input",
        "-L",
        "--parameter-list",
        "-P",
        "--parameter-scan",
        "-D",
        "--parameter-step-size",
    ];
    let args = inv.args();
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "wrapper.hyperfine",
        "hyperfine times commands",
    );
    let mut i = 0;
    while i < args.len() {
        let text = args[i].text.as_str();
        let value = args.get(i + 1);
        if SCRIPTS.contains(&text) {
            if let Some(script) = value {
                judgement = judgement.with_nested(Nested::Script(script.text.clone()));
            }
            i += 2;
        } else if text.starts_with("--export-") {
            if let Some(target) = value {
                judgement = judgement.raise(inv.write_to(target));
            }
            i += 2;
        } else if text == "-S" || text == "--shell" {
            judgement = judgement.raise(super::super::verdict::Finding::new(
                RiskLevel::Medium,
                "wrapper.shell",
                "hyperfine runs commands through another shell",
            ));
            i += 2;
        } else if PLAIN.contains(&text) {
            i += if matches!(text, "-P" | "--parameter-scan") {
                4
            } else if matches!(text, "-L" | "--parameter-list") {
                3
            } else {
                2
            };
        } else if text.starts_with('-') {
            i += 1;
        } else {
            judgement = judgement.with_nested(Nested::Script(text.to_owned()));
            i += 1;
        }
    }
    judgement
}

/// `script [-c CMD] [FILE]`: records a terminal session of CMD (or a shell) into FILE.
fn script(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(RiskLevel::Low, "wrapper.script", "script records a command");
    let mut command = None;
    let mut i = 0;
    let mut ops = Vec::new();
    while i < args.len() {
        let text = args[i].text.as_str();
        if text == "-c"
            || text == "--command"
            || (text.starts_with('-') && !text.starts_with("--") && text.ends_with('c'))
        {
            command = args.get(i + 1);
            i += 2;
            continue;
        }
        if !text.starts_with('-') {
            ops.push(&args[i]);
        }
        i += 1;
    }
    for file in ops {
        judgement = judgement.raise(inv.write_to(file));
    }
    match command {
        Some(script) => judgement.with_nested(Nested::Script(script.text.clone())),
        None => judgement.raise(super::super::verdict::Finding::new(
            RiskLevel::Medium,
            "wrapper.script",
            "script starts an interactive shell",
        )),
    }
}

/// `strace`, `ltrace`, `valgrind`, `perf record|stat`: run a command under a tracer, which
/// may write a log (`-o FILE`) or attach to another process (`-p PID`).
fn tracer(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "wrapper.tracer",
        format!("{name} traces a command"),
    );
    let mut i =
        usize::from(name == "perf" && args.first().is_some_and(|a| !a.text.starts_with('-')));
    while i < args.len() {
        let text = args[i].text.as_str();
        if !text.starts_with('-') {
            break;
        }
        match text {
            "-o" | "--output" | "-O" => {
                if let Some(file) = args.get(i + 1) {
                    judgement = judgement.raise(inv.write_to(file));
                }
                i += 2;
            }
            "-p" | "--pid" | "--attach" => {
                judgement = judgement.raise(super::super::verdict::Finding::new(
                    RiskLevel::High,
                    "process.attach",
                    format!("{name} attaches to another process"),
                ));
                i += 2;
            }
            "-e" | "-s" | "-u" | "-E" | "-a" | "-P" | "-X" | "-b" | "-I" | "-S" | "-A" | "-l"
            | "-x" => i += 2,
            _ => {
                if let Some(file) = text
                    .strip_prefix("--log-file=")
                    .or_else(|| text.strip_prefix("--output="))
                {
                    judgement = judgement.raise(inv.write_to(&args[i].part(file)));
                }
                i += 1;
            }
        }
    }
    if i < args.len() {
        judgement.with_nested(Nested::Argv(args[i..].to_vec()))
    } else {
        judgement
    }
}

/// `watch [-n N] CMD...` runs its command through `sh -c` repeatedly.
fn watch(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let start = command_start(args, &["-n", "--interval", "-d", "--differences"], 0, false);
    let script: Vec<&str> = args[start..].iter().map(|a| a.text.as_str()).collect();
    Ruling::of(RiskLevel::Low, "wrapper.watch", "watch re-runs a command")
        .with_nested(Nested::Script(script.join(" ")))
}

/// `su [-] [user] [-c CMD]`: switching user is privilege escalation.
fn su(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let judgement = Ruling::of(RiskLevel::High, "privilege.su", "su switches user");
    match args
        .iter()
        .position(|a| a.text == "-c" || a.text == "--command")
    {
        Some(pos) => match args.get(pos + 1) {
            Some(script) => judgement.with_nested(Nested::Script(script.text.clone())),
            None => judgement,
        },
        None => judgement,
    }
}
