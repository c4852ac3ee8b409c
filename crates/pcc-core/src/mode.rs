//! Whether a human is at the terminal, and how a hook call finds out: the session's permission
//! mode, then `PCC_MODE`, then the configuration.

use serde::{Deserialize, Serialize};

/// Whether a human is at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A human watches: HIGH asks through Claude Code's own dialog.
    Interactive,
    /// Nobody watches: what would need a human is denied and escalated.
    Unattended,
}

impl Mode {
    /// A session in `bypassPermissions` or `dontAsk` is unattended whatever else says:
    /// nobody answers an `ask` there, and Claude Code (2.1.329, `-p`) lets some calls run
    /// after one. Otherwise `PCC_MODE` (from the environment), then the configuration, then
    /// interactive. An unrecognised `PCC_MODE` is ignored rather than guessed.
    pub fn resolve(
        env_value: Option<&str>,
        configured: Option<Mode>,
        permission_mode: Option<&str>,
    ) -> Mode {
        if matches!(permission_mode, Some("bypassPermissions" | "dontAsk")) {
            return Mode::Unattended;
        }
        match env_value.map(str::trim) {
            Some("unattended") => Mode::Unattended,
            Some("interactive") => Mode::Interactive,
            _ => configured.unwrap_or(Mode::Interactive),
        }
    }

    /// The stable name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Interactive => "interactive",
            Mode::Unattended => "unattended",
        }
    }
}
