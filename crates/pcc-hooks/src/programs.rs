//! Finding the programs we run (`claude`, our own binaries) the way a shell would, without one.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The first executable file named `program` in `$PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
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

/// Whether a process with this id exists (Linux: `/proc/<pid>`); how we tell a dead runner or
/// scheduler from a live one.
pub fn process_alive(pid: i64) -> bool {
    pid > 0 && Path::new(&format!("/proc/{pid}")).exists()
}
