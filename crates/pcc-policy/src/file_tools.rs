//! Claude Code's own file tools (`Write`, `Edit`, `Read`, `Glob`...), judged by the path
//! they touch; `Glob` and `Grep` also by the file-name pattern they search for, since
//! `**/.env*` aims at secrets wherever the search starts.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::PolicyContext;
use super::data_dir;
use super::level::RiskLevel;
use super::paths::{PlaceKind, place_kind, read_finding, resolve, secret_kind, write_finding};
use super::verdict::Finding;

/// Tools that create or modify the file at `file_path` / `notebook_path`.
const WRITE_TOOLS: &[&str] = &["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// Tools that only read, with the input field that names their path, if any.
const READ_TOOLS: &[(&str, &[&str])] = &[
    ("Read", &["file_path"]),
    ("NotebookRead", &["notebook_path", "file_path"]),
    ("Glob", &["path"]),
    ("Grep", &["path"]),
    ("LS", &["path"]),
];

/// Judges a file tool if `tool_name` is one; `None` for any other tool.
pub(crate) fn classify_file_tool(
    tool_name: &str,
    input: &Value,
    ctx: &PolicyContext,
) -> Option<Finding> {
    if WRITE_TOOLS.contains(&tool_name) {
        let path = string_field(input, &["file_path", "notebook_path"]);
        return Some(match path {
            Some(raw) => {
                let resolved = resolve(raw, &ctx.cwd, &ctx.home);
                write_finding(place_kind(&resolved, ctx), raw)
            }
            None => invalid_input(tool_name, "has no file_path"),
        });
    }
    let (_, fields) = READ_TOOLS.iter().find(|(name, _)| *name == tool_name)?;
    if !input.is_object() {
        return Some(invalid_input(tool_name, "input is not an object"));
    }
    // Glob and Grep search the cwd when no path is given.
    let raw = string_field(input, fields).unwrap_or(".");
    if tool_name == "Read" && string_field(input, fields).is_none() {
        return Some(invalid_input(tool_name, "has no file_path"));
    }
    let resolved = resolve(raw, &ctx.cwd, &ctx.home);
    let place = place_kind(&resolved, ctx);
    let mut finding = read_finding(place, raw);
    if tool_name == "Grep"
        && place == PlaceKind::ProjectRoot
        && data_dir::relation(&resolved, ctx) == data_dir::Relation::Holds
    {
        // Grep reads the contents of everything below: the data directory's too.
        finding = finding.max(Finding::new(
            RiskLevel::Medium,
            "path.holds-data-dir",
            format!("Grep reads {raw}, which holds pcc-hooks' data directory"),
        ));
    }
    // The file-name pattern: Glob's `pattern`, Grep's `glob` (Grep's `pattern` is a regex
    // over contents, not a path).
    let pattern_field = match tool_name {
        "Glob" => Some("pattern"),
        "Grep" => Some("glob"),
        _ => None,
    };
    if let Some(pattern) = pattern_field.and_then(|f| string_field(input, &[f])) {
        finding = finding.max(pattern_finding(pattern, &resolved, ctx));
    }
    Some(finding)
}

/// Most alternatives a brace pattern may expand to before it is judged unknown.
const MAX_ALTERNATIVES: usize = 64;

/// Names of secret files a pattern may aim at; each counts only if `secret_kind` agrees
/// it is a secret where the pattern would find it.
const SECRET_WITNESSES: &[&str] = &[
    ".env",
    ".env.local",
    ".env.production",
    "prod.env",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "server.pem",
    "server.key",
    "cert.p12",
    "cert.pfx",
    "release.keystore",
    "app.jks",
    "credentials",
    "credentials.json",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".pgpass",
    ".htpasswd",
    "master.key",
    "kubeconfig",
];

/// Names of ordinary project files: a pattern that matches one of them is a broad search
/// (`*`, `*.json`), not one aimed at secrets.
const PLAIN_WITNESSES: &[&str] = &[
    "main.rs",
    "README.md",
    "index.ts",
    "app.py",
    "notes.txt",
    "Makefile",
    "data.json",
    "config.yaml",
    "style.css",
    "test",
];

/// Judges a file-name pattern searched from `base`: the directory its literal leading
/// part names is judged like a path (`~/.aws/*`, `../other/**`), a fully literal pattern
/// like the file it names (`.env`), and a last part that matches secret names but no
/// ordinary name (`**/.env*`, `*.pem`, `id_*`) is HIGH.
fn pattern_finding(pattern: &str, base: &Path, ctx: &PolicyContext) -> Finding {
    let Some(alternatives) = expand_braces(pattern, MAX_ALTERNATIVES) else {
        return Finding::new(
            RiskLevel::Medium,
            "glob.unknown",
            format!("pattern {pattern} has too many alternatives to judge"),
        );
    };
    let mut finding = Finding::new(RiskLevel::Low, "glob.pattern", "searches by file name");
    for alternative in &alternatives {
        finding = finding.max(alternative_finding(alternative, pattern, base, ctx));
    }
    finding
}

fn alternative_finding(
    alternative: &str,
    shown: &str,
    base: &Path,
    ctx: &PolicyContext,
) -> Finding {
    let parts: Vec<&str> = alternative.split('/').collect();
    let first_glob = parts.iter().position(|p| is_glob(p));
    let Some(first_glob) = first_glob else {
        // No wildcard: the pattern names one path.
        let resolved = resolve(alternative, base, &ctx.home);
        return read_finding(place_kind(&resolved, ctx), alternative);
    };
    let prefix = parts[..first_glob].join("/");
    let dir = if prefix.is_empty() && alternative.starts_with('/') {
        PathBuf::from("/")
    } else if prefix.is_empty() {
        base.to_path_buf()
    } else {
        resolve(&prefix, base, &ctx.home)
    };
    let mut finding = read_finding(place_kind(&dir, ctx), &dir.to_string_lossy());
    let last = parts.last().copied().unwrap_or_default();
    let broad = PLAIN_WITNESSES.iter().any(|name| glob_match(last, name));
    // Aimed at pcc-hooks' credentials (`**/server.token`, like `**/.env`), or at its data
    // directory (`.pc?/deferred/*`); a sweep of names (`**/*.rs`) is neither.
    let tail = parts[first_glob..].join("/");
    let swept = data_dir::glob_reach(&dir, &tail, data_dir::Sweep::Deep, ctx);
    if swept == Some(data_dir::Reach::Credentials) && !broad {
        finding = finding.max(Finding::new(
            RiskLevel::High,
            "glob.secret-pattern",
            format!("pattern {shown} aims at pcc-hooks' credentials"),
        ));
    } else if data_dir::glob_reach(&dir, &tail, data_dir::Sweep::Listing, ctx).is_some() {
        finding = finding.max(Finding::new(
            RiskLevel::Medium,
            "path.outside-read",
            format!("pattern {shown} aims at pcc-hooks' data directory"),
        ));
    }
    let targeted = if is_glob(last) {
        let secret = SECRET_WITNESSES.iter().find(|name| {
            glob_match(last, name) && secret_kind(&dir.join(name), &ctx.home).is_some()
        });
        secret.filter(|_| !broad).copied()
    } else {
        // `**/.env`, `**/id_rsa`: a literal file name under wildcard directories.
        secret_kind(&dir.join(last), &ctx.home)
            .is_some()
            .then_some(last)
    };
    if let Some(name) = targeted {
        finding = finding.max(Finding::new(
            RiskLevel::High,
            "glob.secret-pattern",
            format!("pattern {shown} aims at secret files such as {name}"),
        ));
    }
    finding
}

/// True when a path component holds a wildcard.
fn is_glob(part: &str) -> bool {
    part.contains(['*', '?', '['])
}

/// Expands `{a,b}` alternatives (nested too); `None` past `limit` alternatives. Braces
/// without a top-level comma stay literal, as in the shell.
fn expand_braces(pattern: &str, limit: usize) -> Option<Vec<String>> {
    let mut done = Vec::new();
    let mut pending = vec![pattern.to_owned()];
    while let Some(text) = pending.pop() {
        match split_first_brace(&text) {
            None => done.push(text),
            Some((head, options, tail)) => {
                for option in options {
                    pending.push(format!("{head}{option}{tail}"));
                }
            }
        }
        if done.len() + pending.len() > limit {
            return None;
        }
    }
    Some(done)
}

/// The first `{…}` group with a top-level comma: the text before it, its options and the
/// text after it.
fn split_first_brace(text: &str) -> Option<(&str, Vec<&str>, &str)> {
    let bytes = text.as_bytes();
    let mut search_from = 0;
    while let Some(offset) = text[search_from..].find('{') {
        let open = search_from + offset;
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                b',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
        let close = close?;
        if !commas.is_empty() {
            let mut options = Vec::new();
            let mut start = open + 1;
            for comma in commas {
                options.push(&text[start..comma]);
                start = comma + 1;
            }
            options.push(&text[start..close]);
            return Some((&text[..open], options, &text[close + 1..]));
        }
        search_from = open + 1;
    }
    None
}

/// Matches one file name against one pattern component: `*` (and `**`) any run, `?` one
/// character, `[…]` a class (`!` or `^` negates). A leading `.` must be matched by a
/// literal `.`, as in the shell.
fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                while p.get(pi) == Some(&'*') {
                    pi += 1;
                }
                star = Some((pi, ni));
                continue;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
                continue;
            }
            Some('[') => {
                if let Some((matched, next)) = class_match(&p, pi, n[ni])
                    && matched
                {
                    pi = next;
                    ni += 1;
                    continue;
                }
            }
            Some(&c) if c == n[ni] => {
                pi += 1;
                ni += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((after, from)) => {
                pi = after;
                ni = from + 1;
                star = Some((after, from + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether `c` is in the class starting at `p[open] == '['`, and the index after it;
/// `None` for an unterminated class.
fn class_match(p: &[char], open: usize, c: char) -> Option<(bool, usize)> {
    let mut i = open + 1;
    let negated = matches!(p.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&ch) = p.get(i) {
        if ch == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let end = p[i + 2];
            matched |= ch <= c && c <= end;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
    None
}

/// The finding for a tool call whose input we cannot judge: never LOW.
pub(crate) fn invalid_input(tool_name: &str, what: &str) -> Finding {
    Finding::new(
        RiskLevel::Medium,
        "input.invalid",
        format!("{tool_name} input {what}"),
    )
}

/// The first non-empty string among `fields` of an object input.
fn string_field<'a>(input: &'a Value, fields: &[&str]) -> Option<&'a str> {
    fields
        .iter()
        .find_map(|f| input.get(f)?.as_str().filter(|s| !s.is_empty()))
}

/// The resolved path a file tool reads or writes (none for a tool without one).
pub(crate) fn paths_of(input: &Value, ctx: &PolicyContext) -> Vec<std::path::PathBuf> {
    ["file_path", "notebook_path", "path"]
        .iter()
        .filter_map(|field| input.get(field)?.as_str().filter(|s| !s.is_empty()))
        .map(|raw| resolve(raw, &ctx.cwd, &ctx.home))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ctx() -> PolicyContext {
        PolicyContext {
            cwd: PathBuf::from("/home/u/proj"),
            project_root: PathBuf::from("/home/u/proj"),
            home: PathBuf::from("/home/u"),
            data_dirs: Vec::new(),
        }
    }

    fn level(tool: &str, input: Value) -> RiskLevel {
        classify_file_tool(tool, &input, &ctx())
            .expect("a file tool")
            .level
    }

    #[test]
    fn glob_matches_like_the_shell() {
        assert!(glob_match("*.pem", "server.pem"));
        assert!(glob_match(".env*", ".env.local"));
        assert!(glob_match("id_*", "id_rsa"));
        assert!(glob_match("**", "main.rs"));
        assert!(glob_match("?ain.rs", "main.rs"));
        assert!(glob_match("[a-m]ain.rs", "main.rs"));
        assert!(!glob_match("[!m]ain.rs", "main.rs"));
        assert!(glob_match("*a*b*", "xaxxbx"));
        assert!(!glob_match("*.pem", "server.pem.bak"));
        // A leading dot is only matched by a literal dot.
        assert!(!glob_match("*", ".env"));
        assert!(!glob_match("*env", ".env"));
        assert!(glob_match(".*", ".env"));
        // An unterminated class matches nothing rather than panicking.
        assert!(!glob_match("[abc", "a"));
    }

    #[test]
    fn braces_expand_to_every_alternative() {
        let mut got = expand_braces("a{b,c{d,e}}f", 64).expect("small");
        got.sort();
        assert_eq!(got, vec!["abf", "acdf", "acef"]);
        assert_eq!(expand_braces("{x}", 64), Some(vec!["{x}".to_owned()]));
        assert_eq!(
            expand_braces("{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}", 64),
            None
        );
    }

    #[test]
    fn notebook_edit_is_judged_by_its_notebook_path() {
        let edit = |path: &str| {
            level(
                "NotebookEdit",
                json!({"notebook_path": path, "new_source": "x"}),
            )
        };
        assert_eq!(edit("notebooks/a.ipynb"), RiskLevel::Low);
        assert_eq!(edit("/home/u/proj/a.ipynb"), RiskLevel::Low);
        assert!(edit("/home/u/other/x.ipynb") >= RiskLevel::High);
        assert!(edit("/tmp/../home/u/x.ipynb") >= RiskLevel::High);
        assert!(edit("../other/a.ipynb") >= RiskLevel::High);
        assert_eq!(
            level("NotebookEdit", json!({"new_source": "x"})),
            RiskLevel::Medium
        );
    }

    #[test]
    fn glob_patterns_aimed_at_secrets_are_high() {
        for pattern in [
            "**/.env*",
            "**/id_rsa",
            "**/*.pem",
            "*.{rs,pem}",
            "/home/u/.ssh/*",
            "~/.aws/*",
            ".env",
            "**/.env",
            "config/credentials*",
        ] {
            assert_eq!(
                level("Glob", json!({"pattern": pattern})),
                RiskLevel::High,
                "{pattern}"
            );
        }
        assert_eq!(
            level("Glob", json!({"pattern": "*", "path": "/home/u/.ssh"})),
            RiskLevel::High
        );
    }

    #[test]
    fn broad_or_harmless_glob_patterns_stay_low() {
        for pattern in [
            "**/*.rs",
            "src/**/*.rs",
            "*.md",
            "*",
            "**/*",
            "*.json",
            "**/.env.example",
            "**/*.pub",
        ] {
            assert_eq!(
                level("Glob", json!({"pattern": pattern})),
                RiskLevel::Low,
                "{pattern}"
            );
        }
    }

    #[test]
    fn glob_patterns_that_leave_the_project_are_not_low() {
        assert_eq!(
            level("Glob", json!({"pattern": "../other/**/*.rs"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level("Glob", json!({"pattern": "/etc/*"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level("Glob", json!({"pattern": "*", "path": "/etc"})),
            RiskLevel::Medium
        );
    }

    #[test]
    fn grep_is_judged_by_its_path_and_its_file_glob_not_its_regex() {
        assert_eq!(level("Grep", json!({"pattern": "TODO"})), RiskLevel::Low);
        assert_eq!(
            level(
                "Grep",
                json!({"pattern": "x", "path": "src", "glob": "*.rs"})
            ),
            RiskLevel::Low
        );
        assert_eq!(
            level("Grep", json!({"pattern": "id_rsa|\\.env", "path": "src"})),
            RiskLevel::Low
        );
        assert_eq!(
            level("Grep", json!({"pattern": "KEY", "path": "/home/u/.aws"})),
            RiskLevel::High
        );
        assert_eq!(
            level("Grep", json!({"pattern": "x", "path": ".env"})),
            RiskLevel::High
        );
        assert_eq!(
            level("Grep", json!({"pattern": "x", "glob": ".env*"})),
            RiskLevel::High
        );
        assert_eq!(
            level("Grep", json!({"pattern": "x", "glob": "{.env,.env.local}"})),
            RiskLevel::High
        );
        assert_eq!(
            level("Grep", json!({"pattern": "x", "glob": "*.key"})),
            RiskLevel::High
        );
    }
}
