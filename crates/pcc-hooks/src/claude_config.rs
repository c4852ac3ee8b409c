//! Where Claude Code keeps its settings files, and reading them without ever guessing.

use crate::cli::Scope;
use crate::error::HookError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Claude Code's user configuration directory: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn config_dir() -> Result<PathBuf, HookError> {
    if let Some(dir) = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".claude"))
        .ok_or_else(|| {
            HookError::new(
                "cannot find Claude Code's settings: neither CLAUDE_CONFIG_DIR nor HOME is set",
            )
        })
}

/// The settings file of `scope`; project scopes are relative to `project`.
pub fn settings_path(scope: Scope, project: &Path) -> Result<PathBuf, HookError> {
    Ok(match scope {
        Scope::User => config_dir()?.join("settings.json"),
        Scope::Project => project.join(".claude").join("settings.json"),
        Scope::Local => project.join(".claude").join("settings.local.json"),
    })
}

/// Every settings file Claude Code would read for `project`, with its scope's name.
pub fn all_settings_paths(project: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut paths = Vec::new();
    if let Ok(path) = settings_path(Scope::User, project) {
        paths.push(("user", path));
    }
    paths.push(("project", project.join(".claude").join("settings.json")));
    paths.push(("local", project.join(".claude").join("settings.local.json")));
    paths
}

/// Reads a settings file: `Ok(None)` when it does not exist, an error naming the file, line and
/// column when it is not JSON (we never overwrite what we cannot read).
pub fn read_settings(path: &Path) -> Result<Option<Value>, HookError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(HookError::new(format!("{}: {error}", path.display()))),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text).map(Some).map_err(|error| {
        HookError::new(format!(
            "{}: not valid JSON ({error}); fix or move the file, then run again (nothing was changed)",
            path.display()
        ))
    })
}

/// Shows `path` with the home directory as `~`, as a human would type it.
pub fn display_path(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|home| !home.is_empty())
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return if rest.as_os_str().is_empty() {
            "~".to_owned()
        } else {
            format!("~/{}", rest.display())
        };
    }
    path.display().to_string()
}
