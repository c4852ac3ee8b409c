//! The permission answer when our own machinery cannot make the full decision: the config does
//! not load, the database cannot be opened or written, or the code panicked.
//!
//! The threat is an overeager or prompt-injected agent: one bad line in `.claude/pcc-hooks.toml`
//! or a locked database must not turn the next `rm -rf ~` into a call that runs. Printing nothing
//! is not safe — under `--permission-mode bypassPermissions` "no decision" means the call runs —
//! so the call is judged by the built-in policy alone, which needs no file and no database:
//! what it proves LOW is allowed, everything else is denied when nobody watches and left to the
//! human (`ask`) when somebody does; CRITICAL is denied either way, as always. Learned rules,
//! one-time approvals and the brain all need what failed, so none of them applies.

use super::decide::{Answer, Decision};
use crate::mode::Mode;
use pcc_policy::{RiskLevel, Verdict};

/// What kept the full decision from being made; it names the rule the decision is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// A configuration file (or a rule in it) could not be used.
    Config,
    /// The database could not be opened, read or written.
    Store,
    /// Our own code failed (a caught panic).
    Internal,
}

impl Trouble {
    /// The `rule` of the stored decision, so `pcc-hooks decisions` shows why the usual path
    /// was not taken.
    pub fn rule(self) -> &'static str {
        match self {
            Trouble::Config => "fail_closed.config",
            Trouble::Store => "fail_closed.store",
            Trouble::Internal => "fail_closed.internal",
        }
    }
}

/// The mode when the usual way of knowing it may be compromised (a broken global config, a
/// failure before the config was read): as [`Mode::resolve`] decides it (a `bypassPermissions`
/// or `dontAsk` session is unattended, then `PCC_MODE`, then the mode of a global config that
/// loaded), except that a mode still unknown is read as unattended, the stricter reading.
pub fn mode_when_unsure(
    env_value: Option<&str>,
    trusted_config: Option<Mode>,
    permission_mode: Option<&str>,
) -> Mode {
    Mode::resolve(
        env_value,
        trusted_config.or(Some(Mode::Unattended)),
        permission_mode,
    )
}

/// Decides a call from the built-in policy's `verdict` alone. `also` is a decision reached
/// with the user's rules when they could still be read (e.g. only the database failed): it can
/// make the answer stricter (a `deny` rule), never looser (an `allow` rule does not allow a call
/// that is not LOW). `problem` says what went wrong, for the human and the model.
pub fn decide(
    verdict: &Verdict,
    also: Option<&Decision>,
    mode: Mode,
    trouble: Trouble,
    problem: &str,
) -> Decision {
    let by_policy = match (verdict.level, mode) {
        (RiskLevel::Low, _) => Answer::Allow,
        (RiskLevel::Critical, _) | (_, Mode::Unattended) => Answer::Deny,
        (_, Mode::Interactive) => Answer::Ask,
    };
    let stricter_rule = also.filter(|decision| strictness(decision.answer) > strictness(by_policy));
    let answer = stricter_rule.map_or(by_policy, |decision| match decision.answer {
        // "No decision" would leave the call to Claude Code's own mode: not safe here.
        Answer::NoDecision if mode == Mode::Unattended => Answer::Deny,
        Answer::NoDecision => Answer::Ask,
        // Only the normal path defers; here a call that is not allowed is denied.
        Answer::Defer => Answer::Deny,
        answer => answer,
    });
    let mut reason = format!(
        "pcc-hooks: {problem}; judged by the built-in policy: {} {} ({})",
        verdict.level, verdict.rule, verdict.reason
    );
    if let Some(decision) = stricter_rule {
        reason.push_str(&format!("; the user's rules: {}", decision.reason));
    }
    match answer {
        Answer::Allow => {}
        Answer::Ask | Answer::NoDecision | Answer::Contained => {
            reason.push_str(". A human must approve this until the problem is fixed.");
        }
        Answer::Deny | Answer::Defer => reason.push_str(
            ". Not allowed until the problem is fixed. Do not edit pcc-hooks' configuration or \
             database to get around it: continue with other work and tell the user what happened.",
        ),
    }
    Decision {
        answer,
        level: verdict.level,
        rule: trouble.rule().to_owned(),
        reason,
        escalate: false,
    }
}

/// The answer for a panic inside the permission path: nothing is known about the call, so
/// nothing is allowed.
pub fn after_a_panic(mode: Mode) -> Decision {
    let (answer, then) = match mode {
        Mode::Interactive => (Answer::Ask, "A human must approve this call."),
        Mode::Unattended => (
            Answer::Deny,
            "The call is not allowed; continue with other work and tell the user what happened.",
        ),
    };
    Decision {
        answer,
        level: RiskLevel::Critical,
        rule: Trouble::Internal.rule().to_owned(),
        reason: format!("pcc-hooks: internal error while judging this call. {then}"),
        escalate: false,
    }
}

/// Allow < contained < no decision < ask < deny.
fn strictness(answer: Answer) -> u8 {
    match answer {
        Answer::Allow => 0,
        Answer::Contained => 1,
        Answer::NoDecision => 2,
        Answer::Ask => 3,
        Answer::Deny | Answer::Defer => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(level: RiskLevel) -> Verdict {
        Verdict {
            level,
            rule: "test.rule",
            reason: "a reason".to_owned(),
            commands: Vec::new(),
            containment: pcc_policy::Containment::Never,
            paths: Vec::new(),
        }
    }

    fn rule_decision(answer: Answer) -> Decision {
        Decision {
            answer,
            level: RiskLevel::Low,
            rule: "config.deny".into(),
            reason: "Denied by the user's pcc-hooks rule `Bash(git status)`.".into(),
            escalate: false,
        }
    }

    #[test]
    fn only_what_the_policy_proves_low_is_allowed() {
        let problem = "config error in /p/.claude/pcc-hooks.toml: line 3: expected `=`";
        for (level, mode, expected) in [
            (RiskLevel::Low, Mode::Unattended, Answer::Allow),
            (RiskLevel::Low, Mode::Interactive, Answer::Allow),
            (RiskLevel::Medium, Mode::Unattended, Answer::Deny),
            (RiskLevel::Medium, Mode::Interactive, Answer::Ask),
            (RiskLevel::High, Mode::Unattended, Answer::Deny),
            (RiskLevel::High, Mode::Interactive, Answer::Ask),
            (RiskLevel::Critical, Mode::Unattended, Answer::Deny),
            (RiskLevel::Critical, Mode::Interactive, Answer::Deny),
        ] {
            let decision = decide(&verdict(level), None, mode, Trouble::Config, problem);
            assert_eq!(decision.answer, expected, "{level} {mode:?}");
            assert_eq!(decision.level, level);
            assert_eq!(decision.rule, "fail_closed.config");
            assert!(!decision.escalate);
            assert!(
                decision.reason.starts_with(&format!(
                    "pcc-hooks: {problem}; judged by the built-in policy: {level} test.rule"
                )),
                "{}",
                decision.reason
            );
        }
    }

    #[test]
    fn the_users_rules_may_tighten_but_never_loosen() {
        let low = verdict(RiskLevel::Low);
        let denied = decide(
            &low,
            Some(&rule_decision(Answer::Deny)),
            Mode::Interactive,
            Trouble::Store,
            "database locked",
        );
        assert_eq!(denied.answer, Answer::Deny);
        assert!(
            denied.reason.contains("Bash(git status)"),
            "{}",
            denied.reason
        );
        assert_eq!(denied.rule, "fail_closed.store");
        let high = verdict(RiskLevel::High);
        let allowed_by_rule = decide(
            &high,
            Some(&rule_decision(Answer::Allow)),
            Mode::Unattended,
            Trouble::Store,
            "database locked",
        );
        assert_eq!(allowed_by_rule.answer, Answer::Deny);
        let medium = verdict(RiskLevel::Medium);
        let no_decision = decide(
            &medium,
            Some(&rule_decision(Answer::NoDecision)),
            Mode::Interactive,
            Trouble::Store,
            "x",
        );
        assert_eq!(no_decision.answer, Answer::Ask);
    }

    #[test]
    fn an_unsure_mode_reads_as_unattended() {
        assert_eq!(mode_when_unsure(None, None, None), Mode::Unattended);
        assert_eq!(
            mode_when_unsure(None, None, Some("default")),
            Mode::Unattended
        );
        assert_eq!(
            mode_when_unsure(None, Some(Mode::Interactive), Some("default")),
            Mode::Interactive
        );
        assert_eq!(
            mode_when_unsure(None, Some(Mode::Interactive), Some("bypassPermissions")),
            Mode::Unattended
        );
        assert_eq!(
            mode_when_unsure(Some("interactive"), None, Some("default")),
            Mode::Interactive,
            "PCC_MODE is the user's word for this run"
        );
        assert_eq!(
            mode_when_unsure(Some("interactive"), None, Some("bypassPermissions")),
            Mode::Unattended,
            "but nobody answers an ask under bypassPermissions"
        );
        assert_eq!(
            mode_when_unsure(Some(" unattended "), Some(Mode::Interactive), None),
            Mode::Unattended
        );
        assert_eq!(
            mode_when_unsure(Some("bogus"), None, None),
            Mode::Unattended
        );
    }

    #[test]
    fn a_panic_never_allows() {
        assert_eq!(after_a_panic(Mode::Unattended).answer, Answer::Deny);
        assert_eq!(after_a_panic(Mode::Interactive).answer, Answer::Ask);
        assert!(
            after_a_panic(Mode::Unattended)
                .reason
                .contains("internal error")
        );
    }
}
