//! `AskUserQuestion` is not a permission question: the brain answers it. When every question
//! gets a confident answer the call is allowed with the answers in `updatedInput`; otherwise a
//! human answers (interactive), or Claude is told to go on with its best judgement and a human
//! is asked later (unattended).

use super::decide::{Answer, Decision};
use crate::brain::{AskAnswers, Question, QuestionAnswer, QuestionError};
use crate::mode::Mode;
use pcc_policy::RiskLevel;
use serde_json::Value;

/// The rule of every decision about an `AskUserQuestion` call.
pub const QUESTION_RULE: &str = "brain.question";

/// What an `AskUserQuestion` call comes to.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionsDecided {
    /// The answer to Claude Code.
    pub decision: Decision,
    /// The call's input with the answers, when the brain answered every question.
    pub updated_input: Option<Value>,
    /// Each question with the brain's answer, to be recorded.
    pub answers: Vec<(Question, QuestionAnswer)>,
    /// Where the brain leaned on a question it was not sure of, for the human (and Claude).
    pub leanings: Vec<String>,
}

/// Decides an `AskUserQuestion` call from the brain's answers (`asked`) in `mode`.
pub fn decide_questions(asked: Result<AskAnswers, QuestionError>, mode: Mode) -> QuestionsDecided {
    let asked = match asked {
        Ok(asked) => asked,
        Err(error) => {
            return QuestionsDecided {
                decision: question_decision(
                    Answer::NoDecision,
                    format!("unreadable questions: {error}"),
                    false,
                ),
                updated_input: None,
                answers: Vec::new(),
                leanings: Vec::new(),
            };
        }
    };
    let answered: Vec<String> = asked
        .answers
        .iter()
        .map(|(question, answer)| {
            format!(
                "{:?} → {}",
                question.text,
                answer.answer.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let leanings: Vec<String> = asked
        .answers
        .iter()
        .filter_map(|(question, answer)| {
            answer
                .leaning
                .as_ref()
                .map(|lean| format!("{:?}: {lean}", question.text))
        })
        .collect();
    let decision = if asked.all_answered() {
        question_decision(
            Answer::Allow,
            format!("Answered by pcc-hooks' brain: {}", answered.join("; ")),
            false,
        )
    } else {
        match mode {
            Mode::Interactive => {
                question_decision(Answer::NoDecision, "left to the human".into(), false)
            }
            Mode::Unattended => question_decision(
                Answer::Deny,
                format!(
                    "Nobody is here to answer and pcc-hooks' brain was not confident. Do not wait: proceed \
                     with your own best judgement, prefer the safest reversible option, and state the \
                     choice you made.{}",
                    if leanings.is_empty() {
                        String::new()
                    } else {
                        format!(" The brain leans to: {}.", leanings.join("; "))
                    }
                ),
                true,
            ),
        }
    };
    QuestionsDecided {
        decision,
        updated_input: asked.updated_input,
        answers: asked.answers,
        leanings,
    }
}

fn question_decision(answer: Answer, reason: String, escalate: bool) -> Decision {
    Decision {
        answer,
        level: RiskLevel::Low,
        rule: QUESTION_RULE.into(),
        reason,
        escalate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asked(answer: Option<&str>, leaning: Option<&str>) -> AskAnswers {
        let question = Question::with_options("Which database?", ["Postgres", "SQLite"]);
        let answered = match answer {
            Some(text) => QuestionAnswer::answered(text, 0.9, "the project uses it"),
            None => QuestionAnswer::escalation("not sure", leaning.map(str::to_owned)),
        };
        let updated_input = answer.map(|text| json!({"answers": {"Which database?": text}}));
        AskAnswers {
            answers: vec![(question, answered)],
            updated_input,
        }
    }

    #[test]
    fn every_question_answered_allows_with_the_answers() {
        let decided = decide_questions(Ok(asked(Some("SQLite"), None)), Mode::Unattended);
        assert_eq!(decided.decision.answer, Answer::Allow);
        assert_eq!(
            decided.decision.reason,
            "Answered by pcc-hooks' brain: \"Which database?\" → SQLite"
        );
        assert!(decided.updated_input.is_some());
        assert!(!decided.decision.escalate);
    }

    #[test]
    fn an_unsure_brain_leaves_it_to_a_human_or_tells_claude_to_go_on() {
        let interactive = decide_questions(Ok(asked(None, Some("SQLite"))), Mode::Interactive);
        assert_eq!(interactive.decision.answer, Answer::NoDecision);
        assert!(!interactive.decision.escalate);
        let unattended = decide_questions(Ok(asked(None, Some("SQLite"))), Mode::Unattended);
        assert_eq!(unattended.decision.answer, Answer::Deny);
        assert!(unattended.decision.escalate);
        assert!(
            unattended
                .decision
                .reason
                .ends_with(" The brain leans to: \"Which database?\": SQLite."),
            "{}",
            unattended.decision.reason
        );
        assert_eq!(unattended.leanings, ["\"Which database?\": SQLite"]);
    }

    #[test]
    fn unreadable_questions_are_left_to_claude_code() {
        let error = QuestionError::Malformed("no `questions` array".into());
        let decided = decide_questions(Err(error), Mode::Unattended);
        assert_eq!(decided.decision.answer, Answer::NoDecision);
        assert_eq!(decided.decision.rule, QUESTION_RULE);
        assert!(decided.answers.is_empty());
    }
}
