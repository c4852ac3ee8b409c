//! Each LLM brain against a mock HTTP server on 127.0.0.1 that speaks the provider's real wire
//! format and records the request it receives.
#![allow(clippy::unwrap_used)]

use pcc_brain_http::{HttpBrain, HttpBrainSettings, Provider, build_brain_with_env};
use pcc_core::Mode;
use pcc_core::brain::{
    Brain, BrainConfig, BrainContext, BrainKind, FallbackBrain, PermissionQuery, Question, Stance,
    decide_permission,
};
use pcc_policy::RiskLevel;
use pcc_testkit::http::{Loopback, Reply};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One request as the server saw it, its body as JSON (`null` when it is not).
#[derive(Debug)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Value,
}

/// The loopback server, answering each request with the next of its replies.
struct Mock {
    base_url: String,
    server: Loopback,
}

impl Mock {
    /// Serves `replies` in order, one request each, on a fresh loopback port.
    fn start(replies: Vec<Reply>) -> Mock {
        let server = Loopback::scripted(replies);
        Mock {
            base_url: server.url(""),
            server,
        }
    }

    fn next_request(&self) -> Seen {
        let request = self.server.next_request();
        Seen {
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
            headers: request.headers.into_iter().collect(),
            method: request.method,
            path: request.path,
        }
    }
}

fn ctx() -> BrainContext {
    BrainContext::new("/work/project", Mode::Unattended)
        .with_notes("Use Vue for the frontend.")
        .with_recent_events(["PreToolUse Bash cargo test: allow"])
}

fn settings(provider: Provider, base_url: &str, timeout_ms: u64) -> HttpBrainSettings {
    HttpBrainSettings {
        base_url: base_url.to_owned(),
        model: "test-model".into(),
        api_key: Some("sekrit-key".into()),
        timeout: Duration::from_millis(timeout_ms),
        connect_timeout: Duration::from_millis(timeout_ms.min(2000)),
        ..HttpBrainSettings::new(provider)
    }
}

fn brain(provider: Provider, base_url: &str, timeout_ms: u64) -> FallbackBrain {
    FallbackBrain::new(Box::new(HttpBrain::new(settings(
        provider, base_url, timeout_ms,
    ))))
}

/// The provider's response envelope around the model's text.
fn envelope(provider: Provider, text: &str) -> String {
    match provider {
        Provider::Gemini => json!({"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}]}),
        Provider::Ollama => json!({"model": "test-model", "message": {"role": "assistant", "content": text}, "done": true}),
        Provider::OpenAi => json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}),
    }
    .to_string()
}

/// Checks the request against the provider's wire format; returns the prompt text sent.
fn assert_wire(provider: Provider, seen: &Seen) -> String {
    assert_eq!(seen.method, "POST");
    assert!(
        seen.headers
            .get("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    match provider {
        Provider::Gemini => {
            assert_eq!(seen.path, "/v1beta/models/test-model:generateContent");
            assert_eq!(
                seen.headers.get("x-goog-api-key").map(String::as_str),
                Some("sekrit-key")
            );
            assert!(!seen.headers.contains_key("authorization"));
            let gc = &seen.body["generationConfig"];
            assert_eq!(gc["responseMimeType"], "application/json");
            assert_eq!(gc["responseSchema"]["type"], "OBJECT");
            assert!(
                seen.body["systemInstruction"]["parts"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("pcc-hooks")
            );
            assert_eq!(seen.body["contents"][0]["role"], "user");
            seen.body["contents"][0]["parts"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        }
        Provider::Ollama => {
            assert_eq!(seen.path, "/api/chat");
            assert_eq!(
                seen.headers.get("authorization").map(String::as_str),
                Some("Bearer sekrit-key")
            );
            assert_eq!(seen.body["model"], "test-model");
            assert_eq!(seen.body["stream"], false);
            assert_eq!(seen.body["format"]["type"], "object");
            assert_eq!(seen.body["messages"][0]["role"], "system");
            assert_eq!(seen.body["messages"][1]["role"], "user");
            seen.body["messages"][1]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        }
        Provider::OpenAi => {
            assert_eq!(seen.path, "/v1/chat/completions");
            assert_eq!(
                seen.headers.get("authorization").map(String::as_str),
                Some("Bearer sekrit-key")
            );
            assert_eq!(seen.body["model"], "test-model");
            let rf = &seen.body["response_format"];
            assert_eq!(rf["type"], "json_schema");
            assert_eq!(rf["json_schema"]["strict"], true);
            assert_eq!(rf["json_schema"]["schema"]["additionalProperties"], false);
            assert_eq!(seen.body["messages"][0]["role"], "system");
            seen.body["messages"][1]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }
}

const PROVIDERS: [Provider; 3] = [Provider::Gemini, Provider::Ollama, Provider::OpenAi];

fn framework_question() -> Question {
    Question::with_options("Which framework?", ["React", "Vue"])
}

#[test]
fn good_answers_are_parsed() {
    for provider in PROVIDERS {
        let reply = r#"{"answer":"Vue","confidence":0.92,"escalate":false,"reasoning":"the notes say Vue","leaning":""}"#;
        let mock = Mock::start(vec![Reply::Json(200, envelope(provider, reply))]);
        let a = brain(provider, &mock.base_url, 5000)
            .answer_question(&framework_question(), &ctx())
            .unwrap();
        assert_eq!(a.answer.as_deref(), Some("Vue"), "{provider:?}");
        assert_eq!(a.answered_by, provider.name());
        assert_eq!(a.fallback_reason, None);
        assert!((a.confidence - 0.92).abs() < 1e-9);
        let prompt = assert_wire(provider, &mock.next_request());
        assert!(prompt.contains("Which framework?"), "{prompt}");
        assert!(prompt.contains("label: \"Vue\""), "{prompt}");
        assert!(prompt.contains("Use Vue for the frontend."), "{prompt}");
        assert!(prompt.contains("cargo test: allow"), "{prompt}");
    }
}

#[test]
fn malformed_answers_fall_back_to_the_rule_brain() {
    let bad_replies = [
        ("Vue, definitely", "malformed"),
        (r#"{"choice":"Vue"}"#, "malformed"),
        (
            r#"{"answer":"Svelte","confidence":0.9,"escalate":false,"reasoning":"r","leaning":""}"#,
            "not among the options",
        ),
    ];
    for provider in PROVIDERS {
        for (reply, why) in bad_replies {
            let mock = Mock::start(vec![Reply::Json(200, envelope(provider, reply))]);
            let a = brain(provider, &mock.base_url, 5000)
                .answer_question(&framework_question(), &ctx())
                .unwrap();
            assert_eq!(a.answered_by, "rules", "{provider:?} {reply}");
            let reason = a.fallback_reason.unwrap();
            assert!(reason.starts_with(provider.name()), "{reason}");
            assert!(reason.contains(why), "{provider:?} {reply}: {reason}");
            // The rule brain, with the notes mentioning Vue, picks Vue.
            assert_eq!(a.answer.as_deref(), Some("Vue"));
            assert_wire(provider, &mock.next_request());
        }
        // Not even the envelope.
        let mock = Mock::start(vec![Reply::Json(200, "<html>oops</html>".into())]);
        let a = brain(provider, &mock.base_url, 5000)
            .answer_question(&framework_question(), &ctx())
            .unwrap();
        assert!(a.fallback_reason.unwrap().contains("not JSON"));
    }
}

#[test]
fn server_errors_fall_back() {
    for provider in PROVIDERS {
        let mock = Mock::start(vec![Reply::Json(500, r#"{"error":"internal"}"#.into())]);
        let q = Question::free("Should I run the tests?");
        let a = brain(provider, &mock.base_url, 5000)
            .answer_question(&q, &ctx())
            .unwrap();
        assert_eq!(a.answered_by, "rules");
        assert_eq!(a.answer.as_deref(), Some("Yes"));
        let reason = a.fallback_reason.unwrap();
        assert!(reason.contains("HTTP 500"), "{reason}");
        assert_wire(provider, &mock.next_request());
    }
}

#[test]
fn a_hanging_server_falls_back_within_the_budget() {
    const TIMEOUT_MS: u64 = 700;
    for provider in PROVIDERS {
        let mock = Mock::start(vec![Reply::Never]);
        let b = brain(provider, &mock.base_url, TIMEOUT_MS);
        let q = Question::free("Should I proceed?");
        let started = Instant::now();
        let a = b.answer_question(&q, &ctx()).unwrap();
        let elapsed = started.elapsed();
        // The server did receive the request (so the timeout, not a refused connection, fired).
        assert_wire(provider, &mock.next_request());
        assert!(
            elapsed >= Duration::from_millis(TIMEOUT_MS - 50),
            "{provider:?}: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(TIMEOUT_MS + 1500),
            "{provider:?}: {elapsed:?}"
        );
        assert_eq!(a.answered_by, "rules");
        assert_eq!(a.answer.as_deref(), Some("Yes"));
        assert!(
            a.fallback_reason.unwrap().contains("timed out"),
            "{provider:?}"
        );
    }
}

#[test]
fn openai_falls_back_to_json_object_mode_when_json_schema_is_rejected() {
    let reply =
        r#"{"answer":"React","confidence":0.8,"escalate":false,"reasoning":"r","leaning":""}"#;
    let mock = Mock::start(vec![
        Reply::Json(
            400,
            r#"{"error":{"message":"response_format json_schema not supported"}}"#.into(),
        ),
        Reply::Json(200, envelope(Provider::OpenAi, reply)),
    ]);
    let a = brain(Provider::OpenAi, &mock.base_url, 5000)
        .answer_question(&framework_question(), &ctx())
        .unwrap();
    assert_eq!(a.answer.as_deref(), Some("React"));
    assert_eq!(a.answered_by, "openai");
    assert_wire(Provider::OpenAi, &mock.next_request());
    let retry = mock.next_request();
    assert_eq!(retry.path, "/v1/chat/completions");
    assert_eq!(retry.body["response_format"]["type"], "json_object");
    assert!(
        retry.body["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("must match this schema")
    );
}

#[test]
fn permission_opinions_and_invariant_2_over_http() {
    for provider in PROVIDERS {
        let reply = r#"{"stance":"approve","confidence":0.99,"reasoning":"fine"}"#;
        let mock = Mock::start(vec![
            Reply::Json(200, envelope(provider, reply)),
            Reply::Json(200, envelope(provider, reply)),
        ]);
        let b = brain(provider, &mock.base_url, 5000);
        let mut query = PermissionQuery {
            tool_name: "Bash".into(),
            input_summary: "npm install left-pad".into(),
            level: RiskLevel::Medium,
            rule: "pkg.install".into(),
            reason: "installs a package".into(),
        };
        let o = decide_permission(&b, &query, &ctx(), 0.8);
        assert_eq!(o.stance, Stance::Approve, "{provider:?}");
        assert_eq!(o.answered_by, provider.name());
        let prompt = assert_wire(provider, &mock.next_request());
        assert!(prompt.contains("npm install left-pad"));
        assert!(prompt.contains("MEDIUM"));
        // The same approval of a HIGH call is escalated by the guard.
        query.level = RiskLevel::High;
        let o = decide_permission(&b, &query, &ctx(), 0.8);
        assert_eq!(o.stance, Stance::Escalate, "{provider:?}");
        mock.next_request();
    }
}

#[test]
fn base_urls_with_version_suffixes_are_not_doubled() {
    let reply =
        r#"{"answer":"Vue","confidence":0.9,"escalate":false,"reasoning":"r","leaning":""}"#;
    for (provider, suffix, path) in [
        (Provider::OpenAi, "/v1/", "/v1/chat/completions"),
        (
            Provider::Gemini,
            "/v1beta",
            "/v1beta/models/test-model:generateContent",
        ),
        (Provider::Ollama, "/api", "/api/chat"),
    ] {
        let mock = Mock::start(vec![Reply::Json(200, envelope(provider, reply))]);
        let url = format!("{}{suffix}", mock.base_url);
        brain(provider, &url, 5000)
            .answer_question(&framework_question(), &ctx())
            .unwrap();
        assert_eq!(mock.next_request().path, path);
    }
}

#[test]
fn build_brain_defaults_and_missing_keys() {
    let no_env = |_: &str| None;
    let rules = build_brain_with_env(&BrainConfig::default(), &no_env);
    assert_eq!(rules.name(), "rules");
    // Gemini without a key: no network call, the rule brain answers and says why.
    let config = BrainConfig {
        kind: BrainKind::Gemini,
        ..BrainConfig::default()
    };
    let b = build_brain_with_env(&config, &no_env);
    assert_eq!(b.name(), "gemini");
    let a = b
        .answer_question(&Question::free("Should I proceed?"), &ctx())
        .unwrap();
    assert_eq!(a.answered_by, "rules");
    assert!(a.fallback_reason.unwrap().contains("GEMINI_API_KEY"));
    // The key comes from the configured variable.
    let reply =
        r#"{"answer":"Yes","confidence":0.9,"escalate":false,"reasoning":"r","leaning":""}"#;
    let mock = Mock::start(vec![Reply::Json(200, envelope(Provider::Gemini, reply))]);
    let config = BrainConfig {
        kind: BrainKind::Gemini,
        base_url: Some(mock.base_url.clone()),
        model: Some("test-model".into()),
        api_key_env: Some("MY_KEY".into()),
        ..BrainConfig::default()
    };
    let env = |name: &str| (name == "MY_KEY").then(|| "sekrit-key".to_owned());
    let a = build_brain_with_env(&config, &env)
        .answer_question(&Question::free("Should I proceed?"), &ctx())
        .unwrap();
    assert_eq!(a.answered_by, "gemini");
    assert_wire(Provider::Gemini, &mock.next_request());
    // A local OpenAI-compatible server needs no key.
    let config = BrainConfig {
        kind: BrainKind::Openai,
        base_url: Some("http://127.0.0.1:9".into()),
        ..BrainConfig::default()
    };
    let s = HttpBrainSettings::from_config(&config, &no_env).unwrap();
    assert_eq!(s.api_key, None);
    assert_eq!(s.model, "gpt-4o-mini");
    // Debug output never shows the key.
    let s = settings(Provider::Gemini, "http://127.0.0.1:9", 100);
    assert!(!format!("{s:?}").contains("sekrit"));
}
