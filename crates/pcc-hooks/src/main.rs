//! `pcc-hooks`: the hook entry point Claude Code runs for every event, and the CLI a human uses.
//!
//! The binary is thin: parsing, policy and storage live in `pcc-core` and `pcc-store`; each
//! file of `commands/` turns one subcommand into calls to them and prints the result.

mod claude_config;
mod cli;
mod clock;
mod commands;
mod config_files;
mod error;
mod hook;
mod logging;
mod mcp_registration;
mod notifier;
mod process;
mod programs;
mod scheduler;
mod session_lookup;
mod term;

use clap::Parser;
use cli::Cli;
use std::ffi::OsStr;
use std::process::ExitCode;

/// Exactly `pcc-hooks hook`, as the hooks are registered (any other form goes through clap).
fn is_hook_call() -> bool {
    let mut args = std::env::args_os().skip(1);
    args.next().as_deref() == Some(OsStr::new("hook")) && args.next().is_none()
}

fn main() -> ExitCode {
    // Claude Code runs `pcc-hooks hook` on every tool call: that one invocation skips building
    // the whole command line (all subcommands and their help), which costs it measurable time.
    if is_hook_call() {
        logging::init();
        return hook::run();
    }
    let cli = Cli::parse();
    logging::init();
    commands::run(cli)
}
