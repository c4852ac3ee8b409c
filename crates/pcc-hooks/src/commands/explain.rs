//! `pcc-hooks explain`: how a tool call would be judged, with the same code path as the hook:
//! the level, the decision in each mode, every simple command found, and the rule that fired.

use crate::cli::{ColorChoice, ExplainArgs};
use crate::config_files;
use crate::error::HookError;
use crate::term::{Palette, emit};
use pcc_core::Mode;
use pcc_core::paths::DataDir;
use pcc_core::permission::{Answer, Decision, Judgement, PriorApproval, call_digest};
use pcc_policy::{PolicyContext, RiskLevel};
use pcc_store::Store;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Serialize)]
struct Explanation<'a> {
    tool: &'a str,
    input: &'a Value,
    cwd: String,
    level: RiskLevel,
    rule: &'a str,
    reason: &'a str,
    commands: &'a [pcc_policy::SimpleCommandSummary],
    learned: bool,
    decisions: Decisions,
}

#[derive(Serialize)]
struct Decisions {
    interactive: Decision,
    unattended: Decision,
}

/// Prints the explanation of one tool call.
pub fn run(args: &ExplainArgs, color: ColorChoice) -> Result<(), HookError> {
    let (tool, input) = match &args.tool {
        Some(tool) => {
            let text = args.input.as_deref().unwrap_or("{}");
            let input: Value = serde_json::from_str(text)
                .map_err(|error| HookError::new(format!("--input is not valid JSON: {error}")))?;
            (tool.clone(), input)
        }
        None => (
            "Bash".to_owned(),
            serde_json::json!({ "command": args.command.join(" ") }),
        ),
    };
    let cwd = match &args.cwd {
        Some(dir) => std::path::absolute(dir),
        None => std::env::current_dir(),
    }
    .map_err(|error| HookError::new(format!("cannot resolve the working directory: {error}")))?;
    let data = DataDir::from_env()?;
    let config = config_files::load(&data, &cwd)?;
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let context = PolicyContext {
        cwd: cwd.clone(),
        project_root: cwd.clone(),
        home,
        data_dirs: crate::hook::links::data_dir_names(data.root()),
    };
    let judgement = Judgement::of(&tool, &input, &context, &config.permissions)?;
    // A one-time approval belongs to a session; explain speaks of the project, so only rules
    // (learned or remembered) count here.
    let approval = if judgement.may_use_prior_approval() {
        match Store::open_existing(&data.database())? {
            Some(store) => {
                store
                    .prior_approval(
                        None,
                        &cwd.display().to_string(),
                        &tool,
                        &judgement.normalized_input,
                        &call_digest(&tool, &input, &cwd.display().to_string()),
                    )?
                    .0
            }
            None => PriorApproval::None,
        }
    } else {
        PriorApproval::None
    };
    let learned = approval != PriorApproval::None;
    let explanation = Explanation {
        tool: &tool,
        input: &input,
        cwd: cwd.display().to_string(),
        level: judgement.verdict.level,
        rule: judgement.verdict.rule,
        reason: &judgement.verdict.reason,
        commands: &judgement.verdict.commands,
        learned,
        decisions: Decisions {
            interactive: judgement.decide_with(
                approval,
                Mode::Interactive,
                crate::hook::contain_runner(&config, Mode::Interactive, &tool).is_some(),
            ),
            unattended: judgement.decide_with(
                approval,
                Mode::Unattended,
                crate::hook::contain_runner(&config, Mode::Unattended, &tool).is_some(),
            ),
        },
    };
    if args.json {
        let text = serde_json::to_string_pretty(&explanation)
            .map_err(|error| HookError::new(format!("cannot encode the explanation: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    emit(&render(&explanation, Palette::for_stdout(color)))
}

fn render(explanation: &Explanation<'_>, palette: Palette) -> String {
    let mut out = String::new();
    let level = |level: RiskLevel| {
        let name = format!("{:<8}", level.as_str());
        match level {
            RiskLevel::Low => palette.green(&name),
            RiskLevel::Medium => palette.yellow(&name),
            RiskLevel::High | RiskLevel::Critical => palette.red(&name),
        }
    };
    let answer = |decision: &Decision| {
        let name = match decision.answer {
            Answer::NoDecision => "no decision (Claude Code's own rules apply)",
            Answer::Contained => "allow (contained)",
            other => other.as_str(),
        };
        let escalated = if decision.escalate {
            " + escalation to a human"
        } else {
            ""
        };
        format!("{name}{escalated}")
    };
    let _ = writeln!(
        out,
        "{}  {}",
        palette.bold("level"),
        level(explanation.level)
    );
    let _ = writeln!(
        out,
        "{}   {} — {}",
        palette.bold("rule"),
        explanation.rule,
        explanation.reason
    );
    if !explanation.commands.is_empty() {
        let _ = writeln!(out, "{}", palette.bold("simple commands"));
        for part in explanation.commands {
            let _ = writeln!(
                out,
                "  {}  {:<32}  {} — {}",
                level(part.level),
                part.command,
                part.rule,
                part.reason
            );
        }
    }
    if explanation.learned {
        let _ = writeln!(
            out,
            "{}",
            palette.dim("a learned approval covers this call")
        );
    }
    for (mode, decision) in [
        ("interactive", &explanation.decisions.interactive),
        ("unattended", &explanation.decisions.unattended),
    ] {
        let _ = writeln!(
            out,
            "{} {:<12} {}  [{}]",
            palette.bold("decision"),
            mode,
            answer(decision),
            decision.rule
        );
        if matches!(
            decision.answer,
            Answer::Deny | Answer::Ask | Answer::Contained
        ) {
            let _ = writeln!(
                out,
                "{}",
                palette.dim(&format!(
                    "                      reason: {}",
                    decision.reason
                ))
            );
        }
    }
    out
}
