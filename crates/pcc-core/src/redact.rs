//! Removing secrets from text before it is stored (DESIGN.md invariant 6).
//!
//! Tool inputs routinely carry credentials: `curl -H "Authorization: Bearer …"`,
//! `export OPENAI_API_KEY=sk-…`, a `.env` being written. The database is a log a human reads and
//! may share, so values that look like secrets are replaced by `[REDACTED]` while the shape of the
//! text (which header, which variable) stays readable.

use regex_lite::Regex;
use std::borrow::Cow;
use std::sync::OnceLock;

/// What a removed secret is replaced by.
pub const REDACTED: &str = "[REDACTED]";

/// One kind of secret: the words that must appear for it to be possible, its pattern, and the
/// replacement that keeps its non-secret parts.
///
/// A hook process lives a few milliseconds and compiling every pattern would cost more than the
/// whole call, so a pattern is compiled only when one of its trigger words occurs in the text
/// (compared in ASCII lower case). Most tool inputs contain none and compile nothing.
struct Rule {
    triggers: &'static [&'static str],
    pattern: &'static str,
    replacement: &'static str,
    compiled: OnceLock<Regex>,
}

impl Rule {
    const fn new(
        triggers: &'static [&'static str],
        pattern: &'static str,
        replacement: &'static str,
    ) -> Rule {
        Rule {
            triggers,
            pattern,
            replacement,
            compiled: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // The patterns are constants of this file; a failure here is a bug the tests catch.
            Regex::new(self.pattern).unwrap_or_else(|error| panic!("redaction pattern: {error}"))
        })
    }
}

static RULES: [Rule; 7] = [
    // PEM private keys, including a block cut off by truncation.
    Rule::new(
        &["private key-----"],
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
        "[REDACTED PRIVATE KEY]",
    ),
    // Credential-carrying headers: keep the header name.
    Rule::new(
        &["authorization", "api-key", "x-auth-token", "cookie"],
        r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)(\s*:\s*)[^\r\n'\x22]+",
        "${1}${2}[REDACTED]",
    ),
    // Bearer / Basic credentials outside a header line.
    Rule::new(
        &["bearer", "basic"],
        r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}",
        "${1} [REDACTED]",
    ),
    // NAME=value / "name": "value" where the name says it holds a secret.
    Rule::new(
        &["passw", "secret", "token", "key", "credential"],
        r#"(?i)\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?))(["']?\s*[:=]\s*["']?)[^\s"'&,;]+"#,
        "${1}${2}[REDACTED]",
    ),
    // --password VALUE / --token=VALUE style flags.
    Rule::new(
        &["--"],
        r"(?i)(--[a-z0-9-]*(?:password|passwd|token|secret|api-?key)[a-z0-9-]*)(=|\s+)[^\s\x22']+",
        "${1}${2}[REDACTED]",
    ),
    // Well-known token formats, wherever they stand.
    Rule::new(
        &[
            "sk-", "gh", "glpat-", "xox", "akia", "asia", "aiza", "npm_", "hf_", "eyj",
        ],
        r"\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,})",
        "[REDACTED]",
    ),
    // Passwords inside URLs: scheme://user:PASSWORD@host.
    Rule::new(
        &["://"],
        r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@",
        "${1}[REDACTED]@",
    ),
];

/// Replaces every secret-looking value in `text` with [`REDACTED`].
pub fn redact(text: &str) -> String {
    let lowered = text.to_ascii_lowercase();
    let mut current = Cow::Borrowed(text);
    for rule in &RULES {
        if !rule
            .triggers
            .iter()
            .any(|trigger| lowered.contains(trigger))
        {
            continue;
        }
        if let Cow::Owned(replaced) = rule.regex().replace_all(&current, rule.replacement) {
            current = Cow::Owned(replaced);
        }
    }
    current.into_owned()
}

/// Redacts, then keeps at most `max_chars` characters (marking a cut with `…`).
///
/// A long input is first cut to about twice the bound, so redacting a multi-megabyte input costs
/// no more than redacting a short one. That first cut falls on whitespace, so it never splits a
/// secret in two halves that no pattern would recognise (secrets hold no whitespace; a PEM block,
/// which does, is matched up to the end of the text).
pub fn redact_and_truncate(text: &str, max_chars: usize) -> String {
    let bounded = truncate_chars(text, max_chars.saturating_mul(2));
    let was_cut = bounded.len() < text.len();
    let bounded = match bounded.rfind(char::is_whitespace) {
        Some(end) if was_cut => &bounded[..end],
        _ => bounded,
    };
    let redacted = redact(bounded);
    if !was_cut && redacted.chars().count() <= max_chars {
        return redacted;
    }
    let mut cut = truncate_chars(&redacted, max_chars.saturating_sub(1)).to_owned();
    cut.push('…');
    cut
}

/// The longest prefix of `text` with at most `max_chars` characters.
pub fn truncate_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_hidden(input: &str, secret: &str) {
        let output = redact(input);
        assert!(
            !output.contains(secret),
            "{secret:?} survived in {output:?}"
        );
        assert!(
            output.contains(REDACTED) || output.contains("[REDACTED PRIVATE KEY]"),
            "{output}"
        );
    }

    #[test]
    fn headers_keep_their_name() {
        let output = redact("curl -H 'Authorization: Bearer abc.def.ghi123' https://api");
        assert_eq!(output, "curl -H 'Authorization: [REDACTED]' https://api");
        assert_hidden("curl -H \"x-api-key: k-1234567890\" u", "k-1234567890");
    }

    #[test]
    fn assignments_and_flags() {
        assert_eq!(
            redact("export OPENAI_API_KEY=abc123xyz"),
            "export OPENAI_API_KEY=[REDACTED]"
        );
        assert_eq!(
            redact("DB_PASSWORD='hunter2' ./run"),
            "DB_PASSWORD='[REDACTED]' ./run"
        );
        assert_eq!(
            redact(r#"{"api_key": "zzz999"}"#),
            r#"{"api_key": "[REDACTED]"}"#
        );
        assert_eq!(
            redact("mysql --password=s3cr3t db"),
            "mysql --password=[REDACTED] db"
        );
        assert_eq!(
            redact("gh auth --token abcdef"),
            "gh auth --token [REDACTED]"
        );
    }

    #[test]
    fn known_token_formats() {
        assert_hidden(
            "key sk-ant-api03-abcdefghijklmnopqrstuv here",
            "abcdefghijklmnop",
        );
        assert_hidden("ghp_0123456789abcdefghijABCDEFGHIJ", "0123456789abcdef");
        assert_hidden("aws AKIAABCDEFGHIJKLMNOP x", "AKIAABCDEFGHIJKLMNOP");
        assert_hidden(
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
            "dozjgNryP4J3jVmNHl0w5N",
        );
        assert_hidden(
            "git clone https://bob:pa55word@example.com/r.git",
            "pa55word",
        );
    }

    #[test]
    fn private_keys_even_when_cut() {
        assert_hidden(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----",
            "MIIEabc",
        );
        assert_hidden(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk",
            "b3BlbnNzaC1rZXk",
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for text in [
            "git status",
            "Write: src/token_utils.py",
            "cargo test -p password_reset",
            "Read: docs/secrets-management.md",
            "echo basic math",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(redact_and_truncate("héllo wörld", 5), "héll…");
        assert_eq!(redact_and_truncate("short", 5), "short");
        let long = format!("{}{}", "é".repeat(50_000), "API_KEY=secretvalue");
        let cut = redact_and_truncate(&long, 100);
        assert_eq!(cut.chars().count(), 100);
    }

    #[test]
    fn a_secret_at_the_first_cut_is_not_shifted_into_view() {
        // A large private key shrinks to a short marker, pulling later text forward; the token
        // straddling the first cut must not arrive split (and so unrecognised) in the result.
        let key = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            "A".repeat(100)
        );
        let filler = "x ".repeat(16);
        let text = format!("{key} {filler}ghp_0123456789abcdefghijABCDEFGHIJ tail");
        let max = 100;
        let token_start = text.find("ghp_").expect("token");
        assert!(
            token_start < 2 * max && token_start + 34 > 2 * max,
            "the first cut falls in the token"
        );
        let stored = redact_and_truncate(&text, max);
        assert!(!stored.contains("ghp_0123"), "{stored}");
    }
}
