//! A started session's log, line by line, as a human follows it: one short line per event of
//! `claude`'s stream-json (its start, what it says, each tool call and result, the end), and the
//! other lines of its output as they are.
//!
//! The log is already redacted; this only shortens. Pure: the caller reads the file.

use serde_json::Value;

/// The most characters of a text shown on one line.
const TEXT_CHARS: usize = 160;

/// The lines to show for one line of the log (none for events a human does not need, such as
/// hook bookkeeping or token counts).
pub fn render(line: &str) -> Vec<String> {
    let line = line.trim_end();
    if line.is_empty() {
        return Vec::new();
    }
    let Ok(event) = serde_json::from_str::<Value>(line) else {
        return vec![format!("  {}", cut(line))];
    };
    let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or("");
    match text("type") {
        "system" => match text("subtype") {
            "init" => vec![format!(
                "session {} started in {} (model {})",
                text("session_id"),
                text("cwd"),
                text("model")
            )],
            "api_retry" => vec!["API error, retrying".to_owned()],
            _ => Vec::new(),
        },
        "assistant" => blocks(&event)
            .filter_map(|block| match str_of(block, "type") {
                "text" => Some(format!("claude: {}", cut(str_of(block, "text")))),
                "tool_use" => Some(format!(
                    "→ {} {}",
                    str_of(block, "name"),
                    cut(&tool_input(block.get("input")))
                )),
                _ => None,
            })
            .collect(),
        "user" => blocks(&event)
            .filter_map(|block| match str_of(block, "type") {
                "tool_result" => {
                    let failed = block
                        .get("is_error")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    Some(format!(
                        "← {} {}",
                        if failed { "error:" } else { "ok:" },
                        cut(&result_text(block.get("content")))
                    ))
                }
                "text" => Some(format!(
                    "task: {}",
                    cut(past_headers(str_of(block, "text")))
                )),
                _ => None,
            })
            .collect(),
        "rate_limit_event" => {
            let status = event
                .pointer("/rate_limit_info/status")
                .and_then(Value::as_str)
                .unwrap_or("");
            if status == "rejected" {
                vec!["usage limit reached".to_owned()]
            } else {
                Vec::new()
            }
        }
        "result" => vec![result_line(&event)],
        _ => Vec::new(),
    }
}

/// "done: 3 turns, $0.0123: <result>" or "failed (<subtype>): <errors or result>".
fn result_line(event: &Value) -> String {
    let failed = event
        .get("is_error")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let turns = event.get("num_turns").and_then(Value::as_i64).unwrap_or(0);
    let cost = event
        .get("total_cost_usd")
        .and_then(Value::as_f64)
        .map_or_else(String::new, |cost| format!(", ${cost:.4}"));
    let said = match event.get("errors").and_then(Value::as_array) {
        Some(errors) if !errors.is_empty() => errors
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        _ => str_of(event, "result").to_owned(),
    };
    if failed {
        format!(
            "failed ({}) after {turns} turn(s){cost}: {}",
            str_of(event, "subtype"),
            cut(&said)
        )
    } else {
        format!("done in {turns} turn(s){cost}: {}", cut(&said))
    }
}

fn blocks(event: &Value) -> impl Iterator<Item = &Value> {
    event
        .pointer("/message/content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The part of a tool's input that says what it does: the command, the file, the pattern or
/// the address, else the input itself.
fn tool_input(input: Option<&Value>) -> String {
    let Some(input) = input else {
        return String::new();
    };
    [
        "command",
        "file_path",
        "path",
        "pattern",
        "url",
        "query",
        "prompt",
    ]
    .iter()
    .find_map(|key| input.get(*key).and_then(Value::as_str))
    .map_or_else(|| input.to_string(), str::to_owned)
}

/// A tool result's text: a string, or the text blocks of a list.
fn result_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// `text` from its first line that is not a heading ending in `:` (a task handed over by the
/// Stop hook reaches Claude as "Stop hook feedback:", our own heading, then the task), or all of
/// it when every line is one.
fn past_headers(text: &str) -> &str {
    let mut rest = text.trim_start();
    while let Some((line, after)) = rest.split_once('\n') {
        if !line.trim_end().ends_with(':') {
            break;
        }
        rest = after.trim_start();
    }
    if rest.is_empty() { text } else { rest }
}

/// The first line of `text`, at most [`TEXT_CHARS`] characters, with `…` when cut.
fn cut(text: &str) -> String {
    let trimmed = text.trim();
    let first = trimmed.lines().next().unwrap_or("");
    let mut shown: String = first.chars().take(TEXT_CHARS).collect();
    if shown.len() < first.len() || first.len() < trimmed.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_a_human_needs_is_one_short_line() {
        let lines = [
            r#"{"type":"system","subtype":"init","session_id":"abc","cwd":"/p","model":"m"}"#,
            r#"{"type":"system","subtype":"hook_response","output":"x"}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Looking.\nMore."},{"type":"tool_use","name":"Bash","input":{"command":"ls -la","description":"list"}}]}}"#,
            r#"{"type":"user","message":{"content":[{"type":"tool_result","content":"a\nb","is_error":false}]}}"#,
            r#"{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"text","text":"denied"}],"is_error":true}]}}"#,
            r#"{"type":"user","message":{"content":[{"type":"text","text":"Stop hook feedback:\npcc-hooks queue — your next task:\n\nTest the parser\n\nWork on it now."}]}}"#,
            r#"{"type":"result","subtype":"success","is_error":false,"num_turns":2,"total_cost_usd":0.5,"result":"All done"}"#,
            r#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":1,"errors":["Reached maximum number of turns (1)"]}"#,
            "plain stderr line",
        ];
        let shown: Vec<String> = lines.iter().flat_map(|line| render(line)).collect();
        assert_eq!(
            shown,
            [
                "session abc started in /p (model m)",
                "claude: Looking.…",
                "→ Bash ls -la",
                "← ok: a…",
                "← error: denied",
                "task: Test the parser…",
                "done in 2 turn(s), $0.5000: All done",
                "failed (error_max_turns) after 1 turn(s): Reached maximum number of turns (1)",
                "  plain stderr line",
            ]
        );
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary() {
        let long = "é".repeat(TEXT_CHARS + 5);
        let line = serde_json::json!({"type": "assistant", "message": {"content": [{"type": "text", "text": long}]}});
        let shown = render(&line.to_string());
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].chars().count(), "claude: ".len() + TEXT_CHARS + 1);
        assert!(shown[0].ends_with('…'));
    }
}
