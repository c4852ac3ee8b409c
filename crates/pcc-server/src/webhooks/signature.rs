//! Is a delivery its source's? Each source signs the raw body with the shared secret:
//!
//! | source | header | value |
//! |---|---|---|
//! | GitHub | `X-Hub-Signature-256` | `sha256=` and the hex HMAC-SHA256 of the body |
//! | Sentry | `Sentry-Hook-Signature` | the hex HMAC-SHA256 of the body (the client secret) |
//! | Jira | `X-Hub-Signature` | `sha256=` and the hex HMAC-SHA256 of the body (WebSub's `method=signature`) |
//!
//! Jira senders that cannot sign (Jira Automation's "Send web request") may instead put the
//! secret in the URL, `?token=<secret>`, when `[webhooks.jira] query_token = true`; a delivery
//! that carries a signature is judged by it alone. Every comparison takes the same time whatever
//! the bytes: the MAC by `hmac`'s `verify_slice`, the token as SHA-256 digests by `subtle`, so
//! neither a wrong byte's position nor a token's length shows in the timing.

use hmac::{KeyInit as _, Mac as _};
use pcc_core::config::WebhookSource;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

type HmacSha256 = hmac::Hmac<Sha256>;

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Signed with the secret.
    Valid,
    /// No signature (nor an allowed token).
    Missing,
    /// A signature or token that is not the secret's.
    Invalid,
}

/// The header that carries `source`'s signature.
pub(crate) fn signature_header(source: WebhookSource) -> &'static str {
    match source {
        WebhookSource::Github => "x-hub-signature-256",
        WebhookSource::Sentry => "sentry-hook-signature",
        WebhookSource::Jira => "x-hub-signature",
    }
}

/// Checks a delivery of `source`: its signature header's value (if any), the `token` of its
/// query (if any, and only looked at when `query_token` allows it), its raw `body`, against
/// `secret`.
pub(crate) fn verify(
    source: WebhookSource,
    signature: Option<&[u8]>,
    token: Option<&str>,
    query_token: bool,
    body: &[u8],
    secret: &[u8],
) -> Verdict {
    let Some(signature) = signature else {
        return match token {
            Some(token) if query_token => {
                if Sha256::digest(token.as_bytes())
                    .ct_eq(&Sha256::digest(secret))
                    .into()
                {
                    Verdict::Valid
                } else {
                    Verdict::Invalid
                }
            }
            _ => Verdict::Missing,
        };
    };
    let hex = match source {
        WebhookSource::Github | WebhookSource::Jira => signature.strip_prefix(b"sha256="),
        WebhookSource::Sentry => Some(signature),
    };
    let Some(Ok(claimed)) = hex.map(|hex| hex::decode(hex.trim_ascii())) else {
        return Verdict::Invalid;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return Verdict::Invalid;
    };
    mac.update(body);
    match mac.verify_slice(&claimed) {
        Ok(()) => Verdict::Valid,
        Err(_) => Verdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hex HMAC-SHA256 of `body` with `secret`, as Sentry sends it.
    fn hex_mac(body: &[u8], secret: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    /// `sha256=<hex>`, as GitHub and Jira send it.
    fn sign(body: &[u8], secret: &[u8]) -> String {
        format!("sha256={}", hex_mac(body, secret))
    }

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";

    #[test]
    fn githubs_documented_example_verifies() {
        // docs.github.com, "Validating webhook deliveries": this secret and payload give this
        // signature.
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign(BODY, SECRET), expected);
        let header = Some(expected.as_bytes());
        assert_eq!(
            verify(WebhookSource::Github, header, None, false, BODY, SECRET),
            Verdict::Valid
        );
    }

    #[test]
    fn a_wrong_missing_or_malformed_signature_is_refused() {
        let good = sign(BODY, SECRET);
        for source in [WebhookSource::Github, WebhookSource::Jira] {
            let verdict = |header: Option<&str>, body: &[u8]| {
                verify(source, header.map(str::as_bytes), None, false, body, SECRET)
            };
            assert_eq!(verdict(Some(&good), BODY), Verdict::Valid);
            assert_eq!(verdict(Some(&good), b"Hello, World?"), Verdict::Invalid);
            assert_eq!(
                verdict(Some(&good[7..]), BODY),
                Verdict::Invalid,
                "no sha256="
            );
            assert_eq!(verdict(Some("sha256=zz"), BODY), Verdict::Invalid);
            assert_eq!(verdict(Some("sha256="), BODY), Verdict::Invalid);
            assert_eq!(verdict(None, BODY), Verdict::Missing);
        }
        let sentry = hex_mac(BODY, SECRET);
        assert_eq!(
            verify(
                WebhookSource::Sentry,
                Some(sentry.as_bytes()),
                None,
                false,
                BODY,
                SECRET
            ),
            Verdict::Valid
        );
        assert_eq!(
            verify(
                WebhookSource::Sentry,
                Some(good.as_bytes()),
                None,
                false,
                BODY,
                SECRET
            ),
            Verdict::Invalid,
            "Sentry's signature has no prefix"
        );
        assert_eq!(
            verify(
                WebhookSource::Sentry,
                Some(sentry.as_bytes()),
                None,
                false,
                BODY,
                b"other"
            ),
            Verdict::Invalid
        );
    }

    #[test]
    fn a_query_token_counts_only_where_allowed_and_never_over_a_signature() {
        let secret = "jira-secret";
        let jira = |signature: Option<&str>, token: Option<&str>, allowed: bool| {
            verify(
                WebhookSource::Jira,
                signature.map(str::as_bytes),
                token,
                allowed,
                BODY,
                secret.as_bytes(),
            )
        };
        assert_eq!(jira(None, Some(secret), true), Verdict::Valid);
        assert_eq!(jira(None, Some(secret), false), Verdict::Missing);
        assert_eq!(jira(None, Some("jira-secre"), true), Verdict::Invalid);
        assert_eq!(jira(None, Some(""), true), Verdict::Invalid);
        assert_eq!(
            jira(Some("sha256=00"), Some(secret), true),
            Verdict::Invalid,
            "a bad signature is not rescued by a token"
        );
    }
}
