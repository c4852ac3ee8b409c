//! Commands that run another command (`env`, `sudo`, `timeout`, `xargs`...): the wrapped
//! command is judged as if it ran alone, and the wrapper adds its own risk.

use super::super::level::RiskLevel;
use super::super::shell::words::Arg;
use super::{Invocation, Judgement, Nested};

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
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Judgement> {
    match name {
        "xargs" => return Some(xargs(inv)),
        "parallel" => return Some(parallel(inv)),
        "watch" => return Some(watch(inv)),
        "su" => return Some(su(inv)),
        "command" | "type" | "hash"
            if inv.args().iter().any(|a| a.text == "-v" || a.text == "-V") || name != "command" =>
        {
            return Some(Judgement::of(
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
    let mut judgement = Judgement::of(wrapper.level, wrapper.rule, format!("{name} {verb}"));
    if name == "env"
        && let Some(split) = split_string(args)
    {
        return Some(judgement.with_nested(Nested::Script(split)));
    }
    if start < args.len() {
        judgement = judgement.with_nested(Nested::Argv(args[start..].to_vec()));
    } else if wrapper.level == RiskLevel::Low {
        judgement = Judgement::of(
            RiskLevel::Low,
            wrapper.rule,
            format!("{name} without a command"),
        );
    } else if name == "sudo" || name == "doas" {
        // `sudo -i`, `sudo -s`: an interactive root shell.
        judgement = Judgement::of(
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
fn xargs(inv: &Invocation<'_>) -> Judgement {
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
    let judgement = Judgement::of(
        RiskLevel::Low,
        "wrapper.xargs",
        "xargs runs a command on its input",
    );
    if start >= args.len() {
        return judgement;
    }
    let mut argv = args[start..].to_vec();
    argv.push(Arg::unknown("{input}"));
    judgement.with_nested(Nested::Argv(argv))
}

/// `parallel CMD ::: ARGS` or `parallel 'CMD {}' ::: ARGS`.
fn parallel(inv: &Invocation<'_>) -> Judgement {
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
    let judgement = Judgement::of(
        RiskLevel::Low,
        "wrapper.parallel",
        "parallel runs a command on each input",
    );
    if start >= end {
        return Judgement::of(
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

/// `watch [-n N] CMD...` runs its command through `sh -c` repeatedly.
fn watch(inv: &Invocation<'_>) -> Judgement {
    let args = inv.args();
    let start = command_start(args, &["-n", "--interval", "-d", "--differences"], 0, false);
    let script: Vec<&str> = args[start..].iter().map(|a| a.text.as_str()).collect();
    Judgement::of(RiskLevel::Low, "wrapper.watch", "watch re-runs a command")
        .with_nested(Nested::Script(script.join(" ")))
}

/// `su [-] [user] [-c CMD]`: switching user is privilege escalation.
fn su(inv: &Invocation<'_>) -> Judgement {
    let args = inv.args();
    let judgement = Judgement::of(RiskLevel::High, "privilege.su", "su switches user");
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
