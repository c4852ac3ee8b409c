//! Locating — and on a clean machine installing — the pinned `ccusage`, the independent
//! reckoning our cost figures are checked against.
//!
//! Installed with npm into the same per-user cache as the CLI ([`crate::claude_cli::cache_dir`]),
//! under a lock file, through a temporary directory renamed into place once
//! `ccusage --version` names the pinned version. 20.0.24 is the last version whose native
//! binary (`@ccusage/ccusage-linux-x64`, an optional dependency npm installs for this platform)
//! is on the registry; 20.0.26's is not.

use crate::claude_cli::cache_dir;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    let install = cache.join(format!("ccusage-{CCUSAGE_VERSION}"));
    let bin = install.join("node_modules").join(".bin").join("ccusage");
    if version_ok(&bin) {
        return bin;
    }
    fs::create_dir_all(cache)
        .unwrap_or_else(|e| panic!("cannot create test cache {}: {e}", cache.display()));
    let lock_path = cache.join(format!("ccusage-{CCUSAGE_VERSION}.lock"));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open install lock {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    if version_ok(&bin) {
        return bin;
    }
    if install.exists() {
        fs::remove_dir_all(&install)
            .unwrap_or_else(|e| panic!("cannot remove broken {}: {e}", install.display()));
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".ccusage-{CCUSAGE_VERSION}.partial-"))
        .tempdir_in(cache)
        .unwrap_or_else(|e| panic!("cannot create a temp dir in {}: {e}", cache.display()));
    let spec = format!("ccusage@{CCUSAGE_VERSION}");
    let output = Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(tmp.path())
        .args(["--no-audit", "--no-fund", &spec])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            if e.kind() == ErrorKind::NotFound {
                panic!("npm is not on PATH; the cost tests need it to install {spec}")
            }
            panic!("cannot run npm: {e}")
        });
    assert!(
        output.status.success(),
        "`npm install {spec}` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let tmp_bin = tmp.path().join("node_modules").join(".bin").join("ccusage");
    assert!(
        version_ok(&tmp_bin),
        "installed {spec} but `ccusage --version` does not say {CCUSAGE_VERSION} (is its native \
         package for this platform missing?)\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    fs::rename(tmp.path(), &install).unwrap_or_else(|e| {
        panic!(
            "cannot move {} to {}: {e}",
            tmp.path().display(),
            install.display()
        )
    });
    let _ = tmp.keep();
    drop(lock);
    bin
}

fn version_ok(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| {
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains(CCUSAGE_VERSION)
        })
}
