//! `pcc-mcp`: the MCP server of pcc-hooks, on stdio.
//!
//! `pcc-mcp` serves the tools (`execute_task_list`, `task_list_status`, `cancel_task_list`,
//! `list_task_lists`, `pcc_status`); `pcc-mcp --run-list <id>` is the detached worker that runs
//! one stored list to its end (started by `execute_task_list` with `wait: false` and by
//! `pcc-hooks lists resume`). Everything of substance lives in the modules: [`server`] (the tool
//! router), [`tools`] (one file per tool), [`list_runner`] (running a list), [`transport`] (stdio that answers every request) and
//! [`worker`].

mod config;
mod list_runner;
mod report;
mod server;
mod tools;
mod transport;
mod worker;

use std::process::ExitCode;

const USAGE: &str = "usage: pcc-mcp              serve the MCP tools on stdin/stdout
       pcc-mcp --run-list ID  run the stored task list ID to its end (detached worker)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => server::main(),
        ["--run-list", id] => match id.parse::<i64>() {
            Ok(id) => worker::main(id),
            Err(_) => {
                eprintln!("error: `{id}` is not a task list id\n{USAGE}");
                ExitCode::from(2)
            }
        },
        ["--version" | "-V"] => {
            println!("pcc-mcp {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
