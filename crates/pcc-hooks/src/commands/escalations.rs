//! `pcc-hooks pending` and `pcc-hooks respond`: what waits on a human, and the human's answer.
//!
//! What an answer does is `pcc_control::answer` (the server's `respond` calls the same): one
//! store transaction, and a scheduler started when a resume carries the answer. This file
//! parses the arguments, says who answers (this user, this terminal) and prints the outcome.

use crate::cli::{ColorChoice, PendingArgs, RespondArgs};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::{Palette, ago, emit, pad};
use pcc_control::answer::{AnswerReport, AnswerRequest, Delivery, answer};
use pcc_control::pending::{PendingDoc, respond_hint};
use pcc_core::paths::DataDir;
use pcc_store::{Answerer, Provenance, Store};
use std::fmt::Write as _;
use std::io::IsTerminal as _;

/// Lists the escalations waiting on a human, oldest first.
pub fn pending(args: &PendingArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let escalations = match Store::open_existing(&database)? {
        Some(store) => store.pending_escalations()?,
        None => Vec::new(),
    };
    let now = now_ms();
    if args.json {
        let rows: Vec<PendingDoc> = escalations
            .iter()
            .map(|escalation| PendingDoc::of(escalation, now))
            .collect();
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|error| HookError::new(format!("cannot encode the escalations: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    if escalations.is_empty() {
        return emit("nothing waits on a human\n");
    }
    let palette = Palette::for_stdout(color);
    let mut out = String::new();
    for escalation in &escalations {
        let raised = &escalation.raised;
        let id = format!("#{}", escalation.id);
        let _ = writeln!(
            out,
            "{} {} {} session {} · {} · {} ago",
            palette.bold(&pad(&id, id.chars().count(), 5)),
            palette.yellow(raised.kind.as_str()),
            escalation
                .call
                .as_ref()
                .map(|call| format!("({})", call.level))
                .unwrap_or_default(),
            short_id(&raised.session_id),
            raised.project_root.as_deref().unwrap_or("?"),
            ago(now - raised.created_ms),
        );
        let _ = writeln!(out, "      {}", raised.summary);
        let _ = writeln!(
            out,
            "      {}",
            palette.dim(&first_sentence(&raised.reason))
        );
        if let Some(suggestion) = &raised.suggestion {
            let _ = writeln!(out, "      brain suggests: {suggestion}");
        }
        let _ = writeln!(out, "      {}", palette.dim(&respond_hint(escalation)));
    }
    emit(&out)
}

/// Answers one escalation.
pub fn respond(args: &RespondArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let program = std::env::current_exe().map_err(HookError::io(
        "cannot find this executable to start a scheduler",
    ))?;
    let request = AnswerRequest {
        id: args.id,
        answer: &args.answer,
        remember: args.remember,
        provenance: cli_provenance(),
    };
    let report = answer(&data, &request, &program, now_ms())?;
    if let Some(error) = &report.scheduler_error {
        // The answer is stored and the resume scheduled; the next scheduler runs it.
        eprintln!(
            "pcc-hooks: warning: the answer is stored, but no scheduler could be started ({error}); \
             run `pcc-hooks scheduler`"
        );
    }
    if args.json {
        let text = serde_json::to_string_pretty(&report.document())
            .map_err(|error| HookError::new(format!("cannot encode the answer: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    emit(&describe(&report))
}

/// An answer given here: the CLI, from this user and terminal (`alice (uid 1000) on
/// /dev/pts/3`), so an audit tells it from one given on a phone.
fn cli_provenance() -> Provenance {
    let uid = rustix::process::getuid().as_raw();
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|name| !name.is_empty());
    let who = match user {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    };
    let tty = std::io::stdin()
        .is_terminal()
        .then(|| std::fs::read_link("/proc/self/fd/0").ok())
        .flatten();
    let from = match tty {
        Some(tty) => format!("{who} on {}", tty.display()),
        None => format!("{who}, no terminal"),
    };
    Provenance::new(Answerer::Cli).from(from)
}

fn describe(report: &AnswerReport) -> String {
    let (answered, response, delivery) = (&report.answered, &report.response, report.delivery);
    let escalation = &answered.escalation;
    let session = short_id(&escalation.raised.session_id);
    let mut out = format!(
        "escalation {} ({}) answered: {}\n",
        escalation.id,
        escalation.raised.kind,
        response.text()
    );
    let deferred = escalation.deferred_tool_use_id.is_some();
    if let Some(call) = &escalation.call {
        if answered.approval_id.is_some() && deferred {
            let _ = writeln!(
                out,
                "  {} runs once when session {session} resumes with the call it stopped on",
                call.tool_name
            );
        } else if answered.approval_id.is_none() && deferred {
            let _ = writeln!(
                out,
                "  session {session} resumes, and the call it stopped on is denied with this answer"
            );
        } else if answered.approval_id.is_some() {
            let _ = writeln!(
                out,
                "  {} may run once in session {session} when Claude retries it",
                call.tool_name
            );
        }
        if answered.remembered {
            let _ = writeln!(
                out,
                "  remembered: this exact call is allowed in {} from now on",
                call.project_root
            );
        }
    }
    let _ = match delivery {
        Delivery::Resume => writeln!(
            out,
            "  session {session} is told at its next stop if it is running, else by `claude --resume` \
             (scheduler started)"
        ),
        Delivery::Undeliverable => writeln!(
            out,
            "  session {session} is unknown here, so nothing could be scheduled to tell it"
        ),
        Delivery::None => Ok(()),
    };
    out
}

fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |index| index + 1);
    text[..end].to_owned()
}
