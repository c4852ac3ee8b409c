//! `pcc-hooks contain --project DIR [--network] -- COMMAND`: runs COMMAND inside the sandbox of
//! `pcc-sandbox` (the project writable, the rest read-only, secrets hidden, no signals out, no
//! network unless `--network`).
//!
//! This is what Claude Code's Bash tool runs when the PreToolUse hook contained a call, so its
//! stdout and stderr are the command's alone and its exit code is the command's (`128 + N` when
//! signal N killed it). The one exception is when containment cannot be had (bubblewrap
//! missing or not permitted, no home, a project that cannot be protected): then one stderr
//! line and exit 126, and the command does not run. Running it uncontained instead would turn
//! a sandbox problem into exactly the effect the sandbox exists to stop.

use crate::cli::ContainArgs;
use crate::error::HookError;
use pcc_core::paths::DataDir;
use pcc_sandbox::{Network, Plan};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit code when the command did not run, as a shell's "found but cannot execute".
const NOT_RUN: u8 = 126;

/// Runs the command contained and exits as it did.
pub fn run(args: &ContainArgs) -> ExitCode {
    match contained(args) {
        Ok(code) => ExitCode::from(code),
        Err(reason) => {
            eprintln!("pcc-hooks: containment unavailable: {reason}; the command did not run");
            ExitCode::from(NOT_RUN)
        }
    }
}

fn contained(args: &ContainArgs) -> Result<u8, HookError> {
    let plan = plan(args)?;
    let bwrap = pcc_sandbox::probe()?;
    let status = pcc_sandbox::run(&bwrap, &plan, &args.command.join(" "))
        .map_err(HookError::io(format!("cannot run {}", bwrap.display())))?;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        // bwrap itself was killed (the command's own signals come back as 128 + N codes).
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
        (None, None) => 1,
    })
}

fn plan(args: &ContainArgs) -> Result<Plan, HookError> {
    let home = std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| HookError::new("HOME is not set, so the home cannot be kept read-only"))?;
    let data_dir = DataDir::from_env()?;
    Ok(Plan {
        project_root: args.project.clone(),
        caches: pcc_sandbox::default_caches(&home),
        home,
        data_dir: data_dir.root().to_path_buf(),
        network: if args.network {
            Network::Full
        } else {
            Network::None
        },
    })
}
