//! One pinned npm package installed into the test cache, once for all test processes.
//!
//! Concurrent callers (parallel test processes) serialise on a lock file in the cache; the
//! package is installed into a temporary sibling directory and renamed into place only after its
//! program's `--version` names the pinned version, so a half-finished install is never visible.

use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A package at one version, and the program of it the tests run.
pub struct Pinned<'a> {
    /// The npm package, e.g. `@anthropic-ai/claude-code`.
    pub package: &'a str,
    /// The exact version.
    pub version: &'a str,
    /// Its directory in the cache (and the stem of its lock file), e.g. `claude-code-2.1.329`.
    pub dir_name: String,
    /// The program in `node_modules/.bin`, e.g. `claude`.
    pub program: &'a str,
    /// Who needs it, for the message when npm is missing.
    pub needed_by: &'a str,
}

impl Pinned<'_> {
    /// Where the package is installed in `cache`.
    pub fn install_dir(&self, cache: &Path) -> PathBuf {
        cache.join(&self.dir_name)
    }

    /// The program inside an install directory (or an npm prefix).
    pub fn program_in(&self, install: &Path) -> PathBuf {
        install.join("node_modules").join(".bin").join(self.program)
    }

    /// Runs the program's `--version` and checks it names the pinned version.
    pub fn check_version(&self, bin: &Path) -> Result<(), String> {
        if !bin.exists() {
            return Err(format!("{} does not exist", bin.display()));
        }
        let out = Command::new(bin)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && stdout.contains(self.version) {
            Ok(())
        } else {
            Err(format!(
                "`{} --version` gave {}: {}{}",
                bin.display(),
                out.status,
                stdout.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// The pinned program in `cache`, installed first when it is missing or reports another version.
/// `repair` is given the temporary npm prefix when a fresh install's program does not report
/// the version yet (a postinstall npm skipped), before it is checked again.
///
/// # Panics
/// If it is missing and cannot be installed (npm absent, the registry unreachable); the message
/// says what to do.
pub fn ensure(cache: &Path, pinned: &Pinned<'_>, repair: impl Fn(&Path)) -> PathBuf {
    let install = pinned.install_dir(cache);
    let bin = pinned.program_in(&install);
    if pinned.check_version(&bin).is_ok() {
        return bin;
    }
    fs::create_dir_all(cache)
        .unwrap_or_else(|e| panic!("cannot create test cache {}: {e}", cache.display()));
    let lock_path = cache.join(format!("{}.lock", pinned.dir_name));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open install lock {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    // Another process may have finished the install while we waited for the lock.
    if pinned.check_version(&bin).is_ok() {
        return bin;
    }
    if let Err(e) = fs::remove_dir_all(&install)
        && e.kind() != ErrorKind::NotFound
    {
        // An unusable leftover (installed by hand and broken) is replaced.
        panic!("cannot remove broken install {}: {e}", install.display());
    }
    install_into(cache, &install, pinned, repair);
    drop(lock);
    bin
}

fn install_into(cache: &Path, install: &Path, pinned: &Pinned<'_>, repair: impl Fn(&Path)) {
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.partial-", pinned.dir_name))
        .tempdir_in(cache)
        .unwrap_or_else(|e| panic!("cannot create a temp dir in {}: {e}", cache.display()));
    let spec = format!("{}@{}", pinned.package, pinned.version);
    eprintln!(
        "pcc-e2e: installing {spec} into {} (one-time)",
        install.display()
    );
    let output = Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(tmp.path())
        .args(["--no-audit", "--no-fund", &spec])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            if e.kind() == ErrorKind::NotFound {
                panic!(
                    "npm is not on PATH. {} need Node.js + npm to install {spec} (or install it \
                     yourself: npm install --prefix {} {spec})",
                    pinned.needed_by,
                    install.display()
                )
            }
            panic!("cannot run npm: {e}")
        });
    if !output.status.success() {
        panic!(
            "`npm install {spec}` failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tmp_bin = pinned.program_in(tmp.path());
    if let Err(first) = pinned.check_version(&tmp_bin) {
        repair(tmp.path());
        if let Err(second) = pinned.check_version(&tmp_bin) {
            panic!(
                "installed {spec} but its --version is wrong: {first}; after the repair: \
                 {second}\n--- npm stderr\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    fs::rename(tmp.path(), install).unwrap_or_else(|e| {
        panic!(
            "cannot move {} to {}: {e}",
            tmp.path().display(),
            install.display()
        )
    });
    // The directory now lives at `install`; dropping the TempDir must not delete it.
    let _ = tmp.keep();
}
