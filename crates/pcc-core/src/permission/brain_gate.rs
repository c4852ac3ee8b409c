//! The brain's part in a permission call: only a MEDIUM call that the user's rules and the
//! approvals left undecided is put to it, and only when an LLM brain is configured (the rule
//! brain never approves MEDIUM, so asking it would change nothing).

use super::decide::{Decision, apply_brain_opinion};
use super::judgement::Judgement;
use crate::brain::{BrainKind, PermissionOpinion, PermissionQuery};
use pcc_policy::RiskLevel;

/// The question for the brain about `decision`, when the gate lets the call through to it.
pub fn brain_query(
    tool_name: &str,
    judgement: &Judgement,
    decision: &Decision,
    brain: BrainKind,
) -> Option<PermissionQuery> {
    let undecided_medium =
        decision.level == RiskLevel::Medium && decision.rule == judgement.verdict.rule;
    (undecided_medium && brain != BrainKind::Rules).then(|| PermissionQuery {
        tool_name: tool_name.to_owned(),
        input_summary: judgement.normalized_input.clone(),
        level: decision.level,
        rule: judgement.verdict.rule.to_owned(),
        reason: judgement.verdict.reason.clone(),
    })
}

/// The decision once the brain has given its `opinion`, with the suggestion a human sees on the
/// escalation (`stance (confidence): reasoning`).
pub fn with_brain_opinion(
    decision: Decision,
    judgement: &Judgement,
    opinion: &PermissionOpinion,
) -> (Decision, String) {
    let suggestion = format!(
        "{} ({:.2}): {}",
        opinion.stance.as_str(),
        opinion.confidence,
        opinion.reasoning
    );
    (
        apply_brain_opinion(decision, &judgement.verdict, opinion),
        suggestion,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brain::Stance;
    use crate::mode::Mode;
    use crate::permission::{PermissionLists, PriorApproval};
    use pcc_policy::PolicyContext;
    use serde_json::json;

    fn judged(command: &str) -> Judgement {
        let context = PolicyContext {
            cwd: "/home/u/proj".into(),
            project_root: "/home/u/proj".into(),
            home: "/home/u".into(),
            data_dirs: vec!["/home/u/.local/share/pcc-hooks".into()],
        };
        Judgement::of(
            "Bash",
            &json!({ "command": command }),
            &context,
            &PermissionLists::default(),
        )
        .expect("no rules to break")
    }

    #[test]
    fn only_an_undecided_medium_call_reaches_an_llm_brain() {
        let medium = judged("npm install left-pad");
        let decision = medium.decide(PriorApproval::None, Mode::Unattended);
        assert_eq!(decision.level, RiskLevel::Medium);
        let query = brain_query("Bash", &medium, &decision, BrainKind::Ollama).expect("asked");
        assert_eq!(query.rule, medium.verdict.rule);
        assert_eq!(
            brain_query("Bash", &medium, &decision, BrainKind::Rules),
            None
        );
        let learned = medium.decide(PriorApproval::Learned, Mode::Unattended);
        assert_eq!(
            brain_query("Bash", &medium, &learned, BrainKind::Ollama),
            None
        );
        let low = judged("git status");
        let allowed = low.decide(PriorApproval::None, Mode::Unattended);
        assert_eq!(brain_query("Bash", &low, &allowed, BrainKind::Ollama), None);
    }

    #[test]
    fn the_opinion_comes_back_with_its_suggestion() {
        let medium = judged("npm install left-pad");
        let decision = medium.decide(PriorApproval::None, Mode::Unattended);
        let opinion = PermissionOpinion::new(Stance::Deny, 0.9, "unknown package");
        let (decided, suggestion) = with_brain_opinion(decision.clone(), &medium, &opinion);
        assert_eq!(suggestion, "deny (0.90): unknown package");
        assert_eq!(
            decided,
            apply_brain_opinion(decision, &medium.verdict, &opinion)
        );
    }
}
