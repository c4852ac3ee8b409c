//! `pcc-hooks`: the hook entry point Claude Code runs for every event, and the CLI a human uses.
//!
//! The binary is thin: parsing, policy and storage live in `pcc-core` and `pcc-store`; each
//! module here turns one subcommand into calls to them and prints the result.

mod brain_command;
mod claude_config;
mod cli;
mod config_command;
mod config_files;
mod decisions;
mod doctor;
mod explain;
mod failure;
mod hook;
mod install;
mod limits_command;
mod lists_command;
mod logging;
mod mcp_registration;
mod programs;
mod resume_command;
mod scheduler;
mod scheduler_lock;
mod status;
mod term;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    let result = match cli.command {
        // The hook has its own error handling: it must never print anything but the protocol.
        Command::Hook => return hook::run(),
        Command::Status(args) => status::run(&args, cli.color),
        Command::Install(args) => install::install(&args),
        Command::Uninstall(args) => install::uninstall(&args),
        Command::Doctor(args) => doctor::run(&args, cli.color),
        Command::Explain(args) => explain::run(&args, cli.color),
        Command::Decisions(args) => decisions::run(&args, cli.color),
        Command::Limits {
            command: cli::LimitsCommand::Parse(args),
        } => limits_command::parse(&args),
        Command::Scheduler(args) => scheduler::run(&args),
        Command::Resume(args) => resume_command::run(&args),
        Command::Lists(args) => lists_command::run(&args),
        Command::Brain {
            command: cli::BrainCommand::Ask(args),
        } => brain_command::ask(&args),
        Command::Config {
            command: cli::ConfigCommand::Show(args),
        } => config_command::show(&args),
        Command::Config {
            command: cli::ConfigCommand::Brain(args),
        } => config_command::brain(&args),
    };
    failure::report(result)
}
