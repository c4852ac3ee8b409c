//! An LLM brain with the rule brain behind it: when the first fails (network, timeout, malformed
//! or invalid answer), the rule brain answers and `fallback_reason` says why.

use super::{
    Brain, BrainContext, BrainError, PermissionOpinion, PermissionQuery, Question, QuestionAnswer,
    RuleBrain, clamp_confidence, validate_answer,
};

/// Tries `primary`, falls back to [`RuleBrain`] on any error or unusable answer.
pub struct FallbackBrain {
    primary: Box<dyn Brain>,
    fallback: RuleBrain,
}

impl FallbackBrain {
    /// Wraps `primary`.
    pub fn new(primary: Box<dyn Brain>) -> Self {
        Self {
            primary,
            fallback: RuleBrain::new(),
        }
    }

    /// The brain tried first.
    pub fn primary(&self) -> &dyn Brain {
        self.primary.as_ref()
    }
}

impl std::fmt::Debug for FallbackBrain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackBrain")
            .field("primary", &self.primary.name())
            .finish()
    }
}

impl Brain for FallbackBrain {
    fn name(&self) -> &str {
        self.primary.name()
    }

    fn answer_question(
        &self,
        question: &Question,
        ctx: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        let failure = match self.primary.answer_question(question, ctx) {
            Ok(mut answer) => {
                answer.confidence = clamp_confidence(answer.confidence);
                match validate_answer(question, &answer) {
                    Ok(()) => {
                        if answer.answered_by.is_empty() {
                            self.primary.name().clone_into(&mut answer.answered_by);
                        }
                        return Ok(answer);
                    }
                    Err(why) => BrainError::Invalid(why),
                }
            }
            Err(error) => error,
        };
        let mut answer = self.fallback.answer_question(question, ctx)?;
        answer.fallback_reason = Some(format!("{}: {failure}", self.primary.name()));
        Ok(answer)
    }

    fn evaluate_permission(
        &self,
        request: &PermissionQuery,
        ctx: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        match self.primary.evaluate_permission(request, ctx) {
            Ok(mut opinion) => {
                opinion.confidence = clamp_confidence(opinion.confidence);
                if opinion.answered_by.is_empty() {
                    self.primary.name().clone_into(&mut opinion.answered_by);
                }
                Ok(opinion)
            }
            Err(failure) => {
                let mut opinion = self.fallback.evaluate_permission(request, ctx)?;
                opinion.fallback_reason = Some(format!("{}: {failure}", self.primary.name()));
                Ok(opinion)
            }
        }
    }
}
