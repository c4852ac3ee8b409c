//! `pcc-hooks decisions`: the latest permission decisions, newest first.

use crate::cli::{ColorChoice, DecisionsArgs};
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::{Palette, emit, rfc3339};
use pcc_core::paths::DataDir;
use pcc_core::{Answer, Mode};
use pcc_policy::RiskLevel;
use pcc_store::Store;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct DecisionJson {
    id: i64,
    session_id: String,
    at: String,
    hook_event: String,
    tool_name: String,
    tool_use_id: Option<String>,
    project_root: String,
    input: String,
    level: RiskLevel,
    decision: Answer,
    rule: String,
    reason: String,
    mode: Mode,
    latency_us: i64,
    escalated: bool,
    human_approved: bool,
}

/// Prints the decisions.
pub fn run(args: &DecisionsArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let stored = match Store::open_existing(&database)? {
        Some(store) => store.decisions(args.session.as_deref(), args.limit)?,
        None => Vec::new(),
    };
    let rows: Vec<DecisionJson> = stored
        .into_iter()
        .map(|decision| DecisionJson {
            id: decision.id,
            session_id: decision.session_id,
            at: rfc3339(decision.at_ms),
            hook_event: decision.record.hook_event,
            tool_name: decision.record.tool_name,
            tool_use_id: decision.record.tool_use_id,
            project_root: decision.record.project_root,
            input: decision.record.input,
            level: decision.record.level,
            decision: decision.record.answer,
            rule: decision.record.rule,
            reason: decision.record.reason,
            mode: decision.record.mode,
            latency_us: decision.record.latency_us,
            escalated: decision.record.escalation.is_some(),
            human_approved: decision.human_approved,
        })
        .collect();
    if args.json {
        let text = serde_json::to_string_pretty(&serde_json::json!({ "decisions": rows }))
            .map_err(|error| HookError::new(format!("cannot encode decisions: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    if rows.is_empty() {
        return emit("No decisions recorded yet.\n");
    }
    let palette = Palette::for_stdout(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        palette.bold("TIME                 SESSION   LEVEL     DECISION  TOOL   RULE / INPUT")
    );
    for row in &rows {
        let decision = format!("{:<8}", row.decision.as_str());
        let decision = match row.decision {
            Answer::Allow => palette.green(&decision),
            Answer::Deny => palette.red(&decision),
            Answer::Ask | Answer::NoDecision | Answer::Contained | Answer::Defer => {
                palette.yellow(&decision)
            }
        };
        let input: String = row.input.chars().take(60).collect();
        let _ = writeln!(
            out,
            "{:<20} {:<9} {:<9} {}  {:<6} {}: {}",
            row.at.get(..19).unwrap_or(&row.at),
            short_id(&row.session_id),
            row.level.as_str(),
            decision,
            row.tool_name,
            row.rule,
            input
        );
    }
    emit(&out)
}
