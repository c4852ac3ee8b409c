//! What a hook prints on stdout, in the shapes of the contract (§2): the only bytes the hook
//! entry point ever writes there.

use crate::permission::Answer;
use serde_json::{Value, json};

/// A permission answer for the event that asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionReply<'a> {
    /// `PreToolUse`: `permissionDecision` allow / deny / ask, with the reason.
    PreToolUse {
        /// The decision.
        answer: Answer,
        /// Shown to the user (allow, ask) or the model (deny).
        reason: &'a str,
        /// Replaces the tool's whole input (AskUserQuestion: the questions plus the answers).
        updated_input: Option<&'a Value>,
    },
    /// `PermissionRequest`: settles the dialog Claude Code is about to show.
    PermissionRequest {
        /// The decision; `Ask` and `NoDecision` leave the dialog to the human.
        answer: Answer,
        /// The message the model receives on deny.
        reason: &'a str,
    },
}

impl PermissionReply<'_> {
    /// The JSON object to print, or `None` when the right answer is to print nothing.
    pub fn to_json(&self) -> Option<Value> {
        match *self {
            PermissionReply::PreToolUse {
                answer,
                reason,
                updated_input,
            } => {
                let decision = match (answer, updated_input) {
                    (Answer::Allow, _) | (Answer::Contained, Some(_)) => "allow",
                    // Contained without the rewritten command would run it uncontained.
                    (Answer::Deny, _) | (Answer::Contained, None) => "deny",
                    (Answer::Ask, _) => "ask",
                    (Answer::Defer, _) => "defer",
                    (Answer::NoDecision, _) => return None,
                };
                let mut output = json!({
                    "hookEventName": "PreToolUse",
                    "permissionDecision": decision,
                    "permissionDecisionReason": reason,
                });
                if let (Some(input), Answer::Allow | Answer::Contained) = (updated_input, answer) {
                    output["updatedInput"] = input.clone();
                }
                Some(json!({ "hookSpecificOutput": output }))
            }
            PermissionReply::PermissionRequest { answer, reason } => {
                let decision = match answer {
                    Answer::Allow => json!({"behavior": "allow"}),
                    // PermissionRequest cannot be rewritten here: a contained call is denied.
                    // Nor deferred: only PreToolUse can hold a call.
                    Answer::Deny | Answer::Contained | Answer::Defer => {
                        json!({"behavior": "deny", "message": reason})
                    }
                    Answer::Ask | Answer::NoDecision => return None,
                };
                Some(json!({"hookSpecificOutput": {
                    "hookEventName": "PermissionRequest",
                    "decision": decision,
                }}))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_tool_use_shapes() {
        let allow = PermissionReply::PreToolUse {
            answer: Answer::Allow,
            reason: "LOW",
            updated_input: None,
        }
        .to_json();
        assert_eq!(
            allow,
            Some(json!({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                "permissionDecision": "allow", "permissionDecisionReason": "LOW"}}))
        );
        let none = PermissionReply::PreToolUse {
            answer: Answer::NoDecision,
            reason: "",
            updated_input: None,
        };
        assert_eq!(none.to_json(), None);
        let answers = json!({"questions": [], "answers": {"Which?": "Vue"}});
        let answered = PermissionReply::PreToolUse {
            answer: Answer::Allow,
            reason: "r",
            updated_input: Some(&answers),
        };
        assert_eq!(
            answered.to_json().expect("reply")["hookSpecificOutput"]["updatedInput"],
            answers
        );
    }

    #[test]
    fn a_deferred_call_is_held_by_pre_tool_use_and_denied_by_permission_request() {
        let deferred = PermissionReply::PreToolUse {
            answer: Answer::Defer,
            reason: "needs a human",
            updated_input: None,
        }
        .to_json()
        .expect("reply");
        assert_eq!(
            deferred["hookSpecificOutput"]["permissionDecision"],
            "defer"
        );
        let request = PermissionReply::PermissionRequest {
            answer: Answer::Defer,
            reason: "needs a human",
        }
        .to_json()
        .expect("reply");
        assert_eq!(
            request["hookSpecificOutput"]["decision"]["behavior"],
            "deny"
        );
    }

    #[test]
    fn permission_request_shapes() {
        let deny = PermissionReply::PermissionRequest {
            answer: Answer::Deny,
            reason: "no",
        }
        .to_json();
        assert_eq!(
            deny,
            Some(
                json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest",
                "decision": {"behavior": "deny", "message": "no"}}})
            )
        );
        assert_eq!(
            PermissionReply::PermissionRequest {
                answer: Answer::Ask,
                reason: ""
            }
            .to_json(),
            None
        );
    }
}
