//! `/inbox`: every escalation that waits on a human, oldest first, each with its answer form;
//! `/escalations/{id}`: one escalation, pending or answered (the page notifications link to);
//! `POST /escalations/{id}/answer`: the answer, through `pcc_control::answer::answer`, the
//! function `pcc-hooks respond` calls, so the outcome (a one-time approval, a remembered rule,
//! the resume that tells the session) is the same, recorded as given by this web session.
//!
//! A new escalation appears without a reload: the script hears `escalation_raised` on
//! `/api/events`, reads `/api/pending`, and fills the `<template>` of the escalation's kind that
//! this page rendered (one per kind, made by the same `card` function as the cards themselves).

use super::forms::{Failure, Shown, blocking, done};
use super::layout::{self, Section, badge, csrf_field, segment, session_link, time};
use crate::api::escalations::provenance;
use crate::api::now_ms;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::{Markup, html};
use pcc_control::answer::{AnswerRequest, answer as give_answer};
use pcc_control::time::ago;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_store::{Escalation, EscalationState};
use serde::Deserialize;

/// What an escalation's answer form offers, by kind (as `respond` takes them).
struct Offers {
    /// Approve and Deny buttons, with what they mean here.
    verdicts: Option<(&'static str, &'static str)>,
    /// A text answer.
    text: Option<&'static str>,
    /// "Remember" (an approved permission only).
    remember: bool,
}

fn offers(kind: EscalationKind) -> Offers {
    match kind {
        EscalationKind::Permission => Offers {
            verdicts: Some(("Approve", "Deny")),
            text: Some("Or deny with a note for the session"),
            remember: true,
        },
        EscalationKind::Question => Offers {
            verdicts: None,
            text: Some("Your answer"),
            remember: false,
        },
        EscalationKind::ResumeFailed => Offers {
            verdicts: Some(("Retry", "Give up")),
            text: Some("Or resume with this prompt"),
            remember: false,
        },
        EscalationKind::Task => Offers {
            verdicts: Some(("Retry", "Drop")),
            text: Some("Or send a note with it"),
            remember: false,
        },
        EscalationKind::TaskUnverified => Offers {
            verdicts: Some(("Accept", "Reject")),
            text: None,
            remember: false,
        },
    }
}

/// The text of one card: from a stored escalation, or placeholders for the script's template.
struct CardView {
    id: String,
    kind: EscalationKind,
    summary: String,
    reason: String,
    level: Option<String>,
    suggestion: Option<String>,
    session_id: String,
    project: Option<String>,
    waiting: Markup,
    deferred: bool,
}

impl CardView {
    fn of(escalation: &Escalation, now_ms: i64) -> CardView {
        let raised = &escalation.raised;
        CardView {
            id: escalation.id.to_string(),
            kind: raised.kind,
            summary: raised.summary.clone(),
            reason: raised.reason.clone(),
            level: escalation
                .call
                .as_ref()
                .map(|call| call.level.as_str().to_owned()),
            suggestion: raised.suggestion.clone(),
            session_id: raised.session_id.clone(),
            project: raised.project_root.clone(),
            waiting: time(raised.created_ms, now_ms),
            deferred: escalation.deferred_tool_use_id.is_some(),
        }
    }

    /// The template's: every text empty, every optional part present (the script removes what
    /// an escalation lacks), the id `__ID__` in every attribute that names it.
    fn placeholder(kind: EscalationKind) -> CardView {
        CardView {
            id: "__ID__".to_owned(),
            kind,
            summary: String::new(),
            reason: String::new(),
            level: Some(String::new()),
            suggestion: Some(String::new()),
            session_id: String::new(),
            project: Some(String::new()),
            waiting: html! { "just now" },
            deferred: false,
        }
    }
}

/// One escalation with its answer form. The same markup serves the page and, as a template,
/// the script; `data-field` and `data-fact` name what the script fills or removes.
fn card(caller: &Caller, view: &CardView, next: &str) -> Markup {
    let offers = offers(view.kind);
    let id = &view.id;
    html! {
        article.card.escalation data-escalation=(id) aria-labelledby={ "esc-" (id) "-title" } {
            h2 #{ "esc-" (id) "-title" } {
                a href={ "/escalations/" (id) } { "#" span data-field="id" { (id) } }
                " · " (view.kind.as_str())
                @if view.deferred { " " span.tag { "session stopped on it" } }
            }
            p.summary.mono data-field="summary" { (view.summary) }
            dl.facts {
                @if let Some(level) = &view.level {
                    div data-fact="level" { dt { "Risk" } dd { span.level data-field="level" { (level) } } }
                }
                div data-fact="reason" { dt { "Why" } dd data-field="reason" { (view.reason) } }
                @if let Some(suggestion) = &view.suggestion {
                    div data-fact="suggestion" { dt { "The brain suggests" } dd data-field="suggestion" { (suggestion) } }
                }
                div { dt { "Session" } dd {
                    a.mono data-field="session" href={ "/sessions/" (segment(&view.session_id)) } {
                        (pcc_control::sessions::short_id(&view.session_id))
                    }
                } }
                @if let Some(project) = &view.project {
                    div data-fact="project" { dt { "Project" } dd.path data-field="project" { (project) } }
                }
                div { dt { "Waiting since" } dd { (view.waiting) } }
            }
            form.answer method="post" action={ "/escalations/" (id) "/answer" } {
                (csrf_field(caller))
                input type="hidden" name="next" value=(next);
                @if let Some((yes, no)) = offers.verdicts {
                    div.actions {
                        button.approve type="submit" name="answer" value="approve" { (yes) }
                        button.deny type="submit" name="answer" value="deny" { (no) }
                    }
                }
                @if offers.remember {
                    p.check {
                        input type="checkbox" name="remember" value="on" id={ "remember-" (id) };
                        label for={ "remember-" (id) } {
                            "With Approve: allow this exact call in this project from now on"
                        }
                    }
                }
                @if let Some(label) = offers.text {
                    div.text-answer {
                        label for={ "text-" (id) } { (label) }
                        textarea id={ "text-" (id) } name="text" rows="2" {}
                        button type="submit" name="answer" value="text" { "Send" }
                    }
                }
            }
        }
    }
}

/// `?answered=ID`: the escalation a form just answered, to say how.
#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    answered: Option<i64>,
}

/// `GET /inbox`.
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<InboxQuery>,
) -> Shown {
    let (pending, answered) = state
        .read(move |store| {
            let Some(store) = store else {
                return Ok((Vec::new(), None));
            };
            let answered = match query.answered {
                Some(id) => store.escalation(id)?,
                None => None,
            };
            Ok((store.pending_escalations()?, answered))
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let now = now_ms();
    let count = i64::try_from(pending.len()).unwrap_or(i64::MAX);
    let body = html! {
        (layout::notice(answered.as_ref().and_then(answered_notice)))
        p.lead #inbox-lead {
            @if pending.is_empty() { "Nothing waits on you. " }
            "New escalations appear here as they are raised."
        }
        div #escalations {
            @for escalation in &pending {
                (card(&caller, &CardView::of(escalation, now), "inbox"))
            }
        }
        @for kind in EscalationKind::ALL {
            template #{ "card-" (kind.as_str()) } {
                (card(&caller, &CardView::placeholder(kind), "inbox"))
            }
        }
    };
    Ok(layout::page(&caller, Section::Inbox, "Inbox", Some(count), body).into_response())
}

/// "Escalation #4 answered: approve, by web session (session 1a2b) from 127.0.0.1."
fn answered_notice(escalation: &Escalation) -> Option<String> {
    if escalation.state != EscalationState::Answered {
        return None;
    }
    Some(format!(
        "Escalation #{} answered: {}{}.",
        escalation.id,
        escalation.answer.as_deref().unwrap_or("?"),
        escalation
            .provenance
            .as_ref()
            .map(|by| format!(", by {by}"))
            .unwrap_or_default()
    ))
}

/// `GET /escalations/{id}`.
pub async fn escalation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Shown {
    let (escalation, pending) = state
        .read(move |store| match store {
            Some(store) => Ok((store.escalation(id)?, store.pending_escalation_count()?)),
            None => Ok((None, 0)),
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let Some(escalation) = escalation else {
        return Err(Failure::from(ApiError::not_found(format!(
            "no escalation has id {id}; the inbox lists those waiting"
        )))
        .shown_to(&caller));
    };
    let now = now_ms();
    let body = match escalation.state {
        EscalationState::Pending => html! {
            p { (badge("pending")) " Waiting for your answer." }
            (card(&caller, &CardView::of(&escalation, now), "escalation"))
        },
        EscalationState::Answered => html! {
            p { (badge("answered")) }
            dl.facts {
                div { dt { "What" } dd.mono { (escalation.raised.summary) } }
                div { dt { "Kind" } dd { (escalation.raised.kind.as_str()) } }
                div { dt { "Session" } dd { (session_link(&escalation.raised.session_id)) } }
                div { dt { "Answer" } dd { (escalation.answer.as_deref().unwrap_or("?")) } }
                @if let Some(at) = escalation.answered_ms {
                    div { dt { "Answered" } dd { (time(at, now)) " (after " (ago(at - escalation.raised.created_ms)) ")" } }
                }
                @if let Some(by) = &escalation.provenance {
                    div { dt { "By" } dd { (by.to_string()) } }
                }
                @if let Some(resume) = escalation.resume_id {
                    div { dt { "Delivered by" } dd { "resume #" (resume) } }
                }
            }
        },
    };
    let title = format!("Escalation #{id}");
    Ok(layout::page(&caller, Section::Inbox, &title, Some(pending), body).into_response())
}

/// The answer form's fields.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    /// `approve`, `deny`, or `text` (the words are in `text`).
    answer: String,
    /// The words of a text answer.
    #[serde(default)]
    text: String,
    /// The checkbox: present when checked.
    remember: Option<String>,
    /// Where to go after: `inbox` or `escalation`.
    #[serde(default)]
    next: String,
}

/// `POST /escalations/{id}/answer`: answers, then shows the inbox (or the escalation).
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Shown {
    let words = match form.answer.as_str() {
        "approve" | "deny" => form.answer.clone(),
        "text" if form.text.trim().is_empty() => {
            return Err(Failure::from(ApiError::bad_request(
                "the answer is empty: write it in the box, or press Approve or Deny",
            ))
            .shown_to(&caller));
        }
        "text" => form.text.clone(),
        other => {
            return Err(Failure::from(ApiError::bad_request(format!(
                "{other:?} is no answer this form gives; reload the page"
            )))
            .shown_to(&caller));
        }
    };
    // The checkbox says "with Approve": it is not sent along with any other answer, which
    // `respond` would refuse.
    let remember = form.remember.is_some() && words == "approve";
    let data = state.data().clone();
    let program = state.hooks_program().to_path_buf();
    let request_provenance = provenance(&caller);
    let report = blocking(move || {
        let request = AnswerRequest {
            id,
            answer: &words,
            remember,
            provenance: request_provenance,
        };
        Ok(give_answer(&data, &request, &program, now_ms())?)
    })
    .await
    .map_err(|failure| failure.shown_to(&caller))?;
    if let Some(error) = &report.scheduler_error {
        tracing::warn!(
            "the answer to escalation {id} is stored, but no scheduler could be started \
             ({error}); run `pcc-hooks scheduler`"
        );
    }
    Ok(match form.next.as_str() {
        "escalation" => done(&format!("/escalations/{id}")),
        _ => done(&format!("/inbox?answered={id}")),
    })
}
