//! The `[webhooks]` section in force for one delivery, and the secret its source names.
//!
//! The global config.toml is read again for each delivery, so a rule added or a secret turned
//! on takes effect without restarting the server, as the hooks read it for each call. A file that
//! cannot be used is not guessed around: no rule of it is trusted and the delivery is refused
//! (503), saying why, rather than matched against the defaults' empty set of rules and dropped
//! as if nothing were wrong.

use pcc_core::Config;
use pcc_core::config::webhooks::SourceConfig;
use pcc_core::config::{WebhookSource, WebhooksConfig};
use pcc_core::paths::DataDir;
use std::fmt;

/// The section of `data`'s config.toml (the defaults, with no source, when there is no file), or
/// why the file cannot be used.
pub(crate) fn load(data: &DataDir) -> Result<WebhooksConfig, String> {
    let path = data.config();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(WebhooksConfig::default());
        }
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let name = path.display().to_string();
    let found = Config::in_force(Some(Ok((name.as_str(), text.as_str()))), None);
    match found.problems.first() {
        Some(problem) => Err(format!(
            "{problem}; fix it (`pcc-hooks config show` checks it) and send the delivery again"
        )),
        None => Ok(found.config.webhooks),
    }
}

/// A source's shared secret, from the server's environment. `Debug` never shows it.
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    /// The secret's bytes, for the signature check.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secret of `source`, or what to do to give it one. A source without a section, or whose
/// variable is unset or empty, has none: its deliveries are refused, never taken unsigned.
pub(crate) fn secret(
    config: &WebhooksConfig,
    source: WebhookSource,
) -> Result<(Secret, &SourceConfig), String> {
    let Some(section) = config.source(source) else {
        return Err(format!(
            "webhooks from {source} are not turned on here: add [webhooks.{source}] with \
             secret_env to config.toml and give pcc-hooks serve that variable"
        ));
    };
    match std::env::var_os(&section.secret_env) {
        Some(value) if !value.is_empty() => Ok((Secret(value.into_encoded_bytes()), section)),
        _ => Err(unset(source, &section.secret_env)),
    }
}

/// Why `source` cannot be checked when its variable `name` is unset. Worded so the redactor,
/// which hides what follows words like "secret:", leaves the variable's name for the user.
fn unset(source: WebhookSource, name: &str) -> String {
    format!(
        "webhooks from {source} cannot be checked: the variable {name} named by \
         [webhooks.{source}] secret_env is not set in the environment of pcc-hooks serve; set \
         it to the value the sender signs with and restart the server"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unset_variable_is_named_even_after_redaction() {
        let message = unset(WebhookSource::Github, "PCC_GITHUB_WEBHOOK_SECRET");
        assert_eq!(pcc_core::redact::redact(&message), message);
        assert!(message.contains("the variable PCC_GITHUB_WEBHOOK_SECRET named by"));
        let Err(off) = secret(&WebhooksConfig::default(), WebhookSource::Sentry) else {
            panic!("no section, no secret");
        };
        assert_eq!(pcc_core::redact::redact(&off), off);
        assert!(off.contains("add [webhooks.sentry]"), "{off}");
    }
}
