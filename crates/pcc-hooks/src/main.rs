//! `pcc-hooks`: the hook entry point Claude Code runs for every event, and the CLI a human uses.
//!
//! The binary is thin: parsing, policy and storage live in `pcc-core` and `pcc-store`; each
//! module here turns one subcommand into calls to them and prints the result.

mod brain_command;
mod claude_config;
mod cli;
mod config_command;
mod config_files;
mod contain_command;
mod decisions;
mod doctor;
mod escalations_command;
mod explain;
mod failure;
mod hook;
mod install;
mod limits_command;
mod lists_command;
mod logging;
mod mcp_registration;
mod notifier;
mod notify_command;
mod process;
mod programs;
mod queue_command;
mod resume_command;
mod scheduler;
mod scheduler_lock;
mod session_lookup;
mod status;
mod term;

use clap::Parser;
use cli::{Cli, Command};
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
    let result = match cli.command {
        // Reached when global flags come first (`pcc-hooks --color never hook`). The hook has its
        // own error handling because it must never print anything but the protocol.
        Command::Hook => return hook::run(),
        // Its exit code is the contained command's, and it prints nothing of its own but the
        // one line saying the command did not run.
        Command::Contain(args) => return contain_command::run(&args),
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
        Command::Notify { command } => match command {
            cli::NotifyCommand::Test(args) => notify_command::test(&args, cli.color),
            cli::NotifyCommand::Log(args) => notify_command::log(&args, cli.color),
            cli::NotifyCommand::SendJson => notify_command::send_json(),
        },
        Command::Brain {
            command: cli::BrainCommand::Ask(args),
        } => brain_command::ask(&args),
        Command::Config {
            command: cli::ConfigCommand::Show(args),
        } => config_command::show(&args),
        Command::Config {
            command: cli::ConfigCommand::Brain(args),
        } => config_command::brain(&args),
        Command::Pending(args) => escalations_command::pending(&args, cli.color),
        Command::Respond(args) => escalations_command::respond(&args),
        Command::Add(args) => queue_command::add(&args),
        Command::Queue(args) => queue_command::queue(&args, cli.color),
        Command::Pause(args) => queue_command::pause(&args, true),
        Command::Unpause(args) => queue_command::pause(&args, false),
    };
    failure::report(result)
}
