//! Reading `config.toml` (global) and `.claude/pcc-hooks.toml` (project) from disk; what they
//! mean is `pcc_core::config`.
//!
//! Two readings: [`load`] is strict (a command such as `config show` or `explain` stops on a bad
//! file and names it); [`load_in_force`] is what every hook call uses — it never fails, and a bad
//! file never loosens anything (`pcc_core::config::Config::in_force`).

use crate::session_files;
use pcc_core::config::{Config, ConfigError, ConfigInForce};
use pcc_core::paths::DataDir;
use std::path::{Path, PathBuf};

/// The global configuration file.
pub fn global_path(data: &DataDir) -> PathBuf {
    data.root().join("config.toml")
}

/// A project's configuration file.
pub fn project_path(project_root: &Path) -> PathBuf {
    project_root.join(".claude").join("pcc-hooks.toml")
}

/// The configuration in force for `project_root`. Missing files are defaults; a file that
/// exists but cannot be read or parsed is an error naming it.
pub fn load(data: &DataDir, project_root: &Path) -> Result<Config, ConfigError> {
    let global = read(&global_path(data))?;
    let project = read(&project_path(project_root))?;
    Config::from_files(
        global
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_str())),
        project
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    )
}

/// The configuration a hook call runs with for `project_root`, and the files it could not use.
/// A file that cannot be read counts like one that does not parse.
pub fn load_in_force(data: &DataDir, project_root: &Path) -> ConfigInForce {
    let global = read(&global_path(data)).transpose();
    let project = read(&project_path(project_root)).transpose();
    Config::in_force(global.as_ref().map(borrow), project.as_ref().map(borrow))
}

fn borrow(file: &Result<(String, String), ConfigError>) -> Result<(&str, &str), ConfigError> {
    match file {
        Ok((name, text)) => Ok((name.as_str(), text.as_str())),
        Err(error) => Err(error.clone()),
    }
}

/// The most a config file may hold; a real one is a few hundred bytes.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads a config file. The project's file is the agent's to write, so it is read like any file
/// the agent controls: a regular file only, without blocking (a FIFO would hang every hook
/// call), and within a bound (`/dev/zero` would never end).
fn read(path: &Path) -> Result<Option<(String, String)>, ConfigError> {
    let unusable = |message: String| ConfigError {
        file: path.display().to_string(),
        message,
    };
    match session_files::read_head_bytes(path, MAX_CONFIG_BYTES + 1) {
        Ok(bytes) if bytes.len() as u64 > MAX_CONFIG_BYTES => Err(unusable(format!(
            "larger than {} KiB; a config file is a few lines",
            MAX_CONFIG_BYTES / 1024
        ))),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some((path.display().to_string(), text))),
            Err(_) => Err(unusable("not valid UTF-8".to_owned())),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(unusable(error.to_string())),
    }
}
