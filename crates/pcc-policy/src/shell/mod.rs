//! Shell commands (the `Bash` tool): parse with a real shell parser, judge every
//! simple command that would run, and combine.

mod limits;
mod walk;

pub(crate) use walk::assigned_names;
pub(crate) mod words;

use super::PolicyContext;
use super::level::RiskLevel;
use super::verdict::{Finding, SimpleCommandSummary, Verdict};

/// Classifies a whole command line.
pub(crate) fn classify_shell(command: &str, ctx: &PolicyContext) -> Verdict {
    let mut walker = walk::Walker::new(ctx);
    walker.walk_script(command, 0);
    if walker.facts.reads_secret && walker.facts.network {
        let finding = Finding::new(
            RiskLevel::Critical,
            "secrets.exfiltration",
            "reads a secret and talks to the network in the same command",
        );
        walker.summaries.push(SimpleCommandSummary {
            command: "(whole command)".to_owned(),
            level: finding.level,
            rule: finding.rule,
            reason: finding.reason,
        });
    }
    let mut verdict = Verdict::from_commands(walker.summaries);
    verdict.paths = walker.touched.into_inner();
    verdict
}
