//! Registering `pcc-mcp` with Claude Code as the MCP server `pcc`, for installs without the plugin.
//!
//! Claude Code keeps user and local MCP servers in its own state file (`~/.claude.json`), which is
//! not ours to edit, so this runs `claude mcp remove` then `claude mcp add` (argument vectors, no
//! shell): idempotent, and a moved binary is updated. Without `claude` or `pcc-mcp` it says what to
//! run instead; the hooks work either way.

use crate::cli::Scope;
use crate::programs::{claude_on_path, find_sibling};
use std::path::Path;
use std::process::{Command, Stdio};

/// The name the server is registered under: its tools appear as `mcp__pcc__<tool>`.
pub const SERVER_NAME: &str = "pcc";

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::User => "user",
        Scope::Project => "project",
        Scope::Local => "local",
    }
}

/// Registers the server; returns the line to report.
pub fn register(scope: Scope, dry_run: bool) -> String {
    let Some(server) = find_sibling("pcc-mcp") else {
        return "MCP server not registered: pcc-mcp is not installed next to pcc-hooks or on PATH \
                (scripts/install installs both)"
            .to_owned();
    };
    let Some(claude) = claude_on_path() else {
        return format!(
            "MCP server not registered: claude is not on PATH; run: claude mcp add -s {} {SERVER_NAME} -- {}",
            scope_name(scope),
            server.display()
        );
    };
    let add = ["mcp", "add", "-s", scope_name(scope), SERVER_NAME, "--"];
    if dry_run {
        return format!(
            "would run: {} {} {}",
            claude.display(),
            add.join(" "),
            server.display()
        );
    }
    // Absent is fine: removing first makes the add below idempotent.
    let _ = run(
        &claude,
        &["mcp", "remove", "-s", scope_name(scope), SERVER_NAME],
        None,
    );
    match run(&claude, &add, Some(&server)) {
        Ok(()) => format!(
            "registered MCP server {SERVER_NAME} ({}) in the {} scope",
            server.display(),
            scope_name(scope)
        ),
        Err(error) => format!("MCP server not registered: {error}"),
    }
}

/// Removes the server; returns the line to report.
pub fn unregister(scope: Scope, dry_run: bool) -> String {
    let Some(claude) = claude_on_path() else {
        return format!(
            "claude is not on PATH; if {SERVER_NAME} was registered, run: claude mcp remove -s {} {SERVER_NAME}",
            scope_name(scope)
        );
    };
    let remove = ["mcp", "remove", "-s", scope_name(scope), SERVER_NAME];
    if dry_run {
        return format!("would run: {} {}", claude.display(), remove.join(" "));
    }
    match run(&claude, &remove, None) {
        Ok(()) => format!(
            "removed MCP server {SERVER_NAME} from the {} scope",
            scope_name(scope)
        ),
        Err(_) => format!(
            "MCP server {SERVER_NAME} was not registered in the {} scope",
            scope_name(scope)
        ),
    }
}

fn run(claude: &Path, args: &[&str], last: Option<&Path>) -> Result<(), String> {
    let mut command = Command::new(claude);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(last) = last {
        command.arg(last);
    }
    let output = command
        .output()
        .map_err(|error| format!("cannot run {}: {error}", claude.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "claude {} failed: {}",
            args.join(" "),
            stderr.lines().last().unwrap_or("").trim()
        ))
    }
}
