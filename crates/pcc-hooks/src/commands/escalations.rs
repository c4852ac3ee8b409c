//! `pcc-hooks pending` and `pcc-hooks respond`: what waits on a human, and the human's answer.
//!
//! Answering is one store transaction (`Store::answer_escalation`); what the answer does per
//! kind is decided in `pcc_core::bridge::human_answer`. When the answer has something to tell the
//! session, a resume carrying it is scheduled and a scheduler started: the session gets it at its
//! next Stop if it is still running, or through `claude --resume` once it has ended.

use crate::cli::{ColorChoice, PendingArgs, RespondArgs};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::scheduler;
use crate::session_lookup::short_id;
use crate::term::{Palette, ago, emit, pad, rfc3339};
use pcc_core::Mode;
use pcc_core::bridge::human_answer::{EscalationKind, Response, deferred_call_effects, effects};
use pcc_core::paths::DataDir;
use pcc_store::{AnswerOutcome, Answered, Answerer, Escalation, Provenance, Store};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::IsTerminal as _;

/// One escalation as `pending --json` prints it.
#[derive(Serialize)]
struct PendingJson<'a> {
    id: i64,
    kind: &'a str,
    session_id: &'a str,
    project_root: Option<&'a str>,
    mode: Option<&'a str>,
    created_at: String,
    age_seconds: i64,
    summary: &'a str,
    reason: &'a str,
    suggestion: Option<&'a str>,
    tool_name: Option<&'a str>,
    level: Option<&'a str>,
    /// The session stopped with this call pending (PreToolUse `defer`); answering resumes it.
    deferred: bool,
    respond: String,
}

/// Lists the escalations waiting on a human, oldest first.
pub fn pending(args: &PendingArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let escalations = match Store::open_existing(&database)? {
        Some(store) => store.pending_escalations()?,
        None => Vec::new(),
    };
    let now = now_ms();
    if args.json {
        let rows: Vec<PendingJson<'_>> = escalations
            .iter()
            .map(|escalation| pending_json(escalation, now))
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

fn pending_json(escalation: &Escalation, now: i64) -> PendingJson<'_> {
    let raised = &escalation.raised;
    PendingJson {
        id: escalation.id,
        kind: raised.kind.as_str(),
        session_id: &raised.session_id,
        project_root: raised.project_root.as_deref(),
        mode: raised.mode.map(Mode::as_str),
        created_at: rfc3339(raised.created_ms),
        age_seconds: (now - raised.created_ms).max(0) / 1000,
        summary: &raised.summary,
        reason: &raised.reason,
        suggestion: raised.suggestion.as_deref(),
        tool_name: escalation.call.as_ref().map(|call| call.tool_name.as_str()),
        level: escalation.call.as_ref().map(|call| call.level.as_str()),
        deferred: escalation.deferred_tool_use_id.is_some(),
        respond: respond_hint(escalation),
    }
}

/// The command that answers it, ready to copy.
fn respond_hint(escalation: &Escalation) -> String {
    let id = escalation.id;
    match escalation.raised.kind {
        EscalationKind::Permission => {
            format!("pcc-hooks respond {id} approve [--remember] | deny | \"note\"")
        }
        EscalationKind::Question => format!("pcc-hooks respond {id} \"your answer\""),
        EscalationKind::ResumeFailed => {
            format!("pcc-hooks respond {id} approve (retry) | deny | \"prompt\"")
        }
        EscalationKind::Task => {
            format!("pcc-hooks respond {id} approve (retry) | deny (drop) | \"note\"")
        }
        EscalationKind::TaskUnverified => format!("pcc-hooks respond {id} approve | deny"),
    }
}

/// What `respond --json` prints.
#[derive(Serialize)]
struct RespondJson<'a> {
    id: i64,
    kind: &'a str,
    session_id: &'a str,
    verdict: &'a str,
    answer: &'a str,
    approved_once: bool,
    remembered: bool,
    resume_id: Option<i64>,
    delivery: Delivery,
    /// Who answered and from where, as stored with the answer.
    answered_by: String,
}

/// Answers one escalation.
pub fn respond(args: &RespondArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let response = Response::parse(&args.answer)?;
    let Some(mut store) = Store::open_existing(&data.database())? else {
        return Err(not_found(args.id));
    };
    let Some(escalation) = store.escalation(args.id)? else {
        return Err(not_found(args.id));
    };
    let kind = escalation.raised.kind;
    // A deferred call is asked about again by the resume itself, and answered from this answer.
    let effects = match (kind, &escalation.deferred_tool_use_id) {
        (EscalationKind::Permission, Some(_)) => deferred_call_effects(&response, args.remember),
        _ => effects(kind, &escalation.raised.summary, &response, args.remember),
    }?;
    let now = now_ms();
    let provenance = cli_provenance();
    let answered = match store.answer_escalation(args.id, &response, &effects, &provenance, now)? {
        AnswerOutcome::Answered(answered) => answered,
        AnswerOutcome::NotFound => return Err(not_found(args.id)),
        AnswerOutcome::AlreadyAnswered(earlier) => {
            return Err(HookError::new(format!(
                "escalation {} was already answered{}{}: {}{}",
                args.id,
                earlier
                    .answered_ms
                    .map(|at| format!(" {} ago", ago(now - at)))
                    .unwrap_or_default(),
                earlier
                    .provenance
                    .as_ref()
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default(),
                earlier.answer.as_deref().unwrap_or("?"),
                " (an answer is given once; see `pcc-hooks pending`)"
            )));
        }
        AnswerOutcome::ResumeRunning(_) => {
            return Err(HookError::new(format!(
                "a resume of session {} is running right now; answer again when it has finished \
                 (nothing was changed)",
                short_id(&escalation.raised.session_id)
            )));
        }
    };
    if answered.resume_id.is_some()
        && let Err(error) = scheduler::lock::ensure_running(&data)
    {
        // The answer is stored and the resume scheduled; the next scheduler runs it.
        eprintln!(
            "pcc-hooks: warning: the answer is stored, but no scheduler could be started ({error}); \
             run `pcc-hooks scheduler`"
        );
    }
    let delivery = delivery(&answered);
    if args.json {
        let row = RespondJson {
            id: args.id,
            kind: kind.as_str(),
            session_id: &answered.escalation.raised.session_id,
            verdict: response.verdict(),
            answer: response.text(),
            approved_once: answered.approval_id.is_some(),
            remembered: answered.remembered,
            resume_id: answered.resume_id,
            delivery,
            answered_by: provenance.to_string(),
        };
        let text = serde_json::to_string_pretty(&row)
            .map_err(|error| HookError::new(format!("cannot encode the answer: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    emit(&describe(&answered, &response, delivery))
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

/// How the answer reaches the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Delivery {
    /// A resume carries it: at the session's next Stop, or `claude --resume` once it has ended.
    Resume,
    /// Nothing to tell the session.
    None,
    /// Something to tell it, but its directory is unknown, so no resume could be scheduled.
    Undeliverable,
}

fn delivery(answered: &Answered) -> Delivery {
    if answered.resume_id.is_some() {
        Delivery::Resume
    } else if answered.undeliverable {
        Delivery::Undeliverable
    } else {
        Delivery::None
    }
}

fn describe(answered: &Answered, response: &Response, delivery: Delivery) -> String {
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

fn not_found(id: i64) -> HookError {
    HookError::new(format!(
        "no escalation has id {id}; `pcc-hooks pending` lists those waiting"
    ))
}

fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |index| index + 1);
    text[..end].to_owned()
}
