//! Token counts, and each API message counted once.
//!
//! Claude Code writes an assistant message one content block per line, each line with the
//! message's id and its whole `usage`, so summing lines counts a message once per block. A
//! subagent's transcript may also replay a message of its parent. [`UsageLedger`] keeps one
//! record per API message the way ccusage does (`rust/adapters/claude/src/lib.rs`, 20.0.x):
//! - the key is the message id and the request id;
//! - of two lines with one key, the one with more tokens stays (a line written mid-stream
//!   has fewer), and a line outside a subagent beats a subagent's replay of it;
//! - a subagent line with the id of a message already counted at the same instant, under
//!   another request id, is that message replayed;
//! - a line without a message id cannot be matched and is counted as it is.

use crate::line::Message;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::ops::AddAssign;

/// Tokens of one message, or a sum, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Input read neither from nor into the cache (`input_tokens`).
    pub input: u64,
    /// Output (`output_tokens`).
    pub output: u64,
    /// Input written to the 5-minute cache.
    pub cache_write_5m: u64,
    /// Input written to the 1-hour cache.
    pub cache_write_1h: u64,
    /// Input read from the cache (`cache_read_input_tokens`).
    pub cache_read: u64,
}

impl Tokens {
    /// Every cache write (`cache_creation_input_tokens`).
    pub fn cache_write(&self) -> u64 {
        self.cache_write_5m.saturating_add(self.cache_write_1h)
    }

    /// Everything the request read: what the long-context prices are chosen by.
    pub fn context(&self) -> u64 {
        self.input
            .saturating_add(self.cache_write())
            .saturating_add(self.cache_read)
    }

    /// Every token, as ccusage's `totalTokens`.
    pub fn total(&self) -> u64 {
        self.context().saturating_add(self.output)
    }
}

impl AddAssign for Tokens {
    fn add_assign(&mut self, other: Tokens) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_write_5m = self.cache_write_5m.saturating_add(other.cache_write_5m);
        self.cache_write_1h = self.cache_write_1h.saturating_add(other.cache_write_1h);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
    }
}

/// `{"input", "output", "cache_write", "cache_write_5m", "cache_write_1h", "cache_read",
/// "total"}`: the form every `--json` output shows, sums included so a script need not know
/// which kinds add up.
impl Serialize for Tokens {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut tokens = serializer.serialize_struct("Tokens", 7)?;
        tokens.serialize_field("input", &self.input)?;
        tokens.serialize_field("output", &self.output)?;
        tokens.serialize_field("cache_write", &self.cache_write())?;
        tokens.serialize_field("cache_write_5m", &self.cache_write_5m)?;
        tokens.serialize_field("cache_write_1h", &self.cache_write_1h)?;
        tokens.serialize_field("cache_read", &self.cache_read)?;
        tokens.serialize_field("total", &self.total())?;
        tokens.end()
    }
}

/// One API message's usage, counted once.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageUsage {
    /// The API's message id.
    pub message_id: Option<String>,
    /// The API request's id.
    pub request_id: Option<String>,
    /// The model that answered.
    pub model: String,
    /// When the message was written.
    pub at: Option<Timestamp>,
    /// Its tokens.
    pub tokens: Tokens,
    /// Answered in fast mode.
    pub fast: bool,
    /// Written inside a subagent.
    pub sidechain: bool,
}

/// The usage of a session's messages, each counted once.
#[derive(Debug, Clone, Default)]
pub struct UsageLedger {
    records: Vec<MessageUsage>,
    /// Message id → records with it (few: one, or a replay under another request id).
    by_message: HashMap<String, Vec<usize>>,
    duplicates: u64,
}

impl UsageLedger {
    /// An empty ledger.
    pub fn new() -> UsageLedger {
        UsageLedger::default()
    }

    /// Counts the usage of `message`, unless it is a line of a message already counted.
    /// Lines without usage, or with no token at all (Claude Code's synthetic error messages),
    /// count nothing.
    pub fn add(&mut self, message: &Message) {
        let Some(usage) = message.usage else {
            return;
        };
        if usage.tokens.total() == 0 {
            return;
        }
        let record = MessageUsage {
            message_id: message.message_id.clone(),
            request_id: message.request_id.clone(),
            model: message.model.clone().unwrap_or_default(),
            at: message.at,
            tokens: usage.tokens,
            fast: usage.fast,
            sidechain: message.sidechain,
        };
        let Some(id) = record.message_id.clone() else {
            self.records.push(record);
            return;
        };
        let same = self.by_message.get(&id).and_then(|indexes| {
            indexes.iter().copied().find(|&index| {
                let kept = &self.records[index];
                kept.request_id == record.request_id
                    || ((kept.sidechain || record.sidechain) && kept.at == record.at)
            })
        });
        match same {
            Some(index) => {
                self.duplicates += 1;
                if replaces(&record, &self.records[index]) {
                    self.records[index] = record;
                }
            }
            None => {
                self.by_message
                    .entry(id)
                    .or_default()
                    .push(self.records.len());
                self.records.push(record);
            }
        }
    }

    /// The messages counted, in the order first seen.
    pub fn records(&self) -> &[MessageUsage] {
        &self.records
    }

    /// Lines that repeated a message already counted.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Every token counted.
    pub fn tokens(&self) -> Tokens {
        let mut sum = Tokens::default();
        for record in &self.records {
            sum += record.tokens;
        }
        sum
    }
}

/// Whether `candidate` is the better line of one message than `kept`: outside a subagent
/// first, then more tokens.
fn replaces(candidate: &MessageUsage, kept: &MessageUsage) -> bool {
    if candidate.sidechain != kept.sidechain {
        return kept.sidechain;
    }
    candidate.tokens.total() > kept.tokens.total()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::{Role, Usage};

    fn line(id: Option<&str>, request: &str, output: u64, sidechain: bool, at_ms: i64) -> Message {
        Message {
            role: Role::Assistant,
            at: Timestamp::from_millisecond(at_ms).ok(),
            sidechain,
            meta: false,
            api_error: false,
            message_id: id.map(str::to_owned),
            request_id: Some(request.to_owned()),
            model: Some("claude-sonnet-4-5".into()),
            usage: Some(Usage {
                tokens: Tokens {
                    input: 10,
                    output,
                    ..Tokens::default()
                },
                fast: false,
            }),
            blocks: Vec::new(),
        }
    }

    #[test]
    fn lines_of_one_message_count_once_with_the_fullest_usage() {
        let mut ledger = UsageLedger::new();
        ledger.add(&line(Some("msg_1"), "req_1", 1, false, 0));
        ledger.add(&line(Some("msg_1"), "req_1", 345, false, 5));
        ledger.add(&line(Some("msg_1"), "req_1", 345, false, 5));
        ledger.add(&line(Some("msg_2"), "req_2", 7, false, 9));
        assert_eq!(ledger.records().len(), 2);
        assert_eq!(ledger.duplicates(), 2);
        assert_eq!(ledger.tokens().output, 352);
        assert_eq!(ledger.tokens().input, 20);
    }

    #[test]
    fn the_same_id_under_another_request_is_another_message_unless_a_subagent_replays_it() {
        let mut ledger = UsageLedger::new();
        ledger.add(&line(Some("msg_1"), "req_1", 5, false, 100));
        ledger.add(&line(Some("msg_1"), "req_2", 5, false, 200));
        assert_eq!(ledger.records().len(), 2, "a gateway reusing ids");
        // A subagent replaying the parent's message, same instant, new request id: once, and
        // the parent's line is the one kept even when the replay claims more.
        ledger.add(&line(Some("msg_1"), "req_9", 50, true, 100));
        assert_eq!(ledger.records().len(), 2);
        assert!(!ledger.records()[0].sidechain);
        assert_eq!(ledger.tokens().output, 10);
        let mut first_seen_in_subagent = UsageLedger::new();
        first_seen_in_subagent.add(&line(Some("msg_1"), "req_1", 5, true, 100));
        first_seen_in_subagent.add(&line(Some("msg_1"), "req_1", 5, false, 100));
        assert!(!first_seen_in_subagent.records()[0].sidechain);
    }

    #[test]
    fn lines_without_an_id_or_without_tokens() {
        let mut ledger = UsageLedger::new();
        ledger.add(&line(None, "req_1", 5, false, 0));
        ledger.add(&line(None, "req_1", 5, false, 0));
        assert_eq!(ledger.records().len(), 2, "nothing to match them by");
        let mut synthetic = line(Some("msg_x"), "req_x", 0, false, 0);
        synthetic.usage = Some(Usage {
            tokens: Tokens::default(),
            fast: false,
        });
        ledger.add(&synthetic);
        synthetic.usage = None;
        ledger.add(&synthetic);
        assert_eq!(ledger.records().len(), 2);
    }

    #[test]
    fn tokens_serialize_with_their_sums() {
        let tokens = Tokens {
            input: 1,
            output: 2,
            cache_write_5m: 3,
            cache_write_1h: 4,
            cache_read: 5,
        };
        assert_eq!(
            serde_json::to_value(tokens).expect("json"),
            serde_json::json!({"input": 1, "output": 2, "cache_write": 7, "cache_write_5m": 3,
                               "cache_write_1h": 4, "cache_read": 5, "total": 15})
        );
    }
}
