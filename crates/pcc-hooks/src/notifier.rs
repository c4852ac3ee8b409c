//! Telling a human, from inside a hook call (or the scheduler, or the queue), that something
//! needs them: Claude Code's `Notification` hook and every new escalation.
//!
//! The contract for callers: [`escalation_raised`] and [`notify`] never fail and never print.
//! They are called after the caller's own work is stored, and whatever goes wrong here (no
//! channel, a throttled message, a database error, a sender that cannot start) is logged and,
//! where possible, recorded in the `notifications` table — it never changes the caller's answer.
//! Nothing is written to stdout: a hook's stdout is the protocol.
//!
//! Sending is left to a detached `pcc-hooks notify send-json` child, so a slow or hanging webhook
//! never holds up Claude Code.

use pcc_core::paths::DataDir;
use pcc_notify::{Notification, NotifyConfig};
use pcc_store::Store;

/// A new escalation, as its caller knows it, for [`escalation_raised`].
#[derive(Debug, Clone, Copy)]
#[allow(dead_code, reason = "the escalation paths build it as they land")]
pub struct EscalationNotice<'a> {
    /// The escalation's row id: the human answers with `pcc-hooks respond <id> …`.
    pub escalation_id: i64,
    /// The session that waits.
    pub session_id: &'a str,
    /// `"permission"`, `"question"`, `"resume_failed"` or `"task"`.
    pub kind: &'a str,
    /// What it is about (the redacted call, the question, the task).
    pub summary: &'a str,
    /// Why it went to a human.
    pub reason: &'a str,
    /// The project, when known.
    pub project_root: Option<&'a str>,
}

/// Tells the human about a new escalation (high urgency, with how to answer it). Never fails.
#[allow(dead_code, reason = "the escalation paths call it as they land")]
pub fn escalation_raised(
    data: &DataDir,
    store: &mut Store,
    config: &NotifyConfig,
    notice: &EscalationNotice<'_>,
) {
    let _ = (data, store, config, notice);
}

/// Sends `message` to the configured channels, throttled per session, from a detached child.
/// Never fails and never prints.
#[allow(dead_code, reason = "the Notification hook calls it as it lands")]
pub fn notify(data: &DataDir, store: &mut Store, config: &NotifyConfig, message: Notification) {
    let _ = (data, store, config, message);
}
