//! Commands that create, change or move files: judged by the paths they write.

use super::super::level::RiskLevel;
use super::super::paths::PlaceKind;
use super::super::verdict::Finding;
use super::{Invocation, Judgement, has_flag, operands};

/// Commands whose every operand is a path they write; one line per command.
const WRITE_ALL_OPERANDS: &[&str] = &[
    "touch", "mkdir", "truncate", "tee", "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz",
    "zstd", "chattr",
];

/// Commands whose last operand is the destination and others are sources (read).
const COPY_LIKE: &[&str] = &["cp", "ln", "install"];

/// Judges file-writing commands; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Judgement> {
    let args = inv.args();
    let judgement = match name {
        _ if WRITE_ALL_OPERANDS.contains(&name) => write_all(name, inv, &operands(args)),
        "mv" => write_all(name, inv, &operands(args)),
        _ if COPY_LIKE.contains(&name) => copy(name, inv),
        "sed" | "gsed" => sed(inv),
        "perl" if has_flag(args, &[], &['i']) => sed(inv),
        "awk" | "gawk" | "mawk" | "nawk" => awk(inv),
        "chmod" => chmod(inv),
        "chown" | "chgrp" => chown(name, inv),
        "tar" | "bsdtar" => tar(inv),
        "unzip" | "7z" | "7za" | "zip" | "patch" => {
            let mut j = Judgement::of(
                RiskLevel::Low,
                "files.archive",
                format!("{name} in the project"),
            );
            for dir in option_values(args, &["-d", "-o", "--directory"]) {
                j = j.raise(inv.write_to(dir));
            }
            j
        }
        _ => return None,
    };
    Some(judgement)
}

fn write_all(name: &str, inv: &Invocation<'_>, targets: &[&super::Arg]) -> Judgement {
    let mut finding = Finding::new(
        RiskLevel::Low,
        "files.write",
        format!("{name} inside the project"),
    );
    for target in targets {
        finding = finding.max(inv.write_to(target));
    }
    Judgement::from(finding)
}

fn copy(name: &str, inv: &Invocation<'_>) -> Judgement {
    let targets = operands(inv.args());
    let mut judgement = Judgement::of(
        RiskLevel::Low,
        "files.write",
        format!("{name} inside the project"),
    );
    let Some((dest, sources)) = targets.split_last() else {
        return judgement;
    };
    judgement = judgement.raise(inv.write_to(dest));
    if let Some(secret) = sources.iter().find(|s| inv.is_secret(s)) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::High,
            "path.secret-read",
            format!("copies secret {}", secret.text),
        ));
        judgement.facts.reads_secret = true;
    }
    judgement
}

/// `sed -i` writes its file operands; without `-i` sed only prints.
fn sed(inv: &Invocation<'_>) -> Judgement {
    let args = inv.args();
    let in_place = args
        .iter()
        .any(|a| a.text.starts_with("-i") || a.text.starts_with("--in-place"))
        || has_flag(args, &[], &['i']);
    if !in_place {
        return Judgement::of(RiskLevel::Low, "readonly.command", "sed prints its output");
    }
    let explicit_script = args
        .iter()
        .any(|a| a.text == "-e" || a.text == "-f" || a.text.starts_with("--expression"));
    let mut files = operands(args);
    if !explicit_script && !files.is_empty() {
        files.remove(0);
    }
    let mut finding = Finding::new(
        RiskLevel::Low,
        "files.sed-in-place",
        "edits project files in place",
    );
    for file in files {
        finding = finding.max(inv.write_to(file));
    }
    Judgement::from(finding)
}

/// `awk` is LOW unless its program runs commands or writes files.
fn awk(inv: &Invocation<'_>) -> Judgement {
    if inv
        .args()
        .iter()
        .any(|a| a.text == "-f" || a.text.starts_with("--file"))
    {
        return Judgement::of(
            RiskLevel::Medium,
            "awk.script-file",
            "awk runs a program file",
        );
    }
    let program = operands(inv.args())
        .first()
        .map(|a| a.text.as_str())
        .unwrap_or("");
    if program.contains("system")
        || program.contains('|')
        || program.contains('>')
        || program.contains("getline")
    {
        return Judgement::of(
            RiskLevel::Medium,
            "awk.side-effects",
            "awk program runs commands or writes files",
        );
    }
    Judgement::of(RiskLevel::Low, "readonly.command", "awk only prints")
}

fn chmod(inv: &Invocation<'_>) -> Judgement {
    let args = inv.args();
    let ops = operands(args);
    let mode = ops.first().map(|a| a.text.as_str()).unwrap_or("");
    let setuid = mode.contains('s') || (mode.len() == 4 && mode.starts_with(['4', '2', '6']));
    let mut judgement = Judgement::of(
        RiskLevel::Low,
        "files.chmod",
        "changes permissions inside the project",
    );
    if setuid {
        judgement = judgement.raise(Finding::new(
            RiskLevel::High,
            "privilege.setuid",
            "sets a setuid/setgid bit",
        ));
    }
    for target in ops.iter().skip(1) {
        let finding = match inv.place(target) {
            Some(PlaceKind::Project | PlaceKind::ProjectDisposable | PlaceKind::Temp) => continue,
            Some(PlaceKind::Root) if has_flag(args, &["--recursive"], &['R']) => Finding::new(
                RiskLevel::High,
                "privilege.chmod-root",
                "recursively changes permissions of /",
            ),
            _ => inv.write_to(target).max(Finding::new(
                RiskLevel::Medium,
                "files.chmod",
                "changes permissions",
            )),
        };
        judgement = judgement.raise(finding);
    }
    if mode.ends_with("777") && judgement.finding.level == RiskLevel::Low {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "files.chmod-777",
            "makes files world-writable",
        ));
    }
    judgement
}

fn chown(name: &str, inv: &Invocation<'_>) -> Judgement {
    let ops = operands(inv.args());
    let mut judgement = Judgement::of(
        RiskLevel::Medium,
        "files.chown",
        format!("{name} inside the project"),
    );
    for target in ops.iter().skip(1) {
        let inside = matches!(
            inv.place(target),
            Some(PlaceKind::Project | PlaceKind::ProjectDisposable | PlaceKind::Temp)
        );
        if !inside {
            judgement = judgement.raise(Finding::new(
                RiskLevel::High,
                "privilege.chown",
                format!("{name} outside the project"),
            ));
        }
    }
    judgement
}

fn tar(inv: &Invocation<'_>) -> Judgement {
    let args = inv.args();
    let mut judgement = Judgement::of(RiskLevel::Low, "files.archive", "tar inside the project");
    for dir in option_values(args, &["-C", "--directory"]) {
        judgement = judgement.raise(inv.write_to(dir));
    }
    if let Some(secret) = operands(args).into_iter().find(|a| inv.is_secret(a)) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::High,
            "path.secret-read",
            format!("archives secret {}", secret.text),
        ));
        judgement.facts.reads_secret = true;
    }
    judgement
}

/// Values of options given as `-X VALUE` or `--long=VALUE`.
pub(crate) fn option_values<'a>(args: &'a [super::Arg], names: &[&str]) -> Vec<&'a super::Arg> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if names.contains(&arg.text.as_str())
            && let Some(value) = args.get(i + 1)
        {
            out.push(value);
        }
    }
    out
}
