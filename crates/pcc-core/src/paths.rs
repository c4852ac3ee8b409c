//! Where pcc-hooks keeps its files, and which directory counts as a session's project.

use std::path::{Path, PathBuf};

/// The environment variable that moves every file of ours (tests, several installs side by side).
pub const PCC_HOME_ENV: &str = "PCC_HOME";

/// The file, in the data directory, of hook failures the database could not take.
pub const HOOK_FAILURES_FILE: &str = "hook-failures.log";

/// The directory holding `pcc.db`, `config.toml` and `logs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

/// No data directory could be found: no `$PCC_HOME` and no home directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot find a data directory: set {PCC_HOME_ENV} or HOME")]
pub struct NoDataDir;

impl DataDir {
    /// `$PCC_HOME` when set and not empty, else the platform data directory
    /// (`~/.local/share/pcc-hooks` on Linux).
    pub fn from_env() -> Result<DataDir, NoDataDir> {
        let configured = std::env::var_os(PCC_HOME_ENV).filter(|value| !value.is_empty());
        let root = match configured {
            Some(value) => PathBuf::from(value),
            None => directories::ProjectDirs::from("", "", "pcc-hooks")
                .ok_or(NoDataDir)?
                .data_dir()
                .to_path_buf(),
        };
        Ok(DataDir { root })
    }

    /// A data directory at an explicit place.
    pub fn at(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The one SQLite file every process shares.
    pub fn database(&self) -> PathBuf {
        self.root.join("pcc.db")
    }

    /// Where diagnostics go, since stdout belongs to the hook protocol.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// The global configuration file.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// Hook failures the database could not take (`pcc_store::FailureLog`).
    pub fn hook_failures(&self) -> PathBuf {
        self.root.join(HOOK_FAILURES_FILE)
    }

    /// The scheduler's lock file.
    pub fn scheduler_lock(&self) -> PathBuf {
        self.root.join("scheduler.lock")
    }

    /// Every file and directory of ours directly in the data directory, which must be private
    /// (the database's `-wal` and `-shm` included; the log files are under [`DataDir::logs`]).
    pub fn private_paths(&self) -> Vec<PathBuf> {
        let database = self.database();
        let with_suffix = |suffix: &str| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        vec![
            self.root.clone(),
            database.clone(),
            with_suffix("-wal"),
            with_suffix("-shm"),
            self.config(),
            self.hook_failures(),
            self.scheduler_lock(),
            self.logs(),
        ]
    }
}

/// The project a session works in: Claude Code's `CLAUDE_PROJECT_DIR` when it set one (the
/// directory Claude was started in, stable while `cwd` moves), else the session's `cwd`.
pub fn project_root(cwd: &str, claude_project_dir: Option<&str>) -> String {
    match claude_project_dir {
        Some(dir) if !dir.is_empty() => dir.to_owned(),
        _ => cwd.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_live_under_the_root() {
        let dir = DataDir::at("/x/pcc");
        assert_eq!(dir.database(), PathBuf::from("/x/pcc/pcc.db"));
        assert_eq!(dir.logs(), PathBuf::from("/x/pcc/logs"));
        assert!(
            dir.private_paths()
                .contains(&PathBuf::from("/x/pcc/pcc.db-wal"))
        );
    }

    #[test]
    fn project_root_prefers_claude_project_dir() {
        assert_eq!(project_root("/p/sub", Some("/p")), "/p");
        assert_eq!(project_root("/p/sub", Some("")), "/p/sub");
        assert_eq!(project_root("/p/sub", None), "/p/sub");
    }
}
