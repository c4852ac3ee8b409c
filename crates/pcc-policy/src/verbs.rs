//! A small lexicon of verbs, shared by the MCP heuristics and the cloud CLIs whose
//! subcommands are verbs (`aws ec2 terminate-instances`, `gcloud ... delete`).

use super::level::RiskLevel;

/// Verbs that only look at things.
const READ_VERBS: &[&str] = &[
    "get",
    "list",
    "ls",
    "read",
    "search",
    "query",
    "fetch",
    "show",
    "describe",
    "find",
    "view",
    "lookup",
    "inspect",
    "status",
    "info",
    "count",
    "check",
    "validate",
    "explain",
    "diff",
    "head",
    "preview",
    "plan",
    "whoami",
    "version",
    "help",
    "logs",
    "log",
    "tail",
    "watch",
    "stat",
    "verify",
    "test",
    "lint",
    "scan",
    "estimate",
    "summarize",
    "analyze",
    "compare",
    "resolve",
    "identity",
    "caller",
    "screenshot",
    "navigate",
];

/// Verbs that destroy or revoke, usually irreversibly.
const DESTRUCTIVE_VERBS: &[&str] = &[
    "delete",
    "del",
    "drop",
    "destroy",
    "remove",
    "rm",
    "purge",
    "truncate",
    "kill",
    "terminate",
    "revoke",
    "force",
    "wipe",
    "erase",
    "nuke",
    "prune",
    "reset",
    "deregister",
    "uninstall",
    "unpublish",
    "shutdown",
    "teardown",
    "evict",
    "rb",
    "clear",
    "flush",
];

/// Verbs that publish or deploy to the outside world.
const PUBLISH_VERBS: &[&str] = &["publish", "deploy", "release", "promote", "rollout"];

/// The category of a single verb word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerbClass {
    /// Looks only.
    Read,
    /// Changes something, reversibly or not obviously destructively.
    Mutate,
    /// Publishes or deploys.
    Publish,
    /// Deletes or revokes.
    Destroy,
}

/// Classifies one lower-case word; `None` when the word is not a known verb.
pub(crate) fn verb_class(word: &str) -> Option<VerbClass> {
    if DESTRUCTIVE_VERBS.contains(&word) {
        Some(VerbClass::Destroy)
    } else if PUBLISH_VERBS.contains(&word) {
        Some(VerbClass::Publish)
    } else if READ_VERBS.contains(&word) {
        Some(VerbClass::Read)
    } else if MUTATE_VERBS.contains(&word) {
        Some(VerbClass::Mutate)
    } else {
        None
    }
}

/// Verbs that change state without being destructive by themselves.
const MUTATE_VERBS: &[&str] = &[
    "create",
    "update",
    "write",
    "edit",
    "send",
    "post",
    "put",
    "patch",
    "run",
    "exec",
    "execute",
    "set",
    "add",
    "insert",
    "upload",
    "start",
    "stop",
    "restart",
    "apply",
    "merge",
    "move",
    "rename",
    "copy",
    "modify",
    "assign",
    "invite",
    "attach",
    "detach",
    "enable",
    "disable",
    "cancel",
    "import",
    "install",
    "push",
    "commit",
    "close",
    "open",
    "reply",
    "comment",
    "upsert",
    "save",
    "submit",
    "approve",
    "trigger",
    "invoke",
    "call",
    "click",
    "fill",
    "type",
    "press",
    "tag",
    "label",
    "schedule",
    "scale",
    "sync",
    "configure",
    "restore",
    "export",
    "download",
    "snapshot",
    "wait",
    "browse",
    "presign",
    "register",
    "login",
    "logout",
    "associate",
    "authorize",
    "grant",
    "replace",
    "reboot",
];

/// Judges a name made of words (`delete_issue`, `terminate-instances`, `listUsers`) by its
/// riskiest verb: destroy → HIGH, publish → HIGH, mutate → MEDIUM, only reads → LOW.
/// `None` when no word is a known verb.
pub(crate) fn level_of_words<'a>(
    words: impl Iterator<Item = &'a str>,
) -> Option<(RiskLevel, VerbClass)> {
    let mut best: Option<VerbClass> = None;
    for word in words {
        let Some(class) = verb_class(word) else {
            continue;
        };
        let rank = |c: VerbClass| match c {
            VerbClass::Read => 0,
            VerbClass::Mutate => 1,
            VerbClass::Publish => 2,
            VerbClass::Destroy => 3,
        };
        if best.is_none_or(|b| rank(class) > rank(b)) {
            best = Some(class);
        }
    }
    best.map(|class| {
        let level = match class {
            VerbClass::Read => RiskLevel::Low,
            VerbClass::Mutate => RiskLevel::Medium,
            VerbClass::Publish | VerbClass::Destroy => RiskLevel::High,
        };
        (level, class)
    })
}

/// Splits an identifier into lower-case words on `_`, `-`, `.`, `/` and camelCase humps.
pub(crate) fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.extend(ch.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
