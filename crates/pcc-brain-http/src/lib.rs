//! LLM brains for pcc-hooks over HTTP: Google Gemini (`generateContent`), Ollama (`/api/chat`)
//! and any OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI, vLLM, LM Studio,
//! llama.cpp server).
//!
//! Each asks for structured JSON output (the schemas in `pcc_core::brain::prompt`), validates the
//! reply strictly, and fails with a [`BrainError`] on anything else. [`build_brain`] wraps the
//! configured LLM brain in a [`FallbackBrain`], so a network error, a timeout, a 500, or a
//! malformed or invalid reply is answered by the rule brain instead, with `fallback_reason`
//! saying why. The guards in `pcc_core::brain` still apply to whatever comes out.
//!
//! The HTTP client is built lazily on the first request, so building a brain costs nothing on the
//! paths that never ask it (LOW calls), and requests use a connect timeout and a total deadline
//! well inside the hook's 30 s budget.

mod wire;

use pcc_core::brain::{
    Brain, BrainConfig, BrainContext, BrainError, BrainKind, FallbackBrain, PermissionOpinion,
    PermissionQuery, Question, QuestionAnswer, RuleBrain, prompt,
};
use serde_json::Value;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use wire::Provider;

/// Everything an [`HttpBrain`] needs, resolved (defaults applied, key read).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpBrainSettings {
    /// Which wire format.
    pub provider: Provider,
    /// The service's base URL, e.g. `http://127.0.0.1:11434`.
    pub base_url: String,
    /// The model name.
    pub model: String,
    /// The API key, if any (sent as `x-goog-api-key` to Gemini, `Authorization: Bearer` to the
    /// others).
    pub api_key: Option<String>,
    /// Total time for one brain call (every request it makes included).
    pub timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for HttpBrainSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBrainSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl HttpBrainSettings {
    /// Settings for `provider` with its default base URL and model, no key, and the default
    /// timeouts.
    pub fn new(provider: Provider) -> Self {
        Self {
            provider,
            base_url: provider.default_base_url().to_owned(),
            model: provider.default_model().to_owned(),
            api_key: None,
            timeout: Duration::from_millis(pcc_core::brain::BrainConfig::default().timeout_ms),
            connect_timeout: Duration::from_millis(
                pcc_core::brain::BrainConfig::default().connect_timeout_ms,
            ),
        }
    }

    /// Resolves a [`BrainConfig`]: defaults per kind, the key read through `env` from the
    /// configured (or default) variable. `Err` names what is missing; `kind = "rules"` is not an
    /// HTTP brain.
    pub fn from_config(
        config: &BrainConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, BrainError> {
        let provider = match config.kind {
            BrainKind::Rules => {
                return Err(BrainError::NotConfigured(
                    "the rule brain does not use HTTP".into(),
                ));
            }
            BrainKind::Gemini => Provider::Gemini,
            BrainKind::Ollama => Provider::Ollama,
            BrainKind::Openai => Provider::OpenAi,
        };
        config.validate().map_err(BrainError::NotConfigured)?;
        let base_url = config
            .base_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| provider.default_base_url().to_owned());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(BrainError::NotConfigured(format!(
                "brain.base_url must start with http:// or https://, got {base_url:?}"
            )));
        }
        let model = config
            .model
            .clone()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| provider.default_model().to_owned());
        let key_var = config
            .api_key_env
            .clone()
            .or_else(|| provider.default_key_env().map(str::to_owned));
        let api_key = key_var
            .as_deref()
            .and_then(env)
            .filter(|k| !k.trim().is_empty());
        let key_required = match provider {
            Provider::Gemini => true,
            // A local server (vLLM, LM Studio, llama.cpp) needs no key; OpenAI itself does, and a
            // variable the user named explicitly must be set.
            Provider::OpenAi => config.api_key_env.is_some() || config.base_url.is_none(),
            Provider::Ollama => config.api_key_env.is_some(),
        };
        if api_key.is_none() && key_required {
            return Err(BrainError::NotConfigured(format!(
                "no API key: the environment variable {} is not set",
                key_var.as_deref().unwrap_or("(none)")
            )));
        }
        let timeout = Duration::from_millis(config.timeout_ms);
        Ok(Self {
            provider,
            base_url,
            model,
            api_key,
            timeout,
            connect_timeout: Duration::from_millis(config.connect_timeout_ms).min(timeout),
        })
    }
}

/// An LLM brain over HTTP. Use it through [`FallbackBrain`] (see [`build_brain`]): on its own it
/// returns errors rather than answers when the service fails.
pub struct HttpBrain {
    settings: HttpBrainSettings,
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
}

impl std::fmt::Debug for HttpBrain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBrain")
            .field("settings", &self.settings)
            .finish()
    }
}

impl HttpBrain {
    /// A brain with resolved settings. Cheap: the HTTP client is built on the first request.
    pub fn new(settings: HttpBrainSettings) -> Self {
        Self {
            settings,
            client: OnceLock::new(),
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &HttpBrainSettings {
        &self.settings
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, BrainError> {
        self.client
            .get_or_init(|| {
                let mut builder = reqwest::blocking::Client::builder()
                    .connect_timeout(self.settings.connect_timeout)
                    .timeout(self.settings.timeout)
                    .user_agent(concat!("pcc-hooks/", env!("CARGO_PKG_VERSION")));
                if wire::is_loopback(&self.settings.base_url) {
                    builder = builder.no_proxy();
                }
                builder.build().map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| BrainError::Transport(format!("cannot build the HTTP client: {e}")))
    }

    /// Sends one structured request and returns the model's text, within the total deadline.
    fn ask(&self, user_prompt: &str, schema: &Value) -> Result<String, BrainError> {
        let client = self.client()?;
        let deadline = Instant::now() + self.settings.timeout;
        let request = wire::build_request(
            &self.settings,
            prompt::SYSTEM_PROMPT,
            user_prompt,
            schema,
            wire::JsonMode::Schema,
        );
        match wire::send(client, &self.settings, &request, deadline) {
            Err(BrainError::Status { status, body })
                if self.settings.provider == Provider::OpenAi
                    && (status == 400 || status == 422) =>
            {
                // Some OpenAI-compatible servers reject `json_schema`; ask once more for plain
                // JSON mode, with the schema spelled out in the prompt, within the same deadline.
                let with_schema =
                    format!("{user_prompt}\n\nThe JSON must match this schema: {schema}");
                let retry = wire::build_request(
                    &self.settings,
                    prompt::SYSTEM_PROMPT,
                    &with_schema,
                    schema,
                    wire::JsonMode::Object,
                );
                wire::send(client, &self.settings, &retry, deadline).map_err(|e| match e {
                    BrainError::Status {
                        status: s2,
                        body: b2,
                    } => BrainError::Status {
                        status: s2,
                        body: format!(
                            "{b2} (json_schema was rejected first with HTTP {status}: {body})"
                        ),
                    },
                    other => other,
                })
            }
            other => other,
        }
    }
}

impl Brain for HttpBrain {
    fn name(&self) -> &str {
        self.settings.provider.name()
    }

    fn answer_question(
        &self,
        question: &Question,
        ctx: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        let text = self.ask(
            &prompt::question_prompt(question, ctx),
            &prompt::question_schema(),
        )?;
        Ok(prompt::parse_question_answer(&text, question)?.by(self.name()))
    }

    fn evaluate_permission(
        &self,
        request: &PermissionQuery,
        ctx: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        let text = self.ask(
            &prompt::permission_prompt(request, ctx),
            &prompt::permission_schema(),
        )?;
        Ok(prompt::parse_permission_opinion(&text)?.by(self.name()))
    }
}

/// A brain that could not be set up (no key, bad URL): every call fails with the reason, so a
/// [`FallbackBrain`] around it answers with the rule brain and records why.
#[derive(Debug, Clone)]
pub struct UnavailableBrain {
    name: &'static str,
    reason: BrainError,
}

impl UnavailableBrain {
    /// A brain named `name` that always fails with `reason`.
    pub fn new(name: &'static str, reason: BrainError) -> Self {
        Self { name, reason }
    }
}

impl Brain for UnavailableBrain {
    fn name(&self) -> &str {
        self.name
    }

    fn answer_question(
        &self,
        _: &Question,
        _: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        Err(self.reason.clone())
    }

    fn evaluate_permission(
        &self,
        _: &PermissionQuery,
        _: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        Err(self.reason.clone())
    }
}

/// The configured brain, reading API keys from the process environment: the rule brain for
/// `kind = "rules"`, otherwise the LLM brain wrapped in a [`FallbackBrain`].
pub fn build_brain(config: &BrainConfig) -> Box<dyn Brain> {
    build_brain_with_env(config, &|name| std::env::var(name).ok())
}

/// [`build_brain`] with the environment passed in (for tests and for callers that hold it).
pub fn build_brain_with_env(
    config: &BrainConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Box<dyn Brain> {
    let provider = match config.kind {
        BrainKind::Rules => return Box::new(RuleBrain::new()),
        BrainKind::Gemini => Provider::Gemini,
        BrainKind::Ollama => Provider::Ollama,
        BrainKind::Openai => Provider::OpenAi,
    };
    let primary: Box<dyn Brain> = match HttpBrainSettings::from_config(config, env) {
        Ok(settings) => Box::new(HttpBrain::new(settings)),
        Err(reason) => Box::new(UnavailableBrain::new(provider.name(), reason)),
    };
    Box::new(FallbackBrain::new(primary))
}
