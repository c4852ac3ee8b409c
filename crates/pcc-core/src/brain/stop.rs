//! The Stop hook's question: Claude ended its turn with "Should I proceed?" and nobody is there.

use super::{Brain, BrainContext, Question, QuestionAnswer, QuestionOption, decide_question};
use regex_lite::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// Longest question text kept (a runaway last line is cut).
const MAX_QUESTION_CHARS: usize = 1_000;

/// The brain's reply to a question that ended a turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StopAnswer {
    /// The question found in the message.
    pub question: Question,
    /// The validated, guarded and thresholded answer.
    pub answer: QuestionAnswer,
    /// The text for Claude: when answered, the reply to block the stop with; when escalated, what
    /// Claude may do meanwhile (the hook decides whether to send it).
    pub reason: String,
}

impl StopAnswer {
    /// The block reason for the Stop hook when the brain answered; `None` when a human must.
    pub fn block_reason(&self) -> Option<&str> {
        (!self.answer.escalate && self.answer.answer.is_some()).then_some(self.reason.as_str())
    }
}

static ASKING_START: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(should\s+i|shall\s+i|do\s+you\s+want\s+me\s+to|would\s+you\s+like\s+(me\s+to)?|want\s+me\s+to|can\s+i|may\s+i|let\s+me\s+know\s+(if|whether|which|how)|please\s+confirm|ready\s+(for\s+me\s+)?to)\b",
    )
    .ok()
});
static LIST_ITEM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\d{1,2}[.)]|[-*•]|\(?[a-dA-D]\))\s+(.+?)\s*$").ok());
static LEAD_IN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(should\s+i|shall\s+i|do\s+you\s+want\s+me\s+to|would\s+you\s+like\s+me\s+to|would\s+you\s+like|want\s+me\s+to|do\s+you\s+prefer|would\s+you\s+prefer|can\s+i|may\s+i|i\s+can)\s+",
    )
    .ok()
});

fn clean_markup(text: &str) -> String {
    text.replace("**", "")
        .replace("__", "")
        .trim()
        .trim_start_matches('>')
        .trim()
        .to_owned()
}

/// The last sentence of a line of prose.
fn last_sentence(line: &str) -> &str {
    let trimmed = line.trim_end();
    let body = trimmed.trim_end_matches(['?', '.', '!']);
    let start = body
        .char_indices()
        .rev()
        .find(|(i, c)| {
            matches!(c, '.' | '!' | '?')
                && body[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    trimmed[start..].trim()
}

/// Options named in the question itself: "Should I use A or B?", "A, B, or C?".
fn inline_alternatives(sentence: &str) -> Vec<String> {
    let body = sentence.trim().trim_end_matches(['?', '.']).trim();
    let lower = body.to_lowercase();
    if !lower.contains(" or ") || lower.ends_with(" or not") || lower.contains(" or something") {
        return Vec::new();
    }
    let body = match LEAD_IN.as_ref() {
        Some(re) => re.replace(body, "").into_owned(),
        None => body.to_owned(),
    };
    let parts: Vec<String> = body
        .split(", or ")
        .flat_map(|p| p.split(" or "))
        .flat_map(|p| p.split(", "))
        .map(|p| p.trim().trim_matches(',').trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if (2..=6).contains(&parts.len()) && parts.iter().all(|p| p.split_whitespace().count() <= 12) {
        parts
    } else {
        Vec::new()
    }
}

/// Finds the question a message ends with, if any: the last line's last sentence ends with `?`,
/// or starts like a request for a go-ahead ("Should I…", "Do you want me to…", "Let me know
/// if…"). A numbered or bulleted list right before it becomes the options; "A or B?" gives
/// options A and B; anything else becomes a Yes/No question.
pub fn question_from_message(message: &str) -> Option<Question> {
    let lines: Vec<&str> = message.lines().collect();
    let last_index = lines.iter().rposition(|l| !l.trim().is_empty())?;
    let last_line = clean_markup(lines[last_index]);
    if last_line.starts_with("```") {
        return None;
    }
    let sentence = last_sentence(&last_line).to_owned();
    let asks = sentence.ends_with('?')
        || ASKING_START
            .as_ref()
            .is_some_and(|re| re.is_match(&sentence));
    if !asks || sentence.len() < 3 {
        return None;
    }
    let text: String = sentence.chars().take(MAX_QUESTION_CHARS).collect();

    // A list immediately above the question.
    let mut listed = Vec::new();
    let mut i = last_index;
    while i > 0 {
        i -= 1;
        let line = lines[i];
        if line.trim().is_empty() && listed.is_empty() {
            continue;
        }
        match LIST_ITEM.as_ref().and_then(|re| re.captures(line)) {
            Some(cap) => {
                if let Some(m) = cap.get(1) {
                    listed.push(clean_markup(m.as_str()));
                }
            }
            None => break,
        }
    }
    listed.reverse();
    let options: Vec<QuestionOption> = if (2..=6).contains(&listed.len()) {
        listed
            .into_iter()
            .map(|item| {
                // "Label — description" / "Label: description"
                let (label, description) = item
                    .split_once(" — ")
                    .or_else(|| item.split_once(" - "))
                    .or_else(|| item.split_once(": "))
                    .unwrap_or((item.as_str(), ""));
                QuestionOption::new(label.trim(), description.trim())
            })
            .collect()
    } else {
        let alternatives = inline_alternatives(&text);
        if alternatives.is_empty() {
            vec![
                QuestionOption::new("Yes", ""),
                QuestionOption::new("No", ""),
            ]
        } else {
            alternatives
                .into_iter()
                .map(|a| QuestionOption::new(a, ""))
                .collect()
        }
    };
    // Duplicate labels make an answer ambiguous: keep the first of each.
    let mut seen = Vec::new();
    let options = options
        .into_iter()
        .filter(|o| {
            let fresh = !seen.contains(&o.label);
            seen.push(o.label.clone());
            fresh
        })
        .collect();
    Some(Question {
        text,
        header: None,
        options,
        multi_select: false,
    })
}

/// Answers the question `last_assistant_message` ends with, through [`decide_question`]
/// (validated, danger-guarded, thresholded). `None` when the message does not end with a
/// question. [`StopAnswer::block_reason`] is the text to block the stop with.
pub fn answer_stop_question(
    brain: &dyn Brain,
    last_assistant_message: &str,
    ctx: &BrainContext,
    min_confidence: f64,
) -> Option<StopAnswer> {
    let question = question_from_message(last_assistant_message)?;
    let answer = decide_question(brain, &question, ctx, min_confidence);
    let who = if answer.answered_by.is_empty() {
        brain.name().to_owned()
    } else {
        answer.answered_by.clone()
    };
    let reason = match (&answer.answer, answer.escalate) {
        (Some(text), false) => {
            let reply = if text == "Yes" {
                "Yes, proceed.".to_owned()
            } else if text == "No" {
                "No, do not do that.".to_owned()
            } else if text.starts_with("Yes") {
                format!("{text}.")
            } else {
                format!("{text}. Proceed with that.")
            };
            format!(
                "{reply} (answered automatically by pcc-hooks' {who} brain, confidence {:.2}: {})",
                answer.confidence, answer.reasoning
            )
        }
        _ => {
            let leaning = match &answer.leaning {
                Some(l) => format!(" The brain leans to {l:?}."),
                None => String::new(),
            };
            format!(
                "pcc-hooks could not answer this automatically: {}{leaning} A human has been asked. \
                 Meanwhile do nothing destructive, irreversible or public on your own; continue with \
                 the parts of the task that do not depend on this answer, or stop and summarise what \
                 needs a human.",
                answer.reasoning
            )
        }
    };
    Some(StopAnswer {
        question,
        answer,
        reason,
    })
}
