//! The rule brain: offline, deterministic, conservative. It says yes to going on with ordinary
//! work, picks an option when there is a stated reason to, and escalates everything else.

use super::context::significant_words;
use super::danger_guard::{assess_option, assess_stem, is_negative, safe_decline_option};
use super::{
    Brain, BrainContext, BrainError, PermissionOpinion, PermissionQuery, Question, QuestionAnswer,
    QuestionOption, Stance,
};
use pcc_policy::RiskLevel;
use regex_lite::Regex;
use std::sync::LazyLock;

/// The offline default brain.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleBrain;

impl RuleBrain {
    /// The rule brain.
    pub fn new() -> Self {
        Self
    }
}

/// Yes/no requests to carry on with ordinary, local, reversible work.
const GO_AHEAD: &[(&str, &str)] = &[
    (
        "carry on with the task",
        r"\b(proceed|continue|go\s+ahead|carry\s+on|keep\s+going|move\s+on|get\s+started|start|begin|resume|go\s+on|try\s+again|retry|next\s+(step|task|one|phase|part)|as\s+planned|the\s+plan)\b",
    ),
    (
        "run the project's checks",
        r"\brun\b[^?]{0,40}\b(tests?|test\s+suite|specs?|checks?|linters?|lint|clippy|formatter|fmt|build|benchmarks?|type\s*-?check\w*|ci\s+locally)\b",
    ),
    (
        "fix a problem",
        r"\b(fix|fixing|repair|address|resolve|correct|handle)\b",
    ),
    (
        "write code, tests or docs",
        r"\b(implement|add|write|create|extend)\b[^?]{0,40}\b(tests?|test\s+cases?|functions?|features?|methods?|docs?|documentation|comments?|types?|modules?|examples?|rest|remaining|handler|endpoint|validation|logging|error\s+handling)\b",
    ),
    (
        "apply the changes",
        r"\b(apply|make|do)\b[^?]{0,20}\b(changes?|fix|fixes|patch|edits?|suggestions?|refactor\w*|updates?)\b",
    ),
    (
        "tidy up code",
        r"\b(update|refactor|tidy|format|clean\s*up)\b[^?]{0,30}\b(tests?|docs?|readme|code|comments?|imports?|types?|names?|formatting|functions?|module)\b",
    ),
    ("make a local commit", r"\bcommit\b"),
];

static GO_AHEAD_REGEXES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    GO_AHEAD
        .iter()
        .filter_map(|(what, p)| Regex::new(&format!("(?i){p}")).ok().map(|re| (*what, re)))
        .collect()
});

static OPEN_QUESTION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(what|how|why|where|who|whom|whose|which|when)\b|\b(what\s+(do|would)\s+you\s+(think|prefer|suggest|recommend)|any\s+(preference|thoughts|ideas|suggestions)|how\s+should|what\s+should|which\s+(one|approach|option|way|library|framework|design))\b",
    )
    .ok()
});

static AFFIRMATIVE_OPTION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(yes|yep|yeah|ok|okay|sure|proceed|continue|go\s+ahead|do\s+it|approve\w*|confirm\w*|start|carry\s+on|keep\s+going)\b",
    )
    .ok()
});

static RECOMMENDED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\brecommended\b").ok());
static NOT_RECOMMENDED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(not|un)\s*-?\s*recommended\b").ok());

fn matches(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(text))
}

/// Which ordinary-work pattern `text` matches, if any.
fn go_ahead_reason(text: &str) -> Option<&'static str> {
    GO_AHEAD_REGEXES
        .iter()
        .find(|(_, re)| re.is_match(text))
        .map(|(what, _)| *what)
}

fn is_open_question(text: &str) -> bool {
    matches(&OPEN_QUESTION, text)
}

fn is_recommended(option: &QuestionOption) -> bool {
    let text = format!("{} {}", option.label, option.description);
    matches(&RECOMMENDED, &text) && !matches(&NOT_RECOMMENDED, &text)
}

fn option_is_safe(option: &QuestionOption) -> bool {
    assess_option(&option.label, &option.description).is_none()
}

/// How many of the option's significant words appear in the project notes.
fn notes_score(option: &QuestionOption, note_words: &[String]) -> usize {
    let mut words = significant_words(&option.label);
    words.extend(significant_words(&option.description));
    words.sort_unstable();
    words.dedup();
    words.iter().filter(|w| note_words.contains(w)).count()
}

impl RuleBrain {
    fn answer_with_options(&self, q: &Question, ctx: &BrainContext) -> QuestionAnswer {
        let safe: Vec<&QuestionOption> = q.options.iter().filter(|o| option_is_safe(o)).collect();
        let first_safe = safe.first().map(|o| o.label.clone());

        // A yes/no question asked as options ("Should I proceed?" [Yes] [No]).
        let affirmative = q
            .options
            .iter()
            .find(|o| matches(&AFFIRMATIVE_OPTION, &o.label) && option_is_safe(o));
        let has_negative = q.options.iter().any(|o| is_negative(&o.label));
        if let (Some(yes), true, false) = (affirmative, has_negative, q.multi_select)
            && let Some(why) = go_ahead_reason(&q.text).filter(|_| !is_open_question(&q.text))
        {
            return QuestionAnswer::answered(
                yes.label.clone(),
                0.85,
                format!(
                    "Ordinary, local and reversible work ({why}); nothing dangerous is proposed."
                ),
            );
        }

        // Options the author marked as recommended.
        let recommended: Vec<&&QuestionOption> =
            safe.iter().filter(|o| is_recommended(o)).collect();
        if !recommended.is_empty() {
            let chosen: Vec<String> = if q.multi_select {
                recommended.iter().map(|o| o.label.clone()).collect()
            } else {
                vec![recommended[0].label.clone()]
            };
            return QuestionAnswer::answered(
                chosen.join(", "),
                0.85,
                "Chose the option marked as recommended.",
            );
        }

        // The option the project notes speak of.
        let note_words = ctx.note_words();
        if !note_words.is_empty() {
            let scored: Vec<(usize, &&QuestionOption)> = safe
                .iter()
                .map(|o| (notes_score(o, &note_words), o))
                .filter(|(score, _)| *score > 0)
                .collect();
            if let Some(best) = scored.iter().map(|(s, _)| *s).max() {
                let top: Vec<&&QuestionOption> = scored
                    .iter()
                    .filter(|(s, _)| *s == best)
                    .map(|(_, o)| *o)
                    .collect();
                if top.len() == 1 || !q.multi_select {
                    let chosen = top[0];
                    return QuestionAnswer::answered(
                        chosen.label.clone(),
                        if top.len() == 1 { 0.75 } else { 0.7 },
                        format!(
                            "The project notes (CLAUDE.md / requirements) mention what option {:?} is about.",
                            chosen.label
                        ),
                    );
                }
            }
        }

        if q.multi_select {
            return QuestionAnswer::escalation(
                "A multiple-choice selection with no recommended option and nothing in the project notes to go by; a human should choose.",
                first_safe,
            );
        }

        // Exactly one option to carry on with ordinary work, the others to stop or wait.
        let go_ahead: Vec<&&QuestionOption> = safe
            .iter()
            .filter(|o| go_ahead_reason(&o.label).is_some() && !is_negative(&o.label))
            .collect();
        if go_ahead.len() == 1 && q.options.len() > 1 {
            let others_stop = q
                .options
                .iter()
                .filter(|o| o.label != go_ahead[0].label)
                .all(|o| is_negative(&o.label) || go_ahead_reason(&o.label).is_none());
            if others_stop && !is_open_question(&q.text) {
                return QuestionAnswer::answered(
                    go_ahead[0].label.clone(),
                    0.75,
                    "Carrying on with ordinary, local work is the option that keeps the task moving.",
                );
            }
        }

        // The least destructive option, when only one is free of danger.
        if safe.len() == 1 && q.options.len() > 1 {
            return QuestionAnswer::answered(
                safe[0].label.clone(),
                0.75,
                "The only option that does not delete, publish, deploy or otherwise do something irreversible.",
            );
        }

        QuestionAnswer::escalation(
            "A choice between options with no recommended one and nothing in the project notes to decide it; a human should choose.",
            first_safe,
        )
    }

    fn answer_free(&self, q: &Question) -> QuestionAnswer {
        if is_open_question(&q.text) {
            return QuestionAnswer::escalation(
                "An open question (design, preference or information) that needs a human's judgement.",
                None,
            );
        }
        match go_ahead_reason(&q.text) {
            Some("make a local commit") => QuestionAnswer::answered(
                "Yes, commit locally (do not push)",
                0.8,
                "A local commit is reversible and keeps the work safe; pushing is left to a human.",
            ),
            Some(why) => QuestionAnswer::answered(
                "Yes",
                0.85,
                format!(
                    "Ordinary, local and reversible work ({why}); nothing dangerous is proposed."
                ),
            ),
            None => QuestionAnswer::escalation(
                "Not a request to carry on with ordinary work that the rule brain can answer; a human should decide.",
                None,
            ),
        }
    }
}

impl Brain for RuleBrain {
    fn name(&self) -> &str {
        "rules"
    }

    fn answer_question(
        &self,
        question: &Question,
        ctx: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        // The danger guard before any yes: the question itself proposes something dangerous.
        if let Some(danger) = assess_stem(question) {
            let leaning = safe_decline_option(question)
                .or_else(|| question.options.is_empty().then(|| "No".to_owned()));
            return Ok(QuestionAnswer::escalation(
                format!(
                    "The question proposes something a human must decide: {}.",
                    danger.describe()
                ),
                leaning,
            )
            .by(self.name()));
        }
        let answer = if question.options.is_empty() {
            self.answer_free(question)
        } else {
            self.answer_with_options(question, ctx)
        };
        Ok(answer.by(self.name()))
    }

    fn evaluate_permission(
        &self,
        request: &PermissionQuery,
        _ctx: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        let opinion = match request.level {
            RiskLevel::Low => PermissionOpinion::new(
                Stance::Approve,
                1.0,
                format!("LOW risk: {}", request.reason),
            ),
            RiskLevel::Medium => PermissionOpinion::new(
                Stance::Escalate,
                0.0,
                format!(
                    "The rule brain does not approve MEDIUM calls on its own ({}: {}); a learned rule or a human decides.",
                    request.rule, request.reason
                ),
            ),
            RiskLevel::High => PermissionOpinion::new(
                Stance::Escalate,
                1.0,
                format!("HIGH risk needs a human: {}", request.reason),
            ),
            RiskLevel::Critical => {
                PermissionOpinion::new(Stance::Deny, 1.0, format!("CRITICAL: {}", request.reason))
            }
        };
        Ok(opinion.by(self.name()))
    }
}
