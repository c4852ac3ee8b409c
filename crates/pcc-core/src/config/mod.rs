//! The configuration: pcc-hooks' own files ([`Config`], the global file and a project's, and
//! what is in force when one is broken), the `[notify]` section ([`notify`]), prices per model
//! family ([`pricing`]), the `[server]` section ([`server`]), incoming webhooks and their rules
//! ([`webhooks`]), and our entries in Claude Code's
//! `settings.json` ([`claude_settings`]).

pub mod claude_settings;
mod global;
pub mod notify;
pub mod pricing;
pub mod server;
pub mod webhooks;

pub use global::{
    Config, ConfigError, ConfigInForce, ConfigProblem, ConfigScope, DEFAULT_APPROVALS_TO_LEARN,
    DEFAULT_CONTINUE_PROMPT, DEFAULT_MAX_AUTOMATIC_ANSWERS, DEFAULT_QUEUE_MAX_ATTEMPTS,
    DEFAULT_RESUME_GRACE_SECONDS, SandboxConfig, SandboxMode,
};
pub use notify::NotifyConfig;
pub use pricing::{ModelPrice, PricingConfig};
pub use server::ServerConfig;
pub use webhooks::{WebhookAction, WebhookRule, WebhookSource, WebhooksConfig};
