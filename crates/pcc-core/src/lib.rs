//! The domain of pcc-hooks: what Claude Code sends a hook ([`hook`]), what we make of a permission
//! call ([`permission`]), what the brain may answer ([`brain`]), what a human's answer does and
//! when a session resumes ([`bridge`]), the configuration ([`config`]), whether a human is there
//! ([`Mode`]), redaction ([`redact`]) and where our files live ([`paths`]). Nothing here opens a
//! database, spawns a process or talks to the network, so every rule in this crate can be tested
//! with plain values. How risky a call is comes from `pcc_policy`, which this crate builds on.
//!
//! A tool call is judged once (the policy's verdict and the user's rules), then decided by the
//! prior approval that covers it and the mode:
//!
//! ```
//! use pcc_core::{Answer, Judgement, Mode, PermissionLists, PriorApproval};
//! use pcc_policy::{PolicyContext, RiskLevel};
//! use serde_json::json;
//!
//! let context = PolicyContext {
//!     cwd: "/home/u/proj".into(),
//!     project_root: "/home/u/proj".into(),
//!     home: "/home/u".into(),
//!     data_dirs: vec!["/home/u/.local/share/pcc-hooks".into()],
//! };
//! let rules = PermissionLists {
//!     deny: vec!["Bash(git push:*)".into()],
//!     ..PermissionLists::default()
//! };
//!
//! let status = Judgement::of("Bash", &json!({"command": "git status"}), &context, &rules)?;
//! assert_eq!(status.verdict.level, RiskLevel::Low);
//! assert_eq!(status.decide(PriorApproval::None, Mode::Unattended).answer, Answer::Allow);
//!
//! let push = Judgement::of("Bash", &json!({"command": "git push"}), &context, &rules)?;
//! let decision = push.decide(PriorApproval::None, Mode::Interactive);
//! assert_eq!((decision.answer, decision.rule.as_str()), (Answer::Deny, "config.deny"));
//! # Ok::<(), pcc_core::permission::RuleError>(())
//! ```

pub mod brain;
pub mod bridge;
pub mod config;
pub mod hook;
pub mod mode;
pub mod paths;
pub mod permission;
pub mod redact;
pub mod session_state;

pub use config::{Config, ConfigInForce};
pub use mode::Mode;
pub use permission::{
    Answer, CallFacts, Decision, Judgement, PermissionLists, PermissionRule, PriorApproval,
};
