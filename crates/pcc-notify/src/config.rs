//! The `[notify]` section of `config.toml`.
//!
//! The types live in `pcc_core::config::notify` (so the domain's `Config` can carry them without
//! an HTTP stack) and are re-exported here unchanged; see that module for the file format.
//! `ConfigError` is `pcc_core::config::notify::NotifyConfigError` under its original name here.

pub use pcc_core::config::notify::{
    MAX_TIMEOUT_MS, NotifyConfig, NotifyConfigError as ConfigError, WebhookConfig, WebhookFormat,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Validation lives in pcc-core without reqwest; it must accept exactly the headers reqwest
    /// accepts, or a config that loads would fail at every send (or the reverse).
    #[test]
    fn core_header_validation_agrees_with_reqwest() {
        let names = [
            "Authorization",
            "X-Api_Key.v2",
            "",
            "Bad Name",
            "a:b",
            "é",
            "a\u{0}",
            "Title",
            "x!#$%&'*+-.^_`|~",
        ];
        let values = [
            "Bearer tk",
            "tab\there",
            "é utf-8",
            "a\r\nX-Injected: 1",
            "a\u{7f}",
            "",
            "a\u{1}",
        ];
        for name in names {
            let mut config = NotifyConfig::default();
            let mut hook = WebhookConfig::new("https://example.com/x", WebhookFormat::Json);
            hook.headers.insert(name.to_owned(), "v".to_owned());
            config.webhooks.push(hook);
            assert_eq!(
                config.validate().is_ok(),
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok(),
                "header name {name:?}"
            );
        }
        for value in values {
            let mut config = NotifyConfig::default();
            let mut hook = WebhookConfig::new("https://example.com/x", WebhookFormat::Json);
            hook.headers.insert("X".to_owned(), value.to_owned());
            config.webhooks.push(hook);
            assert_eq!(
                config.validate().is_ok(),
                reqwest::header::HeaderValue::from_str(value).is_ok(),
                "header value {value:?}"
            );
        }
    }
}
