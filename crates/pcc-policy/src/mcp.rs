//! MCP tools (`mcp__<server>__<tool>`), judged by the verbs in the tool's name and by
//! their arguments: a path anywhere in the input is judged like a file tool's path, and
//! SQL text is judged by its statements.
//!
//! A name alone is a claim made by whoever wrote the server (`read_file` reads whatever it
//! is given, `query` runs whatever SQL it is given), so the level is the maximum of the
//! name's verb level and every argument finding.

use serde_json::Value;

use super::PolicyContext;
use super::level::RiskLevel;
use super::paths::{place_kind, read_finding, resolve, write_finding};
use super::verbs::{VerbClass, level_of_words, split_words};
use super::verdict::Finding;

/// Splits `mcp__server__tool` (and the plugin form `mcp__plugin_<plugin>_<server>__tool`)
/// into server and tool; `None` if the name is not an MCP tool name.
pub(crate) fn split_mcp_name(tool_name: &str) -> Option<(&str, &str)> {
    let rest = tool_name.strip_prefix("mcp__")?;
    let (server, tool) = rest.split_once("__")?;
    if server.is_empty() || tool.is_empty() {
        return None;
    }
    Some((server, tool))
}

/// Judges an MCP tool call: the verbs of its name (destructive or publishing HIGH,
/// mutating MEDIUM, reading LOW, none recognisable MEDIUM), raised by what its arguments
/// touch.
pub(crate) fn classify_mcp(
    server: &str,
    tool: &str,
    input: &Value,
    ctx: &PolicyContext,
) -> Finding {
    let (name, class) = name_finding(server, tool);
    // Anything but a read verb may write where its paths point.
    let writes = class != Some(VerbClass::Read);
    let mut found = name;
    for argument in argument_findings(input, writes, ctx) {
        found = found.max(Finding::new(
            argument.level,
            argument.rule,
            format!("MCP tool {tool} on {server}: {}", argument.reason),
        ));
    }
    found
}

/// The finding of the tool's name alone, and the class of its riskiest verb.
fn name_finding(server: &str, tool: &str) -> (Finding, Option<VerbClass>) {
    let words = split_words(tool);
    match level_of_words(words.iter().map(String::as_str)) {
        Some((level, class)) => {
            let (rule, what) = match class {
                VerbClass::Read => ("mcp.read-verb", "only reads"),
                VerbClass::Mutate => ("mcp.write-verb", "changes state"),
                VerbClass::Publish => ("mcp.publish-verb", "publishes or deploys"),
                VerbClass::Destroy => ("mcp.destructive-verb", "deletes or revokes"),
            };
            (
                Finding::new(level, rule, format!("MCP tool {tool} on {server} {what}")),
                Some(class),
            )
        }
        None => (
            Finding::new(
                RiskLevel::Medium,
                "mcp.unknown-verb",
                format!("MCP tool {tool} on {server} has no recognisable verb"),
            ),
            None,
        ),
    }
}

/// Every finding about the arguments that is above LOW: paths (read or written) and SQL.
fn argument_findings(input: &Value, writes: bool, ctx: &PolicyContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    visit(input, None, &mut |key, text| {
        if let Some(raw) = path_in(key, text) {
            let resolved = resolve(raw, &ctx.cwd, &ctx.home);
            let kind = place_kind(&resolved, ctx);
            let finding = if writes {
                write_finding(kind, raw)
            } else {
                read_finding(kind, raw)
            };
            if finding.level > RiskLevel::Low {
                findings.push(finding);
            }
        }
        if key.is_some_and(is_sql_key)
            && let Some(finding) = sql_finding(text, key == Some("sql"))
        {
            findings.push(finding);
        }
        if key.is_some_and(is_command_key) {
            let verdict = super::classify_command(text, ctx);
            if verdict.level > RiskLevel::Low {
                findings.push(Finding::new(
                    verdict.level,
                    verdict.rule,
                    format!("runs shell command {text:?}: {}", verdict.reason),
                ));
            }
        }
    });
    findings
}

/// Calls `each` with every string in `value` and the name of the object key it sits under
/// (array elements inherit their array's key).
fn visit<'v>(value: &'v Value, key: Option<&'v str>, each: &mut impl FnMut(Option<&str>, &str)) {
    match value {
        Value::String(text) => each(key, text),
        Value::Array(items) => items.iter().for_each(|item| visit(item, key, each)),
        Value::Object(map) => map
            .iter()
            .for_each(|(name, item)| visit(item, Some(name.as_str()), each)),
        _ => {}
    }
}

/// Words in a key name that say its value is a path even when it has no `/` (`".env"`).
const PATH_KEY_WORDS: &[&str] = &[
    "path",
    "paths",
    "file",
    "files",
    "filename",
    "filepath",
    "dir",
    "directory",
    "folder",
    "source",
    "destination",
    "dest",
    "target",
    "src",
    "dst",
    "cwd",
    "root",
];

/// The path a string argument names, if it looks like one: absolute, `~`-prefixed, a
/// `file://` URL, a relative path with a `/` (and no whitespace, which would make it
/// prose), or any single-line value under a key named like a path.
fn path_in<'t>(key: Option<&str>, text: &'t str) -> Option<&'t str> {
    if text.is_empty() || text.len() > 4096 || text.contains(['\n', '\0']) {
        return None;
    }
    if let Some(rest) = text.strip_prefix("file://") {
        // `file:///x` names `/x`; `file://host/x` is not a local path we can judge.
        return rest.starts_with('/').then_some(rest);
    }
    if has_url_scheme(text) {
        return None;
    }
    let path_key = key.is_some_and(|k| {
        split_words(k)
            .iter()
            .any(|w| PATH_KEY_WORDS.contains(&w.as_str()))
    });
    let looks_like_path = text.starts_with(['/', '~'])
        || text.starts_with("./")
        || text.starts_with("../")
        || text == ".."
        || (text.contains('/') && !text.contains(char::is_whitespace));
    (looks_like_path || path_key).then_some(text)
}

/// True for `scheme://…` (URLs are not local paths; `file://` is handled before).
fn has_url_scheme(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    })
}

/// Keys whose value may be SQL text.
fn is_sql_key(key: &str) -> bool {
    split_words(key).iter().any(|w| {
        matches!(
            w.as_str(),
            "sql" | "query" | "queries" | "statement" | "statements" | "stmt"
        )
    })
}

/// Keys whose value is a shell command line (`execute_command {"command": …}`), judged as
/// the Bash tool's command would be.
fn is_command_key(key: &str) -> bool {
    matches!(
        key,
        "command" | "cmd" | "shell_command" | "commandLine" | "command_line"
    )
}

/// SQL words that destroy data, schema or access whatever follows them.
const DESTRUCTIVE_SQL: &[&str] = &["drop", "truncate", "delete", "alter", "grant", "revoke"];

/// SQL words that change data or run code wherever they stand (`INSERT`, `SELECT … INTO`,
/// `WITH x AS (UPDATE …)`).
const WRITING_SQL_ANYWHERE: &[&str] = &[
    "insert", "update", "merge", "upsert", "into", "exec", "execute",
];

/// Statements that change data, schema, session or files, or run code, by their first
/// word (words such as `comment` or `replace` are also column and function names).
const WRITING_SQL_STATEMENTS: &[&str] = &[
    "create",
    "replace",
    "copy",
    "call",
    "do",
    "lock",
    "vacuum",
    "reindex",
    "rename",
    "comment",
    "attach",
    "detach",
    "pragma",
    "load",
    "import",
    "refresh",
    "cluster",
    "set",
    "reset",
    "begin",
    "commit",
    "rollback",
    "savepoint",
    "prepare",
    "listen",
    "notify",
];

/// The first words a SQL statement can start with; a `query` that starts otherwise is a
/// search string (`how to drop a table`), not SQL.
const SQL_STARTS: &[&str] = &[
    "select", "with", "explain", "show", "describe", "desc", "values", "table", "insert", "update",
    "delete", "drop", "truncate", "alter", "grant", "revoke", "create", "merge", "upsert",
    "replace", "copy", "call", "exec", "execute", "do", "lock", "vacuum", "reindex", "rename",
    "comment", "attach", "detach", "pragma", "load", "set", "reset", "begin", "commit", "rollback",
    "analyze", "refresh", "use",
];

/// Judges SQL text: a destructive statement, or an `UPDATE` without a `WHERE`, is HIGH; any
/// other write MEDIUM; a plain read nothing (`None`). `always_sql` says the key is named
/// `sql`, so the text is SQL whatever it starts with.
///
/// Words count wherever they stand, comments and string literals included (MySQL runs
/// `/*! … */` comments, and dynamic SQL runs strings), so the error is on the safe side;
/// a `WHERE` only counts outside comments.
fn sql_finding(text: &str, always_sql: bool) -> Option<Finding> {
    let words = sql_words(text);
    let starts_like_sql = words
        .first()
        .is_some_and(|w| SQL_STARTS.contains(&w.as_str()));
    if !always_sql && !starts_like_sql {
        return None;
    }
    if let Some(word) = words.iter().find(|w| DESTRUCTIVE_SQL.contains(&w.as_str())) {
        return Some(Finding::new(
            RiskLevel::High,
            "mcp.sql-destructive",
            format!("runs SQL that can destroy data ({})", word.to_uppercase()),
        ));
    }
    let uncommented = strip_sql_comments(text);
    let statements: Vec<Vec<String>> = uncommented.split(';').map(sql_words).collect();
    let unbounded_update = statements
        .iter()
        .any(|words| words.iter().any(|w| w == "update") && !words.iter().any(|w| w == "where"));
    if unbounded_update {
        return Some(Finding::new(
            RiskLevel::High,
            "mcp.sql-destructive",
            "runs an UPDATE without a WHERE (every row)",
        ));
    }
    let anywhere = words
        .iter()
        .find(|w| WRITING_SQL_ANYWHERE.contains(&w.as_str()));
    let leading = statements
        .iter()
        .filter_map(|words| words.first())
        .find(|w| WRITING_SQL_STATEMENTS.contains(&w.as_str()));
    anywhere.or(leading).map(|word| {
        Finding::new(
            RiskLevel::Medium,
            "mcp.sql-write",
            format!("runs SQL that changes state ({})", word.to_uppercase()),
        )
    })
}

/// The lower-case words of SQL text; `_` and digits belong to words, so `deleted_at` is
/// one word and not `delete`.
fn sql_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// SQL text without `-- …` line comments and `/* … */` block comments (a block comment
/// becomes one space).
fn strip_sql_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if rest.starts_with("--") {
            rest = rest.find('\n').map_or("", |end| &rest[end..]);
        } else if let Some(body) = rest.strip_prefix("/*") {
            out.push(' ');
            rest = body.find("*/").map_or("", |end| &body[end + 2..]);
        } else {
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

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
        let (server, tool) = split_mcp_name(tool).expect("an MCP name");
        classify_mcp(server, tool, &input, &ctx()).level
    }

    #[test]
    fn splits_plain_and_plugin_names() {
        assert_eq!(
            split_mcp_name("mcp__fs__read_file"),
            Some(("fs", "read_file"))
        );
        assert_eq!(
            split_mcp_name("mcp__plugin_x_db__query"),
            Some(("plugin_x_db", "query"))
        );
        assert_eq!(split_mcp_name("mcp__fs"), None);
        assert_eq!(split_mcp_name("Read"), None);
    }

    #[test]
    fn the_name_alone_still_decides_when_arguments_are_harmless() {
        assert_eq!(
            level("mcp__github__list_issues", json!({"repo": "r"})),
            RiskLevel::Low
        );
        assert_eq!(
            level("mcp__github__create_issue", json!({})),
            RiskLevel::Medium
        );
        assert_eq!(
            level("mcp__github__delete_repo", json!({})),
            RiskLevel::High
        );
        assert_eq!(level("mcp__x__frobnicate", json!({})), RiskLevel::Medium);
    }

    #[test]
    fn read_tools_are_judged_by_the_paths_they_are_given() {
        let read = "mcp__fs__read_file";
        assert_eq!(
            level(read, json!({"path": "/home/u/.ssh/id_rsa"})),
            RiskLevel::High
        );
        assert_eq!(
            level(read, json!({"path": "~/.aws/credentials"})),
            RiskLevel::High
        );
        assert_eq!(
            level(read, json!({"path": "/home/u/proj/../.ssh/id_rsa"})),
            RiskLevel::High
        );
        assert_eq!(
            level(read, json!({"path": "/etc/passwd"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level(read, json!({"path": "../other/x.md"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level(read, json!({"path": "/home/u/proj/src/a.rs"})),
            RiskLevel::Low
        );
        assert_eq!(level(read, json!({"path": "src/a.rs"})), RiskLevel::Low);
    }

    #[test]
    fn a_path_key_makes_a_bare_name_a_path() {
        assert_eq!(
            level("mcp__fs__read_file", json!({"path": ".env"})),
            RiskLevel::High
        );
        assert_eq!(
            level("mcp__fs__read_file", json!({"filePath": ".env"})),
            RiskLevel::High
        );
        // Under any other key a bare word is not a path.
        assert_eq!(
            level("mcp__x__search", json!({"q": ".env"})),
            RiskLevel::Low
        );
    }

    #[test]
    fn paths_nested_anywhere_count() {
        assert_eq!(
            level(
                "mcp__fs__read_multiple_files",
                json!({"paths": ["src/a.rs", "/home/u/.ssh/id_ed25519"]})
            ),
            RiskLevel::High
        );
        assert_eq!(
            level(
                "mcp__t__search",
                json!({"options": {"files": ["~/.ssh/id_rsa"]}})
            ),
            RiskLevel::High
        );
    }

    #[test]
    fn file_urls_are_paths_and_other_urls_are_not() {
        assert_eq!(
            level(
                "mcp__browser__navigate",
                json!({"url": "file:///home/u/.ssh/id_rsa"})
            ),
            RiskLevel::High
        );
        assert_eq!(
            level(
                "mcp__browser__navigate",
                json!({"url": "https://x.example/a/b"})
            ),
            RiskLevel::Low
        );
    }

    #[test]
    fn prose_with_slashes_is_not_a_path() {
        assert_eq!(
            level(
                "mcp__x__search",
                json!({"q": "how do I use a/b testing with ../ paths"})
            ),
            RiskLevel::Low
        );
    }

    #[test]
    fn writing_tools_judge_their_paths_as_writes() {
        let write = "mcp__fs__write_file";
        assert_eq!(
            level(write, json!({"path": "/home/u/.bashrc", "content": "x"})),
            RiskLevel::High
        );
        assert_eq!(
            level(write, json!({"path": "/home/u/notes.txt", "content": "x"})),
            RiskLevel::High
        );
        assert_eq!(
            level(write, json!({"path": "src/a.rs", "content": "x"})),
            RiskLevel::Medium
        );
        // Multi-line content is never taken for a path.
        assert_eq!(
            level(
                write,
                json!({"path": "src/a.rs", "content": "// ../../x\n/etc/y"})
            ),
            RiskLevel::Medium
        );
    }

    #[test]
    fn destructive_sql_is_high_whatever_the_tool_is_called() {
        for sql in [
            "DROP TABLE users",
            "delete from users where id = 1",
            "truncate table sessions",
            "ALTER TABLE users DROP COLUMN email",
            "GRANT ALL ON users TO public",
            "select 1; drop table users",
            "SELECT 1 /* harmless */; DROP TABLE x",
            "UPDATE users SET admin = true",
            "update accounts set balance = 0 -- where id = 1",
        ] {
            assert_eq!(
                level("mcp__db__query", json!({"sql": sql})),
                RiskLevel::High,
                "{sql}"
            );
        }
        assert_eq!(
            level(
                "mcp__db__run",
                json!({"statement": "drop schema public cascade"})
            ),
            RiskLevel::High
        );
    }

    #[test]
    fn other_writes_in_sql_are_medium_and_reads_low() {
        let query = "mcp__db__query";
        assert_eq!(
            level(
                query,
                json!({"sql": "UPDATE users SET name = 'x' WHERE id = 1"})
            ),
            RiskLevel::Medium
        );
        assert_eq!(
            level(query, json!({"sql": "INSERT INTO t VALUES (1)"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level(query, json!({"sql": "SELECT * INTO t2 FROM t"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level(query, json!({"sql": "SELECT * FROM deleted_items"})),
            RiskLevel::Low
        );
        assert_eq!(
            level(query, json!({"sql": "SELECT updated_at FROM t"})),
            RiskLevel::Low
        );
        assert_eq!(
            level(query, json!({"query": "select count(*) from t"})),
            RiskLevel::Low
        );
        // A read through a tool whose name says it executes is still not LOW.
        assert_eq!(
            level("mcp__pg__execute_sql", json!({"sql": "SELECT 1"})),
            RiskLevel::Medium
        );
    }

    #[test]
    fn column_and_function_names_are_not_statements() {
        let query = "mcp__db__query";
        for sql in [
            "SELECT comment, copy FROM posts",
            "select replace(name, 'a', 'b') from t",
            "SELECT * FROM commits ORDER BY created_at",
        ] {
            assert_eq!(level(query, json!({"sql": sql})), RiskLevel::Low, "{sql}");
        }
        assert_eq!(
            level(query, json!({"sql": "COMMENT ON TABLE t IS 'x'"})),
            RiskLevel::Medium
        );
        assert_eq!(
            level(
                query,
                json!({"sql": "select 1; /* x */ create table t (a int)"})
            ),
            RiskLevel::Medium
        );
    }

    #[test]
    fn a_shell_command_argument_is_judged_as_bash_would_run_it() {
        let exec = "mcp__desktop__execute_command";
        assert!(level(exec, json!({"command": "rm -rf ~"})) >= RiskLevel::High);
        assert!(level(exec, json!({"command": "cat ~/.ssh/id_rsa"})) >= RiskLevel::High);
        assert_eq!(level(exec, json!({"command": "ls"})), RiskLevel::Medium);
    }

    #[test]
    fn a_search_query_is_not_sql() {
        assert_eq!(
            level(
                "mcp__docs__search",
                json!({"query": "how to drop a table in postgres"})
            ),
            RiskLevel::Low
        );
    }

    #[test]
    fn comments_are_stripped_for_the_where_check_only() {
        assert_eq!(strip_sql_comments("a -- b\nc /* d */ e"), "a \nc   e");
        assert_eq!(strip_sql_comments("a /* unterminated"), "a  ");
        assert_eq!(strip_sql_comments("é/**/-"), "é -");
        assert_eq!(strip_sql_comments("a -- to the end"), "a ");
    }
}
