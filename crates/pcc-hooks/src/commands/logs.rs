//! `pcc-hooks logs <session> [--follow] [--json]`: a session's transcript as readable text,
//! each tool call with the decisions our hooks recorded for it (by `tool_use_id`), results cut
//! to a few lines; or, with `--json`, one JSON object per entry. Everything printed is
//! redacted. The rendering is `pcc_transcript::render`'s.
//!
//! `--follow` reads on as the session writes, polling the file's end every
//! [`POLL_INTERVAL`], like `tail -f`, and stops once the session has ended (its `SessionEnd`
//! is recorded) and the transcript is read to its end, or on Ctrl-C. A tool call is written to
//! the transcript before our hook decides it, so a followed call without a recorded decision
//! waits (for the decision, or for the next entry) before it is printed.

use crate::cli::{ColorChoice, LogsArgs};
use crate::error::HookError;
use crate::session_lookup::{self, short_id};
use crate::term::{Palette, emit};
use crate::transcript_files::open_checked;
use pcc_core::paths::DataDir;
use pcc_core::redact::redact;
use pcc_core::session_state::SessionState;
use pcc_store::Store;
use pcc_transcript::{
    Entry, EntryKind, RenderOptions, SessionReader, Style, Verdict, Verdicts, render,
};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often a followed transcript is looked at again when nothing new was there.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How often a followed session's state is read back (has it ended?).
const STATE_INTERVAL: Duration = Duration::from_secs(1);

/// How much is read at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// Prints the session's transcript.
pub fn run(args: &LogsArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let Some(mut store) = Store::open_existing(&database)? else {
        return Err(HookError::new(
            "no sessions recorded yet; `pcc-hooks doctor` checks that the hooks are registered",
        ));
    };
    let session = session_lookup::resolve(&store, &args.session)?;
    let transcript = store
        .sessions_overview()?
        .into_iter()
        .find(|known| known.session_id == session.id)
        .and_then(|known| known.transcript_path)
        .map(PathBuf::from)
        .ok_or_else(|| {
            HookError::new(format!(
                "no transcript is known for session {}: the hooks record its path from the \
                 first event that carries one",
                short_id(&session.id)
            ))
        })?;
    let mut file = open_checked(&transcript).map_err(|error| {
        HookError::new(format!(
            "cannot read the transcript of session {} ({}): {error}",
            short_id(&session.id),
            transcript.display()
        ))
    })?;
    let mut printer = Printer {
        json: args.json,
        palette: Palette::for_stdout(color),
        options: RenderOptions::default(),
        verdicts: verdicts(&store, &session.id)?,
        held: Vec::new(),
    };
    if !args.json {
        emit(&format!(
            "{}\n",
            printer.palette.dim(&format!(
                "session {} · {} · {}",
                short_id(&session.id),
                session.project_root,
                transcript.display()
            ))
        ))?;
    }
    let mut reader = SessionReader::new();
    let mut buffer = vec![0; CHUNK_BYTES];
    let mut state_read = Instant::now();
    let mut ended = false;
    loop {
        let count = file.read(&mut buffer).map_err(HookError::io(format!(
            "cannot read {}",
            transcript.display()
        )))?;
        // The hooks keep a LOW call's decision in the spool; a reader that stays open folds it
        // in before each look, as every new one does when it opens.
        if args.follow {
            store.fold_spool_now();
        }
        if count > 0 {
            let entries = reader.feed(&buffer[..count]);
            printer.print(entries, args.follow, &store, &session.id)?;
            continue;
        }
        if !args.follow || ended {
            break;
        }
        printer.print(Vec::new(), true, &store, &session.id)?;
        if state_read.elapsed() >= STATE_INTERVAL {
            state_read = Instant::now();
            // Read to the end once more before stopping: the last lines may land after the
            // `SessionEnd` is recorded.
            ended = session_ended(&store, &session.id)?;
            continue;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
    let last = reader.finish();
    printer.verdicts = verdicts(&store, &session.id)?;
    printer.print(last, false, &store, &session.id)
}

/// Prints entries as they come, holding a followed tool call until its decision is known.
struct Printer {
    json: bool,
    palette: Palette,
    options: RenderOptions,
    verdicts: Verdicts,
    /// Entries not printed yet: a tool call without a decision, and what came after it.
    held: Vec<Entry>,
}

impl Printer {
    /// Prints `entries` after those held. Following, tool calls without a decision at the end
    /// of what was read are held until the decisions (read again) have them or something other
    /// than a tool call comes after them (a result, which our hook's decision always precedes);
    /// otherwise everything is printed.
    fn print(
        &mut self,
        entries: Vec<Entry>,
        following: bool,
        store: &Store,
        session_id: &str,
    ) -> Result<(), HookError> {
        self.held.extend(entries);
        if following && self.held.iter().any(|entry| self.undecided(entry)) {
            self.verdicts = verdicts(store, session_id)?;
        }
        let ready = if following {
            let calls_at_end = self
                .held
                .iter()
                .rev()
                .take_while(|entry| matches!(entry.kind, EntryKind::ToolUse { .. }))
                .count();
            let tail = self.held.len() - calls_at_end;
            match self.held[tail..]
                .iter()
                .position(|entry| self.undecided(entry))
            {
                Some(first_undecided) => tail + first_undecided,
                None => self.held.len(),
            }
        } else {
            self.held.len()
        };
        let mut out = String::new();
        for entry in self.held.drain(..ready).collect::<Vec<_>>() {
            self.write(&mut out, &entry)?;
        }
        emit(&out)
    }

    fn undecided(&self, entry: &Entry) -> bool {
        matches!(&entry.kind, EntryKind::ToolUse { id, .. } if !self.verdicts.contains_key(id))
    }

    fn write(&self, out: &mut String, entry: &Entry) -> Result<(), HookError> {
        if self.json {
            let mut value = serde_json::to_value(entry.redacted())
                .map_err(|error| HookError::new(format!("cannot encode an entry: {error}")))?;
            if let EntryKind::ToolUse { id, .. } = &entry.kind {
                value["decisions"] = Value::Array(
                    self.verdicts
                        .get(id)
                        .into_iter()
                        .flatten()
                        .map(|verdict| {
                            json!({"hook_event": verdict.hook_event, "level": verdict.level,
                                   "decision": verdict.answer, "reason": redact(&verdict.reason)})
                        })
                        .collect(),
                );
            }
            let _ = writeln!(out, "{value}");
            return Ok(());
        }
        for line in render(entry, &self.verdicts, &self.options) {
            for span in line {
                out.push_str(&self.paint(span.style, &span.text));
            }
            out.push('\n');
        }
        Ok(())
    }

    fn paint(&self, style: Style, text: &str) -> String {
        match style {
            Style::Plain => text.to_owned(),
            Style::Strong => self.palette.bold(text),
            Style::Faint => self.palette.dim(text),
            Style::Allowed => self.palette.green(text),
            Style::Held => self.palette.yellow(text),
            Style::Refused => self.palette.red(text),
        }
    }
}

/// The decisions recorded for the session's tool calls, oldest first.
fn verdicts(store: &Store, session_id: &str) -> Result<Verdicts, HookError> {
    let mut verdicts = Verdicts::new();
    for decision in store
        .decisions(Some(session_id), u32::MAX)?
        .into_iter()
        .rev()
    {
        if decision.session_id != session_id {
            continue;
        }
        let record = decision.record;
        if let Some(id) = record.tool_use_id {
            verdicts.entry(id).or_default().push(Verdict {
                hook_event: record.hook_event,
                level: record.level,
                answer: record.answer,
                reason: record.reason,
            });
        }
    }
    Ok(verdicts)
}

fn session_ended(store: &Store, session_id: &str) -> Result<bool, HookError> {
    Ok(store
        .sessions_matching(session_id)?
        .into_iter()
        .any(|(id, _, state)| id == session_id && state == SessionState::Ended))
}
