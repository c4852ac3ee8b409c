//! `/notifications`: the notifications log (`pcc-hooks notify log`): what was sent or held back,
//! to which channels, and how each fared. Channels are named, never their URLs (a webhook's URL
//! may be its secret); titles and bodies were stored redacted.

use super::forms::{Failure, Shown};
use super::layout::{self, Section, badge, session_link, time};
use crate::api::now_ms;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;

/// How many notifications the page shows, newest first.
pub const SHOWN: u32 = 200;

/// `GET /notifications`.
pub async fn page(State(state): State<AppState>, caller: Caller) -> Shown {
    let (notifications, pending) = state
        .read(|store| match store {
            Some(store) => Ok((
                store.notifications(SHOWN)?,
                store.pending_escalation_count()?,
            )),
            None => Ok((Vec::new(), 0)),
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let now = now_ms();
    let body = html! {
        @if notifications.is_empty() {
            p.faint { "Nothing was sent yet. " code { "pcc-hooks notify test" } " sends a test message to every channel of [notify]." }
        } @else {
            p.faint { "The latest " (notifications.len()) ", newest first." }
            ol.log {
                @for notification in &notifications {
                    li.card {
                        h2.small {
                            (badge(notification.state.as_str())) " "
                            (notification.message.title)
                        }
                        p { (notification.message.body) }
                        p.faint {
                            (time(notification.message.at_ms, now)) " · " (notification.message.kind)
                            " · " (notification.message.urgency)
                            @if let Some(session) = &notification.message.session_id { " · " (session_link(session)) }
                            @if let Some(escalation) = notification.message.escalation_id {
                                " · " a href={ "/escalations/" (escalation) } { "escalation #" (escalation) }
                            }
                        }
                        @if !notification.deliveries.is_empty() {
                            ul.deliveries {
                                @for delivery in &notification.deliveries {
                                    li {
                                        (delivery.channel) ": "
                                        @if delivery.ok { span.ok { "delivered" } }
                                        @else if delivery.skipped { span.faint { "skipped" } }
                                        @else { span.error { "failed" } }
                                        @if let Some(error) = &delivery.error { " — " (error) }
                                        " (" (delivery.elapsed_ms) " ms)"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &caller,
        Section::Notifications,
        "Notifications",
        Some(pending),
        body,
    )
    .into_response())
}
