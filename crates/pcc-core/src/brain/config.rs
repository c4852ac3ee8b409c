//! `[brain]` in `config.toml`: which brain answers, where it lives and how sure it must be.

use serde::{Deserialize, Serialize};

/// The default total time for one LLM request, in milliseconds: well inside the hook's 30 s.
pub const DEFAULT_TIMEOUT_MS: u64 = 8_000;
/// The default time to establish a connection, in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 2_000;
/// The default confidence an answer to a question needs to be used without a human.
pub const DEFAULT_MIN_CONFIDENCE_QUESTION: f64 = 0.7;
/// The default confidence a permission opinion needs to allow or deny without a human.
pub const DEFAULT_MIN_CONFIDENCE_PERMISSION: f64 = 0.8;

/// Which brain answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BrainKind {
    /// The offline, deterministic rule brain (the default).
    #[default]
    Rules,
    /// Google Gemini `generateContent`.
    Gemini,
    /// A local Ollama server (`/api/chat`).
    Ollama,
    /// Any OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI, vLLM, LM Studio,
    /// llama.cpp server).
    #[serde(alias = "openai-compatible", alias = "openai_compatible")]
    Openai,
}

impl BrainKind {
    /// The stable name printed and recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            BrainKind::Rules => "rules",
            BrainKind::Gemini => "gemini",
            BrainKind::Ollama => "ollama",
            BrainKind::Openai => "openai",
        }
    }
}

/// The `[brain]` table. Every field has an offline default: with no table at all the rule brain
/// answers and nothing touches the network.
///
/// ```toml
/// [brain]
/// kind = "gemini"                 # rules | gemini | ollama | openai
/// model = "gemini-2.5-flash"      # default per kind
/// base_url = "https://generativelanguage.googleapis.com"   # default per kind
/// api_key_env = "GEMINI_API_KEY"  # the *name* of the variable holding the key
/// timeout_ms = 8000               # whole request, connect included
/// connect_timeout_ms = 2000
/// min_confidence_question = 0.7
/// min_confidence_permission = 0.8
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrainConfig {
    /// Which brain.
    pub kind: BrainKind,
    /// The service's base URL; `None` uses the kind's default.
    pub base_url: Option<String>,
    /// The model name; `None` uses the kind's default.
    pub model: Option<String>,
    /// The name of the environment variable holding the API key; `None` uses the kind's
    /// default (`GEMINI_API_KEY`, `OPENAI_API_KEY`; Ollama needs none). The key itself is never
    /// written in the config.
    pub api_key_env: Option<String>,
    /// Total time for one request, in milliseconds.
    pub timeout_ms: u64,
    /// Time to connect, in milliseconds (capped by `timeout_ms`).
    pub connect_timeout_ms: u64,
    /// Confidence an answer needs; below it the question goes to a human.
    pub min_confidence_question: f64,
    /// Confidence a permission opinion needs; below it the call goes to a human.
    pub min_confidence_permission: f64,
}

impl Default for BrainConfig {
    fn default() -> Self {
        Self {
            kind: BrainKind::Rules,
            base_url: None,
            model: None,
            api_key_env: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            min_confidence_question: DEFAULT_MIN_CONFIDENCE_QUESTION,
            min_confidence_permission: DEFAULT_MIN_CONFIDENCE_PERMISSION,
        }
    }
}

impl BrainConfig {
    /// Checks ranges: thresholds in `0..=1`, timeouts positive and at most 25 s (the hook has
    /// 30 s in all).
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("min_confidence_question", self.min_confidence_question),
            ("min_confidence_permission", self.min_confidence_permission),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!("brain.{name} must be between 0 and 1, got {value}"));
            }
        }
        if self.timeout_ms == 0 || self.timeout_ms > 25_000 {
            return Err(format!(
                "brain.timeout_ms must be between 1 and 25000, got {}",
                self.timeout_ms
            ));
        }
        if self.connect_timeout_ms == 0 {
            return Err("brain.connect_timeout_ms must be positive".into());
        }
        Ok(())
    }
}
