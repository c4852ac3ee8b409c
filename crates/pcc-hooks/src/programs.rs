//! Finding the programs we run (`claude`, our own binaries) the way a shell would, without one.

use crate::error::HookError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `claude --version` may take before we call it hung.
const CLAUDE_VERSION_TIMEOUT: Duration = Duration::from_secs(15);

/// The first executable file named `program` in `$PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

/// The `claude` a shell would run: the first on `$PATH`.
pub fn claude_on_path() -> Option<PathBuf> {
    find_on_path("claude")
}

/// The `claude` we start: `$PCC_CLAUDE_BIN` when set (tests, unusual installs), else `claude`
/// as found on `PATH` when it runs.
pub fn claude_program() -> PathBuf {
    std::env::var_os("PCC_CLAUDE_BIN")
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("claude"), PathBuf::from)
}

/// Whether `path` is a regular file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// A sibling binary of this one (installed together by `cargo install`), else one on `$PATH`.
pub fn find_sibling(program: &str) -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .and_then(|exe| exe.parent().map(|dir| dir.join(program)))
        .filter(|candidate| is_executable(candidate))
        .or_else(|| find_on_path(program))
}

/// Runs `claude --version` with stdin closed and a deadline, so a broken install cannot hang us.
pub fn claude_version(path: &Path) -> Result<String, HookError> {
    let mut child = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(HookError::io("cannot start it"))?;
    let deadline = Instant::now() + CLAUDE_VERSION_TIMEOUT;
    loop {
        match child
            .try_wait()
            .map_err(HookError::io("cannot wait for it"))?
        {
            Some(_) => break,
            None if Instant::now() >= deadline => {
                // Best effort: the process is abandoned either way and reported as hung.
                let _ = child.kill();
                return Err(HookError::new(format!(
                    "no answer to --version within {}s",
                    CLAUDE_VERSION_TIMEOUT.as_secs()
                )));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(HookError::io("cannot read its --version"))?;
    if !output.status.success() {
        return Err(HookError::new(format!(
            "--version exited with {}",
            output.status
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
