//! Locating — and on a clean machine installing — the pinned `ccusage`, the independent
//! reckoning our cost figures are checked against.
//!
//! Installed with npm into the same per-user cache as the CLI ([`crate::claude_cli::cache_dir`]),
//! under a lock file, through a temporary directory renamed into place once
//! `ccusage --version` names the pinned version. 20.0.24 is the last version whose native
//! binary (`@ccusage/ccusage-linux-x64`, an optional dependency npm installs for this platform)
//! is on the registry; 20.0.26's is not.

use crate::claude_cli::cache_dir;
use crate::npm_install::{self, Pinned};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The ccusage version the cost tests compare against.
pub const CCUSAGE_VERSION: &str = "20.0.24";

/// Path of the pinned `ccusage`, installing it into the test cache first if needed.
///
/// # Panics
/// If it is missing and cannot be installed (npm absent, or the registry unreachable).
pub fn ensure_ccusage() -> PathBuf {
    static CCUSAGE: OnceLock<PathBuf> = OnceLock::new();
    CCUSAGE.get_or_init(|| ensure_in(&cache_dir())).clone()
}

fn ensure_in(cache: &Path) -> PathBuf {
    let pinned = Pinned {
        package: "ccusage",
        version: CCUSAGE_VERSION,
        dir_name: format!("ccusage-{CCUSAGE_VERSION}"),
        program: "ccusage",
        needed_by: "The cost tests",
    };
    // Nothing to repair: a missing native package for this platform stays an error.
    npm_install::ensure(cache, &pinned, |_| {})
}
