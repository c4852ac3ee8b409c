//! `git`: read-only subcommands LOW, local changes MEDIUM, anything that discards work
//! or rewrites shared history HIGH.

use super::super::level::RiskLevel::{self, High, Low, Medium};
use super::super::shell::words::Arg;
use super::{Invocation, Judgement, has_flag, operands};

/// Subcommands by their plain level; the special cases are in [`judge`].
const SUBCOMMANDS: &[(&str, RiskLevel, &str)] = &[
    ("status", Low, "git.read"),
    ("log", Low, "git.read"),
    ("diff", Low, "git.read"),
    ("show", Low, "git.read"),
    ("blame", Low, "git.read"),
    ("shortlog", Low, "git.read"),
    ("rev-parse", Low, "git.read"),
    ("rev-list", Low, "git.read"),
    ("ls-files", Low, "git.read"),
    ("ls-tree", Low, "git.read"),
    ("ls-remote", Low, "git.read"),
    ("cat-file", Low, "git.read"),
    ("describe", Low, "git.read"),
    ("grep", Low, "git.read"),
    ("for-each-ref", Low, "git.read"),
    ("name-rev", Low, "git.read"),
    ("merge-base", Low, "git.read"),
    ("show-ref", Low, "git.read"),
    ("count-objects", Low, "git.read"),
    ("help", Low, "git.read"),
    ("version", Low, "git.read"),
    ("check-ignore", Low, "git.read"),
    ("check-attr", Low, "git.read"),
    ("var", Low, "git.read"),
    ("whatchanged", Low, "git.read"),
    ("range-diff", Low, "git.read"),
    ("cherry", Low, "git.read"),
    ("verify-commit", Low, "git.read"),
    ("verify-tag", Low, "git.read"),
    ("fsck", Low, "git.read"),
    ("diff-tree", Low, "git.read"),
    ("diff-files", Low, "git.read"),
    ("diff-index", Low, "git.read"),
    ("show-branch", Low, "git.read"),
    ("annotate", Low, "git.read"),
    ("instaweb", Medium, "git.change"),
    ("add", Medium, "git.change"),
    ("commit", Medium, "git.change"),
    ("switch", Medium, "git.change"),
    ("fetch", Medium, "git.network"),
    ("pull", Medium, "git.network"),
    ("merge", Medium, "git.change"),
    ("rebase", Medium, "git.change"),
    ("cherry-pick", Medium, "git.change"),
    ("revert", Medium, "git.change"),
    ("mv", Medium, "git.change"),
    ("rm", Medium, "git.change"),
    ("init", Medium, "git.change"),
    ("clone", Medium, "git.network"),
    ("apply", Medium, "git.change"),
    ("am", Medium, "git.change"),
    ("format-patch", Medium, "git.change"),
    ("gc", Medium, "git.change"),
    ("bisect", Medium, "git.change"),
    ("sparse-checkout", Medium, "git.change"),
    ("submodule", Medium, "git.change"),
    ("lfs", Medium, "git.change"),
    ("worktree", Medium, "git.change"),
    ("notes", Medium, "git.change"),
    ("archive", Medium, "git.change"),
    ("maintenance", Medium, "git.change"),
    ("prune", Medium, "git.change"),
    ("repack", Medium, "git.change"),
    ("push", Medium, "git.push"),
    ("reset", Medium, "git.change"),
    ("restore", Medium, "git.change"),
    ("checkout", Medium, "git.change"),
    ("clean", High, "git.clean"),
    ("stash", Medium, "git.change"),
    ("branch", Medium, "git.change"),
    ("tag", Medium, "git.change"),
    ("remote", Medium, "git.change"),
    ("config", Medium, "git.change"),
    ("reflog", Low, "git.read"),
    ("filter-branch", High, "git.rewrite-history"),
    ("filter-repo", High, "git.rewrite-history"),
    ("update-ref", High, "git.update-ref"),
    ("replace", High, "git.rewrite-history"),
    ("send-email", High, "git.send-email"),
    ("request-pull", Low, "git.read"),
];

/// Global options that take a value before the subcommand.
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
];

/// Judges `git` (and `hub`/`yadm`, which share its command line); `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Judgement> {
    if !matches!(name, "git" | "hub" | "yadm") {
        return None;
    }
    let args = inv.args();
    let mut i = 0;
    while i < args.len() && args[i].text.starts_with('-') {
        i += if GLOBAL_WITH_VALUE.contains(&args[i].text.as_str()) {
            2
        } else {
            1
        };
    }
    let Some(sub) = args.get(i) else {
        return Some(Judgement::of(
            Low,
            "git.read",
            "git without a subcommand prints help",
        ));
    };
    if sub.dynamic {
        return Some(Judgement::of(
            Medium,
            "git.dynamic",
            "git subcommand known only at run time",
        ));
    }
    let rest = &args[i + 1..];
    let sub = sub.text.as_str();
    let special = match sub {
        "push" => push(rest),
        "reset" if has_flag(rest, &["--hard", "--merge", "--keep"], &[]) => Some(Judgement::of(
            High,
            "git.reset-hard",
            "git reset --hard discards uncommitted work",
        )),
        "clean" if has_flag(rest, &["--dry-run"], &['n']) => {
            Some(Judgement::of(Low, "git.read", "git clean dry run"))
        }
        "clean" if !has_flag(rest, &["--force"], &['f']) => Some(Judgement::of(
            Medium,
            "git.change",
            "git clean without --force does nothing",
        )),
        "clean" => Some(Judgement::of(
            High,
            "git.clean",
            "git clean -f deletes untracked files",
        )),
        "checkout" => checkout(rest),
        "restore"
            if !has_flag(rest, &["--staged"], &['S'])
                || has_flag(rest, &["--worktree"], &['W']) =>
        {
            Some(Judgement::of(
                High,
                "git.discard",
                "git restore discards working-tree changes",
            ))
        }
        "switch" if has_flag(rest, &["--discard-changes", "--force"], &['f']) => Some(
            Judgement::of(High, "git.discard", "git switch discarding local changes"),
        ),
        "branch" => branch(rest),
        "tag" => tag(rest),
        "stash" => stash(rest),
        "reflog"
            if matches!(
                rest.first().map(|a| a.text.as_str()),
                Some("expire" | "delete")
            ) =>
        {
            Some(Judgement::of(
                High,
                "git.reflog-expire",
                "expiring the reflog loses recovery points",
            ))
        }
        "remote" | "config" | "worktree" | "submodule" | "notes" | "lfs" => listing(sub, rest),
        "gc" if rest.iter().any(|a| a.text.starts_with("--prune")) => Some(Judgement::of(
            High,
            "git.prune",
            "git gc --prune drops unreachable commits",
        )),
        "commit" | "merge" | "rebase" if has_flag(rest, &["--no-verify"], &[]) => Some(
            Judgement::of(Medium, "git.no-verify", "skips repository hooks"),
        ),
        _ => None,
    };
    if let Some(j) = special {
        return Some(j.maybe_networked(sub));
    }
    let judgement = match SUBCOMMANDS.iter().find(|(s, _, _)| *s == sub) {
        Some((_, level, rule)) => Judgement::of(*level, rule, format!("git {sub}")),
        None => Judgement::of(
            Medium,
            "git.unknown",
            format!("unknown git subcommand {sub}"),
        ),
    };
    Some(judgement.maybe_networked(sub))
}

impl Judgement {
    fn maybe_networked(self, sub: &str) -> Self {
        if matches!(
            sub,
            "push" | "fetch" | "pull" | "clone" | "ls-remote" | "send-email" | "submodule"
        ) {
            self.networked()
        } else {
            self
        }
    }
}

fn push(rest: &[Arg]) -> Option<Judgement> {
    if has_flag(
        rest,
        &[
            "--force",
            "--force-with-lease",
            "--force-if-includes",
            "--mirror",
        ],
        &['f'],
    ) {
        return Some(Judgement::of(
            High,
            "git.force-push",
            "force push rewrites remote history",
        ));
    }
    if has_flag(rest, &["--delete", "--prune"], &['d'])
        || operands(rest)
            .iter()
            .skip(1)
            .any(|a| a.text.starts_with(':'))
    {
        return Some(Judgement::of(
            High,
            "git.push-delete",
            "push deletes remote refs",
        ));
    }
    if operands(rest)
        .iter()
        .skip(1)
        .any(|a| a.text.starts_with('+'))
    {
        return Some(Judgement::of(
            High,
            "git.force-push",
            "force push via +refspec",
        ));
    }
    Some(Judgement::of(
        Medium,
        "git.push",
        "git push publishes commits",
    ))
}

fn checkout(rest: &[Arg]) -> Option<Judgement> {
    let discard = has_flag(rest, &["--force"], &['f'])
        || rest.iter().any(|a| a.text == "--")
        || operands(rest)
            .iter()
            .any(|a| a.text == "." || a.text == "*");
    if discard && !has_flag(rest, &[], &['b', 'B']) {
        return Some(Judgement::of(
            High,
            "git.discard",
            "git checkout -- discards working-tree changes",
        ));
    }
    Some(Judgement::of(
        Medium,
        "git.change",
        "git checkout switches branches",
    ))
}

fn branch(rest: &[Arg]) -> Option<Judgement> {
    let force_delete = rest.iter().any(|a| a.text == "-D")
        || (has_flag(rest, &["--delete"], &['d']) && has_flag(rest, &["--force"], &['f']));
    if force_delete {
        return Some(Judgement::of(
            High,
            "git.branch-force-delete",
            "git branch -D deletes unmerged work",
        ));
    }
    let listing = operands(rest).is_empty()
        || has_flag(
            rest,
            &[
                "--list",
                "--show-current",
                "--contains",
                "--merged",
                "--no-merged",
                "--points-at",
            ],
            &['l'],
        );
    let modifying = has_flag(
        rest,
        &[
            "--delete",
            "--move",
            "--copy",
            "--set-upstream-to",
            "--unset-upstream",
            "--edit-description",
        ],
        &['d', 'm', 'M', 'c', 'C', 'u'],
    );
    if listing && !modifying {
        return Some(Judgement::of(Low, "git.read", "git branch lists branches"));
    }
    Some(Judgement::of(
        Medium,
        "git.change",
        "git branch changes branches",
    ))
}

fn tag(rest: &[Arg]) -> Option<Judgement> {
    if operands(rest).is_empty()
        || has_flag(
            rest,
            &["--list", "--contains", "--points-at", "--merged"],
            &['l'],
        )
    {
        return Some(Judgement::of(Low, "git.read", "git tag lists tags"));
    }
    if has_flag(rest, &["--delete"], &['d']) {
        return Some(Judgement::of(
            Medium,
            "git.change",
            "git tag -d deletes a local tag",
        ));
    }
    Some(Judgement::of(Medium, "git.change", "git tag creates a tag"))
}

fn stash(rest: &[Arg]) -> Option<Judgement> {
    match rest.first().map(|a| a.text.as_str()) {
        Some("list" | "show") => Some(Judgement::of(Low, "git.read", "git stash list/show")),
        Some("drop" | "clear") => Some(Judgement::of(
            High,
            "git.stash-drop",
            "dropping stashes loses saved work",
        )),
        _ => Some(Judgement::of(Medium, "git.change", "git stash")),
    }
}

/// `git remote`, `git config`, `git worktree`, ... are LOW when they only list.
fn listing(sub: &str, rest: &[Arg]) -> Option<Judgement> {
    let first = rest
        .iter()
        .find(|a| !a.text.starts_with('-'))
        .map(|a| a.text.as_str());
    let read = match sub {
        "remote" => matches!(first, None | Some("show" | "get-url")),
        "config" => {
            has_flag(
                rest,
                &[
                    "--get",
                    "--get-all",
                    "--get-regexp",
                    "--list",
                    "--show-origin",
                ],
                &['l'],
            ) || matches!(first, Some("get" | "list"))
                || (operands(rest).len() == 1
                    && !has_flag(rest, &["--unset", "--unset-all", "--add"], &[]))
        }
        "worktree" => matches!(first, Some("list")),
        "submodule" => {
            matches!(first, None | Some("status" | "summary" | "foreach"))
                && first != Some("foreach")
        }
        "notes" => matches!(first, None | Some("list" | "show")),
        "lfs" => matches!(
            first,
            Some("ls-files" | "status" | "env" | "version" | "logs")
        ),
        _ => false,
    };
    if read {
        return Some(Judgement::of(Low, "git.read", format!("git {sub} lists")));
    }
    if sub == "worktree" && first == Some("remove") && has_flag(rest, &["--force"], &['f']) {
        return Some(Judgement::of(
            High,
            "git.discard",
            "removes a worktree with its changes",
        ));
    }
    None
}
