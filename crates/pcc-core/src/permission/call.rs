//! The facts about one tool call that rules, learning and records need, gathered once.

use crate::redact::redact_and_truncate;
use pcc_policy::{PolicyContext, Verdict, resolve_path};
use serde_json::Value;
use std::path::PathBuf;

/// The longest normalised input stored and compared, in characters.
pub const NORMALIZED_INPUT_MAX_CHARS: usize = 2000;

/// What permission rules are matched against, gathered once per tool call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFacts {
    /// The tool's name.
    pub tool_name: String,
    /// Bash: the whole command line.
    pub command: Option<String>,
    /// Bash: every simple command that will run, from the policy's parse.
    pub simple_commands: Vec<String>,
    /// File tools: the absolute, normalised path (resolved exactly as the policy resolved it).
    pub path: Option<PathBuf>,
    /// WebFetch: the URL's host, lower case.
    pub domain: Option<String>,
    /// Anything else: the input as compact JSON.
    pub other_input: Option<String>,
}

impl CallFacts {
    /// Gathers the facts of `tool_name(tool_input)` as judged in `verdict`.
    pub fn from_tool_call(
        tool_name: &str,
        tool_input: &Value,
        verdict: &Verdict,
        ctx: &PolicyContext,
    ) -> CallFacts {
        let text = |field: &str| tool_input.get(field).and_then(Value::as_str);
        let mut facts = CallFacts {
            tool_name: tool_name.to_owned(),
            ..CallFacts::default()
        };
        if tool_name == "Bash" {
            facts.command = text("command").map(str::to_owned);
            facts.simple_commands = verdict
                .commands
                .iter()
                .map(|part| part.command.clone())
                .collect();
        } else if let Some(raw) = text("file_path")
            .or_else(|| text("notebook_path"))
            .or_else(|| text("path"))
        {
            facts.path = Some(resolve_path(raw, ctx));
        } else if tool_name == "WebFetch" {
            facts.domain = text("url").and_then(url_host);
        } else {
            facts.other_input = Some(tool_input.to_string());
        }
        facts
    }

    /// The call reduced to what makes it the same call again: the command with its spacing
    /// collapsed, the resolved path, the host, or the input; redacted and bounded, because it is
    /// stored and compared for learned approvals.
    pub fn normalized_input(&self) -> String {
        redact_and_truncate(&self.unbounded_input(), NORMALIZED_INPUT_MAX_CHARS)
    }

    /// Whether [`CallFacts::normalized_input`] is the call itself: nothing redacted, nothing
    /// cut. Only then may it stand for the call in a learned approval — two calls that differ
    /// after the cut, or in what redaction removed, share a bounded, redacted text.
    pub fn normalized_input_is_exact(&self) -> bool {
        let raw = self.unbounded_input();
        redact_and_truncate(&raw, NORMALIZED_INPUT_MAX_CHARS) == raw
    }

    fn unbounded_input(&self) -> String {
        if let Some(command) = &self.command {
            command.split_whitespace().collect::<Vec<_>>().join(" ")
        } else if let Some(path) = &self.path {
            path.display().to_string()
        } else if let Some(domain) = &self.domain {
            domain.clone()
        } else {
            self.other_input.clone().unwrap_or_default()
        }
    }
}

/// The host of an `http(s)://` URL, lower case, without user info or port.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_extracted_without_credentials_or_ports() {
        assert_eq!(
            url_host("https://user:pw@Docs.RS:443/x?y"),
            Some("docs.rs".into())
        );
        assert_eq!(url_host("not a url"), None);
    }
}
