//! Claude Code's own file tools (`Write`, `Edit`, `Read`, `Glob`...), judged by the path
//! they touch.

use serde_json::Value;

use super::PolicyContext;
use super::level::RiskLevel;
use super::paths::{place_kind, read_finding, resolve, write_finding};
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
    Some(read_finding(place_kind(&resolved, ctx), raw))
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
