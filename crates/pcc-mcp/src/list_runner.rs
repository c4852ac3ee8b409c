//! Running one stored task list: each task in a fresh `claude -p` (via `pcc-runner`), strictly
//! one after the other, each prompt carrying the earlier results, every step written to the
//! store as it happens, progress reported as it goes.
//!
//! The list's rows are the source of truth: a resumed list (some tasks already finished) builds
//! its context from the stored results exactly as an uninterrupted run would.

use crate::config::now_ms;
use pcc_runner::{
    CancelToken, ChildEvent, ChildOutcome, ChildSpec, ChildStatus, ResumePolicy, SystemClock,
    run_until_done,
};
use pcc_store::{Store, StoreError, TaskFinish, TaskListState, TaskRow, TaskState, TaskStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Most bytes of a task's final message that are stored and returned.
pub const RESULT_MAX_BYTES: usize = 64 * 1024;
/// `summary` context: bytes of each earlier result.
pub const SUMMARY_PER_TASK_BYTES: usize = 4 * 1024;
/// `summary` context: bytes of all earlier results together.
pub const SUMMARY_TOTAL_BYTES: usize = 32 * 1024;
/// `full` context: bytes of all earlier results together, so the context never crowds out the
/// task's own prompt (the whole prompt goes to `claude -p` on stdin, which takes up to 10 MB).
pub const FULL_TOTAL_BYTES: usize = 96 * 1024;
/// How often a running list checks the database for a cancel request from another process.
pub const CANCEL_POLL: Duration = Duration::from_millis(500);

/// What each task is told about the results of the tasks before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContextMode {
    /// Each earlier result, cut to 4 KiB, at most 32 KiB in all (the most recent first).
    #[default]
    Summary,
    /// The earlier results as they are, at most 96 KiB in all (the most recent first).
    Full,
    /// Nothing: each task sees only its own prompt.
    None,
}

/// The options of a list, stored as JSON in `task_lists.options`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListOptions {
    /// Stop at the first task that does not succeed (the rest are `skipped`).
    pub stop_on_failure: bool,
    /// What each task sees of the earlier results.
    pub context: ContextMode,
}

/// The options of a task, stored as JSON in `tasks.options`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskOptions {
    /// Wall-time limit of the task, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
    /// `--model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `--allowedTools`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tools: Vec<String>,
    /// `--max-turns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<u32>,
}

/// A step of a running list, for MCP progress notifications.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Task `position` (from 0) of `total` started.
    TaskStarted {
        /// Which task.
        position: usize,
        /// Tasks in the list.
        total: usize,
    },
    /// Something happened in the running child.
    Child {
        /// Which task.
        position: usize,
        /// Tasks in the list.
        total: usize,
        /// What happened.
        event: ChildEvent,
    },
    /// Task `position` ended with `status`.
    TaskFinished {
        /// Which task.
        position: usize,
        /// Tasks in the list.
        total: usize,
        /// How it ended.
        status: TaskStatus,
    },
}

/// How the list ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEnd {
    /// `Succeeded`, `Failed` or `Cancelled`.
    pub state: TaskListState,
}

/// What a list runs with.
#[derive(Clone, Debug)]
pub struct ListRunner {
    /// The database file.
    pub database: PathBuf,
    /// The Claude Code program.
    pub claude_program: PathBuf,
}

/// The stored status of a task whose child ended `status`.
pub fn task_status(status: ChildStatus) -> TaskStatus {
    match status {
        ChildStatus::Succeeded => TaskStatus::Succeeded,
        ChildStatus::Failed => TaskStatus::Failed,
        ChildStatus::TimedOut => TaskStatus::TimedOut,
        ChildStatus::Cancelled => TaskStatus::Cancelled,
        ChildStatus::RateLimited => TaskStatus::RateLimited,
        ChildStatus::Unverified => TaskStatus::Unverified,
    }
}

impl ListRunner {
    /// Runs the claimed (`running`) list `list_id` from its first unfinished task to the end and
    /// records the outcome. `cancel` stops the running child and ends the remaining tasks as
    /// `cancelled`; a cancel request in the database (from another process) does the same.
    pub async fn run(
        &self,
        list_id: i64,
        progress: Option<mpsc::UnboundedSender<Progress>>,
        cancel: &CancelToken,
    ) -> Result<ListEnd, StoreError> {
        let mut store = Store::open(&self.database)?;
        let Some(list) = store.task_list(list_id)? else {
            return Ok(ListEnd {
                state: TaskListState::Failed,
            });
        };
        let options: ListOptions = serde_json::from_str(&list.options).unwrap_or(ListOptions {
            stop_on_failure: true,
            context: ContextMode::Summary,
        });
        let mut tasks = store.tasks(list_id)?;
        let total = tasks.len();
        let send = |event: Progress| {
            if let Some(sender) = &progress {
                let _ = sender.send(event);
            }
        };
        let mut stopped: Option<(TaskStatus, String)> = None;
        for position in 0..total {
            if tasks[position].state == TaskState::Finished {
                continue;
            }
            if cancel.is_cancelled() || store.cancel_requested(list_id)? {
                stopped = Some((TaskStatus::Cancelled, "the list was cancelled".to_owned()));
                break;
            }
            let prompt = prompt_with_context(options.context, &tasks, position);
            let spec = self.spec(&list.cwd, &tasks[position], prompt, list_id, position);
            store.start_task(list_id, position as i64, now_ms())?;
            send(Progress::TaskStarted { position, total });
            let outcome = self
                .supervise(&mut store, spec, list_id, position, total, &send, cancel)
                .await?;
            let finish = finish_of(&outcome);
            store.finish_task(list_id, position as i64, &finish)?;
            tasks[position] = TaskRow {
                state: TaskState::Finished,
                status: Some(finish.status),
                result_text: finish.result_text.clone(),
                ..tasks[position].clone()
            };
            send(Progress::TaskFinished {
                position,
                total,
                status: finish.status,
            });
            match outcome.status {
                ChildStatus::Succeeded => {}
                ChildStatus::Cancelled => {
                    stopped = Some((TaskStatus::Cancelled, "the list was cancelled".to_owned()));
                    break;
                }
                _ if options.stop_on_failure => {
                    stopped = Some((
                        TaskStatus::Skipped,
                        format!(
                            "not run: task {} ended `{}` and the list stops on failure",
                            position + 1,
                            finish.status
                        ),
                    ));
                    break;
                }
                _ => {}
            }
        }
        if let Some((status, reason)) = &stopped {
            store.end_unfinished_tasks(list_id, *status, reason, now_ms())?;
        }
        let tasks = store.tasks(list_id)?;
        let state = if matches!(stopped, Some((TaskStatus::Cancelled, _))) {
            TaskListState::Cancelled
        } else if tasks
            .iter()
            .all(|task| task.status == Some(TaskStatus::Succeeded))
        {
            TaskListState::Succeeded
        } else {
            TaskListState::Failed
        };
        store.finish_task_list(list_id, state, None, now_ms())?;
        Ok(ListEnd { state })
    }

    fn spec(
        &self,
        cwd: &str,
        task: &TaskRow,
        prompt: String,
        list_id: i64,
        position: usize,
    ) -> ChildSpec {
        let options: TaskOptions = serde_json::from_str(&task.options).unwrap_or_default();
        let mut spec = ChildSpec::new(prompt, cwd);
        spec.claude_program.clone_from(&self.claude_program);
        spec.model = options.model;
        spec.allowed_tools = options.allowed_tools;
        spec.max_turns = options.max_turns;
        if let Some(seconds) = options.timeout_s {
            spec.timeout = Duration::from_secs(seconds.max(1));
        }
        // The database is `<data dir>/pcc.db`: the child's hooks must write to that one.
        spec.pcc_home = self.database.parent().map(PathBuf::from);
        spec.extra_env = vec![
            ("PCC_TASK_LIST_ID".to_owned(), list_id.to_string()),
            (
                "PCC_TASK_ID".to_owned(),
                format!("{list_id}.{}", position + 1),
            ),
        ];
        spec
    }

    /// Runs one child to its end, recording its session id as soon as it shows, forwarding its
    /// events, and watching the database for a cancel request.
    #[allow(clippy::too_many_arguments)]
    async fn supervise(
        &self,
        store: &mut Store,
        spec: ChildSpec,
        list_id: i64,
        position: usize,
        total: usize,
        send: &impl Fn(Progress),
        cancel: &CancelToken,
    ) -> Result<ChildOutcome, StoreError> {
        let (events_tx, mut events) = mpsc::unbounded_channel::<ChildEvent>();
        let policy = ResumePolicy::default();
        let run = run_until_done(
            spec,
            &policy,
            &SystemClock,
            move |event| {
                let _ = events_tx.send(event);
            },
            cancel,
        );
        tokio::pin!(run);
        let mut poll = tokio::time::interval(CANCEL_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let handle = |store: &mut Store, event: ChildEvent| -> Result<(), StoreError> {
            if let ChildEvent::SessionId { session_id } = &event {
                store.set_task_session(list_id, position as i64, session_id)?;
            }
            send(Progress::Child {
                position,
                total,
                event,
            });
            Ok(())
        };
        let outcome = loop {
            tokio::select! {
                biased;
                Some(event) = events.recv() => handle(store, event)?,
                outcome = &mut run => break outcome,
                _ = poll.tick() => {
                    if !cancel.is_cancelled() && store.cancel_requested(list_id)? {
                        cancel.cancel();
                    }
                }
            }
        };
        while let Ok(event) = events.try_recv() {
            handle(store, event)?;
        }
        Ok(outcome)
    }
}

fn finish_of(outcome: &ChildOutcome) -> TaskFinish {
    TaskFinish {
        status: task_status(outcome.status),
        finished_ms: now_ms(),
        duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
        session_id: outcome.session_id.clone(),
        result_text: outcome
            .result_text
            .as_deref()
            .map(|text| truncate(text, RESULT_MAX_BYTES)),
        turns: i64::from(outcome.num_turns),
        tool_uses: i64::from(outcome.tool_uses),
        cost_usd: outcome.cost_usd,
        denials: serde_json::to_string(&outcome.permission_denials)
            .unwrap_or_else(|_| "[]".to_owned()),
        error: outcome.error.clone(),
        resumes: i64::from(outcome.resumes),
    }
}

/// `text` cut to at most `max` bytes on a character boundary, marked when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    const MARK: &str = "\n… [truncated]";
    let mut end = max.saturating_sub(MARK.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &text[..end])
}

/// The prompt of task `position`: its own prompt, after the earlier results as `mode` says.
///
/// The most recent results are kept first when the budget runs out; the ones left out are named.
pub fn prompt_with_context(mode: ContextMode, tasks: &[TaskRow], position: usize) -> String {
    let own = &tasks[position].prompt;
    let (per_task, budget) = match mode {
        ContextMode::None => return own.clone(),
        ContextMode::Summary => (SUMMARY_PER_TASK_BYTES, SUMMARY_TOTAL_BYTES),
        ContextMode::Full => (FULL_TOTAL_BYTES, FULL_TOTAL_BYTES),
    };
    if position == 0 {
        return own.clone();
    }
    let mut left = budget;
    let mut sections: Vec<String> = Vec::new();
    let mut omitted = 0usize;
    for (index, task) in tasks[..position].iter().enumerate().rev() {
        if left == 0 {
            omitted = index + 1;
            break;
        }
        let status = task.status.map_or("not run", TaskStatus::as_str);
        let text = task.result_text.as_deref().unwrap_or("(no result)");
        let body = truncate(text, per_task.min(left));
        left = left.saturating_sub(body.len());
        sections.push(format!("### Task {} ({status})\n{body}", index + 1));
    }
    sections.reverse();
    let mut prompt = format!(
        "This is task {} of {} in a sequential task list. The earlier tasks ran before it, \
         each in its own session; their final messages follow.\n\n",
        position + 1,
        tasks.len()
    );
    if omitted > 0 {
        prompt.push_str(&format!(
            "(The results of tasks 1–{omitted} are left out to keep this prompt short.)\n\n"
        ));
    }
    for section in sections {
        prompt.push_str(&section);
        prompt.push_str("\n\n");
    }
    prompt.push_str("### Your task\n");
    prompt.push_str(own);
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(position: i64, prompt: &str, result: Option<&str>) -> TaskRow {
        TaskRow {
            list_id: 1,
            position,
            prompt: prompt.to_owned(),
            options: "{}".to_owned(),
            state: if result.is_some() {
                TaskState::Finished
            } else {
                TaskState::Pending
            },
            status: result.map(|_| TaskStatus::Succeeded),
            started_ms: None,
            finished_ms: None,
            duration_ms: None,
            session_id: None,
            result_text: result.map(str::to_owned),
            turns: None,
            tool_uses: None,
            cost_usd: None,
            denials: None,
            error: None,
            resumes: 0,
        }
    }

    #[test]
    fn first_task_and_none_mode_see_only_their_prompt() {
        let tasks = [row(0, "one", Some("r1")), row(1, "two", None)];
        assert_eq!(prompt_with_context(ContextMode::Summary, &tasks, 0), "one");
        assert_eq!(prompt_with_context(ContextMode::None, &tasks, 1), "two");
    }

    #[test]
    fn summary_carries_earlier_results_in_order_and_bounded() {
        let long = "x".repeat(10_000);
        let tasks = [
            row(0, "one", Some("first result")),
            row(1, "two", Some(&long)),
            row(2, "three", None),
        ];
        let prompt = prompt_with_context(ContextMode::Summary, &tasks, 2);
        let first = prompt.find("first result").unwrap_or(usize::MAX);
        let second = prompt.find("### Task 2").unwrap_or(0);
        assert!(first < second, "{prompt}");
        assert!(prompt.ends_with("### Your task\nthree"), "{prompt}");
        assert!(prompt.contains("[truncated]"));
        assert!(
            prompt.len() < SUMMARY_PER_TASK_BYTES * 2 + 1000,
            "{}",
            prompt.len()
        );
        let full = prompt_with_context(ContextMode::Full, &tasks, 2);
        assert!(full.contains(&long));
    }

    #[test]
    fn the_total_budget_keeps_the_latest_results() {
        let big = "y".repeat(SUMMARY_PER_TASK_BYTES);
        let mut tasks: Vec<TaskRow> = (0..12).map(|i| row(i, "t", Some(&big))).collect();
        tasks.push(row(12, "last", None));
        let prompt = prompt_with_context(ContextMode::Summary, &tasks, 12);
        assert!(
            prompt.len() <= SUMMARY_TOTAL_BYTES + 2000,
            "{}",
            prompt.len()
        );
        assert!(prompt.contains("### Task 12 (succeeded)"));
        assert!(!prompt.contains("### Task 1 (succeeded)"));
        assert!(prompt.contains("tasks 1–"), "{prompt}");
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        let text = "é".repeat(100);
        let cut = truncate(&text, 51);
        assert!(cut.len() <= 51);
        assert!(cut.ends_with("[truncated]"));
        assert_eq!(truncate("short", 10), "short");
    }
}
