//! The CLI's subcommands, one file each, named for the subcommand: `pcc-hooks foo` is
//! `commands/foo.rs`. [`run`] dispatches a parsed command line to them. The hook itself is
//! [`crate::hook`]; support shared by several commands stays at the crate's top level.

pub mod brain;
pub mod config;
pub mod contain;
pub mod cost;
pub mod decisions;
pub mod doctor;
pub mod escalations;
pub mod explain;
pub mod install;
pub mod limits;
pub mod lists;
pub mod logs;
pub mod notify;
pub mod queue;
pub mod resume;
pub mod scheduler;
pub mod serve;
pub mod start;
pub mod status;
pub mod stop;
pub mod supervise;
pub mod webhooks;

use crate::cli::{
    BrainCommand, Cli, Command, ConfigCommand, LimitsCommand, NotifyCommand, WebhooksCommand,
};
use crate::{error, hook};
use std::process::ExitCode;

/// Runs one parsed command line and turns its result into the exit code.
pub fn run(cli: Cli) -> ExitCode {
    let color = cli.color;
    let result = match cli.command {
        // Reached when global flags come first (`pcc-hooks --color never hook`). The hook has its
        // own error handling because it must never print anything but the protocol.
        Command::Hook => return hook::run(),
        // Its exit code is the contained command's, and it prints nothing of its own but the
        // one line saying the command did not run.
        Command::Contain(args) => return contain::run(&args),
        // Its exit code is the session's claude's.
        Command::Start(args) => return start::run(&args, color),
        Command::Supervise(args) => return supervise::run(&args),
        Command::Status(args) => status::run(&args, color),
        Command::Install(args) => install::install(&args),
        Command::Uninstall(args) => install::uninstall(&args),
        Command::Doctor(args) => doctor::run(&args, color),
        Command::Explain(args) => explain::run(&args, color),
        Command::Decisions(args) => decisions::run(&args, color),
        Command::Logs(args) => logs::run(&args, color),
        Command::Cost(args) => cost::run(&args, color),
        Command::Limits {
            command: LimitsCommand::Parse(args),
        } => limits::parse(&args),
        Command::Scheduler(args) => scheduler::run(&args),
        Command::Resume(args) => resume::run(&args),
        Command::Lists(args) => lists::run(&args),
        Command::Notify { command } => match command {
            NotifyCommand::Test(args) => notify::test(&args, color),
            NotifyCommand::Log(args) => notify::log(&args, color),
            NotifyCommand::SendJson => notify::send_json(),
        },
        Command::Webhooks {
            command: WebhooksCommand::Log(args),
        } => webhooks::log(&args, color),
        Command::Brain {
            command: BrainCommand::Ask(args),
        } => brain::ask(&args),
        Command::Config {
            command: ConfigCommand::Show(args),
        } => config::show(&args),
        Command::Config {
            command: ConfigCommand::Brain(args),
        } => config::brain(&args),
        Command::Pending(args) => escalations::pending(&args, color),
        Command::Respond(args) => escalations::respond(&args),
        Command::Add(args) => queue::add(&args),
        Command::Queue(args) => queue::queue(&args, color),
        Command::Pause(args) => queue::pause(&args, true),
        Command::Unpause(args) => queue::pause(&args, false),
        Command::Serve(args) => serve::run(&args),
        Command::Stop(args) => stop::run(&args),
    };
    error::report(result)
}
