//! A session as readable text: each [`Entry`] as a few lines, each tool call with what we
//! decided about it, results cut to a few lines. Everything shown is redacted.
//!
//! The renderer says what each piece is ([`Style`]) and leaves the look to its caller: the
//! terminal's palette for `pcc-hooks logs`, classes for a web page.
//!
//! ```text
//! 08:43:03 > Fix the failing test
//! 08:43:05 ● Let me look.
//! 08:43:05 ▸ Bash  cargo test
//!            pcc: allow · LOW · cargo test is the project's business
//!            ⎿ running 3 tests
//!              test a ... ok
//!              … 12 more lines
//! ```

use crate::entry::{Entry, EntryKind};
use jiff::tz::TimeZone;
use pcc_core::Answer;
use pcc_core::redact::{redact, truncate_chars};
use pcc_policy::RiskLevel;
use serde_json::Value;
use std::collections::HashMap;

/// What a piece of text is, for its caller to style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Ordinary text: the model's words.
    Plain,
    /// What was asked of the model, and tool names.
    Strong,
    /// Secondary: times, results, markers.
    Faint,
    /// A call we allowed.
    Allowed,
    /// A call we left to a human or held (ask, defer, no decision).
    Held,
    /// A call we denied, a failed tool, an API error.
    Refused,
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Its style.
    pub style: Style,
    /// Its text, without a newline.
    pub text: String,
}

/// One line of output.
pub type RenderedLine = Vec<Span>;

/// One decision the hooks recorded for a tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `PreToolUse` or `PermissionRequest`.
    pub hook_event: String,
    /// The call's risk level.
    pub level: RiskLevel,
    /// What Claude Code was told.
    pub answer: Answer,
    /// The reason given.
    pub reason: String,
}

/// The recorded decisions by `tool_use_id`, oldest first.
pub type Verdicts = HashMap<String, Vec<Verdict>>;

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The zone times are shown in.
    pub time_zone: TimeZone,
    /// Lines of a tool result shown; the rest are counted.
    pub result_lines: usize,
    /// Characters of one shown line (a tool's input, a result line).
    pub line_chars: usize,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            time_zone: TimeZone::system(),
            result_lines: 4,
            line_chars: 200,
        }
    }
}

/// Where text starts after the time and the marker.
const INDENT: &str = "           ";

/// The lines of one entry.
pub fn render(entry: &Entry, verdicts: &Verdicts, options: &RenderOptions) -> Vec<RenderedLine> {
    let time = entry.at.map_or_else(
        || "        ".to_owned(),
        |at| {
            at.to_zoned(options.time_zone.clone())
                .strftime("%H:%M:%S")
                .to_string()
        },
    );
    let head = |marker: &str, style: Style| {
        vec![
            span(Style::Faint, &format!("{time} ")),
            span(style, &format!("{marker} ")),
        ]
    };
    match &entry.kind {
        EntryKind::User { text } => text_lines(head(">", Style::Strong), text, Style::Strong),
        EntryKind::Assistant { text, .. } => {
            text_lines(head("●", Style::Plain), text, Style::Plain)
        }
        EntryKind::ApiError { text } => text_lines(head("✗", Style::Refused), text, Style::Refused),
        EntryKind::ToolUse { id, tool, input } => {
            let mut first = head("▸", Style::Strong);
            first.push(span(Style::Strong, tool));
            let summary = redact(&input_summary(tool, input));
            let summary = one_line(&summary);
            if !summary.is_empty() {
                first.push(span(
                    Style::Plain,
                    &format!("  {}", cut(&summary, options.line_chars)),
                ));
            }
            let mut lines = vec![first];
            match verdicts.get(id).map(Vec::as_slice) {
                None | Some([]) => lines.push(vec![
                    span(Style::Faint, INDENT),
                    span(Style::Faint, "pcc: no decision recorded"),
                ]),
                Some(recorded) => {
                    for verdict in recorded {
                        lines.push(vec![
                            span(Style::Faint, INDENT),
                            span(
                                answer_style(verdict.answer),
                                &verdict_text(verdict, options),
                            ),
                        ]);
                    }
                }
            }
            lines
        }
        EntryKind::ToolResult { text, is_error, .. } => {
            let style = if *is_error {
                Style::Refused
            } else {
                Style::Faint
            };
            let text = redact(text);
            let all: Vec<&str> = text.lines().collect();
            let shown = all.len().min(options.result_lines);
            let mut lines: Vec<RenderedLine> = all[..shown]
                .iter()
                .enumerate()
                .map(|(index, line)| {
                    let marker = if index == 0 { "⎿ " } else { "  " };
                    vec![
                        span(Style::Faint, INDENT),
                        span(style, &format!("{marker}{}", cut(line, options.line_chars))),
                    ]
                })
                .collect();
            if all.is_empty() {
                lines.push(vec![
                    span(Style::Faint, INDENT),
                    span(style, "⎿ (no output)"),
                ]);
            } else if all.len() > shown {
                lines.push(vec![
                    span(Style::Faint, INDENT),
                    span(
                        Style::Faint,
                        &format!("  … {} more lines", all.len() - shown),
                    ),
                ]);
            }
            lines
        }
    }
}

/// "pcc: deny · HIGH · pushes to a remote" (the hook event when it is not PreToolUse).
fn verdict_text(verdict: &Verdict, options: &RenderOptions) -> String {
    let event = if verdict.hook_event == "PreToolUse" {
        String::new()
    } else {
        format!(" ({})", verdict.hook_event)
    };
    let reason = one_line(&redact(&verdict.reason));
    format!(
        "pcc: {}{event} · {} · {}",
        verdict.answer.as_str(),
        verdict.level.as_str(),
        cut(&reason, options.line_chars)
    )
}

fn answer_style(answer: Answer) -> Style {
    match answer {
        Answer::Allow | Answer::Contained => Style::Allowed,
        Answer::Deny => Style::Refused,
        Answer::Ask | Answer::NoDecision | Answer::Defer => Style::Held,
    }
}

/// The part of a tool's input a reader wants: the command, the file, the pattern; else the
/// input as compact JSON.
fn input_summary(tool: &str, input: &Value) -> String {
    let field = |name: &str| input.get(name).and_then(Value::as_str);
    let known = match tool {
        "Bash" => field("command"),
        "Read" | "Write" | "Edit" | "MultiEdit" => field("file_path"),
        "NotebookEdit" => field("notebook_path"),
        "Glob" | "Grep" => field("pattern"),
        "WebFetch" => field("url"),
        "WebSearch" => field("query"),
        "Task" | "Agent" => field("description"),
        _ => None,
    };
    match known {
        Some(text) => text.to_owned(),
        None if input.as_object().is_some_and(serde_json::Map::is_empty) => String::new(),
        None => input.to_string(),
    }
}

/// A text's lines after the head: the first beside it, the rest indented under it.
fn text_lines(head: RenderedLine, text: &str, style: Style) -> Vec<RenderedLine> {
    let text = redact(text);
    let mut lines = Vec::new();
    for (index, line) in text.trim_end().lines().enumerate() {
        let mut rendered = if index == 0 {
            head.clone()
        } else {
            vec![span(Style::Faint, INDENT)]
        };
        rendered.push(span(style, line));
        lines.push(rendered);
    }
    if lines.is_empty() {
        lines.push(head);
    }
    lines
}

/// Newlines and tabs as spaces, runs of spaces as one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(text: &str, max_chars: usize) -> String {
    let kept = truncate_chars(text, max_chars);
    if kept.len() < text.len() {
        format!("{kept}…")
    } else {
        kept.to_owned()
    }
}

fn span(style: Style, text: &str) -> Span {
    Span {
        style,
        text: text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options() -> RenderOptions {
        RenderOptions {
            time_zone: TimeZone::UTC,
            result_lines: 2,
            line_chars: 40,
        }
    }

    fn plain(lines: &[RenderedLine]) -> String {
        lines
            .iter()
            .map(|line| {
                line.iter()
                    .map(|span| span.text.as_str())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn entry(kind: EntryKind) -> Entry {
        Entry {
            at: "2026-12-02T03:00:08.920Z".parse().ok(),
            sidechain: false,
            kind,
        }
    }

    #[test]
    fn a_tool_call_shows_its_input_and_every_decision() {
        let call = entry(EntryKind::ToolUse {
            id: "toolu_1".into(),
            tool: "Bash".into(),
            input: json!({"command": "git push --force\n  origin main", "description": "push"}),
        });
        let verdicts = Verdicts::from([(
            "toolu_1".to_owned(),
            vec![
                Verdict {
                    hook_event: "PreToolUse".into(),
                    level: RiskLevel::High,
                    answer: Answer::Defer,
                    reason: "rewrites the remote's history".into(),
                },
                Verdict {
                    hook_event: "PreToolUse".into(),
                    level: RiskLevel::High,
                    answer: Answer::Allow,
                    reason: "a human approved this call".into(),
                },
            ],
        )]);
        let lines = render(&call, &verdicts, &options());
        assert_eq!(
            plain(&lines),
            "03:00:08 ▸ Bash  git push --force origin main\n\
             \x20          pcc: defer · HIGH · rewrites the remote's history\n\
             \x20          pcc: allow · HIGH · a human approved this call"
        );
        assert_eq!(lines[1][1].style, Style::Held);
        assert_eq!(lines[2][1].style, Style::Allowed);
        let unknown = render(&call, &Verdicts::new(), &options());
        assert!(plain(&unknown).ends_with("pcc: no decision recorded"));
    }

    #[test]
    fn results_are_cut_to_a_few_short_lines() {
        let result = entry(EntryKind::ToolResult {
            tool_use_id: "toolu_1".into(),
            text: format!("first\nsecond {}\nthird\nfourth", "x".repeat(60)),
            is_error: true,
        });
        let lines = render(&result, &Verdicts::new(), &options());
        assert_eq!(
            plain(&lines),
            format!(
                "{INDENT}⎿ first\n{INDENT}  second {}…\n{INDENT}  … 2 more lines",
                "x".repeat(33)
            )
        );
        assert_eq!(lines[0][1].style, Style::Refused);
    }

    #[test]
    fn texts_keep_their_lines_and_lose_their_secrets() {
        let secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
        let said = entry(EntryKind::Assistant {
            text: format!("Done.\nThe token was {secret}\n"),
            model: None,
        });
        let text = plain(&render(&said, &Verdicts::new(), &options()));
        assert!(text.starts_with("03:00:08 ● Done.\n"), "{text}");
        assert!(!text.contains(secret), "{text}");
        let prompt = entry(EntryKind::User { text: "go".into() });
        let lines = render(&prompt, &Verdicts::new(), &options());
        assert_eq!(plain(&lines), "03:00:08 > go");
        assert_eq!(lines[0][2].style, Style::Strong);
    }
}
