//! Where things are: the database, the Claude Code program, our own executable, the log file.

use pcc_core::paths::DataDir;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The environment variable naming the Claude Code program (tests, unusual installs); the same
/// convention as `pcc-hooks scheduler`.
pub const CLAUDE_BIN_ENV: &str = "PCC_CLAUDE_BIN";

/// The shared database file.
pub fn database() -> Result<PathBuf, String> {
    DataDir::from_env()
        .map(|dir| dir.database())
        .map_err(|err| err.to_string())
}

/// The log file of detached workers (their stderr).
pub fn worker_log() -> Option<PathBuf> {
    DataDir::from_env()
        .ok()
        .map(|dir| dir.logs().join("pcc-mcp-worker.log"))
}

/// `$PCC_CLAUDE_BIN` when set, else `claude` found on `PATH`; an error in words otherwise.
pub fn claude_program() -> Result<PathBuf, String> {
    if let Some(value) = std::env::var_os(CLAUDE_BIN_ENV).filter(|value| !value.is_empty()) {
        let path = PathBuf::from(value);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!(
                "{CLAUDE_BIN_ENV}={} is not an executable file",
                path.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("claude"))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            format!(
                "Claude Code (`claude`) was not found on PATH; install it or set {CLAUDE_BIN_ENV} \
                 to its path"
            )
        })
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// RFC 3339 text of a millisecond timestamp.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |time| time.to_string())
}
