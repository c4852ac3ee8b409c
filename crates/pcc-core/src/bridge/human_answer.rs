//! What a human's answer to an escalation does — the pure part of `pcc-hooks respond`.
//!
//! An escalation is anything that waits on a human: a call denied because nobody was there, a
//! question the brain would not answer, a resume that kept failing, a queued task that ran out of
//! attempts, a task-list task whose result could not be verified. The human answers `approve`,
//! `deny` or free text; this module turns (kind, answer) into effects the store applies in one
//! transaction, and into the message the session is told when it goes on.

use std::fmt;

/// What waits on a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationKind {
    /// A tool call denied (or left undecided) because it needs a human.
    Permission,
    /// A question (AskUserQuestion, or a turn ending in one) the brain would not answer.
    Question,
    /// A scheduled resume that failed for good.
    ResumeFailed,
    /// A queued task handed to a session too many times without finishing.
    Task,
    /// A task-list task whose final message lacked its nonce.
    TaskUnverified,
}

impl EscalationKind {
    /// Every kind, for listings and tests.
    pub const ALL: [EscalationKind; 5] = [
        EscalationKind::Permission,
        EscalationKind::Question,
        EscalationKind::ResumeFailed,
        EscalationKind::Task,
        EscalationKind::TaskUnverified,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationKind::Permission => "permission",
            EscalationKind::Question => "question",
            EscalationKind::ResumeFailed => "resume_failed",
            EscalationKind::Task => "task",
            EscalationKind::TaskUnverified => "task_unverified",
        }
    }

    /// The kind named `name`, if it is one.
    pub fn parse(name: &str) -> Option<EscalationKind> {
        EscalationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for EscalationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A human's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Yes: run it, retry it, accept it.
    Approve,
    /// No.
    Deny,
    /// Free text: an answer to a question, or a note for the session.
    Text(String),
}

/// Why an answer cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// The answer was empty.
    Empty,
    /// `--remember` makes sense only when approving a permission.
    RememberNeedsApprovedPermission(EscalationKind),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Empty => {
                f.write_str("the answer is empty: give approve, deny, or the text of an answer")
            }
            ResponseError::RememberNeedsApprovedPermission(kind) => write!(
                f,
                "--remember learns an approval, so it goes only with `approve` of a permission \
                 escalation (this one is a {kind})"
            ),
        }
    }
}

impl std::error::Error for ResponseError {}

impl Response {
    /// `approve`/`deny` (and their usual synonyms, any case) are verdicts; anything else is the
    /// text of an answer.
    pub fn parse(text: &str) -> Result<Response, ResponseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ResponseError::Empty);
        }
        Ok(match trimmed.to_ascii_lowercase().as_str() {
            "approve" | "approved" | "allow" => Response::Approve,
            "deny" | "denied" | "reject" => Response::Deny,
            _ => Response::Text(trimmed.to_owned()),
        })
    }

    /// The verdict stored with the escalation: `approve`, `deny` or `answer`.
    pub fn verdict(&self) -> &'static str {
        match self {
            Response::Approve => "approve",
            Response::Deny => "deny",
            Response::Text(_) => "answer",
        }
    }

    /// The answer as stored and shown.
    pub fn text(&self) -> &str {
        match self {
            Response::Approve => "approve",
            Response::Deny => "deny",
            Response::Text(text) => text,
        }
    }
}

/// What happens to a queued task that ran out of attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskEffect {
    /// Queue it again with fresh attempts.
    Retry,
    /// Take it off the queue.
    Drop,
    /// Queue it again with the human's note added.
    Revise(String),
}

/// Everything an answer does, applied by the store in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Effects {
    /// Let the escalated call through once, when the session retries it.
    pub approve_call_once: bool,
    /// Also allow that exact call in this project from now on (a learned rule from a human).
    pub remember: bool,
    /// What the session is told when it goes on: at its next Stop while it runs, by
    /// `claude --resume` once it has ended. `None`: nothing to tell it.
    pub message: Option<String>,
    /// Run the failed resume again, with its own prompt.
    pub retry_resume: bool,
    /// For a task that ran out of attempts.
    pub task: Option<TaskEffect>,
    /// The session stopped on a deferred call: resume it with no prompt, so `claude -p
    /// --resume` asks about that call again (and the hook answers it with this answer).
    pub resume_deferred: bool,
}

/// The effects of answering an escalation of `kind` about `summary` with `response`.
pub fn effects(
    kind: EscalationKind,
    summary: &str,
    response: &Response,
    remember: bool,
) -> Result<Effects, ResponseError> {
    if remember && !(kind == EscalationKind::Permission && *response == Response::Approve) {
        return Err(ResponseError::RememberNeedsApprovedPermission(kind));
    }
    let none = Effects::default();
    Ok(match (kind, response) {
        (EscalationKind::Permission, Response::Approve) => Effects {
            approve_call_once: true,
            remember,
            message: Some(format!(
                "A human reviewed the call pcc-hooks stopped earlier — {summary} — and approved it. \
                 Run it again now, exactly as before, then carry on with your task."
            )),
            ..none
        },
        // The call was already refused: there is nothing new to tell the session.
        (EscalationKind::Permission, Response::Deny) => none,
        (EscalationKind::Permission, Response::Text(text)) => Effects {
            message: Some(format!(
                "A human reviewed the call pcc-hooks stopped earlier — {summary} — and says: {text}"
            )),
            ..none
        },
        (EscalationKind::Question, answer) => {
            let said = match answer {
                Response::Approve => "yes",
                Response::Deny => "no",
                Response::Text(text) => text,
            };
            Effects {
                message: Some(format!(
                    "The human answered the question you were left with ({summary}): {said}. \
                     Go on accordingly."
                )),
                ..none
            }
        }
        (EscalationKind::ResumeFailed, Response::Approve) => Effects {
            retry_resume: true,
            ..none
        },
        (EscalationKind::ResumeFailed, Response::Deny) => none,
        (EscalationKind::ResumeFailed, Response::Text(text)) => Effects {
            message: Some(text.clone()),
            ..none
        },
        (EscalationKind::Task, Response::Approve) => Effects {
            task: Some(TaskEffect::Retry),
            ..none
        },
        (EscalationKind::Task, Response::Deny) => Effects {
            task: Some(TaskEffect::Drop),
            ..none
        },
        (EscalationKind::Task, Response::Text(text)) => Effects {
            task: Some(TaskEffect::Revise(text.clone())),
            ..none
        },
        // The task list has moved on; the answer is the human's review of the result.
        (EscalationKind::TaskUnverified, _) => none,
    })
}

/// The effects of answering a permission escalation whose call was deferred (the session
/// stopped with it pending): every answer resumes the session without a prompt, since the
/// resume itself asks about the call again. `approve` lets it run once (and `--remember` for
/// good); `deny` and a text answer are the deny reason the hook gives the re-asked call.
pub fn deferred_call_effects(
    response: &Response,
    remember: bool,
) -> Result<Effects, ResponseError> {
    if remember && *response != Response::Approve {
        return Err(ResponseError::RememberNeedsApprovedPermission(
            EscalationKind::Permission,
        ));
    }
    Ok(Effects {
        approve_call_once: *response == Response::Approve,
        remember,
        resume_deferred: true,
        ..Effects::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_and_text_are_told_apart() {
        assert_eq!(Response::parse(" Approve "), Ok(Response::Approve));
        assert_eq!(Response::parse("DENY"), Ok(Response::Deny));
        assert_eq!(
            Response::parse("use the staging database"),
            Ok(Response::Text("use the staging database".into()))
        );
        assert_eq!(Response::parse("  "), Err(ResponseError::Empty));
    }

    #[test]
    fn approving_a_permission_lets_the_call_through_once_and_tells_the_session() {
        let approved = effects(
            EscalationKind::Permission,
            "Bash: git push --force",
            &Response::Approve,
            false,
        )
        .expect("valid");
        assert!(approved.approve_call_once && !approved.remember);
        let message = approved.message.expect("the session is told");
        assert!(
            message.contains("git push --force") && message.contains("approved"),
            "{message}"
        );
        let remembered =
            effects(EscalationKind::Permission, "x", &Response::Approve, true).expect("valid");
        assert!(remembered.remember);
    }

    #[test]
    fn denying_a_permission_changes_nothing_more() {
        let denied =
            effects(EscalationKind::Permission, "x", &Response::Deny, false).expect("valid");
        assert_eq!(denied, Effects::default());
    }

    #[test]
    fn remember_goes_only_with_an_approved_permission() {
        for kind in EscalationKind::ALL {
            for response in [
                Response::Approve,
                Response::Deny,
                Response::Text("t".into()),
            ] {
                let allowed = kind == EscalationKind::Permission && response == Response::Approve;
                assert_eq!(
                    effects(kind, "x", &response, true).is_ok(),
                    allowed,
                    "{kind} {response:?}"
                );
            }
        }
    }

    #[test]
    fn a_question_is_answered_with_the_text_or_yes_and_no() {
        let said = |response| {
            effects(
                EscalationKind::Question,
                "Which database?",
                &response,
                false,
            )
            .expect("valid")
            .message
            .expect("told")
        };
        assert!(said(Response::Text("staging".into())).contains(": staging."));
        assert!(said(Response::Approve).contains(": yes."));
        assert!(said(Response::Deny).contains(": no."));
    }

    #[test]
    fn tasks_and_resumes_are_retried_dropped_or_revised() {
        let task = |response| {
            effects(EscalationKind::Task, "t", &response, false)
                .expect("valid")
                .task
        };
        assert_eq!(task(Response::Approve), Some(TaskEffect::Retry));
        assert_eq!(task(Response::Deny), Some(TaskEffect::Drop));
        assert_eq!(
            task(Response::Text("smaller steps".into())),
            Some(TaskEffect::Revise("smaller steps".into()))
        );
        let retry =
            effects(EscalationKind::ResumeFailed, "r", &Response::Approve, false).expect("valid");
        assert!(retry.retry_resume && retry.message.is_none());
    }

    #[test]
    fn every_answer_to_a_deferred_call_resumes_it_without_a_prompt() {
        let approved = deferred_call_effects(&Response::Approve, false).expect("valid");
        assert!(approved.approve_call_once && approved.resume_deferred);
        assert_eq!(approved.message, None, "the resume re-asks the call itself");
        for response in [
            Response::Deny,
            Response::Text("use the staging remote".into()),
        ] {
            let refused = deferred_call_effects(&response, false).expect("valid");
            assert!(!refused.approve_call_once && refused.resume_deferred && !refused.remember);
            assert!(deferred_call_effects(&response, true).is_err());
        }
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in EscalationKind::ALL {
            assert_eq!(EscalationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EscalationKind::parse("nonsense"), None);
    }
}
