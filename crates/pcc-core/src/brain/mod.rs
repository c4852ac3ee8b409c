//! The brain: answers Claude's questions ("Should I proceed?", AskUserQuestion) and judges
//! MEDIUM-risk permission calls, when nobody is there to do it.
//!
//! A [`Brain`] only *proposes*. Whatever it says goes through the guards in this module before
//! the hook acts on it — [`guard_question`] (a question proposing anything destructive,
//! irreversible, public or costly is never answered with an affirmative) and [`guard_permission`]
//! (an approval of HIGH or CRITICAL becomes an escalation, ARCHITECTURE.md invariant 2) — so no brain
//! implementation, rule-based or LLM, can break the invariants. [`decide_question`] and
//! [`decide_permission`] bundle brain call, validation, guard and confidence threshold; the hook
//! should call those rather than a brain directly.
//!
//! Everything here is pure: LLM brains that talk to the network live in `pcc-brain-http`.

mod config;
mod context;
mod danger_guard;
mod fallback;
pub mod prompt;
mod question;
mod rule_brain;
mod stop;

pub use config::{BrainConfig, BrainKind};
pub use context::{BrainContext, MAX_EVENT_CHARS, MAX_NOTES_CHARS, MAX_RECENT_EVENTS};
pub use danger_guard::{Danger, assess_text, guard_permission, guard_question};
pub use fallback::FallbackBrain;
pub use question::{
    AskAnswers, Question, QuestionError, QuestionOption, answer_ask_user_question, validate_answer,
};
pub use rule_brain::RuleBrain;
pub use stop::{StopAnswer, answer_stop_question, question_from_message};

use pcc_policy::RiskLevel;
use serde::Serialize;

/// A brain's answer to one question, before or after the guards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionAnswer {
    /// The answer: one of the option labels when the question has options (several labels
    /// joined with `", "` for a multi-select question, as Claude Code expects), free text
    /// otherwise. `None` when the brain escalates.
    pub answer: Option<String>,
    /// How sure the brain is, in `0.0..=1.0`.
    pub confidence: f64,
    /// True when a human must answer.
    pub escalate: bool,
    /// Why, in one or two sentences a human (and, unattended, Claude) can read.
    pub reasoning: String,
    /// When escalating: the option (or yes/no) the brain would lean to, for the human and, in
    /// unattended mode, for Claude to proceed on its own best judgement.
    pub leaning: Option<String>,
    /// The brain that produced the answer (`rules`, `gemini`, …).
    pub answered_by: String,
    /// Set when an LLM brain failed and the rule brain answered instead: what went wrong.
    pub fallback_reason: Option<String>,
}

impl QuestionAnswer {
    /// A confident answer.
    pub fn answered(
        answer: impl Into<String>,
        confidence: f64,
        reasoning: impl Into<String>,
    ) -> Self {
        Self {
            answer: Some(answer.into()),
            confidence: clamp_confidence(confidence),
            escalate: false,
            reasoning: reasoning.into(),
            leaning: None,
            answered_by: String::new(),
            fallback_reason: None,
        }
    }

    /// An escalation to a human, optionally with the brain's leaning.
    pub fn escalation(reasoning: impl Into<String>, leaning: Option<String>) -> Self {
        Self {
            answer: None,
            confidence: 0.0,
            escalate: true,
            reasoning: reasoning.into(),
            leaning,
            answered_by: String::new(),
            fallback_reason: None,
        }
    }

    /// Turns this answer into an escalation, keeping who answered and why it fell back.
    pub fn into_escalation(self, reasoning: impl Into<String>, leaning: Option<String>) -> Self {
        Self {
            answer: None,
            escalate: true,
            reasoning: reasoning.into(),
            leaning,
            ..self
        }
    }

    /// Sets [`QuestionAnswer::answered_by`].
    pub fn by(mut self, brain: &str) -> Self {
        brain.clone_into(&mut self.answered_by);
        self
    }
}

/// What a brain thinks of a permission request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// Let it run.
    Approve,
    /// Do not let it run.
    Deny,
    /// A human must decide.
    Escalate,
}

impl Stance {
    /// The stable name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Approve => "approve",
            Stance::Deny => "deny",
            Stance::Escalate => "escalate",
        }
    }
}

/// A brain's opinion on one permission request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermissionOpinion {
    /// Approve, deny or escalate.
    pub stance: Stance,
    /// How sure the brain is, in `0.0..=1.0`.
    pub confidence: f64,
    /// Why; on deny this reaches Claude.
    pub reasoning: String,
    /// The brain that produced the opinion.
    pub answered_by: String,
    /// Set when an LLM brain failed and the rule brain answered instead: what went wrong.
    pub fallback_reason: Option<String>,
}

impl PermissionOpinion {
    /// An opinion with no attribution yet.
    pub fn new(stance: Stance, confidence: f64, reasoning: impl Into<String>) -> Self {
        Self {
            stance,
            confidence: clamp_confidence(confidence),
            reasoning: reasoning.into(),
            answered_by: String::new(),
            fallback_reason: None,
        }
    }

    /// Sets [`PermissionOpinion::answered_by`].
    pub fn by(mut self, brain: &str) -> Self {
        brain.clone_into(&mut self.answered_by);
        self
    }
}

/// A permission request as the brain sees it: what the policy already found out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionQuery {
    /// The Claude Code tool (`Bash`, `Write`, `mcp__github__create_issue`, …).
    pub tool_name: String,
    /// A short, redacted summary of the input (the command, the path, …).
    pub input_summary: String,
    /// The policy's level.
    pub level: RiskLevel,
    /// The policy rule that decided the level.
    pub rule: String,
    /// The policy's reason.
    pub reason: String,
}

/// Why a brain could not answer. The hook records it; [`FallbackBrain`] answers with the rule
/// brain instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrainError {
    /// The brain is not usable as configured (no API key, bad URL, …).
    #[error("brain not configured: {0}")]
    NotConfigured(String),
    /// The request did not complete in time.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// Connection refused, reset, DNS, TLS, ….
    #[error("transport error: {0}")]
    Transport(String),
    /// The service answered with a non-success status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The service answered, but not with the JSON we asked for.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The answer parsed but breaks the rules (label not among the options, confidence out of
    /// range, …).
    #[error("invalid answer: {0}")]
    Invalid(String),
}

/// Something that answers questions and judges permission requests. Implementations propose;
/// the guards in this module decide what the hook may act on.
pub trait Brain {
    /// A short stable name (`rules`, `gemini`, `ollama`, `openai`), recorded with every answer.
    fn name(&self) -> &str;

    /// Answers one question. With options, a non-escalating answer must name option labels
    /// only (see [`validate_answer`]).
    fn answer_question(
        &self,
        question: &Question,
        ctx: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError>;

    /// Judges one permission request (normally MEDIUM; the guard escalates any approval of
    /// HIGH or CRITICAL).
    fn evaluate_permission(
        &self,
        request: &PermissionQuery,
        ctx: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError>;
}

/// Asks `brain`, then validates, guards and applies the confidence threshold: the one call the
/// hook needs for a question. Never fails: a brain error becomes an escalation whose
/// `fallback_reason` says what went wrong.
pub fn decide_question(
    brain: &dyn Brain,
    question: &Question,
    ctx: &BrainContext,
    min_confidence: f64,
) -> QuestionAnswer {
    let proposed = match brain.answer_question(question, ctx) {
        Ok(answer) => match validate_answer(question, &answer) {
            Ok(()) => answer,
            Err(why) => QuestionAnswer::escalation(
                format!(
                    "{} gave an unusable answer ({why}); a human must answer",
                    brain.name()
                ),
                None,
            )
            .by(brain.name()),
        },
        Err(error) => {
            let mut answer = QuestionAnswer::escalation(
                format!("{} could not answer; a human must answer", brain.name()),
                None,
            )
            .by(brain.name());
            answer.fallback_reason = Some(error.to_string());
            answer
        }
    };
    let guarded = guard_question(question, proposed);
    apply_question_threshold(guarded, min_confidence)
}

/// Asks `brain` about a permission request, then guards and applies the confidence threshold.
/// An opinion below `min_confidence` becomes [`Stance::Escalate`]; a brain error too.
pub fn decide_permission(
    brain: &dyn Brain,
    request: &PermissionQuery,
    ctx: &BrainContext,
    min_confidence: f64,
) -> PermissionOpinion {
    let proposed = match brain.evaluate_permission(request, ctx) {
        Ok(opinion) => opinion,
        Err(error) => {
            let mut opinion = PermissionOpinion::new(
                Stance::Escalate,
                0.0,
                format!(
                    "{} could not judge this call; a human must decide",
                    brain.name()
                ),
            )
            .by(brain.name());
            opinion.fallback_reason = Some(error.to_string());
            opinion
        }
    };
    let mut guarded = guard_permission(request.level, proposed);
    // Written so that a NaN threshold counts as unmet.
    let confident = guarded.confidence >= min_confidence;
    if guarded.stance != Stance::Escalate && !confident {
        guarded.reasoning = format!(
            "not confident enough ({:.2} < {:.2}) to {}: {}",
            guarded.confidence,
            min_confidence,
            guarded.stance.as_str(),
            guarded.reasoning
        );
        guarded.stance = Stance::Escalate;
    }
    guarded
}

/// An answer below `min_confidence` becomes an escalation whose leaning is the proposed answer.
pub fn apply_question_threshold(answer: QuestionAnswer, min_confidence: f64) -> QuestionAnswer {
    if answer.escalate || answer.confidence >= min_confidence {
        return answer;
    }
    let leaning = answer.answer.clone().or_else(|| answer.leaning.clone());
    let reasoning = format!(
        "not confident enough ({:.2} < {:.2}): {}",
        answer.confidence, min_confidence, answer.reasoning
    );
    answer.into_escalation(reasoning, leaning)
}

/// Confidence values outside `0..=1` (or NaN) are clamped; NaN counts as no confidence.
pub fn clamp_confidence(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}
