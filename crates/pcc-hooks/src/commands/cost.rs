//! `pcc-hooks cost [--json] [--since DATE]`: what the recorded sessions cost, per project and
//! per day, from their transcripts' usage (`pcc_transcript`), priced with the bundled table and
//! the config's `[pricing]`. Also what `status` shows per session ([`SessionCosts`]).
//!
//! A message is counted once even when Claude Code copied it into several sessions'
//! transcripts (same message and request id); its day is the local date it was written.

use crate::claude_config::display_path;
use crate::cli::{ColorChoice, CostArgs};
use crate::config_files;
use crate::error::HookError;
use crate::term::{Palette, emit, pad};
use crate::transcript_files::session_usage;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pcc_core::paths::DataDir;
use pcc_store::Store;
use pcc_transcript::{CostSummary, MessageUsage, PRICES_AS_OF, PriceTable, Tokens};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The `--json` document.
#[derive(Debug, Serialize)]
struct CostReport {
    prices_as_of: &'static str,
    since: Option<String>,
    total: CostSummary,
    projects: Vec<Group>,
    days: Vec<Group>,
    /// Sessions whose transcript could not be read: their cost is not in the sums.
    unreadable: Vec<Unreadable>,
}

#[derive(Debug, Serialize)]
struct Group {
    /// The project root, or the date (`YYYY-MM-DD`).
    key: String,
    #[serde(flatten)]
    summary: CostSummary,
}

#[derive(Debug, Serialize)]
struct Unreadable {
    session_id: String,
    transcript_path: String,
    error: String,
}

/// Prints the costs.
pub fn run(args: &CostArgs, color: ColorChoice) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let since = args.since.as_deref().map(parse_date).transpose()?;
    let (table, problem) = price_table(&data);
    if let Some(problem) = problem {
        eprintln!("warning: {problem}");
    }
    let sessions = match Store::open_existing(&data.database())? {
        Some(mut store) => store.sessions_overview()?,
        None => Vec::new(),
    };
    let zone = TimeZone::system();
    let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
    let mut by_project: BTreeMap<String, Vec<MessageUsage>> = BTreeMap::new();
    let mut by_day: BTreeMap<Date, Vec<MessageUsage>> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for session in &sessions {
        let Some(path) = &session.transcript_path else {
            continue;
        };
        let records = match session_usage(Path::new(path)) {
            Ok(records) => records,
            Err(error) => {
                unreadable.push(Unreadable {
                    session_id: session.session_id.clone(),
                    transcript_path: path.clone(),
                    error: error.to_string(),
                });
                continue;
            }
        };
        let first_seen = jiff::Timestamp::from_millisecond(session.first_seen_ms)
            .unwrap_or_default()
            .to_zoned(zone.clone())
            .date();
        for record in records {
            if let Some(id) = &record.message_id
                && !seen.insert((id.clone(), record.request_id.clone()))
            {
                continue;
            }
            let day = record
                .at
                .map_or(first_seen, |at| at.to_zoned(zone.clone()).date());
            if since.is_some_and(|since| day < since) {
                continue;
            }
            by_day.entry(day).or_default().push(record.clone());
            by_project
                .entry(session.project_root.clone())
                .or_default()
                .push(record);
        }
    }
    let group = |key: String, records: &[MessageUsage]| Group {
        key,
        summary: CostSummary::of(records, &table),
    };
    let report = CostReport {
        prices_as_of: PRICES_AS_OF,
        since: since.map(|since| since.to_string()),
        total: CostSummary::of(by_day.values().flatten(), &table),
        projects: by_project
            .iter()
            .map(|(project, records)| group(project.clone(), records))
            .collect(),
        days: by_day
            .iter()
            .map(|(day, records)| group(day.to_string(), records))
            .collect(),
        unreadable,
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| HookError::new(format!("cannot encode the costs: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    emit(&render(&report, Palette::for_stdout(color)))
}

/// `YYYY-MM-DD`, or a clear error.
fn parse_date(text: &str) -> Result<Date, HookError> {
    text.parse().map_err(|_| {
        HookError::new(format!(
            "--since '{text}' is not a date; give it as YYYY-MM-DD, e.g. --since 2026-11-01"
        ))
    })
}

/// The bundled prices with the global config's `[pricing]` over them, and why the config
/// could not be used when it could not (the bundled prices then stand alone).
pub fn price_table(data: &DataDir) -> (PriceTable, Option<String>) {
    let here = std::env::current_dir().unwrap_or_default();
    let in_force = config_files::load_in_force(data, &here);
    let problem = in_force
        .problems
        .iter()
        .find(|problem| problem.scope == pcc_core::config::ConfigScope::Global)
        .map(|problem| {
            format!(
                "{}; the bundled prices are used without its [pricing]",
                problem.error
            )
        });
    (PriceTable::with_config(&in_force.config.pricing), problem)
}

/// Each session's cost, read from its transcripts once per change: `status --watch` redraws
/// every few seconds, and a transcript that did not grow is not read again.
#[derive(Debug, Default)]
pub struct SessionCosts {
    known: HashMap<PathBuf, (Fingerprint, Option<CostSummary>)>,
}

/// The sizes and latest change of a session's transcript files.
type Fingerprint = (u64, Option<SystemTime>);

impl SessionCosts {
    /// The cost of the session whose transcript is `transcript`; `None` when it cannot be read.
    pub fn of(&mut self, transcript: &Path, table: &PriceTable) -> Option<CostSummary> {
        let fingerprint = fingerprint(transcript)?;
        if let Some((known, summary)) = self.known.get(transcript)
            && *known == fingerprint
        {
            return summary.clone();
        }
        let summary = session_usage(transcript)
            .ok()
            .map(|records| CostSummary::of(&records, table));
        self.known
            .insert(transcript.to_owned(), (fingerprint, summary.clone()));
        summary
    }
}

fn fingerprint(transcript: &Path) -> Option<Fingerprint> {
    let main = std::fs::metadata(transcript).ok()?;
    let mut size = main.len();
    let mut latest = main.modified().ok();
    let subagents = pcc_transcript::subagents_dir(transcript);
    for entry in std::fs::read_dir(subagents).into_iter().flatten().flatten() {
        if let Ok(metadata) = entry.metadata() {
            size = size.saturating_add(metadata.len());
            latest = latest.max(metadata.modified().ok());
        }
    }
    Some((size, latest))
}

fn render(report: &CostReport, palette: Palette) -> String {
    let mut out = String::new();
    let since = report
        .since
        .as_ref()
        .map_or_else(String::new, |since| format!(" since {since}"));
    let _ = writeln!(
        out,
        "Costs{since}, at the prices of {} ([pricing] in config.toml overrides them).",
        report.prices_as_of
    );
    if report.total.messages == 0 && report.unreadable.is_empty() {
        let _ = writeln!(out, "No usage recorded{since}.");
        return out;
    }
    let projects: Vec<(String, &CostSummary)> = report
        .projects
        .iter()
        .map(|group| (display_path(Path::new(&group.key)), &group.summary))
        .collect();
    let days: Vec<(String, &CostSummary)> = report
        .days
        .iter()
        .map(|group| (group.key.clone(), &group.summary))
        .collect();
    table(&mut out, palette, "PROJECT", &projects);
    let _ = writeln!(out);
    table(&mut out, palette, "DAY", &days);
    let _ = writeln!(
        out,
        "{}",
        palette.bold(&format!(
            "total {} ({} tokens in {} messages)",
            report.total.cost_text(),
            report.total.tokens.total(),
            report.total.messages
        ))
    );
    for model in &report.total.unpriced_models {
        let _ = writeln!(
            out,
            "{}",
            palette.yellow(&format!(
                "{model} has no price: its tokens are counted, its cost is not (add \
                 [pricing.\"{}\"] to config.toml)",
                pcc_transcript::family(model)
            ))
        );
    }
    for session in &report.unreadable {
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "session {} not counted: {}",
                crate::session_lookup::short_id(&session.session_id),
                session.error
            ))
        );
    }
    out
}

fn table(out: &mut String, palette: Palette, title: &str, rows: &[(String, &CostSummary)]) {
    let headers = [
        title,
        "MESSAGES",
        "INPUT",
        "OUTPUT",
        "CACHE WRITE",
        "CACHE READ",
        "COST",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|(key, summary)| {
            let tokens: &Tokens = &summary.tokens;
            [
                key.clone(),
                summary.messages.to_string(),
                tokens.input.to_string(),
                tokens.output.to_string(),
                tokens.cache_write().to_string(),
                tokens.cache_read.to_string(),
                summary.cost_text(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|column| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .chain([headers[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header: Vec<String> = headers
        .iter()
        .zip(&widths)
        .map(|(header, width)| format!("{header:width$}"))
        .collect();
    let _ = writeln!(out, "{}", palette.bold(header.join("  ").trim_end()));
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| pad(cell, cell.chars().count(), *width))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
}
