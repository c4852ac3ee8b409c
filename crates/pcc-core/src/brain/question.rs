//! Questions as Claude asks them (AskUserQuestion, or a plain-text question ending a turn), and
//! checking that an answer fits the question.

use super::{Brain, BrainContext, QuestionAnswer, decide_question};
use serde::Serialize;
use serde_json::{Map, Value};

/// One choice Claude offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionOption {
    /// The label; an answer names labels exactly.
    pub label: String,
    /// What choosing it means (may be empty).
    pub description: String,
}

impl QuestionOption {
    /// An option with a label and a description.
    pub fn new(label: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            description: description.into(),
        }
    }
}

/// One question to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// The question as Claude wrote it.
    pub text: String,
    /// AskUserQuestion's short `header` chip, if any.
    pub header: Option<String>,
    /// The choices; empty for a free-text question.
    pub options: Vec<QuestionOption>,
    /// Whether several options may be chosen.
    pub multi_select: bool,
}

/// Why an AskUserQuestion input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    /// The input is not shaped as the contract says.
    #[error("malformed AskUserQuestion input: {0}")]
    Malformed(String),
}

impl Question {
    /// A free-text question.
    pub fn free(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            header: None,
            options: Vec::new(),
            multi_select: false,
        }
    }

    /// A single-choice question with the given option labels (no descriptions).
    pub fn with_options<I, S>(text: impl Into<String>, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            text: text.into(),
            header: None,
            options: labels
                .into_iter()
                .map(|l| QuestionOption::new(l, ""))
                .collect(),
            multi_select: false,
        }
    }

    /// Reads one element of AskUserQuestion's `questions` array:
    /// `{"question", "header", "multiSelect", "options": [{"label", "description"}]}`.
    pub fn from_ask_user_question(value: &Value) -> Result<Question, QuestionError> {
        let bad = |why: &str| QuestionError::Malformed(why.to_owned());
        let obj = value
            .as_object()
            .ok_or_else(|| bad("question is not an object"))?;
        let text = obj
            .get("question")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| bad("question has no `question` text"))?;
        let header = obj.get("header").and_then(Value::as_str).map(str::to_owned);
        let multi_select = match obj.get("multiSelect") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("`multiSelect` is not a boolean")),
        };
        let options = match obj.get("options") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    let label = item
                        .get("label")
                        .and_then(Value::as_str)
                        .filter(|l| !l.trim().is_empty())
                        .ok_or_else(|| bad("an option has no `label`"))?;
                    let description = item
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    Ok(QuestionOption::new(label, description))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(bad("`options` is not an array")),
        };
        Ok(Question {
            text: text.to_owned(),
            header,
            options,
            multi_select,
        })
    }

    /// Whether `label` is exactly one of the option labels.
    pub fn has_label(&self, label: &str) -> bool {
        self.options.iter().any(|o| o.label == label)
    }

    /// Splits an answer into the option labels it names: the whole answer when it is one label,
    /// else (multi-select) its `", "`-separated parts. `None` when some part is not a label.
    pub fn selected_labels<'a>(&self, answer: &'a str) -> Option<Vec<&'a str>> {
        if self.has_label(answer) {
            return Some(vec![answer]);
        }
        if !self.multi_select {
            return None;
        }
        let parts: Vec<&str> = answer.split(", ").collect();
        parts.iter().all(|p| self.has_label(p)).then_some(parts)
    }

    /// The options an answer selects (empty for a free-text question or no answer).
    pub fn selected_options(&self, answer: &str) -> Vec<&QuestionOption> {
        match self.selected_labels(answer) {
            Some(labels) => self
                .options
                .iter()
                .filter(|o| labels.contains(&o.label.as_str()))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Checks that an answer fits its question: a non-escalating answer has text; with options it
/// names labels only (one for single-select, distinct ones joined with `", "` for multi-select);
/// confidence is a number in `0..=1`.
pub fn validate_answer(question: &Question, answer: &QuestionAnswer) -> Result<(), String> {
    if !(0.0..=1.0).contains(&answer.confidence) {
        return Err(format!(
            "confidence {} is not within 0..=1",
            answer.confidence
        ));
    }
    if answer.escalate {
        return Ok(());
    }
    let Some(text) = answer.answer.as_deref() else {
        return Err("no answer and no escalation".into());
    };
    if text.trim().is_empty() {
        return Err("empty answer".into());
    }
    if question.options.is_empty() {
        return Ok(());
    }
    match question.selected_labels(text) {
        None => Err(format!(
            "answer {text:?} is not among the options ({})",
            question
                .options
                .iter()
                .map(|o| format!("{:?}", o.label))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(labels) => {
            let mut seen = labels.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != labels.len() {
                Err(format!("answer {text:?} names an option twice"))
            } else {
                Ok(())
            }
        }
    }
}

/// The answers to a whole AskUserQuestion call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AskAnswers {
    /// Each question with its (validated, guarded, thresholded) answer, in order.
    pub answers: Vec<(Question, QuestionAnswer)>,
    /// When every question got a confident answer: the `updatedInput` for the `allow` answer —
    /// the original input plus `answers` (`{question text: answer}`), `docs/claude-code-contract.md` §4.
    pub updated_input: Option<Value>,
}

impl AskAnswers {
    /// Whether every question was answered without a human.
    pub fn all_answered(&self) -> bool {
        self.updated_input.is_some()
    }
}

/// Answers every question of an AskUserQuestion `tool_input` through [`decide_question`].
pub fn answer_ask_user_question(
    brain: &dyn Brain,
    tool_input: &Value,
    ctx: &BrainContext,
    min_confidence: f64,
) -> Result<AskAnswers, QuestionError> {
    let items = tool_input
        .get("questions")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| QuestionError::Malformed("no `questions` array".into()))?;
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let question = Question::from_ask_user_question(item)?;
        let answer = decide_question(brain, &question, ctx, min_confidence);
        answers.push((question, answer));
    }
    let all = answers
        .iter()
        .all(|(_, a)| !a.escalate && a.answer.is_some());
    let updated_input = all.then(|| {
        let mut map: Map<String, Value> = tool_input.as_object().cloned().unwrap_or_default();
        let answered: Map<String, Value> = answers
            .iter()
            .filter_map(|(q, a)| Some((q.text.clone(), Value::String(a.answer.clone()?))))
            .collect();
        map.insert("answers".into(), Value::Object(answered));
        Value::Object(map)
    });
    Ok(AskAnswers {
        answers,
        updated_input,
    })
}
