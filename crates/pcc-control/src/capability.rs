//! Answering an escalation with a notification's button: the third door, after `respond` and
//! the API, to the same answer.
//!
//! A capability (`pcc_store::capabilities`) is its own credential: whoever holds the link may
//! give its one answer, once, before it expires. [`inspect`] says what the link would do and
//! changes nothing (what a GET shows, so a link previewer approves nothing); [`redeem`] gives
//! the answer in one store transaction with the capability's checks, computing its effects by
//! the same rules as [`crate::answer::answer`] (a capability never remembers a call), and then
//! starts a scheduler for the resume it scheduled, as `respond` does.

use crate::ControlError;
use crate::answer::{AnswerReport, effects_for, report};
use pcc_core::bridge::human_answer::Effects;
use pcc_core::paths::DataDir;
use pcc_store::{Capability, CapabilityClaim, CapabilityRefusal, Inspection, Redemption, Store};
use std::path::Path;

/// What redeeming a capability did.
#[derive(Debug, Clone)]
pub enum Redeemed {
    /// The escalation is answered with the capability's answer.
    Answered {
        /// The capability, as it was before it was used.
        capability: Capability,
        /// What the answer did, as `respond` reports it.
        report: Box<AnswerReport>,
    },
    /// Refused; nothing changed.
    Refused(CapabilityRefusal),
}

/// What redeeming `claim` at `now_ms` would do, without doing it.
pub fn inspect(
    data: &DataDir,
    claim: &CapabilityClaim<'_>,
    now_ms: i64,
) -> Result<Inspection, ControlError> {
    match Store::open_existing(&data.database())? {
        Some(store) => Ok(store.inspect_capability(claim, now_ms)?),
        None => Ok(Inspection::Refused(CapabilityRefusal::Unknown)),
    }
}

/// Redeems `claim` at `now_ms` for a client at `from` (its address); `hooks_program` is the
/// `pcc-hooks` binary that runs a scheduler when the answer schedules a resume.
pub fn redeem(
    data: &DataDir,
    claim: &CapabilityClaim<'_>,
    from: &str,
    hooks_program: &Path,
    now_ms: i64,
) -> Result<Redeemed, ControlError> {
    let Some(mut store) = Store::open_existing(&data.database())? else {
        return Ok(Redeemed::Refused(CapabilityRefusal::Unknown));
    };
    let redemption =
        store.redeem_capability(claim, Some(from), now_ms, |escalation, response| {
            // Without `remember` no answer is refused by its kind, so the fallback is never taken;
            // it would answer and change nothing beyond the verdict.
            effects_for(escalation, response, false).unwrap_or_else(|error| {
                tracing::error!(%error, "a capability's answer had no effects");
                Effects::default()
            })
        })?;
    Ok(match redemption {
        Redemption::Redeemed {
            capability,
            answered,
            provenance,
        } => {
            let response = capability.answer.response();
            Redeemed::Answered {
                report: Box::new(report(data, *answered, response, provenance, hooks_program)),
                capability,
            }
        }
        Redemption::Refused(refusal) => Redeemed::Refused(refusal),
    })
}
