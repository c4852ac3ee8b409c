//! `pcc-hooks status`: every known session at a glance, or as JSON for scripts.
//!
//! It opens the database without creating or migrating it, so looking never changes anything.

use crate::claude_config::display_path;
use crate::cli::{ColorChoice, StatusArgs};
use crate::clock::now_ms;
use crate::commands::cost::{SessionCosts, price_table};
use crate::config_files;
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::{Palette, ago, emit, pad, rfc3339};
use pcc_core::config::ConfigScope;
use pcc_core::paths::DataDir;
use pcc_core::session_state::shown_state;
use pcc_store::{DecisionCounts, Resume, ResumeState, RunningTaskList, SessionOverview, Store};
use pcc_transcript::{CostSummary, PriceTable, Tokens, Usd};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::Path;

/// The `--json` document. Field names are a stable interface (README, "status --json").
#[derive(Debug, Serialize)]
struct StatusReport {
    database: String,
    generated_at: String,
    pending_escalations: i64,
    sessions: Vec<SessionJson>,
    project_queues: BTreeMap<String, i64>,
    task_lists: Vec<TaskListJson>,
    hook_errors: HookErrorsJson,
    config_errors: Vec<ConfigErrorJson>,
    /// Sessions started by `pcc-hooks start`: those running, and the latest that ended.
    started_sessions: Vec<StartedJson>,
    /// Why the database could not be read, when it could not: the rest of the report is what
    /// could be known without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    database_error: Option<String>,
}

/// A configuration file hook calls cannot use (the global one, this directory's project, or a
/// known session's project): they run without it until it is fixed.
#[derive(Debug, Serialize)]
struct ConfigErrorJson {
    scope: ConfigScope,
    file: String,
    message: String,
    effect: &'static str,
}

/// A session started by `pcc-hooks start`: `working` or `ended`, and how it ended.
#[derive(Debug, Serialize)]
struct StartedJson {
    session_id: String,
    short_id: String,
    state: &'static str,
    /// `exited`, `stopped`, `failed` (could not start) or `lost` (no end recorded).
    outcome: Option<&'static str>,
    cwd: String,
    model: Option<String>,
    pid: Option<u32>,
    supervisor_pid: Option<u32>,
    log: String,
    tasks_total: i64,
    started_at: String,
    ended_at: Option<String>,
    exit_code: Option<i32>,
    exit_signal: Option<i32>,
    error: Option<String>,
}

/// A task list that is running, or whose runner died mid-list (`interrupted`).
#[derive(Debug, Serialize)]
struct TaskListJson {
    list_id: i64,
    state: String,
    cwd: String,
    tasks_total: i64,
    tasks_finished: i64,
    tasks_succeeded: i64,
    running_task: Option<RunningTaskJson>,
}

#[derive(Debug, Serialize)]
struct RunningTaskJson {
    position: i64,
    prompt: String,
    started: Option<String>,
    session_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct SessionJson {
    session_id: String,
    short_id: String,
    project_root: String,
    cwd: String,
    status: &'static str,
    state: String,
    paused: bool,
    queue_depth: i64,
    /// From the transcript's usage (`pcc-hooks cost`); else what a task list's `claude -p`
    /// reported; `null` when unknown, a model without a price included.
    cost_usd: Option<f64>,
    /// The transcript's tokens, its subagents' included; `null` when it cannot be read.
    tokens: Option<Tokens>,
    /// Models of the transcript with tokens and no price: why `cost_usd` is `null`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unpriced_models: Vec<String>,
    /// The COST column: `$1.23`, `$1.23+?` when a model has no price, `-` when unknown.
    #[serde(skip)]
    cost_text: String,
    last_event: String,
    last_tool: Option<String>,
    permission_mode: Option<String>,
    transcript_path: Option<String>,
    first_seen: String,
    last_seen: String,
    last_seen_ago_s: i64,
    events_total: i64,
    event_counts: BTreeMap<String, i64>,
    decisions: DecisionsJson,
    resume: Option<ResumeJson>,
}

#[derive(Debug, Serialize)]
struct ResumeJson {
    state: String,
    limit: String,
    resets_at: Option<String>,
    due: String,
    attempts: i64,
    last_error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct DecisionsJson {
    allowed: i64,
    denied: i64,
    asked: i64,
    pending_escalations: i64,
}

/// Failed hook calls: those counted in the database and those it could not take
/// (`unrecorded`, kept in the failure log; `count` includes them).
#[derive(Debug, Serialize)]
struct HookErrorsJson {
    count: i64,
    last: Option<String>,
    unrecorded: i64,
    recent_unrecorded: Vec<UnrecordedJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unrecorded_files: Vec<String>,
}

#[derive(Debug, Serialize)]
struct UnrecordedJson {
    at: String,
    kind: String,
    message: String,
}

/// How many started sessions that ended are shown, besides those running.
const STARTED_ENDED_SHOWN: u32 = 10;

/// Prints the status of every session; with `--watch`, again every few seconds, in place on a
/// terminal, until interrupted.
pub fn run(args: &StatusArgs, color: ColorChoice) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    let Some(seconds) = args.watch else {
        let (frame, database_error) =
            render(&database, args.json, color, &mut SessionCosts::default())?;
        emit(&frame)?;
        return match database_error {
            Some(error) => Err(HookError::new(error)),
            None => Ok(()),
        };
    };
    let interval = std::time::Duration::from_secs(seconds.max(1));
    let redraw_in_place = std::io::stdout().is_terminal() && !args.json;
    let mut costs = SessionCosts::default();
    loop {
        let (frame, _) = render(&database, args.json, color, &mut costs)?;
        if redraw_in_place {
            // Home, then clear to the end: no flicker of a blank screen between frames.
            emit(&format!("\x1b[H{}\x1b[J", frame.replace('\n', "\x1b[K\n")))?;
        } else {
            emit(&frame)?;
        }
        std::thread::sleep(interval);
    }
}

/// The frame to print, and the database's error when it could not be read (the frame then
/// shows what could be known without it, the failure log's entries included).
fn render(
    database: &Path,
    json: bool,
    color: ColorChoice,
    costs: &mut SessionCosts,
) -> Result<(String, Option<String>), HookError> {
    let report = report(database, costs);
    let database_error = report.database_error.clone();
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| HookError::new(format!("cannot encode status: {error}")))?;
        return Ok((format!("{text}\n"), database_error));
    }
    Ok((
        render_table(&report, Palette::for_stdout(color)),
        database_error,
    ))
}

/// What the database holds, read in one go.
type Recorded = (
    Vec<SessionOverview>,
    BTreeMap<String, DecisionCounts>,
    BTreeMap<String, Resume>,
    Vec<RunningTaskList>,
    (i64, Option<String>),
    BTreeMap<String, i64>,
);

fn read_database(database: &Path) -> Result<Recorded, pcc_store::StoreError> {
    Ok(match Store::open_existing(database)? {
        Some(mut store) => (
            store.sessions_overview()?,
            store.decision_counts()?,
            store
                .resumes(false)?
                .into_iter()
                .map(|resume| (resume.plan.session_id.clone(), resume))
                .collect::<BTreeMap<_, _>>(),
            store.running_task_lists()?,
            store.hook_error_summary()?,
            store.project_queue_depths()?,
        ),
        None => Default::default(),
    })
}

fn report(database: &Path, costs: &mut SessionCosts) -> StatusReport {
    let (recorded, database_error) = match read_database(database) {
        Ok(recorded) => (recorded, None),
        Err(error) => {
            // A damaged page elsewhere may still leave the counted failures readable.
            let mut recorded = Recorded::default();
            if let Ok(Some(store)) = Store::open_existing(database)
                && let Ok(summary) = store.hook_error_summary()
            {
                recorded.4 = summary;
            }
            (recorded, Some(error.to_string()))
        }
    };
    let (sessions, decision_counts, resumes, lists, (error_count, last_error), project_queues) =
        recorded;
    let unrecorded = database
        .parent()
        .map(|root| pcc_store::FailureLog::in_dir(root).summary())
        .unwrap_or_default();
    let now = now_ms();
    // Prices as `pcc-hooks cost` has them: the bundled table and the global `[pricing]`.
    let prices =
        DataDir::from_env().map_or_else(|_| PriceTable::bundled(), |data| price_table(&data).0);
    let sessions: Vec<SessionJson> = sessions
        .iter()
        .map(|session| {
            let counts = decision_counts
                .get(&session.session_id)
                .copied()
                .unwrap_or_default();
            let cost = session
                .transcript_path
                .as_ref()
                .and_then(|transcript| costs.of(Path::new(transcript), &prices));
            session_json(session, counts, resumes.get(&session.session_id), cost, now)
        })
        .collect();
    let config_errors = config_errors(sessions.iter().map(|session| session.project_root.as_str()));
    let unrecorded_count = i64::try_from(unrecorded.count).unwrap_or(i64::MAX);
    let latest_unrecorded = unrecorded.recent.last();
    let last = match (latest_unrecorded, last_error) {
        // The failure log's latest when it holds any: nothing else shows those failures.
        (Some(failure), _) => Some(failure.message.clone()),
        (None, last) => last,
    };
    StatusReport {
        database: database.display().to_string(),
        generated_at: rfc3339(now),
        pending_escalations: decision_counts
            .values()
            .map(|counts| counts.escalated)
            .sum(),
        sessions,
        project_queues,
        task_lists: lists
            .iter()
            .map(|running| task_list_json(running, database))
            .collect(),
        hook_errors: HookErrorsJson {
            count: error_count + unrecorded_count,
            last,
            unrecorded: unrecorded_count,
            recent_unrecorded: unrecorded
                .recent
                .iter()
                .map(|failure| UnrecordedJson {
                    at: rfc3339(failure.at_ms),
                    kind: failure.kind.clone(),
                    message: failure.message.clone(),
                })
                .collect(),
            unrecorded_files: unrecorded
                .files
                .iter()
                .map(|file| file.display().to_string())
                .collect(),
        },
        config_errors,
        started_sessions: started_sessions(database, now),
        database_error,
    }
}

/// The started sessions, each as its processes show it (`pcc_supervisor::shown`); none when the
/// database cannot be read (that error is reported once, by the rest of the report).
fn started_sessions(database: &Path, now_ms: i64) -> Vec<StartedJson> {
    let Ok(Some(store)) = Store::open_existing(database) else {
        return Vec::new();
    };
    let Ok(sessions) = store.started_sessions(STARTED_ENDED_SHOWN) else {
        return Vec::new();
    };
    sessions
        .into_iter()
        .map(|session| {
            let shown = pcc_supervisor::shown(&session, now_ms);
            StartedJson {
                short_id: short_id(&session.plan.id).to_owned(),
                state: shown.as_str(),
                outcome: shown.outcome.map(|outcome| outcome.as_str()),
                pid: session.child.as_ref().map(|child| child.pid),
                supervisor_pid: session.supervisor.as_ref().map(|stamp| stamp.pid),
                tasks_total: session.tasks_total,
                started_at: rfc3339(session.started_ms.unwrap_or(session.created_ms)),
                ended_at: session.ended_ms.map(rfc3339),
                exit_code: session.exit_code,
                exit_signal: session.exit_signal,
                error: session.error,
                session_id: session.plan.id,
                cwd: session.plan.cwd,
                model: session.plan.model,
                log: session.plan.log_path,
            }
        })
        .collect()
}

/// The problems of the global config and of the project configs of this directory and of
/// `projects`, each file once.
fn config_errors<'a>(projects: impl Iterator<Item = &'a str>) -> Vec<ConfigErrorJson> {
    let Ok(data) = DataDir::from_env() else {
        return Vec::new();
    };
    let here = std::env::current_dir().ok();
    let roots: BTreeSet<std::path::PathBuf> = here
        .into_iter()
        .chain(projects.map(std::path::PathBuf::from))
        .collect();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for root in &roots {
        for problem in config_files::load_in_force(&data, root).problems {
            if seen.insert(problem.error.file.clone()) {
                errors.push(ConfigErrorJson {
                    scope: problem.scope,
                    effect: problem.effect(),
                    file: problem.error.file,
                    message: problem.error.message,
                });
            }
        }
    }
    errors
}

fn task_list_json(running: &RunningTaskList, database: &Path) -> TaskListJson {
    let list = &running.list;
    TaskListJson {
        list_id: list.id,
        state: crate::commands::lists::shown_state(list, database),
        cwd: list.cwd.clone(),
        tasks_total: list.tasks_total,
        tasks_finished: list.tasks_finished,
        tasks_succeeded: list.tasks_succeeded,
        running_task: running.running_task.as_ref().map(|task| RunningTaskJson {
            position: task.position + 1,
            prompt: pcc_core::redact::redact_and_truncate(&task.prompt, 200),
            started: task.started_ms.map(rfc3339),
            session_id: task.session_id.clone(),
        }),
    }
}

fn session_json(
    session: &SessionOverview,
    decisions: DecisionCounts,
    resume: Option<&Resume>,
    cost: Option<CostSummary>,
    now_ms: i64,
) -> SessionJson {
    // A claim whose scheduler and claude are both gone is not resuming: it waits for the next
    // scheduler (`resume --now` starts one), which records its end or runs it again.
    let resume_state = resume.map(|resume| {
        if resume.state == ResumeState::Running && !crate::scheduler::claim_in_flight(resume) {
            "interrupted"
        } else {
            resume.state.as_str()
        }
    });
    SessionJson {
        session_id: session.session_id.clone(),
        short_id: short_id(&session.session_id).to_owned(),
        project_root: session.project_root.clone(),
        cwd: session.cwd.clone(),
        status: shown_state(
            session.state.as_str(),
            decisions.escalated,
            resume
                .zip(resume_state)
                .map(|(resume, state)| (state, resume.plan.limit_kind.as_str())),
        ),
        state: session.state.as_str().to_owned(),
        paused: session.paused,
        queue_depth: session.queue_depth,
        cost_usd: match &cost {
            Some(summary) => summary.cost_usd.map(Usd::dollars),
            None => session.cost_usd,
        },
        cost_text: match &cost {
            Some(summary) => summary.cost_text(),
            None => session
                .cost_usd
                .map_or_else(|| "-".to_owned(), |cost| format!("${cost:.2}")),
        },
        tokens: cost.as_ref().map(|summary| summary.tokens),
        unpriced_models: cost
            .map(|summary| summary.unpriced_models)
            .unwrap_or_default(),
        last_event: session.last_event.clone(),
        last_tool: session.last_tool.clone(),
        permission_mode: session.permission_mode.clone(),
        transcript_path: session.transcript_path.clone(),
        first_seen: rfc3339(session.first_seen_ms),
        last_seen: rfc3339(session.last_seen_ms),
        last_seen_ago_s: (now_ms - session.last_seen_ms).max(0) / 1000,
        events_total: session.event_count,
        event_counts: session.event_counts.clone(),
        decisions: DecisionsJson {
            allowed: decisions.allowed,
            denied: decisions.denied,
            asked: decisions.asked,
            pending_escalations: decisions.escalated,
        },
        resume: resume.zip(resume_state).map(|(resume, state)| ResumeJson {
            state: state.to_owned(),
            limit: resume.plan.limit_kind.clone(),
            resets_at: resume.plan.resets_at_ms.map(rfc3339),
            due: rfc3339(resume.plan.due_ms),
            attempts: resume.attempts,
            last_error: resume.last_error.clone(),
        }),
    }
}

fn render_table(report: &StatusReport, palette: Palette) -> String {
    let mut out = String::new();
    let now_ms_for_table = now_ms();
    // A session just started may not have reported a hook event yet: its own line shows it.
    if report.sessions.is_empty() && report.started_sessions.is_empty() {
        let _ = writeln!(
            out,
            "No sessions recorded yet ({}).",
            display_path(Path::new(&report.database))
        );
        let _ = writeln!(
            out,
            "Start Claude Code in a project; `pcc-hooks doctor` checks that the hooks are registered."
        );
    } else if !report.sessions.is_empty() {
        let rows: Vec<[String; 12]> = report
            .sessions
            .iter()
            .map(|session| {
                let last = match &session.last_tool {
                    Some(tool) => format!("{}({tool})", session.last_event),
                    None => session.last_event.clone(),
                };
                [
                    session.short_id.clone(),
                    display_path(Path::new(&session.project_root)),
                    state_text(session, now_ms_for_table),
                    last,
                    ago(session.last_seen_ago_s * 1000),
                    session.events_total.to_string(),
                    session.queue_depth.to_string(),
                    session.decisions.allowed.to_string(),
                    session.decisions.denied.to_string(),
                    session.decisions.asked.to_string(),
                    session.decisions.pending_escalations.to_string(),
                    session.cost_text.clone(),
                ]
            })
            .collect();
        let headers = [
            "SESSION",
            "PROJECT",
            "STATE",
            "LAST EVENT",
            "AGO",
            "EVENTS",
            "QUEUE",
            "ALLOWED",
            "DENIED",
            "ASKED",
            "PENDING",
            "COST",
        ];
        let widths: Vec<usize> = (0..headers.len())
            .map(|column| {
                rows.iter()
                    .map(|row| row[column].chars().count())
                    .chain([headers[column].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header_line: Vec<String> = headers
            .iter()
            .zip(&widths)
            .map(|(header, width)| format!("{header:width$}"))
            .collect();
        let _ = writeln!(out, "{}", palette.bold(header_line.join("  ").trim_end()));
        for (row, session) in rows.iter().zip(&report.sessions) {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(column, cell)| {
                    let shown = if column == 2 {
                        paint_state(palette, session.status, cell)
                    } else {
                        cell.clone()
                    };
                    pad(&shown, cell.chars().count(), widths[column])
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
    }
    if report.pending_escalations > 0 {
        let _ = writeln!(
            out,
            "{}",
            palette.yellow(&format!(
                "{} escalation(s) wait on a human: pcc-hooks pending",
                report.pending_escalations
            ))
        );
    }
    for (project, depth) in &report.project_queues {
        let _ = writeln!(
            out,
            "{depth} task(s) queued for the next session in {}",
            display_path(Path::new(project))
        );
    }
    for started in &report.started_sessions {
        let what = match (started.outcome, started.exit_code, started.exit_signal) {
            (None, ..) => palette.green("working"),
            (Some("exited"), Some(code), _) => palette.dim(&format!("ended, exited {code}")),
            (Some(outcome), _, Some(signal)) => {
                palette.dim(&format!("ended, {outcome} (signal {signal})"))
            }
            (Some("lost"), ..) => palette.red("ended, lost (no end recorded)"),
            (Some(outcome), ..) => palette.dim(&format!("ended, {outcome}")),
        };
        let pid = started
            .pid
            .map_or_else(String::new, |pid| format!(" pid {pid}"));
        let _ = writeln!(
            out,
            "started {} {what}{pid} in {}; log {}",
            started.short_id,
            display_path(Path::new(&started.cwd)),
            display_path(Path::new(&started.log))
        );
    }
    for list in &report.task_lists {
        let running = match &list.running_task {
            Some(task) => format!(
                "; task {}: {}",
                task.position,
                task.prompt.lines().next().unwrap_or("")
            ),
            None => String::new(),
        };
        let state = if list.state == "interrupted" {
            palette.red(&format!(
                "interrupted (resume: pcc-hooks lists resume {})",
                list.list_id
            ))
        } else {
            palette.green(&list.state)
        };
        let _ = writeln!(
            out,
            "task list #{} {state}: {}/{} done{running}",
            list.list_id, list.tasks_finished, list.tasks_total
        );
    }
    for error in &report.config_errors {
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "config broken: {}: {}; {} (fix it; `pcc-hooks doctor` checks it)",
                display_path(Path::new(&error.file)),
                error.message,
                error.effect
            ))
        );
    }
    if let Some(error) = &report.database_error {
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "database unreadable: {error} (`pcc-hooks doctor` says what to do)"
            ))
        );
    }
    let errors = &report.hook_errors;
    if errors.count > 0 {
        let last = errors.last.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "{} hook call(s) failed; latest: {last}",
                errors.count
            ))
        );
    }
    if errors.unrecorded > 0 {
        let files: Vec<String> = errors
            .unrecorded_files
            .iter()
            .map(|file| display_path(Path::new(file)))
            .collect();
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "{} of them could not be recorded in the database (kept in {}); the latest:",
                errors.unrecorded,
                files.join(", ")
            ))
        );
        for failure in &errors.recent_unrecorded {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                failure.at, failure.kind, failure.message
            );
        }
    }
    out
}

/// "rate-limited until 14:00 (in 2h13m)" while a resume after a limit is pending, else the shown
/// state in words, with "(paused)" when the session's queue is paused.
fn state_text(session: &SessionJson, now_ms: i64) -> String {
    let text = match (&session.resume, session.status) {
        (Some(resume), _) if resume.state == "interrupted" => format!(
            "resume interrupted (pcc-hooks resume {} --now)",
            session.short_id
        ),
        (Some(resume), "rate_limited") => {
            let due: jiff::Timestamp = resume.due.parse().unwrap_or_default();
            let local = due.to_zoned(jiff::tz::TimeZone::system());
            let wait = (due.as_millisecond() - now_ms).max(0) / 1000;
            let (hours, minutes) = (wait / 3600, (wait % 3600) / 60);
            let until = if wait >= 86_400 {
                local.strftime("%a %H:%M").to_string()
            } else {
                local.strftime("%H:%M").to_string()
            };
            format!("rate-limited until {until} (in {hours}h{minutes:02}m)")
        }
        (_, "resuming") => "resuming after limit".to_owned(),
        (_, status) => status.replace('_', " "),
    };
    if session.paused {
        format!("{text} (paused)")
    } else {
        text
    }
}

fn paint_state(palette: Palette, status: &str, text: &str) -> String {
    match status {
        "working" | "resuming" => palette.green(text),
        "waiting_for_human" | "rate_limited" => palette.yellow(text),
        "errored" => palette.red(text),
        "ended" => palette.dim(text),
        _ => text.to_owned(),
    }
}
