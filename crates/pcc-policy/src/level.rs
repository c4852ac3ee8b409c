//! The four risk levels every tool call is sorted into.

use serde::{Deserialize, Serialize};

/// How risky a tool call is; the hook maps each level to a permission answer
/// (LOW allow, MEDIUM brain, HIGH human, CRITICAL deny).
///
/// Ordered so that the risk of a compound command is simply the maximum of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RiskLevel {
    /// Read-only or confined to the project's own sources and build outputs.
    Low,
    /// Side effects we cannot fully judge (installs, network, unknown commands).
    Medium,
    /// Destructive, irreversible, publishing or privilege-raising; a human decides.
    High,
    /// Catastrophic or clearly malicious (wiping `/`, remote code piped to a shell); denied.
    Critical,
}

impl RiskLevel {
    /// The upper-case name used in reasons, logs and the `explain` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
