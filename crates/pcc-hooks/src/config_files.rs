//! Reading `config.toml` (global) and `.claude/pcc-hooks.toml` (project) from disk; what they
//! mean is `pcc_core::config`.

use pcc_core::config::{Config, ConfigError};
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
