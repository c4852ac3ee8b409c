//! Sub-commands whose whole purpose is to print a credential: a token, a password, a
//! secret value. They are secret reads whatever their options (HIGH), checked before the
//! program's family so no "read-only" verb lets them through.

use super::super::level::RiskLevel;
use super::{Invocation, Ruling};

/// Program, then the words that follow it (options skipped); one line per command.
const TOKEN_PRINTERS: &[(&str, &[&str])] = &[
    ("gh", &["auth", "token"]),
    ("aws", &["sts", "get-session-token"]),
    ("aws", &["sts", "get-federation-token"]),
    ("aws", &["sts", "assume-role"]),
    ("aws", &["sts", "assume-role-with-web-identity"]),
    ("aws", &["configure", "get"]),
    ("aws", &["configure", "export-credentials"]),
    ("aws", &["ecr", "get-login-password"]),
    ("aws", &["ecr-public", "get-login-password"]),
    ("aws", &["codeartifact", "get-authorization-token"]),
    ("aws", &["secretsmanager", "get-secret-value"]),
    ("aws", &["ssm", "get-parameter"]),
    ("aws", &["ssm", "get-parameters"]),
    ("aws", &["ssm", "get-parameters-by-path"]),
    ("gcloud", &["auth", "print-access-token"]),
    ("gcloud", &["auth", "print-identity-token"]),
    (
        "gcloud",
        &["auth", "application-default", "print-access-token"],
    ),
    ("gcloud", &["secrets", "versions", "access"]),
    ("gcloud", &["sql", "generate-login-token"]),
    ("az", &["account", "get-access-token"]),
    ("az", &["keyvault", "secret", "show"]),
    ("az", &["keyvault", "secret", "download"]),
    ("kubectl", &["get", "secret"]),
    ("kubectl", &["get", "secrets"]),
    ("kubectl", &["describe", "secret"]),
    ("kubectl", &["describe", "secrets"]),
    ("kubectl", &["create", "token"]),
    ("oc", &["whoami", "--show-token"]),
    ("oc", &["get", "secret"]),
    ("oc", &["get", "secrets"]),
    ("git", &["credential", "fill"]),
    ("git", &["credential-store", "get"]),
    ("git", &["credential-cache", "get"]),
    ("git", &["credential-osxkeychain", "get"]),
    ("vault", &["read"]),
    ("vault", &["kv", "get"]),
    ("vault", &["print", "token"]),
    ("vault", &["token", "lookup"]),
    ("op", &["read"]),
    ("op", &["item", "get"]),
    ("op", &["inject"]),
    ("security", &["find-generic-password"]),
    ("security", &["find-internet-password"]),
    ("security", &["dump-keychain"]),
    ("pass", &["show"]),
    ("gopass", &["show"]),
    ("bw", &["get"]),
    ("lpass", &["show"]),
    ("secret-tool", &["lookup"]),
    ("keyring", &["get"]),
    ("heroku", &["auth:token"]),
    ("doctl", &["auth", "token"]),
    ("npm", &["token", "list"]),
    ("flyctl", &["auth", "token"]),
    ("fly", &["auth", "token"]),
    ("netlify", &["status", "--json"]),
    ("vercel", &["whoami", "--token"]),
    ("docker-credential-desktop", &["get"]),
    ("docker-credential-pass", &["get"]),
    ("docker-credential-secretservice", &["get"]),
    ("docker-credential-osxkeychain", &["get"]),
    ("gpg", &["--export-secret-keys"]),
    ("gpg", &["--export-secret-subkeys"]),
    ("gpg2", &["--export-secret-keys"]),
];

/// Options that make an ordinary sub-command print a token.
const SHOW_TOKEN_OPTIONS: &[(&str, &[&str], &[&str])] = &[
    ("gh", &["auth", "status"], &["-t", "--show-token"]),
    ("kubectl", &["config", "view"], &["--raw", "--flatten"]),
    ("aws", &["ssm", "get-parameter"], &["--with-decryption"]),
];

/// Judges credential printers; `None` for anything else.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let words: Vec<&str> = inv
        .args()
        .iter()
        .map(|a| a.text.as_str())
        .filter(|w| !w.starts_with('-') || w.starts_with("--export-secret") || *w == "--show-token")
        .collect();
    let prints = TOKEN_PRINTERS
        .iter()
        .any(|(program, sub)| *program == name && words.starts_with(sub));
    let shows = SHOW_TOKEN_OPTIONS.iter().any(|(program, sub, options)| {
        *program == name
            && words.starts_with(sub)
            && inv
                .args()
                .iter()
                .any(|a| options.contains(&a.text.as_str()))
    });
    if !(prints || shows) {
        return None;
    }
    let mut judgement = Ruling::of(
        RiskLevel::High,
        "secrets.token-command",
        format!("{name} {} prints a credential", words.join(" ")),
    );
    judgement.facts.reads_secret = true;
    Some(judgement)
}
