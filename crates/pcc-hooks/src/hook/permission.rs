//! The permission path of a hook call (`PreToolUse`, `PermissionRequest`): load what the call
//! needs (the configuration, prior approvals, the brain), judge and decide it with
//! `pcc_core::permission`, store the decision, notify a human of an escalation, answer.
//! `AskUserQuestion` is not a permission question: the brain answers it ([`answer_questions`]).
//!
//! The answer is returned only after the decision is stored. When something here fails (the
//! database, a rule), the caller answers with `pcc_core::permission::fail_closed` instead: an internal error
//! never becomes an `allow` beyond what the built-in policy proves LOW, and never becomes silence
//! (ARCHITECTURE.md invariant 1).

use super::{HookContext, brain, contain, links};
use crate::notifier::{self, EscalationNotice};
use crate::session_files;
use pcc_core::Mode;
use pcc_core::brain::{answer_ask_user_question, decide_permission};
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::config::Config;
use pcc_core::hook::PermissionReply;
use pcc_core::permission::{
    Answer, Decision, EarlierDeferral, HUMAN_APPROVED_RULE, HeadlessSignals, Judgement,
    PriorApproval, QuestionsDecided, brain_query, call_digest, decide_questions, settle_deferral,
    tool_calls_in_turn, with_brain_opinion,
};
use pcc_core::redact::redact_and_truncate;
use pcc_policy::{Containment, PolicyContext};
use pcc_store::{
    BrainAnswerRecord, DecisionRecord, EscalationState, EventRecord, Store, StoreError, Verdict,
};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Instant;

/// Which event asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// `PreToolUse`.
    PreToolUse,
    /// `PermissionRequest`.
    PermissionRequest,
}

/// One tool call that wants a permission answer.
pub struct PermissionCall<'a> {
    /// Which event asked.
    pub asker: Asker,
    /// The tool.
    pub tool_name: &'a str,
    /// Its input.
    pub tool_input: &'a Value,
    /// The call's id (PreToolUse only).
    pub tool_use_id: Option<&'a str>,
}

/// Why the full decision could not be made; the caller then answers by the built-in policy.
#[derive(Debug)]
pub enum Failure {
    /// A rule of the configuration could not be understood.
    Rules(String),
    /// The database could not be read or written.
    Store(StoreError),
}

impl Failure {
    fn store(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

/// Judges the call: the policy's verdict (with links on disk checked) and the user's rules.
/// `None` for `AskUserQuestion`, which the brain answers instead ([`answer`]).
pub fn judge(
    context: &HookContext,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    config: &Config,
) -> Result<Option<Judgement>, Failure> {
    if call.tool_name == "AskUserQuestion" && call.asker == Asker::PreToolUse {
        return Ok(None);
    }
    let policy = policy_context(context, record);
    let mut judgement = Judgement::of(
        call.tool_name,
        call.tool_input,
        &policy,
        &config.permissions,
    )
    .map_err(|error| Failure::Rules(error.to_string()))?;
    links::check(&mut judgement.verdict, &policy);
    Ok(Some(judgement))
}

/// What the policy knows of the call's surroundings: its directories, the home, our data
/// directory by both its names.
pub fn policy_context(context: &HookContext, record: &EventRecord) -> PolicyContext {
    PolicyContext {
        cwd: PathBuf::from(&record.cwd),
        project_root: PathBuf::from(&record.project_root),
        home: context.home.clone(),
        data_dirs: links::data_dir_names(context.data.root()),
    }
}

/// Decides the `judged` call with the configuration in force, `mode` and what the database
/// holds, records, and returns the JSON to print (`None`: print nothing, which only
/// `PermissionRequest` and an undecided interactive MEDIUM call do, leaving the call to Claude
/// Code's own dialog).
pub fn answer(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    judged: Option<Judgement>,
    config: &Config,
    mode: Mode,
) -> Result<Option<Value>, Failure> {
    let Some(judgement) = judged else {
        return answer_questions(context, store, record, call, config, mode);
    };
    // Only MEDIUM and HIGH calls can be approved by a human or escalated, so only they need the
    // call's exact identity: LOW calls, the common case, skip the hashing.
    let digest = judgement
        .may_use_prior_approval()
        .then(|| call_digest(call.tool_name, call.tool_input, &record.cwd));
    let (approval, approval_id) = match &digest {
        Some(digest) => store
            .prior_approval(
                Some(&record.session_id),
                &record.project_root,
                call.tool_name,
                &judgement.normalized_input,
                digest,
            )
            .map_err(Failure::store)?,
        None => (PriorApproval::None, None),
    };
    // Containment applies to the Bash tool in PreToolUse only: that is where the call can
    // be rewritten to run in the sandbox. Bubblewrap is looked for only when the verdict
    // could be contained, so most calls pay nothing for it.
    let runner = (call.asker == Asker::PreToolUse
        && judgement.verdict.containment != Containment::Never)
        .then(|| contain::runner(config, mode, call.tool_name))
        .flatten();
    let mut decision = judgement.decide_with(approval, mode, runner.is_some());
    // A one-time approval is spent only by the decision it allowed.
    let approval_used = approval_id.filter(|_| decision.rule == HUMAN_APPROVED_RULE);
    let mut brain_answers = Vec::new();
    let mut suggestion = None;
    if let Some(query) = brain_query(call.tool_name, &judgement, &decision, config.brain.kind) {
        let started = Instant::now();
        let thinker = pcc_brain_http::build_brain(&config.brain);
        let brain_context = brain::context(context, store, record, mode);
        let opinion = decide_permission(
            thinker.as_ref(),
            &query,
            &brain_context,
            config.brain.min_confidence_permission,
        );
        brain_answers.push(brain::opinion_record(
            record,
            &query.input_summary,
            &opinion,
            started,
        ));
        let (decided, suggested) = with_brain_opinion(decision, &judgement, &opinion);
        decision = decided;
        suggestion = Some(suggested);
    }
    if call.asker == Asker::PreToolUse {
        let earlier = earlier_deferral(store, record, call)?;
        let deferrable = mode == Mode::Unattended && deferrable(record, call);
        let database = context.data.database();
        let settled = settle_deferral(decision.clone(), &earlier, deferrable);
        decision = match (settled.answer, call.tool_use_id) {
            // Marked before `defer` is answered, or not deferred at all: the LOW path looks for
            // the mark (`quick.rs`).
            (Answer::Defer, Some(id)) => match Store::mark_deferral(&database, id) {
                Ok(()) => settled,
                Err(error) => {
                    tracing::error!(%error, "could not mark the deferral; the call is not deferred");
                    settle_deferral(decision, &earlier, false)
                }
            },
            _ => settled,
        };
    }
    store_decision(
        context,
        store,
        record,
        call,
        config,
        StoredAs {
            input: &judgement.normalized_input,
            decision: &decision,
            mode,
            escalation_kind: EscalationKind::Permission,
            why_for_human: format!(
                "{}: {} ({})",
                decision.level, judgement.verdict.reason, judgement.verdict.rule
            ),
            suggestion,
            approval_used,
            call_digest: digest,
        },
        &brain_answers,
    )?;
    let contained_input = match (&runner, decision.answer) {
        (Some(runner), Answer::Contained) => contain::wrapped_input(
            call.tool_input,
            runner,
            &record.project_root,
            judgement.verdict.containment,
        ),
        _ => None,
    };
    Ok(reply(call.asker, &decision, contained_input.as_ref()))
}

/// The JSON Claude Code is told for `decision` by the event that asked (`None`: print nothing,
/// which only a `PermissionRequest` left to the human's dialog does); `updated_input` rewrites
/// a PreToolUse call (to run contained, or with AskUserQuestion's answers).
pub fn reply(asker: Asker, decision: &Decision, updated_input: Option<&Value>) -> Option<Value> {
    match asker {
        Asker::PreToolUse => PermissionReply::PreToolUse {
            answer: decision.answer,
            reason: &decision.reason,
            updated_input,
        },
        Asker::PermissionRequest => PermissionReply::PermissionRequest {
            answer: decision.answer,
            reason: &decision.reason,
        },
    }
    .to_json()
}

/// What the human said about an earlier deferral of this same call, if it was deferred.
fn earlier_deferral(
    store: &Store,
    record: &EventRecord,
    call: &PermissionCall<'_>,
) -> Result<EarlierDeferral, Failure> {
    let Some(tool_use_id) = call.tool_use_id else {
        return Ok(EarlierDeferral::None);
    };
    let found = store
        .deferred_call(&record.session_id, tool_use_id)
        .map_err(Failure::store)?;
    Ok(match found {
        None => EarlierDeferral::None,
        Some(deferred) if deferred.state == EscalationState::Pending => EarlierDeferral::Pending,
        Some(deferred) => match deferred.verdict {
            Some(Verdict::Approve) => EarlierDeferral::Approved,
            Some(Verdict::Answer) => EarlierDeferral::Refused(deferred.answer),
            Some(Verdict::Deny) | None => EarlierDeferral::Refused(None),
        },
    })
}

/// Whether this call can be held by `defer` (`pcc_core::permission`): a headless session of a
/// CLI that supports it, and the only tool call of its turn in the transcript.
fn deferrable(record: &EventRecord, call: &PermissionCall<'_>) -> bool {
    let variable = |name: &str| std::env::var(name).ok();
    let pcc_defer = variable("PCC_DEFER");
    let (entrypoint, attended, ai_agent, disable) = (
        variable("CLAUDE_CODE_ENTRYPOINT"),
        variable("CLAUDE_CODE_SESSION_ATTENDED"),
        variable("AI_AGENT"),
        variable("CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME"),
    );
    let signals = HeadlessSignals {
        entrypoint: entrypoint.as_deref(),
        attended: attended.as_deref(),
        ai_agent: ai_agent.as_deref(),
        disable_deferred_resume: disable.as_deref(),
        pcc_defer: pcc_defer.as_deref(),
    };
    if !signals.can_defer() {
        return false;
    }
    let (Some(tool_use_id), Some(transcript)) = (call.tool_use_id, &record.transcript_path) else {
        return false;
    };
    // Claude Code writes the transcript asynchronously: the call's own line may land a moment
    // after the hook starts. Whichever call of a turn is written last sees every other one, so
    // at most one call of a turn is ever deferred.
    let path = std::path::Path::new(transcript);
    let deadline = Instant::now() + TRANSCRIPT_WAIT;
    loop {
        let calls = session_files::read_tail(path, session_files::TRANSCRIPT_TAIL_BYTES)
            .ok()
            .and_then(|tail| tool_calls_in_turn(&tail, tool_use_id));
        if let Some(calls) = calls {
            return calls == 1;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// How long a deferrable call waits for its line in the transcript before it is denied instead.
const TRANSCRIPT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// `AskUserQuestion`: when the brain answers every question with confidence, allow the call
/// with the answers in `updatedInput` (`docs/claude-code-contract.md` §4); otherwise a human answers (interactive), or
/// Claude is told to go on with its best judgement and a human is asked later (unattended).
fn answer_questions(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    config: &Config,
    mode: Mode,
) -> Result<Option<Value>, Failure> {
    let started = Instant::now();
    let thinker = pcc_brain_http::build_brain(&config.brain);
    let brain_context = brain::context(context, store, record, mode);
    let min_confidence = config.brain.min_confidence_question;
    let asked = answer_ask_user_question(
        thinker.as_ref(),
        call.tool_input,
        &brain_context,
        min_confidence,
    );
    let QuestionsDecided {
        decision,
        updated_input,
        answers,
        leanings,
    } = decide_questions(asked, mode);
    let brain_answers: Vec<BrainAnswerRecord> = answers
        .iter()
        .map(|(question, answer)| {
            brain::question_record(record, "question", &question.text, answer, started)
        })
        .collect();
    store_decision(
        context,
        store,
        record,
        call,
        config,
        StoredAs {
            input: "AskUserQuestion",
            decision: &decision,
            mode,
            // What waits for the human is an answer, not a permission.
            escalation_kind: EscalationKind::Question,
            why_for_human: "nobody was there to answer, and the brain was not confident enough"
                .to_owned(),
            suggestion: (!leanings.is_empty()).then(|| leanings.join("; ")),
            approval_used: None,
            call_digest: None,
        },
        &brain_answers,
    )?;
    let reply = PermissionReply::PreToolUse {
        answer: decision.answer,
        reason: &decision.reason,
        updated_input: updated_input.as_ref(),
    };
    Ok(reply.to_json())
}

/// How one decision is stored: the row's own values besides the event and the call.
struct StoredAs<'a> {
    input: &'a str,
    /// Why a human is needed, in words for the human (the decision's reason speaks to Claude).
    why_for_human: String,
    decision: &'a Decision,
    mode: Mode,
    escalation_kind: EscalationKind,
    suggestion: Option<String>,
    approval_used: Option<i64>,
    call_digest: Option<String>,
}

/// Stores the decision (and its escalation), then tells the human about a new escalation.
fn store_decision(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    config: &Config,
    stored_as: StoredAs<'_>,
    brain_answers: &[BrainAnswerRecord],
) -> Result<(), Failure> {
    let StoredAs {
        input,
        why_for_human,
        decision,
        mode,
        escalation_kind,
        suggestion,
        approval_used,
        call_digest,
    } = stored_as;
    let stored = DecisionRecord {
        escalation: decision.escalate.then_some(escalation_kind),
        suggestion: suggestion.map(|text| redact_and_truncate(&text, 500)),
        approval_used,
        call_digest,
        ..decision_record(context.started, record, call, input, decision, mode)
    };
    let recorded = store
        .record_decision(record, &stored, brain_answers)
        .map_err(Failure::store)?;
    if let Some(escalation_id) = recorded.escalation_id {
        notifier::escalation_raised(
            &context.data,
            store,
            config,
            &EscalationNotice {
                escalation_id,
                session_id: &record.session_id,
                kind: escalation_kind,
                summary: &record.summary,
                reason: &why_for_human,
                project_root: Some(&record.project_root),
            },
        );
    }
    Ok(())
}

/// The decision's row as stored, with nothing an escalation or approval adds: what the LOW
/// path and the fail-closed path store as they are, and the usual path adds to.
pub fn decision_record(
    started: Instant,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    input: &str,
    decision: &Decision,
    mode: Mode,
) -> DecisionRecord {
    DecisionRecord {
        hook_event: record.event.clone(),
        tool_name: call.tool_name.to_owned(),
        tool_use_id: call.tool_use_id.map(str::to_owned),
        project_root: record.project_root.clone(),
        input: input.to_owned(),
        level: decision.level,
        answer: decision.answer,
        rule: decision.rule.clone(),
        reason: redact_and_truncate(&decision.reason, 1000),
        mode,
        latency_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        escalation: None,
        suggestion: None,
        approval_used: None,
        call_digest: None,
    }
}
