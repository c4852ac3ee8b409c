//! Reading `config.toml` (global) and `.claude/pcc-hooks.toml` (project) from disk; what they
//! mean is `pcc_core::config`.
//!
//! Two readings: [`load`] is strict (a command such as `config show` or `explain` stops on a bad
//! file and names it); [`load_in_force`] is what every hook call uses — it never fails, and a bad
//! file never loosens anything (`pcc_core::config::Config::in_force`).

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

fn read(path: &Path) -> Result<Option<(String, String)>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(ConfigError {
            file: path.display().to_string(),
            message: error.to_string(),
        }),
    }
}
