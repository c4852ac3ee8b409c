//! The result of classifying one tool call, with the parts it was built from.

use serde::Serialize;

use super::containment::Containment;
use super::level::RiskLevel;

/// One judged fact: a level, the id of the rule that produced it and a human sentence.
///
/// Rules are static ids (`git.force-push`) so that logs, learned approvals and
/// `pcc-hooks explain` can refer to them stably.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How risky this fact is.
    pub level: RiskLevel,
    /// Stable id of the rule that fired, e.g. `rm.root`.
    pub rule: &'static str,
    /// One line a human can read, e.g. "recursive delete of the filesystem root".
    pub reason: String,
}

impl Finding {
    /// Builds a finding; a shorthand used by every rule table.
    pub fn new(level: RiskLevel, rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            level,
            rule,
            reason: reason.into(),
        }
    }

    /// Keeps whichever of the two findings is riskier (the earlier one on ties), so the
    /// reported rule is always the one that decided the level.
    pub fn max(self, other: Self) -> Self {
        if other.level > self.level {
            other
        } else {
            self
        }
    }
}

/// One simple command found in a shell command line, judged on its own, so
/// `pcc-hooks explain` can show why each part got its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimpleCommandSummary {
    /// The command as the policy saw it after quote removal (words joined by spaces).
    pub command: String,
    /// Level of this command alone.
    pub level: RiskLevel,
    /// Rule that decided this command's level.
    pub rule: &'static str,
    /// Human sentence for this command.
    pub reason: String,
}

/// The policy's answer for one tool call.
///
/// `level`, `rule` and `reason` are those of the riskiest part; `commands` lists every
/// simple command (and every whole-line finding such as a pipe into a shell) that
/// contributed, in the order they were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Overall level: the maximum over all parts.
    pub level: RiskLevel,
    /// Rule id of the riskiest part.
    pub rule: &'static str,
    /// Human reason of the riskiest part.
    pub reason: String,
    /// Every simple command found, each with its own level (empty for non-shell tools).
    pub commands: Vec<SimpleCommandSummary>,
    /// Whether the command line could run contained: a MEDIUM one instead of waiting for a
    /// human, a LOW one that runs project code (a build) instead of running free.
    pub containment: Containment,
    /// The paths the verdict placed (resolved lexically): a link already on disk under one
    /// of them would make it point elsewhere, which only a look at the disk can tell.
    #[serde(skip)]
    pub paths: Vec<std::path::PathBuf>,
}

impl Verdict {
    /// A verdict made of one finding and no shell commands (file tools, MCP tools, errors).
    pub fn from_finding(finding: Finding) -> Self {
        Self {
            level: finding.level,
            rule: finding.rule,
            reason: finding.reason,
            commands: Vec::new(),
            containment: Containment::Never,
            paths: Vec::new(),
        }
    }

    /// Builds the verdict of a shell command line from its parts: the first part with
    /// the highest level decides the rule and reason. An empty list means nothing will
    /// run (an empty or comment-only command), which is harmless.
    pub fn from_commands(commands: Vec<SimpleCommandSummary>) -> Self {
        let decisive = commands
            .iter()
            .fold(None::<&SimpleCommandSummary>, |best, c| match best {
                Some(b) if b.level >= c.level => Some(b),
                _ => Some(c),
            });
        let (level, rule, reason) = match decisive {
            Some(c) => (c.level, c.rule, c.reason.clone()),
            None => (RiskLevel::Low, "shell.empty", "nothing to run".to_owned()),
        };
        let containment = if level <= RiskLevel::Medium {
            super::containment::of_parts(&commands)
        } else {
            Containment::Never
        };
        Self {
            level,
            rule,
            reason,
            commands,
            containment,
            paths: Vec::new(),
        }
    }
}
