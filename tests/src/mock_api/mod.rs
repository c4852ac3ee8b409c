//! A scripted mock of the Anthropic Messages API that the real Claude Code CLI talks to.
//!
//! The server runs on its own thread and tokio runtime, so plain synchronous `#[test]`s can use
//! it; it is shut down when the [`MockApi`] is dropped.

mod recorded;
mod reply;
mod scenario;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State as AxumState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

pub use recorded::{RecordedRequest, RequestKind, ToolResult, is_side_request};
pub use scenario::{
    Block, ErrorReply, FIVE_HOUR_CLAIM, SEVEN_DAY_CLAIM, Scenario, Turn, TurnReply,
    USAGE_LIMIT_MESSAGE, Usage, usage_limit_headers,
};

use recorded::{count_assistant_messages, first_user_text};
use reply::Message;

/// Handle to a running mock Messages API.
///
/// Point the CLI at [`MockApi::base_url`] (the [`session`](crate::session) module does this).
/// Main-loop requests are answered from the [`Scenario`]: the turn is chosen by the number of
/// assistant messages already in the request, so the mock is stateless with respect to retries,
/// Stop-hook continuations and `--resume` (only error turns keep a "served" count so the script
/// can move past them). Every request is recorded for assertions.
pub struct MockApi {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    default: Scenario,
    conversations: Vec<(String, Scenario)>,
    /// Errors already served per (conversation marker, assistant count).
    errors_served: HashMap<(Option<String>, usize), usize>,
    requests: Vec<RecordedRequest>,
    /// Notified after every recorded request, so a test can await one instead of sleeping.
    recorded: Arc<Condvar>,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave State inconsistent in a way that matters for
    // a test double; keep serving rather than cascading the poison.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MockApi {
    /// Starts the mock on `127.0.0.1:<free port>` with `scenario` as the default conversation.
    ///
    /// # Panics
    /// If no local port can be bound or the runtime thread cannot start.
    pub fn start(scenario: impl Into<Scenario>) -> Self {
        let state: Shared = Arc::new(Mutex::new(State {
            default: scenario.into(),
            ..State::default()
        }));
        let listener = StdListener::bind("127.0.0.1:0").expect("mock API: cannot bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("mock API: bound socket has no local address");
        listener
            .set_nonblocking(true)
            .expect("mock API: cannot make the listener non-blocking");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("mock API: cannot build a tokio runtime");
        let app = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("mock-api-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("mock API: cannot register the listener with tokio");
                    tokio::select! {
                        served = axum::serve(listener, app) => {
                            if let Err(e) = served {
                                eprintln!("mock API on {addr} stopped: {e}");
                            }
                        }
                        _ = rx => {}
                    }
                });
                // Dropping the runtime here cancels any open connection tasks.
            })
            .expect("mock API: cannot spawn the server thread");
        Self {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The URL to put in `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a scenario used for every request whose first user message contains `marker`.
    ///
    /// Lets one mock serve several independent conversations at once — e.g. a subagent (whose
    /// first user message is the prompt the parent passed to the Agent tool), or two sessions
    /// sharing a mock. The first matching marker wins; requests matching none use the default
    /// scenario. Matching requests are always scripted, even if they look like side requests.
    pub fn add_conversation(&self, marker: impl Into<String>, scenario: impl Into<Scenario>) {
        lock(&self.state)
            .conversations
            .push((marker.into(), scenario.into()));
    }

    /// Waits until `count` scripted requests have arrived (true), or `timeout` passed (false).
    /// For requests made by processes the test does not wait on, such as a resume started by a
    /// background scheduler.
    pub fn wait_for_scripted_requests(&self, count: usize, timeout: Duration) -> bool {
        let scripted = |state: &State| {
            state
                .requests
                .iter()
                .filter(|r| matches!(r.kind, RequestKind::Scripted { .. }))
                .count()
        };
        let recorded = lock(&self.state).recorded.clone();
        let guard = lock(&self.state);
        let (guard, _) = recorded
            .wait_timeout_while(guard, timeout, |state| scripted(state) < count)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        scripted(&guard) >= count
    }

    /// Every request received so far (including probes and side requests), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// The main-loop (scripted) `POST /v1/messages` requests, in arrival order.
    pub fn scripted_requests(&self) -> Vec<RecordedRequest> {
        self.requests_where(|k| matches!(k, RequestKind::Scripted { .. }))
    }

    /// The side requests (answered without consuming the script), in arrival order.
    pub fn side_requests(&self) -> Vec<RecordedRequest> {
        self.requests_where(|k| *k == RequestKind::Side)
    }

    /// JSON bodies of the scripted requests: what the model "saw" at each turn.
    pub fn request_bodies(&self) -> Vec<Value> {
        self.scripted_requests()
            .into_iter()
            .map(|r| r.body)
            .collect()
    }

    fn requests_where(&self, pred: impl Fn(&RequestKind) -> bool) -> Vec<RecordedRequest> {
        lock(&self.state)
            .requests
            .iter()
            .filter(|r| pred(&r.kind))
            .cloned()
            .collect()
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for MockApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApi").field("addr", &self.addr).finish()
    }
}

/// What to send back, decided under the state lock and rendered outside it.
enum Plan {
    Message {
        blocks: Vec<Block>,
        stop_reason: Option<String>,
        usage: Option<Usage>,
        model: Option<String>,
        headers: Vec<(String, String)>,
    },
    Error {
        error: ErrorReply,
        headers: Vec<(String, String)>,
    },
    Empty(StatusCode),
    Json(Value),
}

async fn handle(
    AxumState(state): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let body_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let recorded_headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut st = lock(&state);
    let (kind, plan) = if method == Method::HEAD {
        (RequestKind::Probe, Plan::Empty(StatusCode::OK))
    } else if method == Method::POST && path == "/v1/messages/count_tokens" {
        (RequestKind::Side, Plan::Json(json!({"input_tokens": 10})))
    } else if method == Method::POST && path == "/v1/messages" {
        plan_messages(&mut st, &body_json)
    } else {
        (RequestKind::Other, Plan::Empty(StatusCode::NOT_FOUND))
    };
    st.requests.push(RecordedRequest {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned()),
        headers: recorded_headers,
        body: body_json.clone(),
        kind,
    });
    st.recorded.notify_all();
    drop(st);
    render(plan, &body_json)
}

fn plan_messages(st: &mut State, body: &Value) -> (RequestKind, Plan) {
    let first_user = first_user_text(body);
    let conversation = st
        .conversations
        .iter()
        .find(|(marker, _)| first_user.contains(marker.as_str()))
        .map(|(marker, s)| (marker.clone(), s.clone()));
    if conversation.is_none() && is_side_request(body) {
        let text = reply::side_reply_text(body);
        return (
            RequestKind::Side,
            Plan::Message {
                blocks: vec![Block::Text(text)],
                stop_reason: None,
                usage: None,
                model: None,
                headers: Vec::new(),
            },
        );
    }
    let (marker, scenario) = match conversation {
        Some((m, s)) => (Some(m), s),
        None => (None, st.default.clone()),
    };
    let assistant_count = count_assistant_messages(body);
    let key = (marker.clone(), assistant_count);
    let served = st.errors_served.get(&key).copied().unwrap_or(0);
    let turn_index = scenario.position(assistant_count, served);
    let kind = RequestKind::Scripted {
        conversation: marker,
        assistant_count,
        turn_index,
    };
    let plan = match turn_index.map(|i| &scenario.turns[i]) {
        None => Plan::Message {
            blocks: vec![Block::Text(Scenario::DONE_TEXT.to_owned())],
            stop_reason: None,
            usage: None,
            model: None,
            headers: Vec::new(),
        },
        Some(Turn {
            reply: TurnReply::Error(e),
            headers,
        }) => {
            *st.errors_served.entry(key).or_insert(0) += 1;
            Plan::Error {
                error: e.clone(),
                headers: headers.clone(),
            }
        }
        Some(Turn {
            reply:
                TurnReply::Message {
                    blocks,
                    stop_reason,
                    usage,
                    model,
                },
            headers,
        }) => Plan::Message {
            blocks: blocks.clone(),
            stop_reason: stop_reason.clone(),
            usage: *usage,
            model: model.clone(),
            headers: headers.clone(),
        },
    };
    (kind, plan)
}

fn render(plan: Plan, body: &Value) -> Response {
    match plan {
        Plan::Empty(status) => response(status, "text/plain", Body::empty(), &[]),
        Plan::Json(v) => response(
            StatusCode::OK,
            "application/json",
            v.to_string().into(),
            &[],
        ),
        Plan::Error { error, headers } => {
            let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let text = reply::error_body(&error.error_type, &error.message).to_string();
            response(status, "application/json", text.into(), &headers)
        }
        Plan::Message {
            blocks,
            stop_reason,
            usage,
            model,
            headers,
        } => {
            let model = model.as_deref().unwrap_or_else(|| {
                body.get("model")
                    .and_then(Value::as_str)
                    .unwrap_or("claude-mock")
            });
            let blocks = reply::with_nonces(blocks, body);
            let msg = Message::new(model, &blocks, stop_reason.as_deref(), usage);
            if body.get("stream").and_then(Value::as_bool) == Some(true) {
                response(
                    StatusCode::OK,
                    "text/event-stream",
                    msg.to_sse().into(),
                    &headers,
                )
            } else {
                let text = msg.to_json().to_string();
                response(StatusCode::OK, "application/json", text.into(), &headers)
            }
        }
    }
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: Body,
    extra: &[(String, String)],
) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert("request-id", HeaderValue::from_static("req_mock"));
    for (name, value) in extra {
        // Validated by `Turn::with_header`.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    }
    r
}
