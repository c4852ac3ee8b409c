//! Capabilities: the Approve and Deny buttons of a notification, each a credential of its own.
//!
//! A human far from the terminal answers an escalation by tapping a button on the phone; the
//! button POSTs to `<public_url>/a/<token>` with no login. The token is the credential, so it
//! is made to be worth as little as possible when it leaks:
//! - **random**: 256 bits from the operating system, `pcc_cap_` and 64 hex digits (the prefix
//!   lets the redactor find it in any text);
//! - **stored hashed**: only its SHA-256 is kept, so a copy of the database approves nothing;
//!   the raw token is returned once, by [`Store::mint_capabilities`], to be sent;
//! - **bound** to one escalation and one answer: the request cannot choose another, and one that
//!   names another escalation or answer is refused;
//! - **short-lived** (an expiry the caller chooses, `[server] capability_ttl`) and **single
//!   use**: redeeming one marks it used and voids its siblings, and any answer to the
//!   escalation, through any door, voids them all.
//!
//! Redeeming is one transaction with the answer it gives ([`crate::escalations::answer_in`],
//! the same as `respond`), so a capability and a racing `respond` can never both apply.
//! [`Store::inspect_capability`] reads without writing, for the confirmation page a GET shows.

use crate::error::StoreError;
use crate::escalations::{
    AnswerOutcome, Answered, Answerer, Escalation, EscalationState, Provenance, answer_in,
    escalation_by_id,
};
use crate::open::Store;
use crate::sql_enum::stored_enum;
use pcc_core::bridge::human_answer::{Effects, Response};
use pcc_core::redact::redact_opt;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sha2::{Digest, Sha256};
use std::fmt::{self, Write as _};

/// What every capability token starts with.
pub const TOKEN_PREFIX: &str = "pcc_cap_";

/// Random bytes in a token: 256 bits.
const TOKEN_BYTES: usize = 32;

stored_enum! {
    /// The one answer a capability gives.
    pub enum CapabilityAnswer in "capabilities.answer" {
        /// Yes: run it, retry it, accept it.
        Approve = "approve",
        /// No.
        Deny = "deny",
    }
}

impl CapabilityAnswer {
    /// The human's response this answer is.
    pub fn response(self) -> Response {
        match self {
            CapabilityAnswer::Approve => Response::Approve,
            CapabilityAnswer::Deny => Response::Deny,
        }
    }
}

/// A raw capability token: shown once, when minted, and sent in the notification. `Debug`
/// hides it, so it cannot reach a log through a `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct CapabilityToken(String);

impl CapabilityToken {
    /// A fresh token from the operating system's randomness.
    fn generate() -> Result<CapabilityToken, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        let mut text = String::with_capacity(TOKEN_PREFIX.len() + 2 * TOKEN_BYTES);
        text.push_str(TOKEN_PREFIX);
        for byte in bytes {
            let _ = write!(text, "{byte:02x}");
        }
        Ok(CapabilityToken(text))
    }

    /// The token itself, to put in the button's URL.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CapabilityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CapabilityToken([REDACTED])")
    }
}

/// Whether `text` has the shape of a token: the prefix and 64 lower-case hex digits. Anything
/// else is unknown without a lookup.
fn well_formed(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 2 * TOKEN_BYTES
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What is stored in place of the token.
fn token_sha256(token: &str) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(token.as_bytes()) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A capability just minted: the only time its token exists outside the notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedCapability {
    /// Its row id.
    pub id: i64,
    /// The answer it gives.
    pub answer: CapabilityAnswer,
    /// The raw token, for the button's URL; the store keeps only its hash.
    pub token: CapabilityToken,
    /// When it stops working, ms since the epoch.
    pub expires_ms: i64,
}

/// A stored capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// Row id: what an answer's provenance names (`capability <id>`).
    pub id: i64,
    /// The escalation it answers.
    pub escalation_id: i64,
    /// The answer it gives.
    pub answer: CapabilityAnswer,
    /// When it was minted.
    pub created_ms: i64,
    /// When it stops working.
    pub expires_ms: i64,
    /// When it was redeemed.
    pub used_ms: Option<i64>,
    /// Where it was redeemed from (the peer address).
    pub used_from: Option<String>,
    /// When it was voided: the escalation was answered otherwise (a sibling, `respond`, …).
    pub voided_ms: Option<i64>,
}

/// What a request presents: the token, and what it claims the token is for when it says so
/// (the confirmation page's form does; ntfy's button sends nothing but the token). A claim
/// that differs from what the token is bound to is refused, never obeyed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CapabilityClaim<'a> {
    /// The raw token from the URL.
    pub token: &'a str,
    /// The escalation the request says it answers.
    pub escalation_id: Option<i64>,
    /// The answer the request says it gives.
    pub answer: Option<CapabilityAnswer>,
}

impl<'a> CapabilityClaim<'a> {
    /// A claim of the token alone.
    pub fn token(token: &'a str) -> CapabilityClaim<'a> {
        CapabilityClaim {
            token,
            escalation_id: None,
            answer: None,
        }
    }
}

impl fmt::Debug for CapabilityClaim<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapabilityClaim")
            .field("token", &"[REDACTED]")
            .field("escalation_id", &self.escalation_id)
            .field("answer", &self.answer)
            .finish()
    }
}

/// Why a capability was not (or would not be) redeemed. Nothing changed in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapabilityRefusal {
    /// No capability has this token (or it is not one).
    Unknown,
    /// It was redeemed before: a replay.
    Used {
        /// When.
        used_ms: i64,
    },
    /// Its time ran out.
    Expired {
        /// When.
        expires_ms: i64,
    },
    /// The escalation was answered otherwise (another button, `respond`, the dashboard).
    Answered(Box<Escalation>),
    /// The request names another escalation than the one the token is bound to.
    OtherEscalation,
    /// The request names another answer than the one the token gives.
    OtherAnswer {
        /// The answer the token gives.
        bound: CapabilityAnswer,
    },
    /// A resume of the session is running, so the answer cannot be attached to it now; the
    /// capability stays usable.
    ResumeRunning,
}

impl fmt::Display for CapabilityRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapabilityRefusal::Unknown => f.write_str(
                "this link is not a valid approval link (nothing was changed); \
                 `pcc-hooks pending` lists what waits",
            ),
            CapabilityRefusal::Used { .. } => f.write_str(
                "this link was used already and works once (nothing was changed); \
                 `pcc-hooks pending` lists what waits",
            ),
            CapabilityRefusal::Expired { .. } => f.write_str(
                "this link has expired (nothing was changed); answer from the dashboard or \
                 with `pcc-hooks respond`",
            ),
            CapabilityRefusal::Answered(escalation) => {
                write!(
                    f,
                    "escalation {} was answered already (nothing was changed)",
                    escalation.id
                )?;
                if let Some(provenance) = &escalation.provenance {
                    write!(f, ", by {provenance}")?;
                }
                Ok(())
            }
            CapabilityRefusal::OtherEscalation => {
                f.write_str("this link belongs to another escalation (nothing was changed)")
            }
            CapabilityRefusal::OtherAnswer { bound } => write!(
                f,
                "this link can only {bound}, and the request asked otherwise (nothing was changed)"
            ),
            CapabilityRefusal::ResumeRunning => f.write_str(
                "a resume of the session is running right now; try again when it has finished \
                 (nothing was changed)",
            ),
        }
    }
}

/// What [`Store::inspect_capability`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// Redeeming it now would answer `escalation` with `capability.answer`.
    Usable {
        /// The capability.
        capability: Capability,
        /// The escalation it answers, still pending.
        escalation: Box<Escalation>,
    },
    /// Redeeming it now would be refused.
    Refused(CapabilityRefusal),
}

/// What [`Store::redeem_capability`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The escalation is answered; the capability is used and its siblings void.
    Redeemed {
        /// The capability, as it was before it was used.
        capability: Capability,
        /// What the answer did.
        answered: Box<Answered>,
        /// Who answered, as stored with the answer.
        provenance: Provenance,
    },
    /// Refused; nothing changed.
    Refused(CapabilityRefusal),
}

const SELECT: &str = "SELECT id, escalation_id, answer, created_ms, expires_ms, used_ms, used_from,
        voided_ms FROM capabilities";

fn capability_from_row(row: &Row<'_>) -> rusqlite::Result<Capability> {
    Ok(Capability {
        id: row.get(0)?,
        escalation_id: row.get(1)?,
        answer: row.get(2)?,
        created_ms: row.get(3)?,
        expires_ms: row.get(4)?,
        used_ms: row.get(5)?,
        used_from: row.get(6)?,
        voided_ms: row.get(7)?,
    })
}

/// The capability `claim` presents and its escalation, or why it cannot be redeemed at `now_ms`.
fn check(
    connection: &Connection,
    claim: &CapabilityClaim<'_>,
    now_ms: i64,
) -> rusqlite::Result<Result<(Capability, Escalation), CapabilityRefusal>> {
    if !well_formed(claim.token) {
        return Ok(Err(CapabilityRefusal::Unknown));
    }
    let Some(capability) = connection
        .query_row(
            &format!("{SELECT} WHERE token_sha256 = ?1"),
            [token_sha256(claim.token)],
            capability_from_row,
        )
        .optional()?
    else {
        return Ok(Err(CapabilityRefusal::Unknown));
    };
    if claim
        .escalation_id
        .is_some_and(|id| id != capability.escalation_id)
    {
        return Ok(Err(CapabilityRefusal::OtherEscalation));
    }
    if claim
        .answer
        .is_some_and(|answer| answer != capability.answer)
    {
        return Ok(Err(CapabilityRefusal::OtherAnswer {
            bound: capability.answer,
        }));
    }
    if let Some(used_ms) = capability.used_ms {
        return Ok(Err(CapabilityRefusal::Used { used_ms }));
    }
    let Some(escalation) = escalation_by_id(connection, capability.escalation_id)? else {
        return Ok(Err(CapabilityRefusal::Unknown));
    };
    if escalation.state != EscalationState::Pending || capability.voided_ms.is_some() {
        return Ok(Err(CapabilityRefusal::Answered(Box::new(escalation))));
    }
    if now_ms >= capability.expires_ms {
        return Ok(Err(CapabilityRefusal::Expired {
            expires_ms: capability.expires_ms,
        }));
    }
    Ok(Ok((capability, escalation)))
}

/// Voids the unused capabilities of escalation `escalation_id`: it has been answered.
pub(crate) fn void_unused(
    transaction: &Transaction<'_>,
    escalation_id: i64,
    now_ms: i64,
) -> rusqlite::Result<()> {
    transaction.execute(
        "UPDATE capabilities SET voided_ms = ?2
         WHERE escalation_id = ?1 AND used_ms IS NULL AND voided_ms IS NULL",
        params![escalation_id, now_ms],
    )?;
    Ok(())
}

impl Store {
    /// Mints one capability per answer in `answers` for escalation `escalation_id`, each
    /// expiring `ttl_ms` after `now_ms`, in one transaction. Returns the raw tokens, which are
    /// not stored and cannot be had again; empty when the escalation is not pending (there is
    /// nothing left to answer).
    pub fn mint_capabilities(
        &mut self,
        escalation_id: i64,
        answers: &[CapabilityAnswer],
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Vec<MintedCapability>, StoreError> {
        let tokens = answers
            .iter()
            .map(|answer| CapabilityToken::generate().map(|token| (*answer, token)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| StoreError::Randomness { source })?;
        let expires_ms = now_ms.saturating_add(ttl_ms.max(0));
        self.write(|transaction| {
            let pending = escalation_by_id(transaction, escalation_id)?
                .is_some_and(|escalation| escalation.state == EscalationState::Pending);
            if !pending {
                return Ok(Vec::new());
            }
            let mut minted = Vec::with_capacity(tokens.len());
            for (answer, token) in tokens {
                transaction.execute(
                    "INSERT INTO capabilities (escalation_id, answer, token_sha256, created_ms, expires_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![escalation_id, answer, token_sha256(token.expose()), now_ms, expires_ms],
                )?;
                minted.push(MintedCapability {
                    id: transaction.last_insert_rowid(),
                    answer,
                    token,
                    expires_ms,
                });
            }
            Ok(minted)
        })
    }

    /// What redeeming `claim` at `now_ms` would do, without doing it: for the confirmation page
    /// a GET shows (a link previewer that fetches the URL changes nothing).
    pub fn inspect_capability(
        &self,
        claim: &CapabilityClaim<'_>,
        now_ms: i64,
    ) -> Result<Inspection, StoreError> {
        let checked = check(&self.conn, claim, now_ms).map_err(|source| self.error(source))?;
        Ok(match checked {
            Ok((capability, escalation)) => Inspection::Usable {
                capability,
                escalation: Box::new(escalation),
            },
            Err(refusal) => Inspection::Refused(refusal),
        })
    }

    /// Redeems `claim` at `now_ms`, from `from` (the peer address), in one transaction: checks
    /// the token's hash, the escalation and answer the request names, the expiry and that it is
    /// unused; answers the escalation with the token's answer and the `effects` that
    /// `effects_of` gives for it (the same rules as `respond`; a capability never remembers a
    /// call); marks the capability used and voids its siblings. Refused: nothing changes.
    pub fn redeem_capability(
        &mut self,
        claim: &CapabilityClaim<'_>,
        from: Option<&str>,
        now_ms: i64,
        effects_of: impl FnOnce(&Escalation, &Response) -> Effects,
    ) -> Result<Redemption, StoreError> {
        self.write(|transaction| {
            let (capability, escalation) = match check(transaction, claim, now_ms)? {
                Ok(found) => found,
                Err(refusal) => return Ok(Redemption::Refused(refusal)),
            };
            let response = capability.answer.response();
            let effects = effects_of(&escalation, &response);
            let mut provenance =
                Provenance::new(Answerer::Capability).detail(format!("capability {}", capability.id));
            provenance.from = from.map(str::to_owned);
            let answered = match answer_in(
                transaction,
                capability.escalation_id,
                &response,
                &effects,
                &provenance,
                now_ms,
            )? {
                AnswerOutcome::Answered(answered) => answered,
                AnswerOutcome::NotFound => return Ok(Redemption::Refused(CapabilityRefusal::Unknown)),
                AnswerOutcome::AlreadyAnswered(escalation) => {
                    return Ok(Redemption::Refused(CapabilityRefusal::Answered(escalation)));
                }
                AnswerOutcome::ResumeRunning(_) => {
                    return Ok(Redemption::Refused(CapabilityRefusal::ResumeRunning));
                }
            };
            // The answer voided every unused button of the escalation, this one included:
            // this one was used, not voided.
            transaction.execute(
                "UPDATE capabilities SET used_ms = ?2, used_from = ?3, voided_ms = NULL WHERE id = ?1",
                params![capability.id, now_ms, redact_opt(from)],
            )?;
            Ok(Redemption::Redeemed {
                capability,
                answered,
                provenance,
            })
        })
    }

    /// The capabilities minted for escalation `escalation_id`, oldest first (the dashboard,
    /// audits); never their tokens, which are not stored.
    pub fn capabilities_of(&self, escalation_id: i64) -> Result<Vec<Capability>, StoreError> {
        let wrap = |source| self.error(source);
        let mut statement = self
            .conn
            .prepare(&format!("{SELECT} WHERE escalation_id = ?1 ORDER BY id"))
            .map_err(wrap)?;
        let rows = statement
            .query_map([escalation_id], capability_from_row)
            .map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_the_prefix_and_256_random_bits_in_hex() -> Result<(), getrandom::Error> {
        let one = CapabilityToken::generate()?;
        let two = CapabilityToken::generate()?;
        assert!(well_formed(one.expose()), "{}", one.expose());
        assert_eq!(one.expose().len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(one, two);
        assert_eq!(format!("{one:?}"), "CapabilityToken([REDACTED])");
        assert!(!well_formed("pcc_cap_"));
        assert!(!well_formed(&one.expose().to_uppercase()));
        assert!(!well_formed(&format!("{}0", one.expose())));
        Ok(())
    }

    #[test]
    fn the_hash_is_sha256_of_the_whole_token() {
        // sha256("abc"), FIPS 180-2.
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
