//! Removing secrets from text before it is stored, logged or sent (invariant 6).
//!
//! Tool inputs routinely carry credentials: `curl -H "Authorization: Bearer …"`,
//! `export OPENAI_API_KEY=sk-…`, `mysql -pX`, a `.env` being written, a human's answer that
//! says "the passphrase is …". The database, the log and the notifications are read by humans
//! and shared, so values that look like secrets are replaced by `[REDACTED]` while the shape of
//! the text (which header, which variable, which option) stays readable.
//!
//! Every sink redacts through [`redact`]: the store's write functions, the log writer and the
//! notification sender. A secret is often repeated out of its context — a reason that names
//! `docker login hunter2 registry.io` after dropping the `--password` it followed, a parser's
//! token dump — so every value this process has redacted in context is remembered (a bounded,
//! process-wide set of secret-looking values) and removed wherever it occurs later.
//!
//! What is *not* redacted: identities such as the call digest a human's approval matches
//! (`permission::call_digest`), which hold no secret and must stay exact.

use regex_lite::{Captures, Regex};
use std::borrow::Cow;
use std::sync::{Mutex, OnceLock, PoisonError};

/// What a removed secret is replaced by.
pub const REDACTED: &str = "[REDACTED]";

/// What a removed private key is replaced by.
const REDACTED_KEY: &str = "[REDACTED PRIVATE KEY]";

/// A secret value, quoted or not: `"…"` (with JSON escapes), `\"…\"` (inside a JSON or Debug
/// string), `'…'`, or a bare word up to a shell or list separator. The quotes are kept.
macro_rules! value {
    () => {
        r#"(?:\\"(?P<s3>(?:[^"\\\r\n]|\\[^"])*)\\"|"(?P<s1>(?:[^"\\\r\n]|\\.)*)"|'(?P<s2>[^'\r\n]*)'|(?P<s>[^\s"'&,;|`<>]+))"#
    };
}

/// The names of the groups that hold the secret: exactly one takes part in a match. A rule
/// without them treats the whole match as the secret.
const SECRET_GROUPS: [&str; 4] = ["s", "s1", "s2", "s3"];

/// One kind of secret: the words that must appear for it to be possible, its pattern (the
/// secret in one of [`SECRET_GROUPS`], or the whole match), what replaces it, and the matches
/// that only look like it (`--password-stdin`, "the token is missing").
///
/// A hook process lives a few milliseconds and compiling every pattern would cost more than the
/// whole call, so a pattern is compiled only when one of its trigger words occurs in the text
/// (compared in ASCII lower case). Most tool inputs contain none and compile nothing.
struct Rule {
    triggers: &'static [&'static str],
    pattern: &'static str,
    marker: &'static str,
    keep: fn(whole: &str, secret: &str) -> bool,
    compiled: OnceLock<Regex>,
}

impl Rule {
    const fn new(
        triggers: &'static [&'static str],
        pattern: &'static str,
        keep: fn(&str, &str) -> bool,
    ) -> Rule {
        Rule {
            triggers,
            pattern,
            marker: REDACTED,
            keep,
            compiled: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // The patterns are constants of this file; a failure here is a bug the tests catch.
            Regex::new(self.pattern).unwrap_or_else(|error| panic!("redaction pattern: {error}"))
        })
    }

    /// `text` with this rule's secrets replaced; the values removed are pushed to `found`.
    fn apply<'t>(&self, text: &'t str, found: &mut Vec<String>) -> Cow<'t, str> {
        self.regex().replace_all(text, |captures: &Captures<'_>| {
            let whole = captures.get(0).map_or("", |m| m.as_str());
            let secret = SECRET_GROUPS
                .iter()
                .find_map(|name| captures.name(name))
                .or_else(|| captures.get(0));
            let Some(secret) = secret else {
                return whole.to_owned();
            };
            if secret.as_str().is_empty() || (self.keep)(whole, secret.as_str()) {
                return whole.to_owned();
            }
            let start = captures.get(0).map_or(0, |m| m.start());
            found.push(secret.as_str().to_owned());
            format!(
                "{}{}{}",
                &whole[..secret.start() - start],
                self.marker,
                &whole[secret.end() - start..]
            )
        })
    }
}

fn never(_: &str, _: &str) -> bool {
    false
}

/// An option named like a secret that takes no secret: it names where the secret comes from
/// (`--password-stdin`, `--token-file`), or it is followed by the next option.
fn secret_elsewhere(whole: &str, secret: &str) -> bool {
    let flag = whole
        .split(|c: char| c == '=' || c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [
        "-stdin", "-file", "-env", "-fd", "-path", "-command", "-cmd", "-prompt", "-helper",
    ]
    .iter()
    .any(|suffix| flag.ends_with(suffix))
        || secret.starts_with('-')
        || is_reference(secret)
}

/// `$VAR`, `${VAR}`, `$(…)`: the value is elsewhere, and names no secret itself.
fn is_reference(secret: &str) -> bool {
    secret.starts_with('$') && !secret.contains(['\\', '"'])
}

/// Free text about a secret that does not give it: "the token is missing".
fn not_a_value(_: &str, secret: &str) -> bool {
    const WORDS: &[&str] = &[
        "a",
        "an",
        "the",
        "not",
        "now",
        "no",
        "still",
        "being",
        "also",
        "too",
        "in",
        "on",
        "at",
        "to",
        "for",
        "of",
        "and",
        "or",
        "missing",
        "incorrect",
        "wrong",
        "invalid",
        "expired",
        "required",
        "empty",
        "set",
        "unset",
        "correct",
        "stored",
        "saved",
        "shown",
        "hidden",
        "redacted",
        "changed",
        "rotated",
        "needed",
        "valid",
        "configured",
        "provided",
        "present",
        "absent",
        "known",
        "unknown",
        "null",
        "none",
        "undefined",
        "blank",
        "same",
        "different",
        "needs",
        "must",
        "should",
        "will",
        "can",
        "cannot",
        "could",
        "was",
        "is",
        "are",
    ];
    let word = secret.to_ascii_lowercase();
    WORDS.contains(&word.as_str()) || secret == REDACTED
}

/// A word of lower-case letters only: "basic authentication" names no credential.
fn plain_word(_: &str, secret: &str) -> bool {
    secret.bytes().all(|b| b.is_ascii_lowercase())
}

static RULES: [Rule; 12] = [
    // PEM private keys, including a block cut off by truncation.
    Rule {
        triggers: &["private key-----"],
        pattern: r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
        marker: REDACTED_KEY,
        keep: never,
        compiled: OnceLock::new(),
    },
    // Credential-carrying headers: keep the header name.
    Rule::new(
        &["authorization", "api-key", "x-auth-token", "cookie"],
        r#"(?i)\b(?:(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)\s*:\s*(?P<s>[^\r\n'"\\]+)"#,
        never,
    ),
    // Bearer / Basic credentials outside a header line.
    Rule::new(
        &["bearer", "basic"],
        r"(?i)\b(?:bearer|basic)\s+(?P<s>[A-Za-z0-9._~+/=-]{8,})",
        plain_word,
    ),
    // NAME=value / "name": "value" where the name says it holds a secret.
    Rule::new(
        &["pass", "secret", "token", "key", "credential", "pwd", "_pw"],
        concat!(
            r#"(?i)\b(?:[A-Za-z0-9_.-]*(?:password|passwd|passphrase|passcode|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)|[A-Za-z0-9_.-]*_(?:pass|pwd|pw)|sshpass|pgpass)"#,
            r#"(?:\\?["'])?[ \t]*[:=][ \t]*"#,
            value!()
        ),
        secret_elsewhere,
    ),
    // --password VALUE / --token=VALUE style options.
    Rule::new(
        &["--"],
        concat!(
            r"(?i)--(?:[a-z0-9-]*(?:password|passwd|passphrase|token|secret|api-?key|auth-key)[a-z0-9-]*|pass|pw)(?:=|[ \t]+)",
            value!()
        ),
        secret_elsewhere,
    ),
    // Programs that take a password in a short option: `mysql -pX`, `sshpass -p X`,
    // `curl -u user:X`, `docker login -p X`, `redis-cli -a X`, `7z -pX`, `zip -P X`,
    // `ldapsearch -w X`, `smbclient -U user%X`.
    Rule::new(
        &[
            "mysql",
            "mariadb",
            "sshpass",
            "curl",
            "login",
            "redis-cli",
            "7z",
            "zip",
            "ldap",
            "smbclient",
        ],
        concat!(
            r#"(?:\b(?i:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mysqlsh|mariadb[a-z-]*)\b[^\n;|&]*?\s-p"#,
            r#"|\b(?i:sshpass)\b[^\n;|&]*?\s-p[ \t]*"#,
            r#"|\b(?i:curl)\b[^\n;|&]*?(?:\s-u[ \t]*|\s-U[ \t]*|\s--user[= \t]+|\s--proxy-user[= \t]+)['"]?[^\s:'"]*:"#,
            r#"|\b(?i:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane)\b[^\n;|&]*?\blogin\b[^\n;|&]*?\s-p[= \t]*"#,
            r#"|\b(?i:redis-cli)\b[^\n;|&]*?\s-a[ \t]+"#,
            r#"|\b7z[a-z]?\b[^\n;|&]*?\s-p"#,
            r#"|\b(?i:zip|unzip)\b[^\n;|&]*?\s-P[ \t]*"#,
            r#"|\b(?i:ldap[a-z]+)\b[^\n;|&]*?\s-w[ \t]+"#,
            r#"|\b(?i:smbclient|rpcclient)\b[^\n;|&]*?\s-U[ \t]*['"]?[^\s%'"]+%)"#,
            value!()
        ),
        secret_elsewhere,
    ),
    // openssl's `-pass pass:X`, `-passin pass:X`, `-passout pass:X`, `-password pass:X`.
    Rule::new(
        &["pass:"],
        concat!(r"(?i)-pass(?:in|out|word)?[ \t]+pass:", value!()),
        never,
    ),
    // `htpasswd -b[c] FILE USER PASSWORD` and `htpasswd -nb USER PASSWORD`.
    Rule::new(
        &["htpasswd"],
        concat!(
            r"\bhtpasswd\b(?:[ \t]+-[A-Za-z]+)*?(?:",
            r"[ \t]+-[A-Za-z]*n[A-Za-z]*b[A-Za-z]*(?:[ \t]+-[A-Za-z]+)*[ \t]+\S+[ \t]+",
            r"|[ \t]+-[A-Za-z]*b[A-Za-z]*n[A-Za-z]*(?:[ \t]+-[A-Za-z]+)*[ \t]+\S+[ \t]+",
            r"|[ \t]+-[A-Za-z]*b[A-Za-z]*(?:[ \t]+-[A-Za-z]+)*[ \t]+\S+[ \t]+\S+[ \t]+)",
            value!()
        ),
        never,
    ),
    // `.netrc`: `machine HOST login USER password X`, on one line or several.
    Rule::new(
        &["password", "passwd"],
        concat!(
            r"(?i)(?:\b(?:machine|default)\b\s+(?:\S+\s+)?(?:login\s+\S+\s+)?|\blogin\s+\S+\s+)(?:password|passwd)\s+",
            value!()
        ),
        never,
    ),
    // Free text: "the passphrase is hunter2", "my password for db was X".
    Rule::new(
        &["pass", "secret", "token", "pin", "key"],
        r#"(?i)\b(?:password|passphrase|passwd|passcode|pass phrase|pin|secret|token|api key)(?:[ \t]+(?:for|of|to)(?:[ \t]+\S+){1,3}?)?[ \t]+(?:is|was|=|:|reads|equals)[ \t]*:?[ \t]*["'“]?(?P<s>[^\s"'”]*[^\s"'”.,;:!?)])"#,
        not_a_value,
    ),
    // Well-known token formats, wherever they stand (ours too: an approval link's capability,
    // `pcc_cap_…`, in a logged request line); password hashes (`htpasswd`, `shadow`).
    Rule::new(
        &[
            "sk-", "sk_", "rk_", "whsec_", "gh", "glpat-", "xox", "xapp-", "akia", "asia", "aiza",
            "ya29.", "npm_", "hf_", "eyj", "sg.", "pypi-", "dop_v1_", "shpat_", "$apr1$", "$2",
            "$1$", "$5$", "$6$", "$y$", "pcc_cap_",
        ],
        r"\b(?:sk-[A-Za-z0-9_-]{16,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|ya29\.[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|pypi-[A-Za-z0-9_-]{40,}|dop_v1_[a-f0-9]{64}|shpat_[a-fA-F0-9]{32}|pcc_cap_[0-9a-f]{64})|\$(?:apr1|2[abxy]|[156y])\$[./A-Za-z0-9$]{8,}",
        never,
    ),
    // Passwords inside URLs: scheme://user:PASSWORD@host.
    Rule::new(
        &["://"],
        r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:(?P<s>[^/\s@]+)@",
        never,
    ),
];

/// The secret values this process has redacted in context, newest last: removed wherever they
/// occur again, out of context.
static LEARNED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The most values remembered; a long-lived process (the scheduler, the MCP server) forgets the
/// oldest first.
const LEARNED_MAX: usize = 64;

/// Whether a value redacted in context is distinctive enough to remove everywhere: a word such
/// as `string` after `token:` must not vanish from every later text of the process.
fn worth_learning(value: &str) -> bool {
    let length = value.chars().count();
    let has_digit = value.bytes().any(|b| b.is_ascii_digit());
    let has_symbol = value.bytes().any(|b| !b.is_ascii_alphanumeric());
    let mixed_case = value.bytes().any(|b| b.is_ascii_uppercase())
        && value.bytes().any(|b| b.is_ascii_lowercase());
    (4..=256).contains(&length)
        && !value.contains(char::is_whitespace)
        && !value.contains(REDACTED)
        && !REDACTED_KEY.contains(value)
        && (has_digit || has_symbol || mixed_case || length >= 12)
}

/// Remembers `found` and returns every value remembered, longest first.
fn remember(found: Vec<String>) -> Vec<String> {
    let mut learned = LEARNED.lock().unwrap_or_else(PoisonError::into_inner);
    for value in found {
        if worth_learning(&value) && !learned.contains(&value) {
            if learned.len() == LEARNED_MAX {
                learned.remove(0);
            }
            learned.push(value);
        }
    }
    let mut known = learned.clone();
    known.sort_by_key(|value| std::cmp::Reverse(value.len()));
    known
}

/// Replaces every secret-looking value in `text` with [`REDACTED`], and every value redacted
/// in context before, anywhere in `text`.
pub fn redact(text: &str) -> String {
    let lowered = text.to_ascii_lowercase();
    let mut current = Cow::Borrowed(text);
    let mut found = Vec::new();
    for rule in &RULES {
        if !rule
            .triggers
            .iter()
            .any(|trigger| lowered.contains(trigger))
        {
            continue;
        }
        if let Cow::Owned(replaced) = rule.apply(&current, &mut found) {
            current = Cow::Owned(replaced);
        }
    }
    for value in remember(found) {
        if current.contains(value.as_str()) {
            current = Cow::Owned(current.replace(value.as_str(), REDACTED));
        }
    }
    current.into_owned()
}

/// [`redact`] for an optional text.
pub fn redact_opt(text: Option<&str>) -> Option<String> {
    text.map(redact)
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
    fn a_secret_redacted_in_context_is_removed_out_of_context_too() {
        redact("docker login --password Ctx9secretQ registry.io");
        assert_eq!(
            redact("HIGH: docker login Ctx9secretQ registry.io (publish.credentials)"),
            "HIGH: docker login [REDACTED] registry.io (publish.credentials)"
        );
        // A plain word after a secret's name is redacted there, but not learned.
        assert_eq!(redact("api_key: string"), "api_key: [REDACTED]");
        assert_eq!(redact("a string"), "a string");
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
