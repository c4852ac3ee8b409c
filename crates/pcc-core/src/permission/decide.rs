//! From a policy verdict to a permission answer: the user's rules first, then the risk level, then
//! the mode (README, "Permissions").
//!
//! | level    | interactive (a human at the terminal)     | unattended (nobody there)            |
//! |----------|--------------------------------------------|--------------------------------------|
//! | LOW      | allow                                      | allow                                |
//! | MEDIUM   | learned rule → allow, else no decision     | learned rule → allow, else deny + escalation |
//! | HIGH     | ask (Claude Code's own dialog)             | deny + escalation                    |
//! | CRITICAL | deny                                       | deny                                 |
//!
//! A user `deny` rule beats everything; a human's approval of this exact call (`pcc-hooks respond
//! … approve`) beats the rest up to HIGH; an `ask` rule beats `allow`; an `allow` rule may allow
//! up to HIGH (a rule the human wrote), never CRITICAL. Deny reasons tell Claude what to do
//! instead.

use super::call::CallFacts;
use super::rules::{PermissionLists, PermissionRule, RuleError};
use crate::brain::{PermissionOpinion, Stance};
use crate::mode::Mode;
use pcc_policy::{Containment, RiskLevel, Verdict};
use serde::Serialize;
use std::path::Path;

/// The permission answer given to Claude Code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Run it without asking.
    Allow,
    /// Do not run it; the reason goes to the model.
    Deny,
    /// Show Claude Code's permission dialog.
    Ask,
    /// Say nothing: Claude Code's own rules apply.
    #[serde(rename = "none")]
    NoDecision,
    /// Run it, inside the sandbox: the hook rewrites the command to run contained.
    Contained,
    /// Hold it: a headless (`-p`) session stops with the call pending, and `claude -p --resume`
    /// asks about it again (see [`super::HeadlessSignals`]). Never an allow: the re-asked call is
    /// decided afresh, and runs only when a human's one-time approval allows it.
    Defer,
}

impl Answer {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Allow => "allow",
            Answer::Deny => "deny",
            Answer::Ask => "ask",
            Answer::NoDecision => "none",
            Answer::Contained => "contained",
            Answer::Defer => "defer",
        }
    }
}

/// A decision with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What Claude Code is told.
    pub answer: Answer,
    /// The policy's level for the call.
    pub level: RiskLevel,
    /// The rule that fired: a policy rule id, `config.deny`, `config.allow`, `learned`, ….
    pub rule: String,
    /// One line for the human and, on deny, for the model: why, and what to do instead.
    pub reason: String,
    /// True when a human must look at this later (`pcc-hooks pending`).
    pub escalate: bool,
}

/// The user's rules, parsed once per hook call.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    allow: Vec<PermissionRule>,
    ask: Vec<PermissionRule>,
    deny: Vec<PermissionRule>,
}

impl RuleSet {
    /// Parses the configured lists; one malformed rule fails the whole set, since ignoring a
    /// `deny` the user wrote would be worse than asking.
    pub fn parse(
        lists: &PermissionLists,
        project_root: &Path,
        home: &Path,
    ) -> Result<RuleSet, RuleError> {
        let parse_all = |texts: &[String]| {
            texts
                .iter()
                .map(|text| PermissionRule::parse(text, project_root, home))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(RuleSet {
            allow: parse_all(&lists.allow)?,
            ask: parse_all(&lists.ask)?,
            deny: parse_all(&lists.deny)?,
        })
    }

    /// The `allow` rule that covers the whole call: for a shell command, every simple command
    /// must be covered by some allow rule (or be LOW on its own), so `Bash(npm test:*)` never
    /// allows `npm test && rm -rf ~`.
    fn allowing_rule(&self, call: &CallFacts, verdict: &Verdict) -> Option<&PermissionRule> {
        if call.tool_name != "Bash" {
            return self.allow.iter().find(|rule| rule.matches_call(call));
        }
        let mut first = None;
        for part in &verdict.commands {
            let covering = self
                .allow
                .iter()
                .find(|rule| rule.matches_command(&part.command));
            match covering {
                Some(rule) => first = first.or(Some(rule)),
                None if part.level == RiskLevel::Low => {}
                None => return None,
            }
        }
        first
    }
}

/// A human's earlier approval that covers this exact call in this project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriorApproval {
    /// Nothing covers it.
    #[default]
    None,
    /// Learned from repeated human approvals of the same MEDIUM call: allows MEDIUM only.
    Learned,
    /// A human approved exactly this call when answering an escalation (`pcc-hooks respond …
    /// approve`, once or with `--remember`): the human saw it, so it allows MEDIUM and HIGH —
    /// never CRITICAL, and a user `deny` rule still wins.
    Human,
}

/// The rule of a decision allowed by a human's approval of that exact call: the caller spends a
/// one-time approval only when this rule fired.
pub const HUMAN_APPROVED_RULE: &str = "human.approved";

/// Everything besides the verdict that a decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInputs<'a> {
    /// The call, for the user's rules.
    pub call: &'a CallFacts,
    /// The user's rules.
    pub rules: &'a RuleSet,
    /// A human's earlier approval of this exact call, if any.
    pub approval: PriorApproval,
    /// Interactive or unattended.
    pub mode: Mode,
    /// Containment works here and is wanted in this mode: a containable MEDIUM call runs
    /// contained instead of waiting for a human.
    pub contain: bool,
}

/// Decides the permission answer for one tool call.
pub fn decide(verdict: &Verdict, inputs: DecisionInputs<'_>) -> Decision {
    let DecisionInputs {
        call,
        rules,
        approval,
        mode,
        contain,
    } = inputs;
    let level = verdict.level;
    let what = format!("{level}: {} ({})", verdict.reason, verdict.rule);
    let decision = |answer, rule: String, reason: String, escalate| Decision {
        answer,
        level,
        rule,
        reason,
        escalate,
    };
    if level == RiskLevel::Critical {
        return decision(
            Answer::Deny,
            verdict.rule.to_owned(),
            format!(
                "Blocked by pcc-hooks — {what}. This is never run automatically; do not work around it. \
                 If it is truly needed, stop and ask the user to run it themselves."
            ),
            false,
        );
    }
    if let Some(rule) = rules.deny.iter().find(|rule| rule.matches_call(call)) {
        return decision(
            Answer::Deny,
            "config.deny".into(),
            format!(
                "Denied by the user's pcc-hooks rule `{}`. Do not retry it; find another way or ask the user.",
                rule.text
            ),
            false,
        );
    }
    if approval == PriorApproval::Human && level <= RiskLevel::High {
        return decision(
            Answer::Allow,
            HUMAN_APPROVED_RULE.into(),
            format!("Allowed: a human approved this exact call (pcc-hooks respond) — {what}"),
            false,
        );
    }
    if let Some(rule) = rules.ask.iter().find(|rule| rule.matches_call(call)) {
        let reason = format!(
            "The user's pcc-hooks rule `{}` leaves this to a human.",
            rule.text
        );
        return needs_human(mode, level, "config.ask".into(), reason);
    }
    if let Some(rule) = rules.allowing_rule(call, verdict) {
        return decision(
            Answer::Allow,
            "config.allow".into(),
            format!("Allowed by the user's rule `{}` ({what})", rule.text),
            false,
        );
    }
    match level {
        RiskLevel::Low if contain && verdict.containment != Containment::Never => decision(
            Answer::Contained,
            CONTAINED_RULE.into(),
            format!(
                "pcc-hooks: allowed, contained (no network, secrets hidden): {what}. It runs \
                 project code, so it runs in a sandbox: it may write the project (not .git/config, \
                 .git/hooks, .claude, .mcp.json), its own /tmp and the package caches, and cannot \
                 signal other processes."
            ),
            false,
        ),
        RiskLevel::Low => decision(Answer::Allow, verdict.rule.to_owned(), what, false),
        RiskLevel::Medium if approval == PriorApproval::Learned => decision(
            Answer::Allow,
            "learned".into(),
            format!("Allowed: a human approved this same call in this project before ({what})"),
            false,
        ),
        RiskLevel::Medium if contain && verdict.containment != Containment::Never => decision(
            Answer::Contained,
            CONTAINED_RULE.into(),
            format!(
                "pcc-hooks: allowed, contained ({}): {what}. It runs in a sandbox: it may write \
                 the project (not .git/config, .git/hooks, .claude, .mcp.json), its own /tmp and the \
                 package caches, cannot read secrets (the home's or the project's){}, and cannot signal other processes.",
                match verdict.containment {
                    Containment::Online => "network on",
                    _ => "no network",
                },
                match verdict.containment {
                    Containment::Online => "",
                    _ => " or reach the network",
                },
            ),
            false,
        ),
        RiskLevel::Medium => match mode {
            Mode::Interactive => decision(Answer::NoDecision, verdict.rule.to_owned(), what, false),
            Mode::Unattended => decision(
                Answer::Deny,
                verdict.rule.to_owned(),
                format!(
                    "Not allowed while unattended — {what}. Prefer a read-only or in-project alternative; \
                     if this step is essential, continue with other work and say what you need: \
                     a human will review it (pcc-hooks pending)."
                ),
                true,
            ),
        },
        RiskLevel::High | RiskLevel::Critical => {
            needs_human(mode, level, verdict.rule.to_owned(), what)
        }
    }
}

/// The rule a contained allow is recorded under.
pub const CONTAINED_RULE: &str = "sandbox.contained";

/// Lets a brain's opinion settle a MEDIUM call that neither the user's rules nor a learned
/// approval settled. Anything else is returned unchanged: the brain never moves LOW, HIGH or
/// CRITICAL, whatever it says (ARCHITECTURE.md invariant 2 — the opinion has also been through
/// `brain::guard_permission`).
pub fn apply_brain_opinion(
    decision: Decision,
    verdict: &Verdict,
    opinion: &PermissionOpinion,
) -> Decision {
    let settled_by_level = decision.rule == verdict.rule;
    if decision.level != RiskLevel::Medium || !settled_by_level {
        return decision;
    }
    let rule = format!("brain.{}", opinion.answered_by);
    match opinion.stance {
        Stance::Approve => Decision {
            answer: Answer::Allow,
            rule,
            reason: format!(
                "Allowed by the {} brain (confidence {:.2}): {} — {}",
                opinion.answered_by, opinion.confidence, opinion.reasoning, decision.reason
            ),
            escalate: false,
            ..decision
        },
        Stance::Deny => Decision {
            answer: Answer::Deny,
            rule,
            reason: format!(
                "Denied by the {} brain: {}. Find another way that does not need this, or say what you need.",
                opinion.answered_by, opinion.reasoning
            ),
            escalate: false,
            ..decision
        },
        Stance::Escalate => decision,
    }
}

/// Interactive: Claude Code's dialog asks the human. Unattended: deny with a reason that lets
/// the model carry on, and escalate.
fn needs_human(mode: Mode, level: RiskLevel, rule: String, what: String) -> Decision {
    match mode {
        Mode::Interactive => Decision {
            answer: Answer::Ask,
            level,
            rule,
            reason: format!("pcc-hooks: a human must approve this — {what}"),
            escalate: false,
        },
        Mode::Unattended => Decision {
            answer: Answer::Deny,
            level,
            rule,
            reason: format!(
                "Not allowed while unattended — {what}. Do not try to work around it: use a safer \
                 alternative inside the project if there is one, otherwise continue with the rest of \
                 the task and say what needs a human. A human has been asked (pcc-hooks pending)."
            ),
            escalate: true,
        },
    }
}

/// The rule a call a human denied after it was deferred is answered under.
pub const HUMAN_DENIED_RULE: &str = "human.denied";

/// What is already known about an earlier deferral of this same call (same session, same
/// `tool_use_id`): `claude -p --resume` asks about a deferred call again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EarlierDeferral {
    /// The call was never deferred.
    #[default]
    None,
    /// It was deferred and the human has not answered yet.
    Pending,
    /// The human approved it: the one-time approval of its digest decides.
    Approved,
    /// The human denied it, or answered with this text instead.
    Refused(Option<String>),
}

/// Turns the decision for a call that needs a human while unattended (a deny with an
/// escalation) into a deferral when `deferrable` (a headless session that can hold exactly this
/// call: [`super::HeadlessSignals`]); and answers a call deferred earlier: deferred again (without a
/// second escalation) while the human has not answered, denied with the human's words when they
/// said no. Anything else — LOW, allowed, contained, CRITICAL, a user's deny rule — is returned
/// as it was: only what would have waited on a human is ever deferred.
pub fn settle_deferral(
    decision: Decision,
    earlier: &EarlierDeferral,
    deferrable: bool,
) -> Decision {
    match earlier {
        EarlierDeferral::Refused(text) => Decision {
            answer: Answer::Deny,
            rule: HUMAN_DENIED_RULE.into(),
            reason: match text {
                Some(text) => format!("A human reviewed this call and did not allow it: {text}"),
                None => "A human denied this call. Do not retry it; carry on without it, or say \
                         what you need."
                    .into(),
            },
            escalate: false,
            ..decision
        },
        _ if !(decision.answer == Answer::Deny && decision.escalate) => decision,
        EarlierDeferral::Pending => Decision {
            answer: if deferrable {
                Answer::Defer
            } else {
                Answer::Deny
            },
            // The human was asked when the call was first deferred.
            escalate: false,
            ..decision
        },
        EarlierDeferral::None | EarlierDeferral::Approved if deferrable => Decision {
            answer: Answer::Defer,
            reason: format!(
                "Deferred until a human answers (pcc-hooks pending): {}",
                decision.reason
            ),
            ..decision
        },
        EarlierDeferral::None | EarlierDeferral::Approved => decision,
    }
}
