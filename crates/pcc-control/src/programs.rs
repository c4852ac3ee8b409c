//! Finding our own binaries (installed together, so the one beside the running executable is
//! the one that matches it) and the Claude Code we start.

use std::path::PathBuf;

/// `program` in the directory of the running executable (symlinks resolved), when it is there.
pub fn beside_current_exe(program: &str) -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .and_then(|exe| exe.parent().map(|dir| dir.join(program)))
        .filter(|candidate| candidate.is_file())
}

/// The task-list worker: `$PCC_MCP_BIN`, else `pcc-mcp` beside this executable, else `pcc-mcp`
/// on `$PATH`.
pub fn mcp_program() -> PathBuf {
    if let Some(bin) = std::env::var_os("PCC_MCP_BIN").filter(|value| !value.is_empty()) {
        return PathBuf::from(bin);
    }
    beside_current_exe("pcc-mcp").unwrap_or_else(|| PathBuf::from("pcc-mcp"))
}

/// The Claude Code program sessions are started with, as `pcc-hooks start` finds it:
/// `$PCC_CLAUDE_BIN` when set (tests, unusual installs), else `claude` on `$PATH`.
pub fn claude_program() -> PathBuf {
    std::env::var_os("PCC_CLAUDE_BIN")
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("claude"), PathBuf::from)
}
