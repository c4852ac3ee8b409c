//! A real transcript: what Claude Code 2.1.329 wrote for a `claude -p` session against the
//! end-to-end mock (`tests/src/mock_api/`, usage scripted with `Turn::with_usage`), with a Bash
//! call, a `Task` subagent, a turn of a second model (`Turn::with_model`) and the turn the
//! subagent's notification started. `tests/data/projects/…` is the transcript and its subagent's as
//! written; `tests/data/ccusage-20.0.24-session.json` is what `ccusage claude session --offline
//! --json` said of them (`CLAUDE_CONFIG_DIR=tests/data`).

use pcc_core::config::{ModelPrice, PricingConfig};
use pcc_transcript::{
    CostSummary, Entry, EntryKind, PriceTable, SessionReader, Tokens, subagents_dir,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn transcript() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/projects/-tmp-pcc-e2e-project/19cb2270-450d-40b3-aaf5-1dd4a51c0c54.jsonl")
}

fn subagent() -> PathBuf {
    subagents_dir(&transcript()).join("agent-aabfb8d97e5e18f33.jsonl")
}

fn read(reader: &mut SessionReader, path: &Path) -> Vec<Entry> {
    let bytes = std::fs::read(path).expect("fixture");
    reader
        .read_to_end(bytes.as_slice(), u64::MAX)
        .expect("read")
}

fn ccusage() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ccusage-20.0.24-session.json"),
    )
    .expect("ccusage output");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn the_conversation_reads_as_entries_and_the_rest_is_kept_by_type() {
    let mut reader = SessionReader::new();
    let entries = read(&mut reader, &transcript());
    let shown: Vec<String> = entries
        .iter()
        .map(|entry| match &entry.kind {
            EntryKind::User { text } => format!("user {}", text.lines().next().unwrap_or("")),
            EntryKind::Assistant { text, model } => {
                format!("assistant {text} ({})", model.as_deref().unwrap_or("?"))
            }
            EntryKind::ToolUse { tool, input, .. } => format!("call {tool} {input}"),
            EntryKind::ToolResult { text, is_error, .. } => {
                format!("result {is_error} {}", text.lines().next().unwrap_or(""))
            }
            EntryKind::ApiError { text } => format!("error {text}"),
        })
        .collect();
    assert_eq!(shown[0], "user explore please");
    assert_eq!(shown[1], "assistant Let me look. (claude-sonnet-4-5)");
    assert_eq!(shown[2], r#"call Bash {"command":"echo explored"}"#);
    assert_eq!(shown[3], "result false explored");
    assert_eq!(shown[7], "assistant All done. (claude-opus-4-1)");
    assert_eq!(shown[8], "user <task-notification>");
    assert_eq!(shown.len(), 10, "{shown:#?}");
    // The call and its result are tied by the id the hooks saw as tool_use_id.
    let (EntryKind::ToolUse { id, .. }, EntryKind::ToolResult { tool_use_id, .. }) =
        (&entries[2].kind, &entries[3].kind)
    else {
        panic!("a call then its result");
    };
    assert_eq!(id, tool_use_id);
    assert_eq!(reader.unreadable(), 0);
    for kind in ["attachment", "queue-operation", "api-request", "cost-state"] {
        assert!(
            reader.other_lines().contains_key(kind),
            "{kind} kept: {:?}",
            reader.other_lines()
        );
    }
}

#[test]
fn every_message_counts_once_and_the_tokens_are_ccusages() {
    let mut reader = SessionReader::usage_only();
    read(&mut reader, &transcript());
    assert_eq!(reader.ledger().records().len(), 4);
    assert_eq!(
        reader.ledger().duplicates(),
        2,
        "two messages of two blocks each, one line per block"
    );
    read(&mut reader, &subagent());
    let tokens = reader.ledger().tokens();
    let totals = &ccusage()["totals"];
    assert_eq!(
        (
            tokens.input,
            tokens.output,
            tokens.cache_write(),
            tokens.cache_read,
            tokens.total()
        ),
        (
            totals["inputTokens"].as_u64().expect("n"),
            totals["outputTokens"].as_u64().expect("n"),
            totals["cacheCreationTokens"].as_u64().expect("n"),
            totals["cacheReadTokens"].as_u64().expect("n"),
            totals["totalTokens"].as_u64().expect("n"),
        )
    );
    assert_eq!(
        tokens,
        Tokens {
            input: 1238,
            output: 390,
            cache_write_5m: 1033,
            cache_write_1h: 2000,
            cache_read: 40053
        }
    );
}

#[test]
fn the_cost_is_exact_and_the_same_as_ccusages() {
    let mut reader = SessionReader::usage_only();
    read(&mut reader, &transcript());
    read(&mut reader, &subagent());
    let cost = CostSummary::of(reader.ledger().records(), &PriceTable::bundled());
    // Sonnet 4.5: 1231 × 3 + 382 × 15 + 1033 × 3.75 + 2000 × 6 + 40044 × 0.3 = 37309.95
    // Opus 4.1:   7 × 15 + 8 × 75 + 9 × 1.5 = 718.5                        (USD per million)
    assert_eq!(
        cost.cost_usd.map(|usd| usd.picodollars()),
        Some(38_028_450_000)
    );
    let ccusage_total = ccusage()["totals"]["totalCost"].as_f64().expect("cost");
    let ours = cost.cost_usd.expect("priced").dollars();
    assert!(
        (ours - ccusage_total).abs() < 1e-12,
        "{ours} vs ccusage's {ccusage_total}"
    );
    let models: Vec<(&str, u64)> = cost
        .models
        .iter()
        .map(|model| (model.model.as_str(), model.messages))
        .collect();
    assert_eq!(
        models,
        vec![("claude-opus-4-1", 1), ("claude-sonnet-4-5", 4)]
    );
}

#[test]
fn a_config_price_changes_the_cost_of_its_family_alone() {
    let mut reader = SessionReader::usage_only();
    read(&mut reader, &transcript());
    let config = PricingConfig::from([(
        "claude-opus-4-1".to_owned(),
        ModelPrice {
            input: 0.0,
            output: 0.0,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_read: None,
        },
    )]);
    let bundled = CostSummary::of(reader.ledger().records(), &PriceTable::bundled());
    let overridden = CostSummary::of(reader.ledger().records(), &PriceTable::with_config(&config));
    let difference = bundled.cost_usd.expect("priced").picodollars()
        - overridden.cost_usd.expect("priced").picodollars();
    assert_eq!(difference, 718_500_000, "exactly Opus 4.1's part");
}

#[test]
fn a_torn_last_line_costs_only_that_line() {
    let bytes = std::fs::read(transcript()).expect("fixture");
    // Cut into the last line (a `cost-state`), as a session being written leaves it.
    let torn = &bytes[..bytes.len() - 40];
    let mut whole = SessionReader::usage_only();
    whole.read_to_end(bytes.as_slice(), u64::MAX).expect("read");
    let mut reader = SessionReader::new();
    let entries = reader.read_to_end(torn, u64::MAX).expect("read");
    assert_eq!(entries.len(), 10);
    assert_eq!(reader.unreadable(), 1);
    assert_eq!(reader.ledger().tokens(), whole.ledger().tokens());
    // Cut inside an assistant line instead: that message is not counted, nothing fails.
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let last_assistant = text.rfind("{\"parentUuid\"").expect("a message line");
    let mut cut = SessionReader::new();
    cut.read_to_end(&bytes[..last_assistant + 100], u64::MAX)
        .expect("read");
    assert!(cut.ledger().tokens().total() < whole.ledger().tokens().total());
    assert_eq!(cut.unreadable(), 1);
}
