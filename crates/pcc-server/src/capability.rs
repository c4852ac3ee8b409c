//! `/a/{token}`: a notification's Approve or Deny button, answered without a login.
//!
//! The token in the path is the credential (`pcc_store::capabilities`: random, stored hashed,
//! bound to one escalation and one answer, expiring, single use), so these routes are public;
//! the gate in front still checks Host on every request and refuses a POST whose Origin is
//! another site's.
//!
//! - `GET /a/{token}` only shows what the button would do and a form to do it: link previewers,
//!   chat unfurlers and a phone's prefetch fetch URLs, and must approve nothing.
//! - `POST /a/{token}` answers. ntfy's `http` action POSTs with no body, no cookie and no
//!   Origin; the confirmation page's form also sends the escalation and the answer it showed,
//!   and a request naming another escalation or answer than the token's is refused: the token
//!   fixes the answer, the request cannot choose it. A browser (`Accept: text/html`) gets a
//!   result page, anything else the JSON of `POST /api/escalations/{id}/respond`.
//!
//! Every refusal changes nothing: an unknown token (404), a used one or an escalation already
//! answered (409), an expired one (410), a claim that does not match the token (400). Pages
//! carry `Referrer-Policy: same-origin` and `Cache-Control: no-store`, so the token in the URL
//! is neither passed on to another site nor kept by a cache. (Not `no-referrer`: a browser
//! then sends the page's own form with `Origin: null`, which the gate refuses as foreign.)

use crate::api::now_ms;
use crate::auth::gate::RequestContext;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pcc_control::capability::{Redeemed, inspect, redeem};
use pcc_store::{
    Capability, CapabilityAnswer, CapabilityClaim, CapabilityRefusal, Escalation, Inspection,
};

/// The capability routes (public: they carry their own authority).
pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{token}", get(confirm).post(answer))
}

/// `GET`: what the button would do, and the form that does it. Changes nothing.
async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let data = state.data().clone();
    let inspected = tokio::task::spawn_blocking(move || {
        inspect(&data, &CapabilityClaim::token(&token), now_ms())
    })
    .await;
    let page = match inspected {
        Ok(Ok(Inspection::Usable {
            capability,
            escalation,
        })) => (StatusCode::OK, confirmation_page(&capability, &escalation)),
        Ok(Ok(Inspection::Refused(refusal))) => (status_of(&refusal), refusal_page(&refusal)),
        Ok(Err(error)) => return ApiError::from(error).into_response(),
        Err(error) => {
            return ApiError::internal(format!("the capability check failed: {error}"))
                .into_response();
        }
    };
    private(page)
}

/// `POST`: gives the token's answer, or says why not.
async fn answer(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wants_html = accepts_html(&headers);
    let (escalation_id, answer) = match claimed(&headers, &body) {
        Ok(claimed) => claimed,
        Err(message) => return refused(wants_html, StatusCode::BAD_REQUEST, &message),
    };
    let data = state.data().clone();
    let program = state.hooks_program().to_path_buf();
    let from = context.client.to_string();
    let redeemed = tokio::task::spawn_blocking(move || {
        let claim = CapabilityClaim {
            token: &token,
            escalation_id,
            answer,
        };
        redeem(&data, &claim, &from, &program, now_ms())
    })
    .await;
    match redeemed {
        Ok(Ok(Redeemed::Answered { capability, report })) => {
            if let Some(error) = &report.scheduler_error {
                tracing::warn!(
                    "the answer to escalation {} is stored, but no scheduler could be started \
                     ({error}); run `pcc-hooks scheduler`",
                    capability.escalation_id
                );
            }
            if wants_html {
                private((
                    StatusCode::OK,
                    answered_page(&capability, &report.answered.escalation),
                ))
            } else {
                private((StatusCode::OK, Json(report.document())))
            }
        }
        Ok(Ok(Redeemed::Refused(refusal))) => {
            refused(wants_html, status_of(&refusal), &refusal.to_string())
        }
        Ok(Err(error)) => ApiError::from(error).into_response(),
        Err(error) => {
            ApiError::internal(format!("the capability task failed: {error}")).into_response()
        }
    }
}

/// The escalation and answer a POST says it gives, when it says so: form fields `escalation`
/// and `answer` (the confirmation page), the same keys in JSON, or nothing (ntfy).
fn claimed(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Option<i64>, Option<CapabilityAnswer>), String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let fields: Vec<(String, String)> = if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|error| format!("the request body is not JSON: {error}"))?;
        let object = value
            .as_object()
            .ok_or("the request body is not a JSON object")?;
        object
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect()
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded::parse(body).into_owned().collect()
    } else {
        return Err(
            "send no body, a form (escalation, answer) or JSON; nothing was changed".to_owned(),
        );
    };
    let mut escalation = None;
    let mut answer = None;
    for (key, value) in fields {
        match key.as_str() {
            "escalation" => {
                escalation = Some(value.trim().parse::<i64>().map_err(|_| {
                    format!("escalation {value:?} is not an escalation id; nothing was changed")
                })?);
            }
            "answer" => {
                answer = Some(match value.trim() {
                    "approve" => CapabilityAnswer::Approve,
                    "deny" => CapabilityAnswer::Deny,
                    other => {
                        return Err(format!(
                            "a link answers approve or deny, not {other:?}; nothing was changed"
                        ));
                    }
                });
            }
            _ => {}
        }
    }
    Ok((escalation, answer))
}

/// The status of a refusal: 404 unknown, 410 expired, 409 used or answered or busy, 400 a
/// claim that does not match the token.
fn status_of(refusal: &CapabilityRefusal) -> StatusCode {
    match refusal {
        CapabilityRefusal::Unknown => StatusCode::NOT_FOUND,
        CapabilityRefusal::Expired { .. } => StatusCode::GONE,
        CapabilityRefusal::Used { .. }
        | CapabilityRefusal::Answered(_)
        | CapabilityRefusal::ResumeRunning => StatusCode::CONFLICT,
        CapabilityRefusal::OtherEscalation | CapabilityRefusal::OtherAnswer { .. } => {
            StatusCode::BAD_REQUEST
        }
    }
}

fn refused(wants_html: bool, status: StatusCode, message: &str) -> Response {
    if wants_html {
        private((
            status,
            page("Not answered", &format!("<p>{}</p>", escape(message))),
        ))
    } else {
        ApiError::new(status, message).into_response()
    }
}

/// Whether the client asked for a page (a browser) rather than data (ntfy, a script).
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `response` with the headers every capability response carries: never cached, never
/// referred, never framed, never indexed.
fn private(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// The verb of a button.
fn verb(answer: CapabilityAnswer) -> &'static str {
    match answer {
        CapabilityAnswer::Approve => "Approve",
        CapabilityAnswer::Deny => "Deny",
    }
}

/// What the escalation is, as a definition list.
fn facts(escalation: &Escalation) -> String {
    let raised = &escalation.raised;
    let mut rows = vec![("Kind", raised.kind.as_str().to_owned())];
    if let Some(call) = &escalation.call {
        rows.push(("Risk", call.level.as_str().to_owned()));
    }
    rows.push(("What", raised.summary.clone()));
    if !raised.reason.trim().is_empty() {
        rows.push(("Why", raised.reason.clone()));
    }
    if let Some(project) = &raised.project_root {
        rows.push(("Project", project.clone()));
    }
    rows.push((
        "Session",
        raised.session_id.chars().take(8).collect::<String>(),
    ));
    let mut html = String::from("<dl>");
    for (name, value) in rows {
        html.push_str(&format!("<dt>{name}</dt><dd>{}</dd>", escape(&value)));
    }
    html.push_str("</dl>");
    html
}

fn confirmation_page(capability: &Capability, escalation: &Escalation) -> Html<String> {
    let verb = verb(capability.answer);
    let minutes = (capability.expires_ms - now_ms()).max(0) / 60_000;
    let body = format!(
        "{facts}<form method=\"post\">\
         <input type=\"hidden\" name=\"escalation\" value=\"{id}\">\
         <input type=\"hidden\" name=\"answer\" value=\"{answer}\">\
         <button type=\"submit\">{verb} escalation #{id}</button></form>\
         <p>This link gives one answer, once, and works for {minutes} more minute(s). \
         Nothing happens until you press the button. To answer otherwise, \
         <a href=\"/escalations/{id}\">open the escalation</a>.</p>",
        facts = facts(escalation),
        id = escalation.id,
        answer = capability.answer.as_str(),
    );
    page(&format!("{verb} escalation #{}?", escalation.id), &body)
}

fn answered_page(capability: &Capability, escalation: &Escalation) -> Html<String> {
    let done = match capability.answer {
        CapabilityAnswer::Approve => "Approved",
        CapabilityAnswer::Deny => "Denied",
    };
    let body = format!(
        "{}<p>The session is told; this link works no more. \
         <a href=\"/escalations/{}\">Open the escalation</a>.</p>",
        facts(escalation),
        escalation.id
    );
    page(&format!("{done}: escalation #{}", escalation.id), &body)
}

fn refusal_page(refusal: &CapabilityRefusal) -> Html<String> {
    page(
        "Not answered",
        &format!("<p>{}</p>", escape(&refusal.to_string())),
    )
}

/// A small page that reads on a phone (390 px) and to a screen reader.
fn page(title: &str, body: &str) -> Html<String> {
    let title = escape(title);
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"same-origin\">\
         <title>{title} · pcc-hooks</title><style>\
         body{{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;max-width:40rem}}\
         dt{{font-weight:600}}dd{{margin:0 0 .5rem;overflow-wrap:anywhere}}\
         button{{font-size:1.1rem;padding:.75rem 1.25rem;min-height:44px;width:100%}}\
         </style></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    ))
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Result<(Option<i64>, Option<CapabilityAnswer>), String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        claimed(&headers, body.as_bytes())
    }

    #[test]
    fn a_post_claims_nothing_its_page_s_fields_or_json_and_nothing_else() {
        assert_eq!(claimed(&HeaderMap::new(), b""), Ok((None, None)));
        assert_eq!(
            form("escalation=12&answer=deny"),
            Ok((Some(12), Some(CapabilityAnswer::Deny)))
        );
        let mut json = HeaderMap::new();
        json.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert_eq!(
            claimed(&json, br#"{"escalation": 4, "answer": "approve"}"#),
            Ok((Some(4), Some(CapabilityAnswer::Approve)))
        );
        assert!(form("answer=remember").is_err_and(|error| error.contains("approve or deny")));
        assert!(form("escalation=x").is_err());
        assert!(claimed(&HeaderMap::new(), b"approve").is_err());
    }

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(escape("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
