//! `pcc-hooks install` / `uninstall`: our hooks in Claude Code's settings.json, and our MCP
//! server registered with Claude Code (see [`mcp_registration`]).
//!
//! The merge itself is `pcc_core::config::claude_settings` (pure, tested there); this module does the
//! file work around it: refuse unreadable files, back up before writing, replace atomically so a
//! crash never leaves half a settings file, and keep the file's permissions.

use crate::claude_config::{display_path, read_settings, settings_path};
use crate::cli::InstallArgs;
use crate::error::HookError;
use crate::mcp_registration;
use crate::programs::{claude_on_path, claude_version};
use crate::term::emit;
use pcc_core::config::claude_settings::{
    HOOK_EVENTS, HookHandler, ON_FAILURE_SINCE, SettingsChange, add_hooks, honours_on_failure,
    remove_hooks,
};
use pcc_core::paths::DataDir;
use pcc_store::Store;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Registers `pcc-hooks hook` for every event and makes sure the database exists.
pub fn install(args: &InstallArgs) -> Result<(), HookError> {
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|error| HookError::new(format!("cannot find this pcc-hooks binary: {error}")))?;
    let handler = HookHandler {
        command: binary.display().to_string(),
    };
    let path = target_path(args)?;
    let mut settings = read_settings(&path)?.unwrap_or_else(|| Value::Object(Default::default()));
    let change = add_hooks(&mut settings, &handler).map_err(|error| {
        HookError::new(format!("{}: {error}; nothing was changed", path.display()))
    })?;
    if !args.dry_run {
        let database = DataDir::from_env()?.database();
        Store::open(&database)?;
    }
    if change.is_empty() {
        emit(&format!(
            "pcc-hooks is already registered for {} events in {}\n",
            HOOK_EVENTS.len(),
            display_path(&path)
        ))?;
    } else {
        apply(&path, &settings, &change, args.dry_run)?;
    }
    if let Some(note) = on_failure_note() {
        emit(&format!("{note}\n"))?;
    }
    emit(&format!(
        "{}\n",
        mcp_registration::register(args.scope, args.dry_run)
    ))
}

/// The PreToolUse and PermissionRequest handlers carry `"onFailure": "block"` whatever the
/// installed CLI (older ones ignore the field, so an upgrade of Claude Code needs no reinstall);
/// this says when the `claude` on PATH is one that ignores it.
fn on_failure_note() -> Option<String> {
    let version = claude_version(&claude_on_path()?).ok()?;
    let (major, minor, patch) = ON_FAILURE_SINCE;
    (honours_on_failure(&version) == Some(false)).then(|| {
        format!(
            "note: Claude Code {version} ignores \"onFailure\": \"block\"; from \
             {major}.{minor}.{patch} on, a missing or crashing pcc-hooks blocks tool calls"
        )
    })
}

/// Removes every `pcc-hooks hook` handler, leaving the rest of the file as it was.
pub fn uninstall(args: &InstallArgs) -> Result<(), HookError> {
    let path = target_path(args)?;
    match read_settings(&path)? {
        None => emit(&format!(
            "{} does not exist; no hooks to remove\n",
            display_path(&path)
        ))?,
        Some(mut settings) => {
            let change = remove_hooks(&mut settings).map_err(|error| {
                HookError::new(format!("{}: {error}; nothing was changed", path.display()))
            })?;
            if change.is_empty() {
                emit(&format!(
                    "pcc-hooks was not registered in {}\n",
                    display_path(&path)
                ))?;
            } else {
                apply(&path, &settings, &change, args.dry_run)?;
            }
        }
    }
    emit(&format!(
        "{}\n",
        mcp_registration::unregister(args.scope, args.dry_run)
    ))
}

fn target_path(args: &InstallArgs) -> Result<PathBuf, HookError> {
    let project = std::env::current_dir()
        .map_err(|error| HookError::new(format!("cannot read the current directory: {error}")))?;
    settings_path(args.scope, &project)
}

/// Reports the change and, unless dry-running, writes it with a backup of the previous file.
fn apply(
    path: &Path,
    settings: &Value,
    change: &SettingsChange,
    dry_run: bool,
) -> Result<(), HookError> {
    let mut report = String::new();
    let shown = display_path(path);
    for (would, did, events) in [
        ("would add", "added", &change.added),
        ("would update", "updated", &change.updated),
        ("would remove", "removed", &change.removed),
    ] {
        if !events.is_empty() {
            let what = if dry_run { would } else { did };
            report.push_str(&format!("{what} hooks in {shown}: {}\n", events.join(", ")));
        }
    }
    let mut text = serde_json::to_string_pretty(settings)
        .map_err(|error| HookError::new(format!("cannot encode settings: {error}")))?;
    text.push('\n');
    if dry_run {
        report.push_str(&format!(
            "--dry-run: {shown} is unchanged; it would read:\n{text}"
        ));
        return emit(&report);
    }
    let backup = backup(path)?;
    write_atomically(path, &text)?;
    match backup {
        Some(backup) => report.push_str(&format!(
            "wrote {shown} (previous version: {})\n",
            display_path(&backup)
        )),
        None => report.push_str(&format!("wrote {shown}\n")),
    }
    emit(&report)
}

/// Copies the current file to `<file>.pcc-hooks.bak`, keeping its permissions.
fn backup(path: &Path) -> Result<Option<PathBuf>, HookError> {
    if !path.exists() {
        return Ok(None);
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".pcc-hooks.bak");
    let backup = path.with_file_name(name);
    std::fs::copy(path, &backup)
        .map_err(|error| HookError::new(format!("cannot back up {}: {error}", path.display())))?;
    Ok(Some(backup))
}

/// Writes a sibling temporary file, then renames it over `path`: readers see the old file or the
/// new one, never a partial one.
fn write_atomically(path: &Path, text: &str) -> Result<(), HookError> {
    let fail =
        |error: std::io::Error| HookError::new(format!("cannot write {}: {error}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".pcc-hooks.{}.tmp", std::process::id()));
    let temporary = path.with_file_name(name);
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        if let Ok(metadata) = std::fs::metadata(path) {
            file.set_permissions(metadata.permissions())?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        // The temporary file is ours alone; removing it is tidying, its failure changes nothing.
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(fail)
}
