//! A session's transcript on its page: the tail rendered by `pcc_transcript::render`, the
//! renderer of `pcc-hooks logs`, with our decisions beside each call; and its cost, priced as
//! `status` and `cost` price it (the bundled table with the global `[pricing]` over it).
//!
//! Claude Code chose the transcript's path, so it is opened as the hooks open such files: a
//! regular file only, without blocking (`O_NONBLOCK`, so a FIFO there cannot hang a request),
//! read within a bound. The tail is the last [`TAIL_BYTES`]; the cost reads the whole file and its
//! subagents' (within [`TRANSCRIPT_MAX_BYTES`]) and is kept per file until the files change, so
//! a page reloaded while a session works reads only what changed.

use maud::{Markup, html};
use pcc_core::Config;
use pcc_core::paths::DataDir;
use pcc_store::SessionDecision;
use pcc_transcript::{
    CostSummary, PRICES_AS_OF, PriceTable, RenderOptions, SessionReader, Style, Verdict, Verdicts,
    render, subagents_dir,
};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

/// How much of the transcript's end is read for its tail.
pub const TAIL_BYTES: u64 = 512 * 1024;
/// How many entries of the tail are shown.
pub const TAIL_ENTRIES: usize = 40;
/// The largest transcript priced, as `pcc-hooks` bounds it.
pub const TRANSCRIPT_MAX_BYTES: u64 = 4 << 30;

/// What the page shows of a transcript.
#[derive(Debug)]
pub struct TranscriptView {
    /// The rendered lines of the last entries.
    pub lines: Vec<Vec<pcc_transcript::Span>>,
    /// Entries rendered.
    pub entries: usize,
    /// What it cost, when it could be read.
    pub cost: Option<CostSummary>,
    /// What could not be read, or why the prices are the bundled ones alone.
    pub problems: Vec<String>,
}

/// Reads the tail and the cost of the transcript at `path`, with `decisions` (oldest first)
/// beside its calls.
pub fn read(path: &Path, decisions: &[SessionDecision], data: &DataDir) -> TranscriptView {
    let mut problems = Vec::new();
    let (table, price_problem) = price_table(data);
    problems.extend(price_problem);
    let verdicts = verdicts(decisions);
    let options = RenderOptions::default();
    let lines = match tail(path) {
        Ok(entries) => {
            let shown = entries.len().min(TAIL_ENTRIES);
            let lines: Vec<_> = entries[entries.len() - shown..]
                .iter()
                .flat_map(|entry| render(entry, &verdicts, &options))
                .collect();
            (lines, shown)
        }
        Err(error) => {
            problems.push(format!(
                "cannot read the transcript {}: {error}",
                path.display()
            ));
            (Vec::new(), 0)
        }
    };
    let cost = match cost(path, &table) {
        Ok(cost) => Some(cost),
        Err(error) => {
            problems.push(format!("cannot price the transcript: {error}"));
            None
        }
    };
    TranscriptView {
        lines: lines.0,
        entries: lines.1,
        cost,
        problems,
    }
}

/// The decisions by `tool_use_id`, as `logs` gives them to the renderer.
fn verdicts(decisions: &[SessionDecision]) -> Verdicts {
    let mut verdicts = Verdicts::new();
    for decision in decisions {
        if let Some(id) = &decision.tool_use_id {
            verdicts.entry(id.clone()).or_default().push(Verdict {
                hook_event: decision.hook_event.clone(),
                level: decision.level,
                answer: decision.answer,
                reason: decision.reason.clone(),
            });
        }
    }
    verdicts
}

/// The bundled prices with the global config's `[pricing]` over them, and why the config could
/// not be used when it could not.
fn price_table(data: &DataDir) -> (PriceTable, Option<String>) {
    let path = data.config();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return (PriceTable::bundled(), None);
        }
        Err(error) => {
            return (
                PriceTable::bundled(),
                Some(format!(
                    "cannot read {}: {error}; the bundled prices are used",
                    path.display()
                )),
            );
        }
    };
    let name = path.display().to_string();
    let in_force = Config::in_force(Some(Ok((name.as_str(), text.as_str()))), None);
    let problem = in_force
        .problems
        .first()
        .map(|problem| format!("{problem}; the bundled prices are used without its [pricing]"));
    (PriceTable::with_config(&in_force.config.pricing), problem)
}

/// The regular file at `path`, opened without blocking.
fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// The entries of the last [`TAIL_BYTES`] (a line cut at the start is skipped).
fn tail(path: &Path) -> io::Result<Vec<pcc_transcript::Entry>> {
    let mut file = open_regular(path)?;
    let length = file.metadata()?.len();
    let start = length.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
    let whole = if start > 0 {
        let first_line_end = bytes.iter().position(|byte| *byte == b'\n');
        &bytes[first_line_end.map_or(bytes.len(), |end| end + 1)..]
    } else {
        &bytes[..]
    };
    let mut reader = SessionReader::new();
    let mut entries = reader.feed(whole);
    entries.extend(reader.finish());
    Ok(entries)
}

/// The sizes and latest change of a session's transcript files: the cost is read again only
/// when these change.
type Fingerprint = (u64, Option<SystemTime>);

/// Costs already read, by transcript.
static COSTS: LazyLock<Mutex<HashMap<PathBuf, (Fingerprint, CostSummary)>>> =
    LazyLock::new(Mutex::default);

/// Every API message of the session and its subagents, each once, priced with `table`.
fn cost(path: &Path, table: &PriceTable) -> io::Result<CostSummary> {
    let subagents = subagent_transcripts(path);
    let fingerprint = fingerprint(path, &subagents)?;
    let key = path.to_path_buf();
    let lock = || {
        COSTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some((known, summary)) = lock().get(&key)
        && *known == fingerprint
    {
        return Ok(summary.clone());
    }
    let mut reader = SessionReader::usage_only();
    read_whole(&mut reader, path)?;
    for subagent in &subagents {
        // A subagent's file that vanished leaves its part uncounted, as in `status`.
        let _ = read_whole(&mut reader, subagent);
    }
    let summary = CostSummary::of(reader.ledger().records(), table);
    lock().insert(key, (fingerprint, summary.clone()));
    Ok(summary)
}

fn read_whole(reader: &mut SessionReader, path: &Path) -> io::Result<()> {
    let file = open_regular(path)?;
    let length = file.metadata()?.len();
    if length > TRANSCRIPT_MAX_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is {length} bytes, more than the {TRANSCRIPT_MAX_BYTES} a transcript is read to",
                path.display()
            ),
        ));
    }
    reader.read_to_end(file, length)?;
    Ok(())
}

fn fingerprint(path: &Path, subagents: &[PathBuf]) -> io::Result<Fingerprint> {
    let main = std::fs::metadata(path)?;
    let mut size = main.len();
    let mut latest = main.modified().ok();
    for subagent in subagents {
        if let Ok(metadata) = std::fs::metadata(subagent) {
            size = size.saturating_add(metadata.len());
            latest = latest.max(metadata.modified().ok());
        }
    }
    Ok((size, latest))
}

/// The session's subagents' transcripts (`<session>/subagents/*.jsonl`), in name order.
fn subagent_transcripts(path: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(subagents_dir(path)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = listing
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "jsonl")
        })
        .collect();
    files.sort();
    files
}

/// The rendered lines, each span classed by what it is (the terminal's colours become the
/// style sheet's).
pub fn lines_markup(view: &TranscriptView) -> Markup {
    html! {
        pre.transcript {
            @for line in &view.lines {
                @for span in line {
                    span class=(class(span.style)) { (span.text) }
                }
                "\n"
            }
        }
    }
}

fn class(style: Style) -> &'static str {
    match style {
        Style::Plain => "s-plain",
        Style::Strong => "s-strong",
        Style::Faint => "s-faint",
        Style::Allowed => "s-allowed",
        Style::Held => "s-held",
        Style::Refused => "s-refused",
    }
}

/// The cost as a table: the total, each model, and what has no price.
pub fn cost_markup(cost: &CostSummary) -> Markup {
    html! {
        p.cost {
            strong { (cost.cost_text()) }
            " for " (cost.messages) " API message(s), " (cost.tokens.total()) " tokens"
        }
        @if !cost.unpriced_models.is_empty() {
            p.warning {
                "No price is known for " (cost.unpriced_models.join(", "))
                ": its part is left out (?), never counted as 0. Set it under [pricing]."
            }
        }
        @if !cost.models.is_empty() {
            div.table-wrap {
                table.cards {
                    caption.visually-hidden { "Cost per model" }
                    thead { tr {
                        th scope="col" { "Model" } th scope="col" { "Messages" }
                        th scope="col" { "Input" } th scope="col" { "Output" }
                        th scope="col" { "Cache write" } th scope="col" { "Cache read" }
                        th scope="col" { "Cost" }
                    } }
                    tbody {
                        @for model in &cost.models {
                            tr {
                                td data-label="Model" { (model.model) }
                                td data-label="Messages" { (model.messages) }
                                td data-label="Input" { (model.tokens.input) }
                                td data-label="Output" { (model.tokens.output) }
                                td data-label="Cache write" { (model.tokens.cache_write()) }
                                td data-label="Cache read" { (model.tokens.cache_read) }
                                td data-label="Cost" {
                                    (model.cost_usd.map_or_else(|| "?".to_owned(), |usd| usd.to_string()))
                                }
                            }
                        }
                    }
                }
            }
        }
        p.faint { "Prices as of " (PRICES_AS_OF) ", with the config's [pricing] over them." }
    }
}
