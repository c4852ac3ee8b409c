//! Claude Code transcripts (`<config dir>/projects/<slug>/<session>.jsonl`): read into types,
//! rendered as text a human reads, and priced. Pure: the caller opens the files (as regular
//! files, without blocking, within a bound) and hands over their bytes.
//!
//! - [`SessionReader`] takes a transcript's bytes, whole or as a live session writes them, and
//!   gives its [`Entry`]s (prompts, the model's words, tool calls, results) and its
//!   [`UsageLedger`] (each API message's tokens, once);
//! - [`render`] turns an entry into styled lines, with our decision beside each tool call;
//! - [`CostSummary::of`] prices usage with a [`PriceTable`]: the bundled one, dated, with the
//!   config's `[pricing]` over it.
//!
//! ```
//! use pcc_transcript::{CostSummary, PriceTable, SessionReader};
//!
//! let transcript = concat!(
//!     r#"{"type":"user","message":{"role":"user","content":"Say hi"}}"#, "\n",
//!     r#"{"type":"assistant","requestId":"req_1","message":{"id":"msg_1","#,
//!     r#""model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi!"}],"#,
//!     r#""usage":{"input_tokens":1000,"output_tokens":100}}}"#, "\n",
//! );
//! let mut reader = SessionReader::new();
//! let entries = reader.read_to_end(transcript.as_bytes(), 1 << 20).unwrap();
//! assert_eq!(entries.len(), 2);
//! let cost = CostSummary::of(reader.ledger().records(), &PriceTable::bundled());
//! assert_eq!(cost.tokens.total(), 1100);
//! assert_eq!(cost.cost_usd.map(|usd| usd.dollars()), Some(0.0045)); // 1000 × $3 + 100 × $15, per million
//! ```

mod cost;
mod entry;
pub mod line;
mod price_table;
mod pricing;
pub mod reader;
mod render;
mod session;
mod usage;

pub use cost::{CostSummary, ModelCost};
pub use entry::{Entry, EntryKind, entries};
pub use price_table::AS_OF as PRICES_AS_OF;
pub use pricing::{LongContext, Price, PriceTable, Rates, Usd, family};
pub use render::{RenderOptions, RenderedLine, Span, Style, Verdict, Verdicts, render};
pub use session::{SessionReader, subagents_dir};
pub use usage::{MessageUsage, Tokens, UsageLedger};
