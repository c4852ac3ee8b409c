//! The `[server]` section of `config.toml`: where `pcc-hooks serve` is reached from outside, and
//! how long a notification's Approve and Deny buttons work.
//!
//! ```toml
//! [server]
//! public_url = "https://host.tailnet.ts.net"   # how a phone reaches `pcc-hooks serve`
//! capability_ttl = "1h"                        # or seconds: 3600; from 1 minute to 1 day
//! ```
//!
//! With `public_url` set, an escalation's notification carries links: the escalation's page,
//! and (ntfy) Approve and Deny buttons, each a single-use capability that expires after
//! `capability_ttl`. Global only: a project must not choose where approvals are sent from.
//! `public_url` is the origin only (scheme, host, port): anything else — a path, a query, a
//! fragment, a user name or password — is refused, since a secret there would be copied into
//! every notification, and the server's routes are at the root.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::time::Duration;
use url::Url;

/// How long a capability works unless `capability_ttl` says otherwise: one hour.
pub const DEFAULT_CAPABILITY_TTL: Duration = Duration::from_secs(3600);

/// The shortest `capability_ttl`: less could expire before the notification arrives.
pub const MIN_CAPABILITY_TTL: Duration = Duration::from_secs(60);

/// The longest `capability_ttl`: a button is a credential sitting in a notification history.
pub const MAX_CAPABILITY_TTL: Duration = Duration::from_secs(24 * 3600);

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The origin a phone reaches the server at (`https://host.tailnet.ts.net`), without a
    /// trailing slash once validated; `None`: notifications carry no links.
    pub public_url: Option<String>,
    /// How long an Approve or Deny button works after its notification is sent.
    #[serde(deserialize_with = "deserialize_ttl", serialize_with = "serialize_ttl")]
    pub capability_ttl: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            public_url: None,
            capability_ttl: DEFAULT_CAPABILITY_TTL,
        }
    }
}

/// What is wrong with a `[server]` section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerConfigError {
    /// `public_url` is not an origin we can put in a link.
    #[error(
        "server.public_url {url:?}: {reason}; write the origin only, e.g. \"https://host.tailnet.ts.net\""
    )]
    PublicUrl {
        /// The value, with any user name, password, query or fragment left out.
        url: String,
        /// Why.
        reason: String,
    },
    /// `capability_ttl` is outside the range allowed.
    #[error(
        "server.capability_ttl is {seconds} s; it must be between {} s and {} s (\"1m\" to \"24h\")",
        MIN_CAPABILITY_TTL.as_secs(),
        MAX_CAPABILITY_TTL.as_secs()
    )]
    CapabilityTtl {
        /// The value, in seconds.
        seconds: u64,
    },
}

impl ServerConfig {
    /// The section checked, with `public_url` reduced to `scheme://host[:port]`. Called when
    /// config.toml is loaded, so a typo is a config error, not a dead button on the phone.
    pub fn validated(self) -> Result<ServerConfig, ServerConfigError> {
        if !(MIN_CAPABILITY_TTL..=MAX_CAPABILITY_TTL).contains(&self.capability_ttl) {
            return Err(ServerConfigError::CapabilityTtl {
                seconds: self.capability_ttl.as_secs(),
            });
        }
        let public_url = self.public_url.as_deref().map(origin).transpose()?;
        Ok(ServerConfig { public_url, ..self })
    }

    /// `<public_url><path>` (`path` starts with `/`), when `public_url` is set.
    pub fn link(&self, path: &str) -> Option<String> {
        self.public_url.as_ref().map(|base| format!("{base}{path}"))
    }

    /// The page of escalation `id` on the dashboard, when `public_url` is set.
    pub fn escalation_page(&self, id: i64) -> Option<String> {
        self.link(&format!("/escalations/{id}"))
    }
}

/// `text` as an origin without a trailing slash, or why it cannot be one.
fn origin(text: &str) -> Result<String, ServerConfigError> {
    let refuse = |shown: &str, reason: &str| ServerConfigError::PublicUrl {
        url: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text).map_err(|error| refuse(&shown(text), &error.to_string()))?;
    let shown = shown_url(&url);
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(&shown, "not an http or https URL"));
    }
    let Some(host) = url.host_str() else {
        return Err(refuse(&shown, "it names no host"));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            &shown,
            "it carries a user name or password, which every notification would repeat",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse(
            &shown,
            "it has a query or fragment, which every notification would repeat",
        ));
    }
    if url.path() != "/" {
        return Err(refuse(
            &shown,
            "it has a path; the server's pages are at the root of its origin",
        ));
    }
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// A value that did not parse, cut before anything that could be a secret.
fn shown(text: &str) -> String {
    let end = text.find(['?', '#', '@']).unwrap_or(text.len());
    text[..end].to_owned()
}

/// A parsed URL without its user name, password, query and fragment.
fn shown_url(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    clean.to_string()
}

/// `capability_ttl` as written: seconds, or a duration such as `"1h"`, `"30m"`, `"1h 30m"`
/// (jiff's friendly format) or ISO 8601 (`"PT1H"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum TtlValue {
    Seconds(u64),
    Text(String),
}

fn deserialize_ttl<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    match TtlValue::deserialize(deserializer)? {
        TtlValue::Seconds(seconds) => Ok(Duration::from_secs(seconds)),
        TtlValue::Text(text) => parse_ttl(&text).map_err(serde::de::Error::custom),
    }
}

fn serialize_ttl<S: serde::Serializer>(ttl: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(ttl.as_secs())
}

/// A duration such as `"1h"`, or why it is not one.
fn parse_ttl(text: &str) -> Result<Duration, TtlError> {
    let duration: jiff::SignedDuration = text.trim().parse().map_err(|_| TtlError {
        text: text.to_owned(),
    })?;
    Duration::try_from(duration).map_err(|_| TtlError {
        text: text.to_owned(),
    })
}

/// A `capability_ttl` text that is not a duration.
#[derive(Debug)]
struct TtlError {
    text: String,
}

impl fmt::Display for TtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capability_ttl {:?} is not a duration; write seconds (3600) or a duration such as \"1h\" or \"30m\"",
            self.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<ServerConfig, String> {
        let parsed: ServerConfig = toml::from_str(text).map_err(|error| error.to_string())?;
        parsed.validated().map_err(|error| error.to_string())
    }

    #[test]
    fn the_defaults_carry_no_links_and_a_one_hour_ttl() {
        let config = ServerConfig::default();
        assert_eq!(config.public_url, None);
        assert_eq!(config.capability_ttl, Duration::from_secs(3600));
        assert_eq!(config.escalation_page(3), None);
        assert_eq!(section(""), Ok(config));
    }

    #[test]
    fn an_origin_is_kept_without_its_trailing_slash() {
        for (written, kept) in [
            ("https://host.tailnet.ts.net", "https://host.tailnet.ts.net"),
            (
                "https://host.tailnet.ts.net/",
                "https://host.tailnet.ts.net",
            ),
            ("http://127.0.0.1:7878", "http://127.0.0.1:7878"),
            ("HTTPS://Host.Example:443/", "https://host.example"),
        ] {
            let config = section(&format!("public_url = {written:?}")).expect(written);
            assert_eq!(config.public_url.as_deref(), Some(kept), "{written}");
        }
        let config = section("public_url = \"https://h.example\"").expect("valid");
        assert_eq!(
            config.escalation_page(12).as_deref(),
            Some("https://h.example/escalations/12")
        );
        assert_eq!(
            config.link("/a/x").as_deref(),
            Some("https://h.example/a/x")
        );
    }

    #[test]
    fn anything_but_an_origin_is_refused_without_repeating_a_secret() {
        for (written, why) in [
            ("ftp://h.example", "not an http or https"),
            ("h.example", "relative URL"),
            ("https://h.example/pcc", "has a path"),
            ("https://h.example/?key=hunter2", "query"),
            ("https://h.example/#hunter2", "query or fragment"),
            ("https://alice:hunter2@h.example", "password"),
        ] {
            let error = section(&format!("public_url = {written:?}")).expect_err(written);
            assert!(error.contains("server.public_url"), "{written}: {error}");
            assert!(error.contains(why), "{written}: {error}");
            assert!(!error.contains("hunter2"), "{written}: {error}");
        }
    }

    #[test]
    fn the_ttl_is_seconds_or_a_duration_within_a_minute_and_a_day() {
        for (written, seconds) in [
            ("600", 600),
            ("\"1h\"", 3600),
            ("\"30m\"", 1800),
            ("\"1h 30m\"", 5400),
            ("\"PT2H\"", 7200),
            ("\"24h\"", 86_400),
        ] {
            let config = section(&format!("capability_ttl = {written}")).expect(written);
            assert_eq!(config.capability_ttl.as_secs(), seconds, "{written}");
        }
        for written in ["30", "\"25h\"", "0"] {
            let error = section(&format!("capability_ttl = {written}")).expect_err(written);
            assert!(error.contains("between 60 s and 86400 s"), "{error}");
        }
        let error = section("capability_ttl = \"soon\"").expect_err("not a duration");
        assert!(error.contains("\"soon\" is not a duration"), "{error}");
        let error = section("capability_ttl = \"-1h\"").expect_err("negative");
        assert!(error.contains("is not a duration"), "{error}");
        let error = section("public_ulr = \"https://h.example\"").expect_err("typo");
        assert!(error.contains("public_ulr"), "{error}");
    }
}
