//! `pcc-hooks decisions`: the latest permission decisions, newest first (the document is
//! `pcc_control::decisions`, which `GET /api/decisions` returns too).

use crate::cli::{ColorChoice, DecisionsArgs};
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::{Palette, emit};
use pcc_control::decisions::{DecisionDoc, DecisionsDoc};
use pcc_core::Answer;
use pcc_core::paths::DataDir;
use pcc_store::Store;
use std::fmt::Write as _;

/// Prints the decisions.
pub fn run(args: &DecisionsArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let stored = match Store::open_existing(&database)? {
        Some(store) => store.decisions(args.session.as_deref(), args.limit)?,
        None => Vec::new(),
    };
    let rows: Vec<DecisionDoc> = stored.into_iter().map(DecisionDoc::of).collect();
    if args.json {
        let text = serde_json::to_string_pretty(&DecisionsDoc { decisions: rows })
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
