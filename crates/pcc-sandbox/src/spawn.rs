//! Starting bwrap with the planned arguments and the filtered environment.

use crate::env::filtered_env;
use crate::plan::{Layout, Plan};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

/// Runs `command` with `bash -c` inside the sandbox of `plan`, with stdin, stdout and stderr
/// inherited (what the command prints is all that is printed), and returns its exit status.
/// bwrap passes the command's exit code through, and `128 + N` when signal N killed it.
///
/// The environment is this process's, filtered ([`filtered_env`]), with `TMPDIR=/tmp`.
/// A plan that cannot be contained ([`crate::Refusal`]) is an error of kind `InvalidInput`
/// and nothing is started. Mount points made for absent protected paths are removed afterwards
/// when still empty: every contained process has ended by then (its pid namespace died with
/// bwrap), so nothing inside can race the removal.
pub fn run(bwrap: &Path, plan: &Plan, command: &str) -> io::Result<ExitStatus> {
    contained(bwrap, plan, command, |child| child.status())
}

/// Like [`run`], with stdin closed and stdout and stderr captured: for callers that must look
/// at what the command printed (tests, benchmarks).
pub fn output(bwrap: &Path, plan: &Plan, command: &str) -> io::Result<Output> {
    contained(bwrap, plan, command, |child| {
        child
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
    })
}

fn contained<T>(
    bwrap: &Path,
    plan: &Plan,
    command: &str,
    spawn: impl FnOnce(&mut Command) -> io::Result<T>,
) -> io::Result<T> {
    let layout = Layout::new(plan)
        .map_err(|refusal| io::Error::new(io::ErrorKind::InvalidInput, refusal))?;
    let git = plan.project_root.join(".git");
    let watched: Vec<PathBuf> = crate::plan::MUST_NOT_APPEAR_IN_GIT
        .iter()
        .map(|name| git.join(name))
        .filter(|path| fs::symlink_metadata(path).is_err())
        .collect();
    let mut child = Command::new(bwrap);
    child
        .args(layout.args(plan, command))
        .env_clear()
        .envs(filtered_env(std::env::vars_os()))
        .env("TMPDIR", "/tmp");
    let result = spawn(&mut child);
    remove_mount_points(&layout.created);
    remove_planted(&watched);
    result
}

/// Removes the files of [`crate::plan::MUST_NOT_APPEAR_IN_GIT`] that were absent before the
/// command ran and exist now: they would make a later, uncontained git read a configuration
/// the contained command wrote.
fn remove_planted(watched: &[PathBuf]) {
    for path in watched {
        if fs::symlink_metadata(path).is_ok() {
            let removed = fs::remove_file(path).or_else(|_| fs::remove_dir_all(path));
            eprintln!(
                "pcc-hooks: {} was written by the contained command; {} (it would point git on this machine at another configuration)",
                path.display(),
                if removed.is_ok() {
                    "removed it"
                } else {
                    "could not remove it"
                }
            );
        }
    }
}

/// Removes the empty directories bwrap left where it mounted over an absent protected path,
/// innermost first; one that is no longer empty (a host process wrote there while the command
/// ran) stays.
fn remove_mount_points(created: &[PathBuf]) {
    for path in created.iter().rev() {
        let _ = fs::remove_dir(path);
    }
}
