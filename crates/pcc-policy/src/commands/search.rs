//! `find` and `fd`: read-only searches, unless they delete, write or run commands.

use super::super::level::RiskLevel;
use super::super::paths::{PlaceKind, name_pattern_may_match_sensitive};
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::{Invocation, Nested, Ruling, spec};

/// Judges `find` and `fd`; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    match name {
        "find" | "gfind" => Some(find(inv)),
        "fd" | "fdfind" => Some(fd(inv)),
        _ => None,
    }
}

fn find(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let roots: Vec<&Arg> = args
        .iter()
        .take_while(|a| !a.text.starts_with('-') && a.text != "(" && a.text != "!")
        .collect();
    let mut judgement = Ruling::of(RiskLevel::Low, "find.read", "find only lists files");
    let follows = args
        .iter()
        .any(|a| matches!(a.text.as_str(), "-L" | "-follow" | "-H"));
    // What `{}` stands for: some path under the starting points (never a name we know).
    // One `-name PATTERN` and no `-o`: every found file's name matches PATTERN.
    let names: Vec<&Arg> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.text == "-name")
        .filter_map(|(i, _)| args.get(i + 1))
        .collect();
    let alternatives = args
        .iter()
        .any(|a| matches!(a.text.as_str(), "-o" | "-or" | "!" | "-not"));
    let tail = match names.as_slice() {
        [name]
            if !alternatives
                && !name.dynamic
                && !name.text.contains('/')
                && !name_pattern_may_match_sensitive(&name.text) =>
        {
            format!("**/{}", name.text)
        }
        _ => "**".to_owned(),
    };
    let found = match roots.as_slice() {
        [root] if !follows => root.part(format!("{}/{tail}", root.text.trim_end_matches('/'))),
        [] if !follows => Arg::literal(format!("./{tail}")),
        _ => Arg::unknown("{}"),
    };
    let found = Arg {
        glob: true,
        ..found
    };
    if roots.is_empty() {
        judgement = judgement.raise(spec::cwd_read("find", inv));
    }
    for root in &roots {
        judgement = spec::judge_use(judgement, "find", inv, spec::Role::Meta, root);
    }
    if follows {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "find.follows-links",
            "find follows symlinks out of its starting points",
        ));
    }
    let mut i = roots.len();
    while i < args.len() {
        match args[i].text.as_str() {
            "-delete" => judgement = judgement.raise(delete_finding(inv, &roots)),
            "-exec" | "-execdir" | "-ok" | "-okdir" => {
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a.text == ";" || a.text == "+")
                    .map_or(args.len(), |p| i + 1 + p);
                let command: Vec<Arg> = args[i + 1..end]
                    .iter()
                    .map(|a| {
                        if a.text == "{}" {
                            found.clone()
                        } else if a.text.contains("{}") {
                            Arg::unknown(a.text.clone())
                        } else {
                            a.clone()
                        }
                    })
                    .collect();
                if !command.is_empty() {
                    judgement = judgement.with_nested(Nested::Argv(command));
                }
                i = end;
            }
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" | "-fprint0f" => {
                if let Some(target) = args.get(i + 1) {
                    judgement = judgement.raise(inv.write_to(target));
                }
            }
            _ => {}
        }
        i += 1;
    }
    judgement
}

/// Deleting what `find` matches is as risky as `rm -r` on its starting points.
fn delete_finding(inv: &Invocation<'_>, roots: &[&Arg]) -> Finding {
    let dot = Arg::literal(".");
    let roots: Vec<&Arg> = if roots.is_empty() {
        vec![&dot]
    } else {
        roots.to_vec()
    };
    let mut finding = Finding::new(
        RiskLevel::Low,
        "find.delete-disposable",
        "find -delete inside build outputs",
    );
    for root in roots {
        let place = inv.place(root);
        let level = match place {
            Some(PlaceKind::ProjectDisposable | PlaceKind::Temp) => continue,
            Some(PlaceKind::Root | PlaceKind::Home | PlaceKind::System) => RiskLevel::Critical,
            _ => RiskLevel::High,
        };
        finding = finding.max(Finding::new(
            level,
            "find.delete",
            format!("find -delete under {}", root.text),
        ));
    }
    finding
}

fn fd(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let judgement = Ruling::of(RiskLevel::Low, "find.read", "fd only lists files");
    let Some(pos) = args
        .iter()
        .position(|a| matches!(a.text.as_str(), "-x" | "--exec" | "-X" | "--exec-batch"))
    else {
        return judgement;
    };
    let mut command: Vec<Arg> = args[pos + 1..]
        .iter()
        .take_while(|a| a.text != ";")
        .cloned()
        .collect();
    if command.is_empty() {
        return judgement;
    }
    command.push(Arg::unknown("{}"));
    judgement.with_nested(Nested::Argv(command))
}
