//! The `[notify]` section of `config.toml`: notification channels and their limits.
//!
//! Pure data and validation, here in the domain crate so `pcc_core::config::Config` can carry
//! it; `pcc-notify` re-exports these types and does the sending.
//!
//! ```toml
//! [notify]
//! desktop = true              # notify-send (Linux) / osascript (macOS), when present
//! bell = false                # BEL to the controlling terminal (/dev/tty)
//! min_interval_seconds = 60   # same session + same dedupe key: at most once per interval
//! max_per_interval = 5        # per session, whatever the key (HIGH urgency exempt)
//! timeout_ms = 3000           # total time for one send, every channel in parallel
//!
//! [[notify.webhooks]]
//! url = "https://ntfy.sh/my-secret-topic"
//! format = "ntfy"             # "json" (default) | "ntfy" | "slack" | "discord"
//! headers = { Authorization = "Bearer tk_…" }
//! ```
//!
//! Webhook URLs (Slack and Discord put the secret in the path) and header values are treated as
//! secrets: `Debug` redacts them and channel names show only the format and the host.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use url::Url;

/// The longest allowed `timeout_ms`: a send runs inside (or beside) a hook call.
pub const MAX_TIMEOUT_MS: u64 = 30_000;

/// Notification channels and limits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Desktop notifications (default true).
    pub desktop: bool,
    /// Terminal bell (default false).
    pub bell: bool,
    /// Webhooks, each in its format.
    pub webhooks: Vec<WebhookConfig>,
    /// Minimum seconds between two sends of the same session and dedupe key (default 60); also
    /// the window of `max_per_interval`.
    pub min_interval_seconds: u64,
    /// Most sends per session within `min_interval_seconds`, whatever their key (default 5);
    /// HIGH urgency is exempt. 0 means no cap.
    pub max_per_interval: u32,
    /// Total time for one send, every channel in parallel (default 3000).
    pub timeout_ms: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            desktop: true,
            bell: false,
            webhooks: Vec::new(),
            min_interval_seconds: 60,
            max_per_interval: 5,
            timeout_ms: 3000,
        }
    }
}

impl fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("desktop", &self.desktop)
            .field("bell", &self.bell)
            .field("webhooks", &self.webhooks)
            .field("min_interval_seconds", &self.min_interval_seconds)
            .field("max_per_interval", &self.max_per_interval)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl NotifyConfig {
    /// `timeout_ms` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// `min_interval_seconds` as a duration.
    pub fn min_interval(&self) -> Duration {
        Duration::from_secs(self.min_interval_seconds)
    }

    /// Checks what serde cannot: the timeout's range, each webhook's URL (absolute http or
    /// https) and header names and values. Call it when loading config.toml so a typo is a
    /// config error, not a silent failure at the first notification.
    pub fn validate(&self) -> Result<(), NotifyConfigError> {
        if self.timeout_ms == 0 || self.timeout_ms > MAX_TIMEOUT_MS {
            return Err(NotifyConfigError::Timeout(self.timeout_ms));
        }
        for (index, hook) in self.webhooks.iter().enumerate() {
            let url = Url::parse(&hook.url).map_err(|e| NotifyConfigError::Url {
                index,
                reason: e.to_string(),
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(NotifyConfigError::Url {
                    index,
                    reason: "not an http(s) URL with a host".to_owned(),
                });
            }
            for (name, value) in &hook.headers {
                if !is_header_name(name) || !is_header_value(value) {
                    return Err(NotifyConfigError::Header {
                        index,
                        name: name.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// One webhook.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST (for ntfy: the topic URL, e.g. `https://ntfy.sh/my-topic`).
    pub url: String,
    /// The body format (default `json`).
    #[serde(default)]
    pub format: WebhookFormat,
    /// Extra headers (e.g. `Authorization`), sent last so they override ours.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl WebhookConfig {
    /// A webhook of `format` at `url`, no extra headers.
    pub fn new(url: impl Into<String>, format: WebhookFormat) -> Self {
        Self {
            url: url.into(),
            format,
            headers: BTreeMap::new(),
        }
    }

    /// The host of the URL, or `"?"`: all of the URL a log or a channel name may show.
    pub fn host(&self) -> String {
        Url::parse(&self.url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(port) => format!("{h}:{port}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| "?".to_owned())
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.keys().map(String::as_str).collect();
        f.debug_struct("WebhookConfig")
            .field("url", &format_args!("<redacted: {}>", self.host()))
            .field("format", &self.format)
            .field("headers", &headers)
            .finish()
    }
}

/// A webhook's body format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{title, message, session_id, project, kind, urgency, at}` as `application/json`.
    #[default]
    Json,
    /// ntfy: the body as plain text, `Title`, `Priority` and `Tags` headers.
    Ntfy,
    /// Slack incoming webhook: `{"text": <mrkdwn>}`.
    Slack,
    /// Discord webhook: `{"content", "embeds", "allowed_mentions"}`.
    Discord,
}

impl WebhookFormat {
    /// The lowercase name used in config.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Ntfy => "ntfy",
            Self::Slack => "slack",
            Self::Discord => "discord",
        }
    }
}

/// An HTTP header name as the `http` crate (and so reqwest) accepts it: one or more RFC 9110
/// token characters. Checked here, without an HTTP stack, so a bad name is a config error rather
/// than a failed send.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// An HTTP header value as the `http` crate accepts it from a string: no control characters
/// other than tab (so no CR or LF that could smuggle another header).
pub fn is_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// What [`NotifyConfig::validate`] rejects (`pcc_notify::ConfigError` is this type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyConfigError {
    /// `timeout_ms` is 0 or above [`MAX_TIMEOUT_MS`].
    #[error("notify.timeout_ms = {0}: must be between 1 and {MAX_TIMEOUT_MS}")]
    Timeout(u64),
    /// A webhook URL does not parse or is not http(s). The URL itself is not repeated: it may
    /// be a secret.
    #[error("notify.webhooks[{index}].url: {reason}")]
    Url {
        /// Which webhook (0-based).
        index: usize,
        /// Why.
        reason: String,
    },
    /// A header name or value is not valid in HTTP.
    #[error("notify.webhooks[{index}].headers: {name:?} has an invalid name or value")]
    Header {
        /// Which webhook (0-based).
        index: usize,
        /// The header name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_section_gets_the_defaults() -> Result<(), serde_json::Error> {
        let config: NotifyConfig = serde_json::from_str("{}")?;
        assert_eq!(config, NotifyConfig::default());
        assert!(config.desktop);
        assert!(!config.bell);
        assert_eq!(config.min_interval_seconds, 60);
        assert_eq!(config.timeout_ms, 3000);
        Ok(())
    }

    #[test]
    fn webhooks_parse_with_their_format_and_headers() -> Result<(), serde_json::Error> {
        let config: NotifyConfig = serde_json::from_str(
            r#"{"webhooks":[{"url":"https://ntfy.sh/t","format":"ntfy","headers":{"Authorization":"Bearer x"}},
                            {"url":"https://example.com/hook"}]}"#,
        )?;
        assert_eq!(config.webhooks[0].format, WebhookFormat::Ntfy);
        assert_eq!(config.webhooks[0].headers["Authorization"], "Bearer x");
        assert_eq!(config.webhooks[1].format, WebhookFormat::Json);
        assert_eq!(config.validate(), Ok(()));
        Ok(())
    }

    #[test]
    fn unknown_keys_and_formats_are_rejected() {
        assert!(serde_json::from_str::<NotifyConfig>(r#"{"desktp":true}"#).is_err());
        assert!(
            serde_json::from_str::<NotifyConfig>(r#"{"webhooks":[{"url":"u","format":"teams"}]}"#)
                .is_err()
        );
    }

    #[test]
    fn validate_rejects_bad_urls_headers_and_timeouts() {
        let mut config = NotifyConfig::default();
        config
            .webhooks
            .push(WebhookConfig::new("ftp://x/y", WebhookFormat::Json));
        assert!(matches!(
            config.validate(),
            Err(NotifyConfigError::Url { index: 0, .. })
        ));
        config.webhooks[0].url = "not a url".to_owned();
        assert!(matches!(
            config.validate(),
            Err(NotifyConfigError::Url { index: 0, .. })
        ));
        config.webhooks[0].url = "https://x/y".to_owned();
        config.webhooks[0]
            .headers
            .insert("Bad Name".to_owned(), "v".to_owned());
        assert!(matches!(
            config.validate(),
            Err(NotifyConfigError::Header { index: 0, .. })
        ));
        config.webhooks[0].headers.clear();
        config.timeout_ms = 0;
        assert_eq!(config.validate(), Err(NotifyConfigError::Timeout(0)));
    }

    #[test]
    fn header_names_are_tokens_and_values_have_no_line_breaks() {
        assert!(is_header_name("Authorization"));
        assert!(is_header_name("X-Api_Key.v2"));
        assert!(!is_header_name(""));
        assert!(!is_header_name("Bad Name"));
        assert!(!is_header_name("a:b"));
        assert!(is_header_value("Bearer tk_\u{e9}\tx"));
        assert!(!is_header_value("a\r\nX-Injected: 1"));
        assert!(!is_header_value("a\u{7f}"));
    }

    #[test]
    fn debug_never_shows_the_url_path_or_header_values() {
        let mut hook = WebhookConfig::new(
            "https://hooks.slack.com/services/T000/B000/SECRET",
            WebhookFormat::Slack,
        );
        hook.headers
            .insert("Authorization".to_owned(), "Bearer TOKEN".to_owned());
        let shown = format!(
            "{:?}",
            NotifyConfig {
                webhooks: vec![hook],
                ..Default::default()
            }
        );
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(!shown.contains("TOKEN"), "{shown}");
        assert!(shown.contains("hooks.slack.com"), "{shown}");
    }
}
