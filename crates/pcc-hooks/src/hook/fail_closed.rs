//! A permission call our usual path could not decide (a config that does not load, a database
//! that cannot be opened or written, a panic): judged by the built-in policy alone
//! (`pcc_core::permission::fail_closed`), recorded when the database still works, logged either way, and
//! always answered — silence would let the call run under `bypassPermissions`.

use super::permission::{PermissionCall, decision_record, reply};
use crate::error::HookError;
use pcc_core::Mode;
use pcc_core::permission::fail_closed::{Trouble, decide};
use pcc_core::permission::{CallFacts, Judgement, PermissionLists, PriorApproval};
use pcc_policy::{PolicyContext, classify};
use pcc_store::{EventRecord, Store};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What went wrong, for the stored decision and the reason the model reads.
pub struct Problem<'a> {
    /// Which part failed.
    pub trouble: Trouble,
    /// In words: "config error in …", "could not use the database …".
    pub text: &'a str,
}

/// Judges `call` by the built-in policy, made stricter (never looser) by `rules` when they can
/// still be read, stores the decision in `store` when there is one, and returns the reply.
#[allow(clippy::too_many_arguments)] // each is one fact of the call; a struct would only rename them
pub fn answer(
    started: Instant,
    home: &Path,
    store: Option<&mut Store>,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    rules: Option<&PermissionLists>,
    mode: Mode,
    problem: &Problem<'_>,
) -> Option<Value> {
    let policy = PolicyContext {
        cwd: PathBuf::from(&record.cwd),
        project_root: PathBuf::from(&record.project_root),
        home: home.to_path_buf(),
        data_dirs: pcc_core::paths::DataDir::from_env()
            .map(|data| super::links::data_dir_names(data.root()))
            .unwrap_or_default(),
    };
    let judgement = rules.and_then(|lists| {
        Judgement::of(call.tool_name, call.tool_input, &policy, lists)
            .inspect_err(|error| tracing::warn!(%error, "rules unusable in the fail-closed path"))
            .ok()
            .map(|mut judgement| {
                super::links::check(&mut judgement.verdict, &policy);
                judgement
            })
    });
    let (decision, input) = match &judgement {
        Some(judgement) => {
            let by_rules = judgement.decide(PriorApproval::None, mode);
            let decision = decide(
                &judgement.verdict,
                Some(&by_rules),
                mode,
                problem.trouble,
                problem.text,
            );
            (decision, judgement.normalized_input.clone())
        }
        None => {
            let mut verdict = classify(call.tool_name, call.tool_input, &policy);
            super::links::check(&mut verdict, &policy);
            let input =
                CallFacts::from_tool_call(call.tool_name, call.tool_input, &verdict, &policy)
                    .normalized_input();
            (
                decide(&verdict, None, mode, problem.trouble, problem.text),
                input,
            )
        }
    };
    let reply = reply(call.asker, &decision, None);
    let shown = reply
        .as_ref()
        .map_or_else(|| "nothing".to_owned(), Value::to_string);
    let recorded = match store {
        Some(store) => store
            .record_decision(
                record,
                &decision_record(started, record, call, &input, &decision, mode),
                &[],
            )
            .map(drop)
            .map_err(HookError::from),
        None => Err(HookError::new("no usable database")),
    };
    match recorded {
        Ok(()) => tracing::warn!(
            event = %record.event, tool = call.tool_name, answer = decision.answer.as_str(),
            problem = problem.text, "judged by the built-in policy"
        ),
        Err(error) => {
            eprintln!(
                "pcc-hooks: {} not recorded ({}); judged by the built-in policy: {} {}",
                record.event,
                one_line(&error.to_string()),
                decision.level,
                decision.answer.as_str()
            );
            tracing::error!(
                %error, event = %record.event, session = %record.session_id,
                summary = %record.summary, reply = %shown, problem = problem.text,
                "judged by the built-in policy; the decision is not recorded"
            );
            crate::error::keep_unrecorded(
                "store",
                &format!(
                    "{} not recorded ({error}): {}; judged by the built-in policy: {} {}",
                    record.event,
                    problem.text,
                    decision.level,
                    decision.answer.as_str()
                ),
            );
        }
    }
    reply
}

/// `text` on one line and redacted, for stderr (Claude Code shows hook stderr line by line, and
/// its transcript keeps it).
pub fn one_line(text: &str) -> String {
    pcc_core::redact::redact(
        &text
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The project root of `record` as a path, for reading its configuration.
pub fn project_of(record: &EventRecord) -> &Path {
    Path::new(&record.project_root)
}
