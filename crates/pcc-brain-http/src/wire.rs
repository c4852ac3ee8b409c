//! The three wire formats: request bodies, URLs, headers, and where the model's text is in the
//! response.

use crate::HttpBrainSettings;
use pcc_core::brain::BrainError;
use pcc_core::brain::prompt::{excerpt, gemini_schema};
use serde_json::{Value, json};
use std::time::Instant;

/// Which service and wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Google Gemini: `POST {base}/v1beta/models/{model}:generateContent`, `x-goog-api-key`.
    Gemini,
    /// Ollama: `POST {base}/api/chat` with `format` = the JSON schema, `stream: false`.
    Ollama,
    /// OpenAI-compatible: `POST {base}/v1/chat/completions`, `Authorization: Bearer`,
    /// `response_format: {type: json_schema}` (plain JSON mode as a fallback on HTTP 400/422).
    OpenAi,
}

impl Provider {
    /// The brain's name.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Gemini => "gemini",
            Provider::Ollama => "ollama",
            Provider::OpenAi => "openai",
        }
    }

    /// The public endpoint (Ollama: the local default).
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Gemini => "https://generativelanguage.googleapis.com",
            Provider::Ollama => "http://127.0.0.1:11434",
            Provider::OpenAi => "https://api.openai.com",
        }
    }

    /// A small, fast model suited to yes/no and pick-one answers.
    pub fn default_model(self) -> &'static str {
        match self {
            Provider::Gemini => "gemini-2.5-flash",
            Provider::Ollama => "llama3.2",
            Provider::OpenAi => "gpt-4o-mini",
        }
    }

    /// The environment variable read for the key by default.
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            Provider::Gemini => Some("GEMINI_API_KEY"),
            Provider::Ollama => None,
            Provider::OpenAi => Some("OPENAI_API_KEY"),
        }
    }
}

/// How an OpenAI-compatible endpoint is asked for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonMode {
    /// `response_format: {type: json_schema, json_schema: {…, strict: true}}`.
    Schema,
    /// `response_format: {type: json_object}`.
    Object,
}

/// One request, ready to send.
#[derive(Debug, Clone)]
pub(crate) struct WireRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

/// Whether the base URL points at this machine (no proxy is used for it).
pub(crate) fn is_loopback(base_url: &str) -> bool {
    let rest = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or_default()
            .trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

fn join(base: &str, versioned_suffix: &str, version: &str, rest: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with(versioned_suffix) {
        format!("{base}{rest}")
    } else {
        format!("{base}{version}{rest}")
    }
}

pub(crate) fn build_request(
    settings: &HttpBrainSettings,
    system: &str,
    user: &str,
    schema: &Value,
    mode: JsonMode,
) -> WireRequest {
    let mut headers = Vec::new();
    match settings.provider {
        Provider::Gemini => {
            let model = settings.model.trim_start_matches("models/");
            let url = join(
                &settings.base_url,
                "/v1beta",
                "/v1beta",
                &format!("/models/{model}:generateContent"),
            );
            if let Some(key) = &settings.api_key {
                headers.push(("x-goog-api-key", key.clone()));
            }
            let body = json!({
                "systemInstruction": {"parts": [{"text": system}]},
                "contents": [{"role": "user", "parts": [{"text": user}]}],
                "generationConfig": {
                    "temperature": 0,
                    "responseMimeType": "application/json",
                    "responseSchema": gemini_schema(schema)
                }
            });
            WireRequest { url, headers, body }
        }
        Provider::Ollama => {
            let url = join(&settings.base_url, "/api", "/api", "/chat");
            if let Some(key) = &settings.api_key {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            let body = json!({
                "model": settings.model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user}
                ],
                "format": schema,
                "stream": false,
                "options": {"temperature": 0}
            });
            WireRequest { url, headers, body }
        }
        Provider::OpenAi => {
            let url = join(&settings.base_url, "/v1", "/v1", "/chat/completions");
            if let Some(key) = &settings.api_key {
                headers.push(("authorization", format!("Bearer {key}")));
            }
            let response_format = match mode {
                JsonMode::Schema => json!({
                    "type": "json_schema",
                    "json_schema": {"name": "pcc_hooks_answer", "strict": true, "schema": schema}
                }),
                JsonMode::Object => json!({"type": "json_object"}),
            };
            let body = json!({
                "model": settings.model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user}
                ],
                "temperature": 0,
                "response_format": response_format
            });
            WireRequest { url, headers, body }
        }
    }
}

fn transport_error(error: reqwest::Error, settings: &HttpBrainSettings) -> BrainError {
    if error.is_timeout() {
        BrainError::Timeout(u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX))
    } else {
        // Without the URL: it may carry a key in a query string for some proxies.
        BrainError::Transport(error.without_url().to_string())
    }
}

/// Sends `request`, honouring `deadline`, and returns the model's text.
pub(crate) fn send(
    client: &reqwest::blocking::Client,
    settings: &HttpBrainSettings,
    request: &WireRequest,
    deadline: Instant,
) -> Result<String, BrainError> {
    let timeout_ms = u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX);
    let remaining = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or(BrainError::Timeout(timeout_ms))?;
    let mut builder = client
        .post(&request.url)
        .timeout(remaining)
        .json(&request.body);
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    let response = builder.send().map_err(|e| transport_error(e, settings))?;
    let status = response.status();
    let body = response.text().map_err(|e| transport_error(e, settings))?;
    if !status.is_success() {
        return Err(BrainError::Status {
            status: status.as_u16(),
            body: excerpt(&body),
        });
    }
    let value: Value = serde_json::from_str(&body).map_err(|e| {
        BrainError::Malformed(format!("response is not JSON ({e}): {}", excerpt(&body)))
    })?;
    extract_text(settings.provider, &value)
}

/// The model's text inside a provider's response envelope.
pub(crate) fn extract_text(provider: Provider, value: &Value) -> Result<String, BrainError> {
    let missing = |what: &str| {
        BrainError::Malformed(format!(
            "{what} missing from the {} response: {}",
            provider.name(),
            excerpt(&value.to_string())
        ))
    };
    match provider {
        Provider::Gemini => {
            if let Some(reason) = value
                .pointer("/promptFeedback/blockReason")
                .and_then(Value::as_str)
            {
                return Err(BrainError::Malformed(format!("prompt blocked: {reason}")));
            }
            let parts = value
                .pointer("/candidates/0/content/parts")
                .and_then(Value::as_array)
                .ok_or_else(|| missing("candidates[0].content.parts"))?;
            let text: String = parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect();
            if text.trim().is_empty() {
                return Err(missing("text"));
            }
            Ok(text)
        }
        Provider::Ollama => value
            .pointer("/message/content")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| missing("message.content")),
        Provider::OpenAi => {
            let message = value
                .pointer("/choices/0/message")
                .ok_or_else(|| missing("choices[0].message"))?;
            if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
                return Err(BrainError::Malformed(format!(
                    "the model refused: {}",
                    excerpt(refusal)
                )));
            }
            message
                .get("content")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| missing("choices[0].message.content"))
        }
    }
}
