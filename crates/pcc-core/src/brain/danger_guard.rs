//! The danger guard: what no brain may say yes to, enforced outside every brain.
//!
//! A question that proposes deleting, dropping, wiping, force-pushing or pushing, deploying or
//! touching production, publishing or releasing, rotating/revoking/exposing credentials, paying,
//! raising privileges, messaging users, or a command the policy rates HIGH or above, is never
//! answered with an affirmative: [`guard_question`] turns such an answer into an escalation. Only
//! a clearly negative answer ("No", "Keep it", "Skip") to such a question passes.
//! [`guard_permission`] turns any approval of a HIGH or CRITICAL call into an escalation
//! (ARCHITECTURE.md invariant 2).

use super::{PermissionOpinion, Question, QuestionAnswer, Stance};
use pcc_policy::{PolicyContext, RiskLevel, classify_command};
use regex_lite::Regex;
use std::path::PathBuf;
use std::sync::LazyLock;

/// Why a text is dangerous to say yes to: one short phrase per thing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Danger {
    /// What was found, e.g. `deletes something`, `HIGH command \`rm -rf ~/old\` (rm.outside)`.
    pub reasons: Vec<String>,
}

impl Danger {
    /// The reasons joined for a human sentence.
    pub fn describe(&self) -> String {
        self.reasons.join("; ")
    }
}

/// (what it is, pattern) — matched case-insensitively against the question and its options.
const DANGER_PATTERNS: &[(&str, &str)] = &[
    (
        "deletes or removes something",
        r"\b(delet(e|es|ed|ing|ion)|remov(e|es|ed|ing|al)|unlink\w*|eras(e|es|ing)|wip(e|es|ed|ing)|purg(e|es|ed|ing)|destroy\w*|truncat\w*|nuk(e|es|ing)|shred\w*|rm\s+-\w+|rmdir|obliterat\w*)\b",
    ),
    ("drops something", r"\bdrop(s|ped|ping)?\b"),
    (
        "force-pushes or rewrites history",
        r"force[- ]?push\w*|push\w*\s+(-f\b|--force)|--force-with-lease|\breset\s+--hard\b|\bgit\s+clean\b|\brewrit\w*\s+(the\s+)?(git\s+)?history\b|\boverwrit\w*\b",
    ),
    ("pushes to a remote", r"\bpush(es|ed|ing)?\b"),
    (
        "merges into a shared branch",
        r"\bmerg\w*\b[^.?!]{0,40}\b(main|master|trunk|release|production)\b",
    ),
    (
        "deploys or goes live",
        r"\b(deploy\w*|go(es|ing)?\s+live|roll(s|ing)?\s+out|ship(s|ping)?\s+(it\s+)?to|promot\w*\s+to)\b",
    ),
    (
        "touches production",
        r"\b(prod|production|live\s+(site|server|database|db|environment|system|data))\b",
    ),
    (
        "publishes or releases",
        r"\b(publish\w*|npm\s+publish|cargo\s+publish|twine\s+upload|releas(e|es|ing)\s+v?\d|(tag|cut|make|create|ship)\s+(a\s+|the\s+)?(new\s+)?release)\b",
    ),
    (
        "rotates, revokes or exposes credentials",
        r"\b(rotat\w*|revok\w*)\b|\b(regenerat\w*|reset\w*|invalidat\w*|expos\w*|leak\w*|shar(e|es|ing)|print\w*|log|logs|commit\w*|chang(e|es|ing)|upload\w*|send\w*|post\w*)\b[^.?!]{0,40}(\b(api[- ]?keys?|keys|tokens?|secrets?|credentials?|passwords?|passphrases?|certificates?|private\s+key)\b|\.env\b)",
    ),
    (
        "pays or purchases",
        r"\b(pay|pays|paying|paid|payments?|purchas\w*|buy|buying|bought|subscrib\w*|billing|credit\s+card|upgrad\w*\s+(the\s+|our\s+|my\s+)?(plan|tier|subscription|account))\b",
    ),
    (
        "raises privileges or disables protection",
        r"\bsudo\b|\bchmod\s+(-r\s+)?777\b|\bdisabl\w*\s+(the\s+)?(firewall|auth\w*|2fa|mfa|ssl|tls|security|branch\s+protection)\b|--no-verify\b",
    ),
    (
        "messages people outside the session",
        r"\b(send|email|e-mail|mail|notify|message|post|tweet|announce)\w*\b[^.?!]{0,40}\b(users|customers|clients|everyone|mailing\s+list|subscribers|slack|twitter|channel)\b",
    ),
    (
        "shuts down or terminates infrastructure",
        r"\b(terminat\w*|shut\w*\s*down|scal\w*\s+down|kill\w*|stop\w*|restart\w*|reboot\w*)\b[^.?!]{0,40}\b(instances?|servers?|clusters?|nodes?|databases?|db|vms?|pods?|services?|machines?)\b",
    ),
    (
        "formats or repartitions a disk",
        r"\b(format\w*|partition\w*|mkfs\w*)\b[^.?!]{0,20}\b(disk|drive|volume|partition)\b",
    ),
];

static DANGER_REGEXES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    DANGER_PATTERNS
        .iter()
        .filter_map(|(what, pattern)| {
            Regex::new(&format!("(?i){pattern}"))
                .ok()
                .map(|re| (*what, re))
        })
        .collect()
});

static BACKTICK_BLOCK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"```[a-zA-Z0-9_-]*\n?([\s\S]*?)```").ok());
static BACKTICK_SPAN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"`([^`\n]+)`").ok());
static RUN_PHRASE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:run|execute|exec|invoke|type)\s+(?:the\s+command\s+)?([^?\n]+)").ok()
});
static NEGATIVE_ANSWER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(no|nope|nah|don'?t|do\s+not|not|never|skip\w*|cancel\w*|abort\w*|stop\w*|keep\w*|leave\w*|hold\s+off|wait\w*|declin\w*|reject\w*|none|neither|later|postpone\w*|defer\w*|preserve\w*|retain\w*|archive\s+instead)\b",
    )
    .ok()
});

/// A policy context for judging commands found in question text: a fixed, synthetic project
/// and home, so every absolute path outside them counts as outside the project (conservative).
fn question_policy_context() -> PolicyContext {
    let project = PathBuf::from("/pcc-brain/project");
    PolicyContext {
        cwd: project.clone(),
        project_root: project,
        home: PathBuf::from("/pcc-brain/home"),
        // Synthetic places, no real data directory: the call itself, if the brain's answer
        // leads to one, is judged by the hook with the real one.
        data_dirs: Vec::new(),
    }
}

/// Commands mentioned in `text`: code blocks, backtick spans, and what follows "run"/"execute".
fn command_candidates(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text.to_owned();
    if let Some(block) = BACKTICK_BLOCK.as_ref() {
        for cap in block.captures_iter(text) {
            if let Some(m) = cap.get(1) {
                found.push(m.as_str().to_owned());
            }
        }
        rest = block.replace_all(&rest, " ").into_owned();
    }
    if let Some(span) = BACKTICK_SPAN.as_ref() {
        for cap in span.captures_iter(&rest) {
            if let Some(m) = cap.get(1) {
                found.push(m.as_str().to_owned());
            }
        }
    }
    if let Some(run) = RUN_PHRASE.as_ref() {
        for cap in run.captures_iter(&rest) {
            if let Some(m) = cap.get(1) {
                found.push(m.as_str().replace('`', " "));
            }
        }
    }
    found
}

/// Judges a text (a question, an option, an answer): the danger patterns above, and the policy's
/// verdict on every command it mentions (HIGH or CRITICAL counts).
pub fn assess_text(text: &str) -> Option<Danger> {
    let mut reasons = Vec::new();
    for (what, re) in DANGER_REGEXES.iter() {
        if let Some(m) = re.find(text) {
            reasons.push(format!("{what} (\"{}\")", m.as_str().trim()));
        }
    }
    let ctx = question_policy_context();
    for command in command_candidates(text) {
        let command = command.trim();
        if command.is_empty() {
            continue;
        }
        let verdict = classify_command(command, &ctx);
        if verdict.level >= RiskLevel::High {
            reasons.push(format!(
                "the policy rates `{command}` {} ({}: {})",
                verdict.level, verdict.rule, verdict.reason
            ));
        }
    }
    (!reasons.is_empty()).then_some(Danger { reasons })
}

/// The question's own text (and header) judged.
pub(crate) fn assess_stem(question: &Question) -> Option<Danger> {
    let mut text = question.text.clone();
    if let Some(header) = &question.header {
        text.push('\n');
        text.push_str(header);
    }
    assess_text(&text)
}

/// One option (label and description) judged; also its label alone as a command.
pub(crate) fn assess_option(label: &str, description: &str) -> Option<Danger> {
    let mut danger = assess_text(&format!("{label}\n{description}"));
    let verdict = classify_command(label, &question_policy_context());
    if verdict.level >= RiskLevel::High {
        let reason = format!(
            "the policy rates `{label}` {} ({})",
            verdict.level, verdict.rule
        );
        match &mut danger {
            Some(d) => d.reasons.push(reason),
            None => {
                danger = Some(Danger {
                    reasons: vec![reason],
                })
            }
        }
    }
    danger
}

/// Whether an answer (or option label) clearly declines: "No", "Don't", "Skip", "Keep it", ….
pub fn is_negative(text: &str) -> bool {
    NEGATIVE_ANSWER.as_ref().is_some_and(|re| re.is_match(text))
}

/// Whether `text` is a safe way to decline a dangerous question: negative, and proposing nothing
/// dangerous itself ("No, delete the backup instead" is not).
fn is_safe_decline(text: &str, description: &str) -> bool {
    is_negative(text) && assess_option(text, description).is_none()
}

/// The first option that safely declines, for a leaning.
pub(crate) fn safe_decline_option(question: &Question) -> Option<String> {
    question
        .options
        .iter()
        .find(|o| is_safe_decline(&o.label, &o.description))
        .map(|o| o.label.clone())
}

/// Enforces the danger rules on any brain's answer. The result is the answer unchanged when it is
/// safe, else an escalation naming what was found; a leaning is kept only when it is itself safe,
/// so an unattended Claude is never nudged toward the dangerous choice.
pub fn guard_question(question: &Question, answer: QuestionAnswer) -> QuestionAnswer {
    let stem = assess_stem(question);
    let leaning_is_safe = |leaning: &str| -> bool {
        let description = question
            .options
            .iter()
            .find(|o| o.label == leaning)
            .map(|o| o.description.as_str())
            .unwrap_or_default();
        match &stem {
            Some(_) => is_safe_decline(leaning, description),
            None => question
                .selected_labels(leaning)
                .map(|labels| {
                    labels.iter().all(|label| {
                        let d = question
                            .options
                            .iter()
                            .find(|o| o.label == *label)
                            .map(|o| o.description.as_str())
                            .unwrap_or_default();
                        assess_option(label, d).is_none()
                    })
                })
                .unwrap_or_else(|| assess_text(leaning).is_none()),
        }
    };
    let safe_leaning = |leaning: Option<String>| -> Option<String> {
        leaning
            .filter(|l| leaning_is_safe(l))
            .or_else(|| stem.as_ref().and_then(|_| safe_decline_option(question)))
    };

    if answer.escalate || answer.answer.is_none() {
        let leaning = safe_leaning(answer.leaning.clone());
        return QuestionAnswer {
            answer: None,
            escalate: true,
            leaning,
            ..answer
        };
    }
    let text = answer.answer.clone().unwrap_or_default();

    // What the answer selects, each judged on its own.
    let problem: Option<String> = if question.options.is_empty() {
        match (&stem, assess_text(&text)) {
            (_, Some(own)) => Some(format!("the answer itself {}", own.describe())),
            (Some(stem), None) if !is_negative(&text) => Some(format!(
                "the question proposes something that needs a human: {}",
                stem.describe()
            )),
            _ => None,
        }
    } else {
        let selected = question.selected_options(&text);
        if selected.is_empty() {
            Some(format!("the answer {text:?} is not one of the options"))
        } else {
            selected.iter().find_map(|option| {
                if let Some(danger) = assess_option(&option.label, &option.description) {
                    return Some(format!("option {:?} {}", option.label, danger.describe()));
                }
                match &stem {
                    Some(stem) if !is_negative(&option.label) => Some(format!(
                        "the question proposes something that needs a human: {}",
                        stem.describe()
                    )),
                    _ => None,
                }
            })
        }
    };
    match problem {
        None => answer,
        Some(problem) => {
            let leaning = safe_leaning(None);
            let reasoning = format!(
                "pcc-hooks never answers yes to this automatically — {problem}. A human must decide. \
                 (The brain had proposed {text:?}: {})",
                answer.reasoning
            );
            QuestionAnswer {
                answer: None,
                escalate: true,
                leaning,
                reasoning,
                ..answer
            }
        }
    }
}

/// Enforces invariant 2 on any brain's opinion: an approval of a HIGH or CRITICAL call becomes an
/// escalation. Confidence is clamped to `0..=1` (NaN to 0).
pub fn guard_permission(level: RiskLevel, opinion: PermissionOpinion) -> PermissionOpinion {
    let mut opinion = PermissionOpinion {
        confidence: super::clamp_confidence(opinion.confidence),
        ..opinion
    };
    if opinion.stance == Stance::Approve && level >= RiskLevel::High {
        opinion.stance = Stance::Escalate;
        opinion.reasoning = format!(
            "a brain may not approve a {level} call; a human must decide (the brain had said: {})",
            opinion.reasoning
        );
    }
    opinion
}
