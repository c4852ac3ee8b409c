//! The environment a contained command gets: the caller's, less what looks like a secret and
//! what makes a shell or the dynamic loader run code before the command.

use std::ffi::OsString;

/// Parts of a name that mark a secret (compared upper-case). `AUTH` would also match git's
/// `GIT_AUTHOR_NAME`, `GIT_AUTHOR_EMAIL` and `GIT_AUTHOR_DATE`, which are kept by name
/// ([`KEPT`]) so that contained `git commit` still knows its author.
const SECRET_PARTS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "APIKEY",
    "PRIVATE",
    "CREDENTIAL",
    "AUTH",
    "COOKIE",
    "ACCESS_KEY",
    "SESSION_TOKEN",
    "DATABASE_URL",
    "DSN",
];

/// Secrets by exact name (most are caught by [`SECRET_PARTS`] too; listed so that a change
/// there cannot let them through), and the agent sockets and config pointers that are keys in
/// all but name.
const SECRET_NAMES: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "NPM_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "SSH_AUTH_SOCK",
    "GPG_AGENT_INFO",
    "KUBECONFIG",
];

/// Whole families of cloud and container credentials.
const SECRET_PREFIXES: &[&str] = &["AWS_", "AZURE_", "DOCKER_"];

/// Variables that run code before the command (bash's `BASH_ENV`, `ENV`, exported functions,
/// `PROMPT_COMMAND`, `PS4` under `SHELLOPTS=xtrace`) or change what every program loads.
const CODE_NAMES: &[&str] = &[
    "BASH_ENV",
    "ENV",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "PROMPT_COMMAND",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
];

/// Names kept although a part matches ([`SECRET_PARTS`]).
const KEPT: &[&str] = &["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE"];

/// `vars` without secret-looking names and without the variables that run code before the
/// command, in their order; `PATH`, `HOME`, `LANG`, `TERM` and the like pass. Names are compared
/// case-insensitively (a name that is not UTF-8 is compared by its lossy form).
///
/// Contained code may print its environment; whatever a human or Claude Code exported for
/// other tools (API keys, cloud credentials, the agent sockets) must not be in it.
pub fn filtered_env(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    vars.filter(|(name, _)| !is_dropped(&name.to_string_lossy().to_ascii_uppercase()))
        .collect()
}

fn is_dropped(name: &str) -> bool {
    if KEPT.contains(&name) {
        return false;
    }
    SECRET_PARTS.iter().any(|part| name.contains(part))
        || SECRET_NAMES.contains(&name)
        || SECRET_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        || CODE_NAMES.contains(&name)
        || name.starts_with("BASH_FUNC_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(names: &[&str]) -> Vec<String> {
        filtered_env(
            names
                .iter()
                .map(|name| (OsString::from(name), OsString::from("x"))),
        )
        .into_iter()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect()
    }

    #[test]
    fn secrets_and_code_runners_are_dropped() {
        let dropped = [
            "ANTHROPIC_API_KEY",
            "CLAUDE_CODE_OAUTH_TOKEN",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "NPM_TOKEN",
            "OPENAI_API_KEY",
            "GEMINI_APIKEY",
            "MY_SECRET",
            "DB_PASSWORD",
            "MYSQL_PWD_PASSWD",
            "SIGNING_PRIVATE_KEY",
            "GIT_CREDENTIALS",
            "HTTP_AUTHORIZATION",
            "XAUTHORITY",
            "SESSION_COOKIE",
            "S3_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AZURE_CLIENT_ID",
            "DOCKER_HOST",
            "DATABASE_URL",
            "SENTRY_DSN",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "SSH_AUTH_SOCK",
            "GPG_AGENT_INFO",
            "KUBECONFIG",
            "BASH_ENV",
            "ENV",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "PROMPT_COMMAND",
            "BASH_FUNC_ls%%",
            "github_token",
        ];
        assert_eq!(kept(&dropped), Vec::<String>::new());
    }

    #[test]
    fn the_ordinary_environment_passes_in_order() {
        let ordinary = [
            "PATH",
            "HOME",
            "LANG",
            "LC_ALL",
            "TERM",
            "USER",
            "SHELL",
            "CARGO_HOME",
            "NODE_ENV",
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "ENVIRONMENT",
        ];
        assert_eq!(kept(&ordinary), ordinary);
    }
}
