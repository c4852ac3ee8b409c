//! MCP tools (`mcp__<server>__<tool>`), judged by the verbs in the tool's name.

use super::level::RiskLevel;
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

/// Judges an MCP tool by the verbs in its tool name: destructive verbs HIGH, mutating
/// verbs MEDIUM, read verbs LOW, no recognisable verb MEDIUM.
pub(crate) fn classify_mcp(server: &str, tool: &str) -> Finding {
    let words = split_words(tool);
    match level_of_words(words.iter().map(String::as_str)) {
        Some((level, class)) => {
            let (rule, what) = match class {
                VerbClass::Read => ("mcp.read-verb", "only reads"),
                VerbClass::Mutate => ("mcp.write-verb", "changes state"),
                VerbClass::Publish => ("mcp.publish-verb", "publishes or deploys"),
                VerbClass::Destroy => ("mcp.destructive-verb", "deletes or revokes"),
            };
            Finding::new(level, rule, format!("MCP tool {tool} on {server} {what}"))
        }
        None => Finding::new(
            RiskLevel::Medium,
            "mcp.unknown-verb",
            format!("MCP tool {tool} on {server} has no recognisable verb"),
        ),
    }
}
