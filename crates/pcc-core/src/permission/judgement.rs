//! One tool call judged: the policy's verdict and the user's rules, gathered once, so that the
//! hook and `pcc-hooks explain` reach their answers by the same path.

use super::call::CallFacts;
use super::decide::{Answer, Decision, DecisionInputs, PriorApproval, RuleSet, decide};
use super::rules::{PermissionLists, RuleError};
use crate::mode::Mode;
use pcc_policy::{Containment, PolicyContext, RiskLevel, Verdict, classify};
use serde_json::Value;

/// Everything known about a tool call before the mode and learned approvals pick the answer.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The policy's verdict.
    pub verdict: Verdict,
    /// The facts rules are matched against.
    pub facts: CallFacts,
    /// The call reduced to what learning compares (redacted).
    pub normalized_input: String,
    rules: RuleSet,
}

impl Judgement {
    /// Classifies `tool_name(tool_input)` and parses the user's rules for its project.
    pub fn of(
        tool_name: &str,
        tool_input: &Value,
        context: &PolicyContext,
        permissions: &PermissionLists,
    ) -> Result<Judgement, RuleError> {
        let rules = RuleSet::parse(permissions, &context.project_root, &context.home)?;
        let verdict = classify(tool_name, tool_input, context);
        let facts = CallFacts::from_tool_call(tool_name, tool_input, &verdict, context);
        let normalized_input = facts.normalized_input();
        Ok(Judgement {
            verdict,
            facts,
            normalized_input,
            rules,
        })
    }

    /// Prior approvals only ever apply to MEDIUM (learned or human) and HIGH (human) calls, so
    /// only those need the lookup.
    pub fn may_use_prior_approval(&self) -> bool {
        matches!(self.verdict.level, RiskLevel::Medium | RiskLevel::High)
    }

    /// The decision when nothing the database holds can change it, so the hook can answer
    /// without opening it: no prior approval can apply (LOW, CRITICAL), the sandbox need not be
    /// looked for (`containable`: the call could be rewritten to run contained, which a LOW
    /// call that runs project code then is), and the answer is a plain allow or deny that
    /// raises no escalation (no brain is asked at these levels). What this leaves out — an
    /// earlier deferral of the same call, which a human may have refused — is the caller's to
    /// rule out. `None`: decide with the database.
    pub fn decided_without_history(&self, mode: Mode, containable: bool) -> Option<Decision> {
        if self.may_use_prior_approval()
            || (containable && self.verdict.containment != Containment::Never)
        {
            return None;
        }
        let decision = self.decide_with(PriorApproval::None, mode, false);
        (matches!(decision.answer, Answer::Allow | Answer::Deny) && !decision.escalate)
            .then_some(decision)
    }

    /// The answer in `mode`, given the prior approval that covers the call.
    pub fn decide(&self, approval: PriorApproval, mode: Mode) -> Decision {
        self.decide_with(approval, mode, false)
    }

    /// As [`Judgement::decide`], where a containable MEDIUM call may run contained
    /// (`contain`: the sandbox works here and is wanted in this mode).
    ///
    /// A learned approval is matched on the normalized input, so it covers the call only when
    /// that input is exact ([`CallFacts::normalized_input_is_exact`]); otherwise it counts as
    /// none. A human's one-time or remembered approval is matched on the call's digest and
    /// always counts.
    pub fn decide_with(&self, approval: PriorApproval, mode: Mode, contain: bool) -> Decision {
        let approval = match approval {
            PriorApproval::Learned if !self.facts.normalized_input_is_exact() => {
                PriorApproval::None
            }
            approval => approval,
        };
        decide(
            &self.verdict,
            DecisionInputs {
                call: &self.facts,
                rules: &self.rules,
                approval,
                mode,
                contain,
            },
        )
    }
}
