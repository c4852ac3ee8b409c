//! A permission call from its facts to its answer: what the call is ([`CallFacts`], its exact
//! identity [`call_digest`]), the user's rules in Claude's syntax ([`PermissionRule`]), the
//! judgement that gathers the policy's verdict and the rules once ([`Judgement`]), the decision
//! by level, rules, approvals and mode ([`decide`]), holding a headless call for a human
//! ([`HeadlessSignals`], [`settle_deferral`]), the brain's part: a MEDIUM call left undecided
//! ([`brain_query`], [`with_brain_opinion`]) and `AskUserQuestion` ([`decide_questions`]), and
//! the answer when none of that can be made ([`fail_closed`]).

mod brain_gate;
mod call;
mod decide;
mod deferral;
mod digest;
pub mod fail_closed;
mod judgement;
mod questions;
mod rules;
mod wildcard;

pub use brain_gate::{brain_query, with_brain_opinion};
pub use call::{CallFacts, NORMALIZED_INPUT_MAX_CHARS};
pub use decide::{
    Answer, CONTAINED_RULE, Decision, DecisionInputs, EarlierDeferral, HUMAN_APPROVED_RULE,
    HUMAN_DENIED_RULE, PriorApproval, RuleSet, apply_brain_opinion, decide, settle_deferral,
};
pub use deferral::{
    FIRST_VERSION_WITH_DEFER, HeadlessSignals, claude_code_version, tool_calls_in_turn,
};
pub use digest::call_digest;
pub use judgement::Judgement;
pub use questions::{QUESTION_RULE, QuestionsDecided, decide_questions};
pub use rules::{PermissionLists, PermissionRule, RuleError};
pub use wildcard::wildcard_match;
