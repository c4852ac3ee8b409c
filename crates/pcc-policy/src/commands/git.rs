//! `git`: read-only subcommands LOW, local changes MEDIUM, anything that discards work
//! or rewrites shared history HIGH.

use super::super::level::RiskLevel::{self, High, Low, Medium};
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::{Invocation, Ruling, has_flag, operands, spec};

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
    ("ls-remote", Medium, "git.network"),
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
    ("request-pull", Medium, "git.network"),
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
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
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
        return Some(Ruling::of(
            Low,
            "git.read",
            "git without a subcommand prints help",
        ));
    };
    if sub.dynamic {
        return Some(Ruling::of(
            Medium,
            "git.dynamic",
            "git subcommand known only at run time",
        ));
    }
    let rest = &args[i + 1..];
    let sub = sub.text.as_str();
    let options = code_and_paths(inv, &args[..i], sub, rest);
    judge_subcommand(sub, rest).map(|j| j.raise(options))
}

/// Global options and subcommand options that run code, write files or read outside
/// the project, whatever the subcommand.
fn code_and_paths(inv: &Invocation<'_>, global: &[Arg], sub: &str, rest: &[Arg]) -> Finding {
    let mut finding = Finding::new(Low, "git.read", "");
    let mut i = 0;
    while i < global.len() {
        let text = global[i].text.as_str();
        let value = global.get(i + 1);
        match text {
            "-c" if value.is_some_and(|v| harmless_config(&v.text)) => {}
            "-c" | "--config-env" | "--exec-path" => {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.config-override",
                    "git -c can set a pager, an alias or a hook that runs code",
                ));
            }
            _ if text.starts_with("--exec-path") || text.starts_with("--config-env") => {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.config-override",
                    "git runs helpers from another place",
                ));
            }
            "-C" | "--git-dir" | "--work-tree" => {
                if let Some(dir) = value {
                    finding = finding.max(spec::read_place("git", inv, dir, true));
                    if text == "--git-dir" && !named_git(&dir.text) {
                        finding = finding.max(foreign_git_dir());
                    }
                }
            }
            _ => {
                if let Some(dir) = text
                    .strip_prefix("--git-dir=")
                    .or_else(|| text.strip_prefix("--work-tree="))
                {
                    finding = finding.max(spec::read_place("git", inv, &global[i].part(dir), true));
                    if text.starts_with("--git-dir=") && !named_git(dir) {
                        finding = finding.max(foreign_git_dir());
                    }
                }
            }
        }
        i += if GLOBAL_WITH_VALUE.contains(&text) {
            2
        } else {
            1
        };
    }
    let mut no_index = false;
    for (j, arg) in rest.iter().enumerate() {
        let text = arg.text.as_str();
        let (written, inline) = match text.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (text, None),
        };
        // git takes any unambiguous abbreviation of a long option (`--open-files=`,
        // `--outp=`): read each as the dangerous option it may abbreviate.
        let option = unabbreviate(written);
        let value = || {
            inline
                .map(|v| arg.part(v))
                .or_else(|| rest.get(j + 1).cloned())
        };
        match option {
            "--output" | "--output-directory" => {
                if let Some(target) = value() {
                    finding = finding.max(inv.write_to(&target));
                }
            }
            "-o" if matches!(sub, "format-patch" | "archive") => {
                if let Some(target) = value() {
                    finding = finding.max(inv.write_to(&target));
                }
            }
            "--upload-pack" | "--receive-pack" | "--exec" | "-u"
                if matches!(
                    sub,
                    "ls-remote" | "fetch" | "pull" | "clone" | "push" | "archive"
                ) =>
            {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.runs-helper",
                    format!("git {sub} {option} runs a command"),
                ));
            }
            "-O" | "--open-files-in-pager" => {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.runs-helper",
                    "git grep -O runs a pager command",
                ));
            }
            _ if text.starts_with("-O") && sub == "grep" => {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.runs-helper",
                    "git grep -O runs a pager command",
                ));
            }
            "--contents" => {
                if let Some(file) = value() {
                    finding = finding.max(spec::read_place("git", inv, &file, false));
                }
            }
            "--no-index" => no_index = true,
            "--ext-diff" | "--textconv" => {
                finding = finding.max(Finding::new(
                    Medium,
                    "git.runs-helper",
                    format!("git {sub} {option} runs a configured helper program"),
                ));
            }
            _ => {}
        }
    }
    // `git show REV:PATH` prints a file as committed; a committed secret is still one.
    for arg in operands(rest) {
        if let Some((_, path)) = arg.text.split_once(':')
            && !path.is_empty()
            && !arg.text.contains("://")
            && super::super::paths::secret_kind(std::path::Path::new(path), &inv.ctx.home).is_some()
        {
            finding = finding.max(Finding::new(
                High,
                "path.secret-read",
                format!("git {sub} prints the committed secret {path}"),
            ));
        }
    }
    if sub == "push"
        && operands(rest).first().is_some_and(|remote| {
            remote.text.contains("://") || remote.text.contains('@') || remote.dynamic
        })
    {
        finding = finding.max(Finding::new(
            High,
            "git.push-url",
            "git push to an address rather than a configured remote: the shape of exfiltration",
        ));
    }
    if no_index {
        for path in operands(rest) {
            finding = finding.max(spec::read_place("git diff --no-index", inv, path, false));
        }
    }
    if sub == "config" {
        finding = finding.max(config_write(rest));
    }
    finding
}

/// Long options of git's that run a helper or write a file, by which their abbreviations
/// are recognised.
const DANGEROUS_LONG: &[&str] = &[
    "--output",
    "--output-directory",
    "--upload-pack",
    "--receive-pack",
    "--exec",
    "--open-files-in-pager",
    "--ext-diff",
    "--textconv",
    "--contents",
    "--no-index",
];

/// The dangerous option `written` abbreviates, or `written` itself.
fn unabbreviate(written: &str) -> &str {
    if !written.starts_with("--") || written.len() < 4 {
        return written;
    }
    DANGEROUS_LONG
        .iter()
        .find(|full| full.starts_with(written))
        .copied()
        .unwrap_or(written)
}

/// `-c KEY=VALUE` overrides that only change how git shows things.
fn harmless_config(setting: &str) -> bool {
    let key = setting.split('=').next().unwrap_or("").to_ascii_lowercase();
    key.starts_with("color.")
        || key.starts_with("advice.")
        || key.starts_with("column.")
        || matches!(
            key.as_str(),
            "core.quotepath"
                | "core.abbrev"
                | "log.date"
                | "log.decorate"
                | "log.showsignature"
                | "diff.renames"
                | "diff.noprefix"
                | "init.defaultbranch"
                | "user.name"
                | "user.email"
                | "core.autocrlf"
                | "blame.date"
                | "grep.linenumber"
                | "status.short"
                | "status.branch"
        )
}

/// `git config KEY VALUE` writes `.git/config` (or `~/.gitconfig`), where a pager, an alias,
/// a hook path or a credential helper would later run: HIGH, but for a few identity keys.
fn config_write(rest: &[Arg]) -> Finding {
    let reading = has_flag(
        rest,
        &[
            "--get",
            "--get-all",
            "--get-regexp",
            "--list",
            "--show-origin",
            "--get-urlmatch",
        ],
        &['l'],
    ) || matches!(
        rest.iter()
            .find(|a| !a.text.starts_with('-'))
            .map(|a| a.text.as_str()),
        Some("get" | "list")
    );
    let ops = operands(rest);
    if reading
        || ops.len() < 2
            && !has_flag(
                rest,
                &[
                    "--unset",
                    "--unset-all",
                    "--add",
                    "--replace-all",
                    "--edit",
                    "--rename-section",
                    "--remove-section",
                ],
                &['e'],
            )
    {
        return Finding::new(Low, "git.read", "git config reads");
    }
    let key = ops
        .iter()
        .map(|a| a.text.to_ascii_lowercase())
        .find(|k| k != "set" && k != "unset")
        .unwrap_or_default();
    let global = has_flag(rest, &["--global", "--system", "--file"], &['f']);
    let identity = matches!(
        key.as_str(),
        "user.name"
            | "user.email"
            | "init.defaultbranch"
            | "pull.rebase"
            | "push.autosetupremote"
            | "core.autocrlf"
            | "color.ui"
    );
    if identity && !global {
        Finding::new(Medium, "git.change", format!("git config sets {key}"))
    } else {
        Finding::new(
            High,
            "git.config-write",
            format!("git config sets {key}, which git may run or trust later"),
        )
    }
}

/// The level of a git subcommand by its name and flags.
fn judge_subcommand(sub: &str, rest: &[Arg]) -> Option<Ruling> {
    let special =
        match sub {
            "push" => push(rest),
            "reset" if has_flag(rest, &["--hard", "--merge", "--keep"], &[]) => Some(Ruling::of(
                High,
                "git.reset-hard",
                "git reset --hard discards uncommitted work",
            )),
            "clean" if has_flag(rest, &["--dry-run"], &['n']) => {
                Some(Ruling::of(Low, "git.read", "git clean dry run"))
            }
            "clean" if !has_flag(rest, &["--force"], &['f']) => Some(Ruling::of(
                Medium,
                "git.change",
                "git clean without --force does nothing",
            )),
            "clean" => Some(Ruling::of(
                High,
                "git.clean",
                "git clean -f deletes untracked files",
            )),
            "checkout" => checkout(rest),
            "restore"
                if !has_flag(rest, &["--staged"], &['S'])
                    || has_flag(rest, &["--worktree"], &['W']) =>
            {
                Some(Ruling::of(
                    High,
                    "git.discard",
                    "git restore discards working-tree changes",
                ))
            }
            "switch" if has_flag(rest, &["--discard-changes", "--force"], &['f']) => Some(
                Ruling::of(High, "git.discard", "git switch discarding local changes"),
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
                Some(Ruling::of(
                    High,
                    "git.reflog-expire",
                    "expiring the reflog loses recovery points",
                ))
            }
            "remote" | "config" | "worktree" | "submodule" | "notes" | "lfs" => listing(sub, rest),
            "gc" if rest.iter().any(|a| a.text.starts_with("--prune")) => Some(Ruling::of(
                High,
                "git.prune",
                "git gc --prune drops unreachable commits",
            )),
            "commit" | "merge" | "rebase" if has_flag(rest, &["--no-verify"], &[]) => Some(
                Ruling::of(Medium, "git.no-verify", "skips repository hooks"),
            ),
            _ => None,
        };
    if let Some(j) = special {
        return Some(j.maybe_networked(sub));
    }
    let judgement = match SUBCOMMANDS.iter().find(|(s, _, _)| *s == sub) {
        Some((_, level, rule)) => Ruling::of(*level, rule, format!("git {sub}")),
        None => Ruling::of(
            Medium,
            "git.unknown",
            format!("unknown git subcommand {sub}"),
        ),
    };
    Some(judgement.maybe_networked(sub))
}

impl Ruling {
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

fn push(rest: &[Arg]) -> Option<Ruling> {
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
        return Some(Ruling::of(
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
        return Some(Ruling::of(
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
        return Some(Ruling::of(
            High,
            "git.force-push",
            "force push via +refspec",
        ));
    }
    Some(Ruling::of(Medium, "git.push", "git push publishes commits"))
}

fn checkout(rest: &[Arg]) -> Option<Ruling> {
    let discard = has_flag(rest, &["--force"], &['f'])
        || rest.iter().any(|a| a.text == "--")
        || operands(rest)
            .iter()
            .any(|a| a.text == "." || a.text == "*");
    if discard && !has_flag(rest, &[], &['b', 'B']) {
        return Some(Ruling::of(
            High,
            "git.discard",
            "git checkout -- discards working-tree changes",
        ));
    }
    Some(Ruling::of(
        Medium,
        "git.change",
        "git checkout switches branches",
    ))
}

fn branch(rest: &[Arg]) -> Option<Ruling> {
    let force_delete = rest.iter().any(|a| a.text == "-D")
        || (has_flag(rest, &["--delete"], &['d']) && has_flag(rest, &["--force"], &['f']));
    if force_delete {
        return Some(Ruling::of(
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
        return Some(Ruling::of(Low, "git.read", "git branch lists branches"));
    }
    Some(Ruling::of(
        Medium,
        "git.change",
        "git branch changes branches",
    ))
}

fn tag(rest: &[Arg]) -> Option<Ruling> {
    if operands(rest).is_empty()
        || has_flag(
            rest,
            &["--list", "--contains", "--points-at", "--merged"],
            &['l'],
        )
    {
        return Some(Ruling::of(Low, "git.read", "git tag lists tags"));
    }
    if has_flag(rest, &["--delete"], &['d']) {
        return Some(Ruling::of(
            Medium,
            "git.change",
            "git tag -d deletes a local tag",
        ));
    }
    Some(Ruling::of(Medium, "git.change", "git tag creates a tag"))
}

fn stash(rest: &[Arg]) -> Option<Ruling> {
    match rest.first().map(|a| a.text.as_str()) {
        Some("list" | "show") => Some(Ruling::of(Low, "git.read", "git stash list/show")),
        Some("drop" | "clear") => Some(Ruling::of(
            High,
            "git.stash-drop",
            "dropping stashes loses saved work",
        )),
        _ => Some(Ruling::of(Medium, "git.change", "git stash")),
    }
}

/// `git remote`, `git config`, `git worktree`, ... are LOW when they only list.
fn listing(sub: &str, rest: &[Arg]) -> Option<Ruling> {
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
        return Some(Ruling::of(Low, "git.read", format!("git {sub} lists")));
    }
    if sub == "worktree" && first == Some("remove") && has_flag(rest, &["--force"], &['f']) {
        return Some(Ruling::of(
            High,
            "git.discard",
            "removes a worktree with its changes",
        ));
    }
    None
}

/// Whether `dir` is a directory named `.git`, which no LOW call can have written.
fn named_git(dir: &str) -> bool {
    std::path::Path::new(dir.trim_end_matches('/'))
        .file_name()
        .is_some_and(|name| name == ".git")
}

/// A git directory not named `.git` may hold a config the agent wrote: its `core.fsmonitor`,
/// hooks or pager run code outside any sandbox as soon as git reads it.
fn foreign_git_dir() -> Finding {
    Finding::new(
        Medium,
        "git.foreign-git-dir",
        "git --git-dir names a directory that is not a .git: its config may run code",
    )
}
