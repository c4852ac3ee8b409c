//! Permission rules in Claude Code's own syntax, so users write the rules they already know:
//! `Bash(npm run test:*)`, `Bash(git status)`, `Write(./src/**)`, `Read(~/.ssh/**)`,
//! `WebFetch(domain:example.com)`, `mcp__github__*`, `mcp__github`, or a bare tool name.
//!
//! Paths in rules: `./x` and `x` are relative to the project root (as in a project's settings),
//! `//x` is the absolute path `/x`, `~/x` is in the home directory; a pattern without `/` matches
//! a file name at any depth. `Edit(…)` rules cover every tool that edits files and `Read(…)`
//! rules every tool that reads them, as in Claude Code.

use super::call::CallFacts;
use super::wildcard::wildcard_match;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Permission rules as the user wrote them, e.g. `Bash(npm run test:*)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionLists {
    /// Allowed without asking (never CRITICAL).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Always left to a human.
    #[serde(default)]
    pub ask: Vec<String>,
    /// Always denied; beats `allow`.
    #[serde(default)]
    pub deny: Vec<String>,
}

/// Tools that change files; an `Edit(…)` or `Write(…)` rule applies to all of them.
const EDITING_TOOLS: &[&str] = &["Write", "Edit", "MultiEdit", "NotebookEdit"];
/// Tools that read files; a `Read(…)` rule applies to all of them.
const READING_TOOLS: &[&str] = &["Read", "Glob", "Grep", "LS"];

/// One parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRule {
    /// The rule as the user wrote it, for reasons and `explain`.
    pub text: String,
    tool: String,
    specifier: Option<Specifier>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Specifier {
    /// `Bash(npm run test:*)`: the command starts with these words.
    CommandPrefix(String),
    /// `Bash(git *)` / `Bash(git status)`: the whole command, with `*` wildcards.
    Command(String),
    /// `Write(./src/**)`: a path pattern, made absolute.
    Path(PathPattern),
    /// `WebFetch(domain:example.com)`.
    Domain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathPattern {
    /// Matched against the whole absolute path.
    Anchored(String),
    /// No `/` in the pattern: matched against the file name.
    FileName(String),
}

/// A rule that cannot be understood; the hook then decides nothing rather than guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("permission rule `{rule}`: {problem}")]
pub struct RuleError {
    /// The rule as written.
    pub rule: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl PermissionRule {
    /// Parses one rule, resolving relative paths against `project_root` and `~` against `home`.
    pub fn parse(
        text: &str,
        project_root: &Path,
        home: &Path,
    ) -> Result<PermissionRule, RuleError> {
        let error = |problem| RuleError {
            rule: text.to_owned(),
            problem,
        };
        let trimmed = text.trim();
        let (tool, inner) = match trimmed.split_once('(') {
            Some((tool, rest)) => {
                let inner = rest
                    .strip_suffix(')')
                    .ok_or_else(|| error("missing closing `)`"))?;
                (tool.trim(), Some(inner.trim()))
            }
            None => (trimmed, None),
        };
        if tool.is_empty()
            || !tool
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*'))
        {
            return Err(error(
                "the tool name must be letters, digits, `_`, `-` or `*`",
            ));
        }
        let specifier = match inner {
            None | Some("") | Some("*") => None,
            Some(inner) if tool == "Bash" => Some(match inner.strip_suffix(":*") {
                Some(prefix) => Specifier::CommandPrefix(collapse_spaces(prefix)),
                None => Specifier::Command(collapse_spaces(inner)),
            }),
            Some(inner) if EDITING_TOOLS.contains(&tool) || READING_TOOLS.contains(&tool) => {
                Some(Specifier::Path(path_pattern(inner, project_root, home)))
            }
            Some(inner) if tool == "WebFetch" => match inner.strip_prefix("domain:") {
                Some(domain) => Some(Specifier::Domain(domain.trim().to_ascii_lowercase())),
                None => return Err(error("WebFetch rules take `domain:NAME`")),
            },
            Some(_) => {
                return Err(error(
                    "only Bash, file tools and WebFetch take a `(…)` part",
                ));
            }
        };
        Ok(PermissionRule {
            text: trimmed.to_owned(),
            tool: tool.to_owned(),
            specifier,
        })
    }

    /// Whether this rule concerns the tool call at all (its tool and, if given, its specifier)
    /// for the whole command line; used for `deny` and `ask`.
    pub fn matches_call(&self, call: &CallFacts) -> bool {
        if !self.matches_tool(&call.tool_name) {
            return false;
        }
        match &self.specifier {
            None => true,
            Some(Specifier::CommandPrefix(_) | Specifier::Command(_)) => {
                let whole = call.command.as_deref().map(collapse_spaces);
                whole
                    .iter()
                    .chain(call.simple_commands.iter())
                    .any(|command| self.matches_command(command))
            }
            Some(Specifier::Path(pattern)) => call
                .path
                .as_deref()
                .is_some_and(|path| pattern.matches(path)),
            Some(Specifier::Domain(domain)) => call
                .domain
                .as_deref()
                .is_some_and(|host| host == domain || host.ends_with(&format!(".{domain}"))),
        }
    }

    /// Whether this rule covers one simple shell command; an `allow` must cover every one.
    pub fn matches_command(&self, command: &str) -> bool {
        if self.tool != "Bash" {
            return false;
        }
        let command = collapse_spaces(command);
        match &self.specifier {
            None => true,
            Some(Specifier::CommandPrefix(prefix)) => {
                command == *prefix
                    || command
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with(' '))
            }
            Some(Specifier::Command(pattern)) => wildcard_match(pattern, &command, None),
            Some(_) => false,
        }
    }

    /// Whether this is a shell rule, which `allow` applies per simple command.
    pub fn is_shell_rule(&self) -> bool {
        self.tool == "Bash"
    }

    fn matches_tool(&self, tool_name: &str) -> bool {
        if self.tool == tool_name {
            return true;
        }
        if self.tool.contains('*') {
            return wildcard_match(&self.tool, tool_name, None);
        }
        // `mcp__server` names every tool of that server.
        if self.tool.starts_with("mcp__") && self.tool.matches("__").count() == 1 {
            return tool_name
                .strip_prefix(self.tool.as_str())
                .is_some_and(|rest| rest.starts_with("__"));
        }
        (EDITING_TOOLS.contains(&self.tool.as_str()) && EDITING_TOOLS.contains(&tool_name))
            || (READING_TOOLS.contains(&self.tool.as_str()) && READING_TOOLS.contains(&tool_name))
    }
}

impl PathPattern {
    fn matches(&self, path: &Path) -> bool {
        let text = path.to_string_lossy();
        match self {
            PathPattern::Anchored(pattern) => wildcard_match(pattern, &text, Some('/')),
            PathPattern::FileName(pattern) => path
                .file_name()
                .is_some_and(|name| wildcard_match(pattern, &name.to_string_lossy(), Some('/'))),
        }
    }
}

fn path_pattern(inner: &str, project_root: &Path, home: &Path) -> PathPattern {
    let join = |base: &Path, rest: &str| {
        format!("{}/{}", base.to_string_lossy().trim_end_matches('/'), rest)
    };
    if let Some(absolute) = inner.strip_prefix("//") {
        PathPattern::Anchored(format!("/{absolute}"))
    } else if let Some(rest) = inner.strip_prefix("~/") {
        PathPattern::Anchored(join(home, rest))
    } else if let Some(rest) = inner.strip_prefix("./").or_else(|| inner.strip_prefix('/')) {
        PathPattern::Anchored(join(project_root, rest))
    } else if inner.contains('/') {
        PathPattern::Anchored(join(project_root, inner))
    } else {
        PathPattern::FileName(inner.to_owned())
    }
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn rule(text: &str) -> PermissionRule {
        PermissionRule::parse(text, Path::new("/p"), Path::new("/home/u")).expect("valid rule")
    }

    fn bash(command: &str, parts: &[&str]) -> CallFacts {
        CallFacts {
            tool_name: "Bash".into(),
            command: Some(command.into()),
            simple_commands: parts.iter().map(|p| p.to_string()).collect(),
            ..CallFacts::default()
        }
    }

    fn file(tool: &str, path: &str) -> CallFacts {
        CallFacts {
            tool_name: tool.into(),
            path: Some(PathBuf::from(path)),
            ..CallFacts::default()
        }
    }

    #[test]
    fn bash_prefix_rules_match_on_word_boundaries() {
        let test = rule("Bash(npm run test:*)");
        assert!(test.matches_command("npm run test"));
        assert!(test.matches_command("npm  run test -- --watch"));
        assert!(!test.matches_command("npm run testx"));
        assert!(!test.matches_command("npm run build"));
        assert!(rule("Bash(git status)").matches_command("git status"));
        assert!(!rule("Bash(git status)").matches_command("git status --porcelain"));
        assert!(rule("Bash(git *)").matches_command("git push origin main"));
        assert!(rule("Bash").matches_command("anything"));
    }

    #[test]
    fn deny_and_ask_match_any_part_of_a_command_line() {
        let push = rule("Bash(git push:*)");
        assert!(push.matches_call(&bash("make && git push -f", &["make", "git push -f"])));
        assert!(!push.matches_call(&bash("git pull", &["git pull"])));
    }

    #[test]
    fn path_rules_resolve_like_claude_code() {
        assert!(rule("Write(./src/**)").matches_call(&file("Write", "/p/src/a/b.rs")));
        assert!(
            rule("Edit(./src/**)").matches_call(&file("MultiEdit", "/p/src/a.rs")),
            "Edit covers MultiEdit"
        );
        assert!(!rule("Write(./src/**)").matches_call(&file("Write", "/p/tests/a.rs")));
        assert!(rule("Read(~/.ssh/**)").matches_call(&file("Read", "/home/u/.ssh/id_rsa")));
        assert!(rule("Read(//etc/**)").matches_call(&file("Grep", "/etc/passwd")));
        assert!(rule("Write(.env*)").matches_call(&file("Write", "/p/config/.env.local")));
        assert!(
            !rule("Write(.env*)").matches_call(&file("Read", "/p/.env")),
            "Write does not cover Read"
        );
    }

    #[test]
    fn mcp_and_web_rules() {
        let call = CallFacts {
            tool_name: "mcp__github__create_issue".into(),
            ..CallFacts::default()
        };
        assert!(rule("mcp__github__*").matches_call(&call));
        assert!(rule("mcp__github").matches_call(&call));
        assert!(!rule("mcp__git").matches_call(&call));
        let fetch = CallFacts {
            tool_name: "WebFetch".into(),
            domain: Some("docs.rs".into()),
            ..CallFacts::default()
        };
        assert!(rule("WebFetch(domain:docs.rs)").matches_call(&fetch));
        assert!(!rule("WebFetch(domain:rs)").matches_call(&CallFacts {
            domain: Some("evilrs".into()),
            ..fetch
        }));
    }

    #[test]
    fn malformed_rules_are_errors() {
        for bad in ["Bash(npm", "", "Ba sh", "WebFetch(example.com)", "Task(x)"] {
            assert!(
                PermissionRule::parse(bad, Path::new("/p"), Path::new("/h")).is_err(),
                "{bad}"
            );
        }
    }
}
