//! `rm`, `rmdir`, `shred`, `unlink`: deletes judged by what they delete.

use super::super::level::RiskLevel;
use super::super::paths::PlaceKind;
use super::super::verdict::Finding;
use super::{Invocation, Ruling, has_flag, operands};

/// Judges deleting commands; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    match name {
        "rm" | "unlink" | "rmdir" | "trash" | "trash-put" => Some(rm(name, inv)),
        "shred" => Some(shred(inv)),
        _ => None,
    }
}

fn rm(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let recursive = name == "rm" && has_flag(args, &["--recursive"], &['r', 'R']);
    if has_flag(args, &["--no-preserve-root"], &[]) {
        return Ruling::of(RiskLevel::Critical, "rm.root", "rm with --no-preserve-root");
    }
    let targets = operands(args);
    if targets.is_empty() {
        return Ruling::of(
            RiskLevel::Low,
            "rm.nothing",
            "rm without operands does nothing",
        );
    }
    let mut finding = Finding::new(
        RiskLevel::Low,
        "rm.disposable",
        "deletes build outputs or scratch files",
    );
    for target in targets {
        finding = finding.max(judge_target(inv, target, recursive));
    }
    Ruling::from(finding)
}

fn judge_target(inv: &Invocation<'_>, target: &super::Arg, recursive: bool) -> Finding {
    let shown = target.text.as_str();
    // A glob deletes what is under the directory it starts from (`~/*` empties the home);
    // `..` is resolved before anything is judged, and nothing is stripped first.
    // `find . -name __pycache__ -exec rm -rf {} +`: only directories of that name go.
    let last = target.text.rsplit('/').next().unwrap_or("");
    if target.glob
        && !target.dynamic
        && !last.contains(['*', '?', '['])
        && super::super::paths::is_disposable_name(last)
        && inv
            .locate_base(target)
            .is_some_and(|(path, _)| path.starts_with(&inv.ctx.project_root))
    {
        return Finding::new(
            RiskLevel::Low,
            "rm.disposable",
            format!("deletes build outputs named {last}"),
        );
    }
    let Some((_, place)) = inv.locate_base(target) else {
        let level = if recursive || target.glob {
            RiskLevel::High
        } else {
            RiskLevel::Medium
        };
        return Finding::new(
            level,
            "rm.dynamic",
            format!("deletes {shown}, known only at run time"),
        );
    };
    match place {
        PlaceKind::Root => Finding::new(
            RiskLevel::Critical,
            "rm.root",
            "deletes the filesystem root",
        ),
        PlaceKind::Home => {
            Finding::new(RiskLevel::Critical, "rm.home", "deletes the home directory")
        }
        PlaceKind::ProjectRoot
            if recursive || (target.glob && target.text.trim_start_matches("./") == "*") =>
        {
            Finding::new(
                RiskLevel::High,
                "rm.project-root",
                "deletes the whole project",
            )
        }
        PlaceKind::ProjectDisposable | PlaceKind::Temp | PlaceKind::NullDevice => Finding::new(
            RiskLevel::Low,
            "rm.disposable",
            format!("deletes disposable {shown}"),
        ),
        PlaceKind::Project | PlaceKind::ProjectRoot if recursive => Finding::new(
            RiskLevel::High,
            "rm.recursive-project",
            format!("recursively deletes project path {shown}"),
        ),
        PlaceKind::Project | PlaceKind::ProjectRoot => Finding::new(
            RiskLevel::Medium,
            "rm.project-file",
            format!("deletes project file {shown}"),
        ),
        PlaceKind::Secret(_)
        | PlaceKind::VcsInternal
        | PlaceKind::AgentSettings
        | PlaceKind::AgentHome
        | PlaceKind::ShellRc => Finding::new(
            RiskLevel::High,
            "rm.sensitive",
            format!("deletes sensitive path {shown}"),
        ),
        PlaceKind::BlockDevice => Finding::new(
            RiskLevel::Critical,
            "rm.device",
            format!("deletes device {shown}"),
        ),
        PlaceKind::System
            if target.glob
                && ["/tmp", "/var/tmp", "/private/tmp", "/dev/shm"]
                    .iter()
                    .any(|t| {
                        inv.locate_base(target)
                            .is_some_and(|(p, _)| p == std::path::Path::new(t))
                    }) =>
        {
            Finding::new(
                RiskLevel::High,
                "rm.temp-root",
                format!("deletes everything under {shown}, other programs' files included"),
            )
        }
        PlaceKind::System | PlaceKind::SystemPublic if recursive => Finding::new(
            RiskLevel::Critical,
            "rm.system",
            format!("recursively deletes system path {shown}"),
        ),
        _ => Finding::new(
            RiskLevel::High,
            "rm.outside-project",
            format!("deletes {shown} outside the project"),
        ),
    }
}

/// `shred` overwrites data irrecoverably: a device is CRITICAL, anything else HIGH.
fn shred(inv: &Invocation<'_>) -> Ruling {
    let device = operands(inv.args())
        .into_iter()
        .any(|a| inv.place(a) == Some(PlaceKind::BlockDevice));
    if device {
        Ruling::of(RiskLevel::Critical, "disk.shred", "shreds a disk device")
    } else {
        Ruling::of(
            RiskLevel::High,
            "rm.shred",
            "irrecoverably overwrites files",
        )
    }
}
