//! When a PreToolUse call may be answered `defer` (`docs/claude-code-contract.md` §2, §4): the session stops with the
//! call pending, and `claude -p --resume <session>` asks about it again.
//!
//! Measured with the pinned CLI (2.1.329) against the mock API:
//! - headless (`-p`): the run ends with `terminal_reason:"tool_deferred"` and
//!   `deferred_tool_use:{id,name,input}`; nothing runs. `claude -p --resume <id>`, with or
//!   without a prompt, fires PreToolUse again for the same `tool_use_id` and input (no
//!   `prompt_id`), then runs the call or hands the model our deny reason as its tool_result.
//! - interactive: `defer` is read as `ask`, and under `bypassPermissions` **the call ran**. So
//!   a call is deferred only when the hook's environment says headless: Claude Code gives every
//!   hook `CLAUDE_CODE_ENTRYPOINT` (`sdk-cli` for `-p`, `cli` interactive) and
//!   `CLAUDE_CODE_SESSION_ATTENDED` (`0` for `-p`, `1` interactive), and `AI_AGENT`
//!   (`claude-code_2-1-329_…`) names the version.
//! - several calls in one assistant turn, each deferred: only the last is kept for the resume;
//!   the others vanish from the conversation (not run, never asked about again). A deferral
//!   beside calls that were allowed or denied works. So a call is deferred only when the
//!   transcript shows it is the only tool call of its turn; when that cannot be read, it is
//!   denied as before.
//!
//! Everything here errs toward "not deferrable": the answer then is today's deny.

use serde_json::Value;

/// The first version whose headless mode holds a deferred call (`docs/claude-code-contract.md` §2: since 2.1.89).
pub const FIRST_VERSION_WITH_DEFER: (u32, u32, u32) = (2, 1, 89);

/// What the hook's environment says about the Claude Code that runs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeadlessSignals<'a> {
    /// `CLAUDE_CODE_ENTRYPOINT`.
    pub entrypoint: Option<&'a str>,
    /// `CLAUDE_CODE_SESSION_ATTENDED`.
    pub attended: Option<&'a str>,
    /// `AI_AGENT`, e.g. `claude-code_2-1-329_harness`.
    pub ai_agent: Option<&'a str>,
    /// `CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME` (any value: a resume would not re-run the
    /// call, so it would be lost). Measured: 2.1.329 keeps it out of hook environments, so this
    /// only helps where a CLI passes it on; our scheduler removes it from its resumes.
    pub disable_deferred_resume: Option<&'a str>,
    /// `PCC_DEFER`: `off` keeps today's deny (the session carries on with other work instead
    /// of stopping until a human answers).
    pub pcc_defer: Option<&'a str>,
}

impl HeadlessSignals<'_> {
    /// A `claude -p` session of a CLI that holds deferred calls: entry point `sdk-cli`, not
    /// attended, a version at least [`FIRST_VERSION_WITH_DEFER`], deferred resume not disabled.
    /// The Agent SDKs (`sdk-ts`, `sdk-py`) are left out: what they do with a deferral is up to
    /// their caller, not our scheduler.
    pub fn can_defer(&self) -> bool {
        self.pcc_defer.map(str::trim) != Some("off")
            && self.entrypoint == Some("sdk-cli")
            && self.attended == Some("0")
            && self.disable_deferred_resume.is_none()
            && self
                .ai_agent
                .and_then(claude_code_version)
                .is_some_and(|version| version >= FIRST_VERSION_WITH_DEFER)
    }
}

/// The Claude Code version in `AI_AGENT` (`claude-code_2-1-329_…`).
pub fn claude_code_version(ai_agent: &str) -> Option<(u32, u32, u32)> {
    let rest = ai_agent.strip_prefix("claude-code_")?;
    let version = rest.split('_').next()?;
    let mut parts = version.split('-').map(str::parse::<u32>);
    let version = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    parts.next().is_none().then_some(version)
}

/// How many tool calls the assistant turn holding `tool_use_id` has, from the end of a
/// transcript (JSON lines; each content block is a line of its own that shares `message.id`).
/// `None` when the call is not found: the transcript is written asynchronously, so the answer
/// is then unknown.
pub fn tool_calls_in_turn(transcript_tail: &str, tool_use_id: &str) -> Option<usize> {
    let entries: Vec<Value> = transcript_tail
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry.get("type").and_then(Value::as_str) == Some("assistant"))
        .collect();
    let message_id = |entry: &Value| {
        entry
            .pointer("/message/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let tool_ids = |entry: &Value| -> Vec<String> {
        entry
            .pointer("/message/content")
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .filter(|block| block.get("type").and_then(Value::as_str) == Some("tool_use"))
                    .filter_map(|block| block.get("id").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let holder = entries
        .iter()
        .rev()
        .find(|entry| tool_ids(entry).iter().any(|id| id == tool_use_id))?;
    let Some(turn) = message_id(holder) else {
        return Some(tool_ids(holder).len());
    };
    let mut ids: Vec<String> = entries
        .iter()
        .filter(|entry| message_id(entry).as_deref() == Some(turn.as_str()))
        .flat_map(tool_ids)
        .collect();
    ids.sort();
    ids.dedup();
    Some(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADLESS: HeadlessSignals<'static> = HeadlessSignals {
        entrypoint: Some("sdk-cli"),
        attended: Some("0"),
        ai_agent: Some("claude-code_2-1-329_harness"),
        disable_deferred_resume: None,
        pcc_defer: None,
    };

    #[test]
    fn only_a_headless_cli_that_knows_defer_may_defer() {
        assert!(HEADLESS.can_defer());
        let interactive = HeadlessSignals {
            entrypoint: Some("cli"),
            attended: Some("1"),
            ..HEADLESS
        };
        assert!(!interactive.can_defer());
        assert!(
            !HeadlessSignals {
                attended: Some("1"),
                ..HEADLESS
            }
            .can_defer(),
            "an inherited entry point of a -p parent is not enough"
        );
        assert!(
            !HeadlessSignals {
                entrypoint: Some("sdk-ts"),
                ..HEADLESS
            }
            .can_defer()
        );
        for old in [None, Some("claude-code_2-1-88_x"), Some("other_2-1-329")] {
            assert!(
                !HeadlessSignals {
                    ai_agent: old,
                    ..HEADLESS
                }
                .can_defer(),
                "{old:?}"
            );
        }
        assert!(
            !HeadlessSignals {
                disable_deferred_resume: Some("1"),
                ..HEADLESS
            }
            .can_defer()
        );
        assert!(
            !HeadlessSignals {
                pcc_defer: Some("off"),
                ..HEADLESS
            }
            .can_defer()
        );
        assert!(!HeadlessSignals::default().can_defer());
    }

    #[test]
    fn versions_are_read_from_ai_agent() {
        assert_eq!(
            claude_code_version("claude-code_2-1-329_harness"),
            Some((2, 1, 329))
        );
        assert_eq!(
            claude_code_version("claude-code_2-1-329"),
            Some((2, 1, 329))
        );
        assert_eq!(claude_code_version("claude-code_2-1_x"), None);
        assert_eq!(claude_code_version("claude-code_2-1-3-4_x"), None);
    }

    fn line(message: &str, blocks: &str) -> String {
        format!(
            r#"{{"type":"assistant","message":{{"id":"{message}","role":"assistant","content":[{blocks}]}}}}"#
        )
    }

    #[test]
    fn tool_calls_of_a_turn_are_counted_across_its_lines() {
        let transcript = [
            r#"{"type":"user","message":{"role":"user","content":"go"}}"#.to_owned(),
            line(
                "m1",
                r#"{"type":"tool_use","id":"t0","name":"Bash","input":{}}"#,
            ),
            line("m2", r#"{"type":"text","text":"two things"}"#),
            line(
                "m2",
                r#"{"type":"tool_use","id":"t1","name":"Bash","input":{}}"#,
            ),
            line(
                "m2",
                r#"{"type":"tool_use","id":"t2","name":"Bash","input":{}}"#,
            ),
            "{\"partial".to_owned(),
        ]
        .join("\n");
        assert_eq!(tool_calls_in_turn(&transcript, "t0"), Some(1));
        assert_eq!(tool_calls_in_turn(&transcript, "t1"), Some(2));
        assert_eq!(tool_calls_in_turn(&transcript, "t2"), Some(2));
        assert_eq!(tool_calls_in_turn(&transcript, "t9"), None);
        assert_eq!(tool_calls_in_turn("", "t0"), None);
    }
}
