//! `pcc-hooks status`: every known session at a glance, or as JSON for scripts.
//!
//! It opens the database without creating or migrating it, so looking never changes anything.

use crate::claude_config::display_path;
use crate::cli::{ColorChoice, StatusArgs};
use crate::failure::Failure;
use crate::term::{Palette, ago, emit, pad, rfc3339};
use pcc_core::paths::DataDir;
use pcc_store::{DecisionCounts, Resume, RunningTaskList, SessionOverview, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The `--json` document. Field names are a stable interface (README, "status --json").
#[derive(Debug, Serialize)]
struct StatusReport {
    database: String,
    sessions: Vec<SessionJson>,
    task_lists: Vec<TaskListJson>,
    hook_errors: HookErrorsJson,
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
    state: String,
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

#[derive(Debug, Serialize)]
struct HookErrorsJson {
    count: i64,
    last: Option<String>,
}

/// Prints the status of every session.
pub fn run(args: &StatusArgs, color: ColorChoice) -> Result<(), Failure> {
    let database = DataDir::from_env()?.database();
    let (sessions, decision_counts, resumes, lists, (error_count, last_error)) =
        match Store::open_existing(&database)? {
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
            ),
            None => (
                Vec::new(),
                Default::default(),
                BTreeMap::new(),
                Vec::new(),
                (0, None),
            ),
        };
    let now = jiff::Timestamp::now().as_millisecond();
    let report = StatusReport {
        database: database.display().to_string(),
        sessions: sessions
            .iter()
            .map(|session| {
                let counts = decision_counts
                    .get(&session.session_id)
                    .copied()
                    .unwrap_or_default();
                session_json(session, counts, resumes.get(&session.session_id), now)
            })
            .collect(),
        task_lists: lists.iter().map(task_list_json).collect(),
        hook_errors: HookErrorsJson {
            count: error_count,
            last: last_error,
        },
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| Failure::new(format!("cannot encode status: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    emit(&render_table(&report, Palette::for_stdout(color)))
}

fn task_list_json(running: &RunningTaskList) -> TaskListJson {
    let list = &running.list;
    TaskListJson {
        list_id: list.id,
        state: crate::lists_command::shown_state(list),
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
    now_ms: i64,
) -> SessionJson {
    SessionJson {
        session_id: session.session_id.clone(),
        short_id: session.session_id.chars().take(8).collect(),
        project_root: session.project_root.clone(),
        cwd: session.cwd.clone(),
        state: session.state.clone(),
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
        resume: resume.map(|resume| ResumeJson {
            state: resume.state.clone(),
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
    let now_ms_for_table = jiff::Timestamp::now().as_millisecond();
    if report.sessions.is_empty() {
        let _ = writeln!(
            out,
            "No sessions recorded yet ({}).",
            display_path(Path::new(&report.database))
        );
        let _ = writeln!(
            out,
            "Start Claude Code in a project; `pcc-hooks doctor` checks that the hooks are registered."
        );
    } else {
        let rows: Vec<[String; 10]> = report
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
                    session.decisions.allowed.to_string(),
                    session.decisions.denied.to_string(),
                    session.decisions.asked.to_string(),
                    session.decisions.pending_escalations.to_string(),
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
            "ALLOWED",
            "DENIED",
            "ASKED",
            "PENDING",
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
                        paint_state(palette, &session.state, cell)
                    } else {
                        cell.clone()
                    };
                    pad(&shown, cell.chars().count(), widths[column])
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
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
    if report.hook_errors.count > 0 {
        let last = report.hook_errors.last.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "{}",
            palette.red(&format!(
                "{} hook call(s) failed; latest: {last}",
                report.hook_errors.count
            ))
        );
    }
    out
}

/// "rate-limited until 14:00 (in 2h13m)" while a resume is pending, else the state's name.
fn state_text(session: &SessionJson, now_ms: i64) -> String {
    let Some(resume) = &session.resume else {
        return session.state.replace('_', " ");
    };
    if resume.state == "running" {
        return "resuming after limit".to_owned();
    }
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

fn paint_state(palette: Palette, state: &str, text: &str) -> String {
    match state {
        "working" => palette.green(text),
        "waiting_for_user" => palette.yellow(text),
        "errored" if text.starts_with("rate-limited") => palette.yellow(text),
        "errored" => palette.red(text),
        "ended" => palette.dim(text),
        _ => text.to_owned(),
    }
}
