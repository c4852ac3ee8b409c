//! The domain of pcc-hooks: what Claude Code sends a hook, what we make of it, and where our files
//! live. Nothing here opens a database, spawns a process or talks to the network, so every rule in
//! this crate can be tested with plain values.

pub mod brain;
pub mod call;
pub mod call_digest;
pub mod claude_settings;
pub mod config;
pub mod decision;
pub mod deferral;
pub mod fail_closed;
pub mod hook;
pub mod human_answer;
pub mod judgement;
pub mod notify_config;
pub mod paths;
pub mod permission_rules;
pub mod redact;
pub mod resume_schedule;
pub mod session_state;
pub mod task_queue;
pub mod wildcard;

/// The risk policy, re-exported while the other crates move their imports to `pcc_policy`.
pub use pcc_policy as policy;
