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
mod programs;
mod scheduler;
mod session_files;
mod session_lookup;
mod term;
mod transcript_files;

use clap::Parser;
use cli::Cli;
// Which process is which and stopping a group: shared with the supervisor of started sessions.
use pcc_supervisor::process;
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return refuse_arguments(&error),
    };
    logging::init();
    commands::run(cli)
}

/// A command line clap refuses. Its message quotes the offending argument, which may be a
/// secret passed in the wrong place (`queue add -----BEGIN … KEY`), so the message is redacted
/// like every other line we print; help and version go to stdout untouched.
fn refuse_arguments(error: &clap::Error) -> ExitCode {
    let rendered = error.render().to_string();
    if error.use_stderr() {
        eprint!("{}", pcc_core::redact::redact(&rendered));
    } else {
        print!("{rendered}");
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}
