//! The detached worker: `pcc-mcp --run-list <id>` runs one stored list to its end in its own
//! process group, so it survives the MCP server (and the Claude Code session) that started it.

use crate::config::{claude_program, now_ms};
use crate::list_runner::ListRunner;
use pcc_runner::CancelToken;
use pcc_store::{Store, TaskListState, TaskStatus};
use std::path::Path;
use std::process::{ExitCode, Stdio};

/// Logs go to stderr (the MCP client's log for the server, a file for a worker), filtered by
/// `PCC_LOG` (default `warn`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PCC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Starts `<this executable> --run-list <id>` in its own process group, stdin and stdout
/// closed, stderr appended to the worker log; returns its pid. The child is reaped by a task of
/// this process while it lives; after that, by init.
pub fn spawn_detached(list_id: i64) -> Result<u32, String> {
    let exe = std::env::current_exe()
        .map_err(|err| format!("cannot find the pcc-mcp executable: {err}"))?;
    let stderr = crate::config::worker_log()
        .and_then(|path| {
            let (mut file, tightened) =
                pcc_store::private::open_file(&path, pcc_store::private::Access::Append).ok()?;
            for change in tightened {
                let _ = std::io::Write::write_fmt(&mut file, format_args!("pcc-mcp: {change}\n"));
            }
            Some(file)
        })
        .map_or_else(Stdio::null, Stdio::from);
    let mut child = tokio::process::Command::new(&exe)
        .arg("--run-list")
        .arg(list_id.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .map_err(|err| {
            format!(
                "cannot start the task list worker `{}`: {err}",
                exe.display()
            )
        })?;
    let pid = child.id().unwrap_or(0);
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    Ok(pid)
}

/// Runs list `list_id`: claims it (it must be `pending`), runs it, exits. SIGTERM, SIGINT and
/// SIGHUP cancel it like `cancel_task_list` does.
pub fn main(list_id: i64) -> ExitCode {
    init_logging();
    let database = match crate::config::database() {
        Ok(path) => path,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut store = match Store::open(&database) {
        Ok(store) => store,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let claude = match claude_program() {
        Ok(claude) => claude,
        Err(err) => {
            eprintln!("error: task list {list_id}: {err}");
            let _ = store.end_unfinished_tasks(list_id, TaskStatus::Failed, &err, now_ms());
            let _ = store.finish_task_list(list_id, TaskListState::Failed, Some(&err), now_ms());
            return ExitCode::FAILURE;
        }
    };
    // Held until this process ends: how `status`, `lists` and the tools tell this worker alive
    // (a pid alone would be fooled once it is reused).
    let root = database.parent().unwrap_or(Path::new("."));
    let _lock = match pcc_store::ListWorkerLock::acquire(root, list_id) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            eprintln!("error: task list {list_id} already has a live worker");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("error: task list {list_id}: cannot take its worker lock: {err}");
            return ExitCode::FAILURE;
        }
    };
    match store.claim_task_list(list_id, i64::from(std::process::id()), now_ms()) {
        Ok(true) => {}
        Ok(false) => {
            let state = store
                .task_list(list_id)
                .ok()
                .flatten()
                .map_or("missing", |list| list.state.as_str());
            eprintln!("error: task list {list_id} is not pending (it is {state})");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    }
    drop(store);
    let runtime = match current_thread_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let runner = ListRunner {
        database,
        claude_program: claude,
    };
    let ended = runtime.block_on(async {
        let cancel = CancelToken::new();
        let signals = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::hangup()),
                ) else {
                    return;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                    _ = hup.recv() => {}
                }
                cancel.cancel();
            })
        };
        let ended = runner.run(list_id, None, &cancel).await;
        signals.abort();
        ended
    });
    match ended {
        Ok(end) => {
            tracing::info!(list_id, state = %end.state, "task list ended");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: task list {list_id}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The single-threaded runtime both the server and the worker run on; a failure is reported on
/// stderr and becomes the exit code.
pub(crate) fn current_thread_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("error: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        })
}
