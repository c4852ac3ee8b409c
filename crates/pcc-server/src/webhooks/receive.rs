//! One delivery, from its arrival to its answer: every step that refuses it records it first,
//! and the answer to an accepted one waits only for its record, never for its work.

use super::body::{BodyError, read_within};
use super::config::{load, secret};
use super::signature::{Verdict, signature_header, verify};
use super::work;
use crate::api::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pcc_core::config::{WebhookSource, WebhooksConfig};
use pcc_store::{Acceptance, DeliveryWork, ReceivedDelivery, WebhookOutcome};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// The header that names a delivery, the same on the sender's retries.
fn delivery_header(source: WebhookSource) -> &'static str {
    match source {
        WebhookSource::Github => "x-github-delivery",
        WebhookSource::Sentry => "request-id",
        WebhookSource::Jira => "x-atlassian-webhook-identifier",
    }
}

/// The header that says what kind of event a delivery is (Jira says it in the payload).
fn kind_header(source: WebhookSource) -> Option<&'static str> {
    match source {
        WebhookSource::Github => Some("x-github-event"),
        WebhookSource::Sentry => Some("sentry-hook-resource"),
        WebhookSource::Jira => None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The JSON body of every answer: the delivery's row (as `webhooks log` shows it), what became
/// of it, and in words.
#[derive(Debug, Serialize)]
struct AnswerBody {
    delivery: i64,
    outcome: &'static str,
    message: String,
}

fn answer(status: StatusCode, delivery: i64, outcome: WebhookOutcome, message: String) -> Response {
    let body = AnswerBody {
        delivery,
        outcome: outcome.as_str(),
        message: pcc_core::redact::redact(&message),
    };
    (status, Json(body)).into_response()
}

/// Records a refusal and answers it with `status`.
async fn refuse(
    state: &AppState,
    received: ReceivedDelivery,
    outcome: WebhookOutcome,
    status: StatusCode,
    message: String,
) -> Response {
    let detail = message.clone();
    let recorded = state
        .write(move |store| {
            Ok(store.record_webhook_refusal(&received, outcome, status.as_u16(), &detail)?)
        })
        .await;
    match recorded {
        Ok(id) => answer(status, id, outcome, message),
        Err(error) => error.into_response(),
    }
}

/// Receives one delivery for `source`.
pub(crate) async fn receive(state: AppState, source: WebhookSource, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let mut received = ReceivedDelivery {
        received_ms: now_ms(),
        source,
        event: kind_header(source).and_then(|name| header(&headers, name).map(str::to_owned)),
        delivery_id: header(&headers, delivery_header(source))
            .unwrap_or("-")
            .to_owned(),
    };
    let data = state.data().clone();
    let config = match tokio::task::spawn_blocking(move || load(&data)).await {
        Ok(Ok(config)) => config,
        Ok(Err(problem)) => {
            return refuse(
                &state,
                received,
                WebhookOutcome::ConfigError,
                StatusCode::SERVICE_UNAVAILABLE,
                problem,
            )
            .await;
        }
        Err(error) => {
            return ApiError::internal(format!("reading config.toml failed: {error}"))
                .into_response();
        }
    };
    let (secret, section) = match secret(&config, source) {
        Ok(found) => found,
        Err(message) => {
            return refuse(
                &state,
                received,
                WebhookOutcome::NotConfigured,
                StatusCode::UNAUTHORIZED,
                message,
            )
            .await;
        }
    };
    let query_token = section.query_token;
    let body = match read_within(&headers, body, config.max_body_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            let message = format!(
                "the delivery is larger than {} bytes ([webhooks] max_body_bytes); nothing was \
                 read or done",
                config.max_body_bytes
            );
            return refuse(
                &state,
                received,
                WebhookOutcome::TooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                message,
            )
            .await;
        }
        Err(BodyError::Read(error)) => {
            return ApiError::bad_request(format!(
                "the delivery's body could not be read: {error}"
            ))
            .into_response();
        }
    };
    if received.delivery_id == "-" {
        received.delivery_id = format!("sha256:{}", hex::encode(&Sha256::digest(&body)[..16]));
    }
    let token = parts.uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
    });
    let signature = headers
        .get(signature_header(source))
        .map(|value| value.as_bytes());
    match verify(
        source,
        signature,
        token.as_deref(),
        query_token,
        &body,
        secret.bytes(),
    ) {
        Verdict::Valid => {}
        Verdict::Missing => {
            let message = format!(
                "the delivery is not signed: {source} must sign it with the secret ({} header{})",
                signature_header(source),
                if query_token { " or ?token=" } else { "" }
            );
            return refuse(
                &state,
                received,
                WebhookOutcome::Unsigned,
                StatusCode::UNAUTHORIZED,
                message,
            )
            .await;
        }
        Verdict::Invalid => {
            let message = format!(
                "the delivery's signature is not the secret's: check that {source} and {} hold \
                 the same secret",
                section.secret_env
            );
            return refuse(
                &state,
                received,
                WebhookOutcome::BadSignature,
                StatusCode::UNAUTHORIZED,
                message,
            )
            .await;
        }
    }
    accept(&state, &config, received, &body).await
}

/// A signed delivery: named, matched against the rules, recorded, and its work started.
async fn accept(
    state: &AppState,
    config: &WebhooksConfig,
    mut received: ReceivedDelivery,
    body: &[u8],
) -> Response {
    let source = received.source;
    let payload = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(payload) if payload.is_object() => payload,
        _ => {
            return refuse(
                state,
                received,
                WebhookOutcome::Invalid,
                StatusCode::BAD_REQUEST,
                "the delivery is signed but is not a JSON object".to_owned(),
            )
            .await;
        }
    };
    let Some(event) = source.event_name(received.event.as_deref(), &payload) else {
        let missing = match kind_header(source) {
            Some(name) => format!("its {name} header"),
            None => "its payload's webhookEvent".to_owned(),
        };
        return refuse(
            state,
            received,
            WebhookOutcome::Invalid,
            StatusCode::BAD_REQUEST,
            format!(
                "the delivery is signed but names no event: {missing} is missing or not a name"
            ),
        )
        .await;
    };
    received.event = Some(event.clone());
    let matched = config
        .rule_for(source, &event, &payload)
        .map(|(number, rule)| DeliveryWork {
            rule: rule.describe(number),
            action: rule.action,
            project: rule.project.clone(),
            prompt: rule.prompt_for(&event, &payload),
        });
    let ignored = matched
        .is_none()
        .then(|| format!("no rule matches {source} {event}; nothing to do"));
    // A sender's greeting (GitHub's `ping` when the hook is made) is acknowledged; any other
    // event no rule is for is refused, so a misspelt rule shows in the sender's delivery log
    // instead of passing as done.
    let status = match (&matched, event.as_str()) {
        (Some(_), _) => StatusCode::ACCEPTED,
        (None, "ping") => StatusCode::OK,
        (None, _) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let recorded = {
        let received = received.clone();
        let matched = matched.clone();
        let ignored = ignored.clone();
        state
            .write(move |store| {
                Ok(store.accept_webhook_delivery(
                    &received,
                    matched.as_ref(),
                    ignored.as_deref(),
                    status.as_u16(),
                )?)
            })
            .await
    };
    match recorded {
        Err(error) => error.into_response(),
        Ok(Acceptance::Duplicate { id, first }) => answer(
            StatusCode::CONFLICT,
            id,
            WebhookOutcome::Duplicate,
            format!(
                "delivery {} was already received (as #{first}); nothing is done again",
                received.delivery_id
            ),
        ),
        Ok(Acceptance::Accepted(id)) => match (matched, ignored) {
            (Some(matched), _) => {
                work::start(state.clone(), id);
                answer(
                    status,
                    id,
                    WebhookOutcome::Pending,
                    format!(
                        "accepted: {} follows (rule {})",
                        matched.action, matched.rule
                    ),
                )
            }
            (None, message) => answer(
                status,
                id,
                WebhookOutcome::Ignored,
                message.unwrap_or_default(),
            ),
        },
    }
}
