//! Locating — and on a clean machine installing — the pinned Claude Code CLI.
//!
//! Tests run against one exact CLI version so hook payloads and stream-json output are
//! reproducible. It is installed with npm into a per-user cache shared by all test processes.

use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The Claude Code version every e2e test runs against.
pub const CLAUDE_CODE_VERSION: &str = "2.1.329";

/// The npm package that ships the CLI.
pub const CLAUDE_CODE_PACKAGE: &str = "@anthropic-ai/claude-code";

/// Environment variable overriding the cache directory (CI can point it at a cached path).
pub const CACHE_ENV: &str = "PCC_TEST_CACHE";

/// The test cache directory: `$PCC_TEST_CACHE`, else `~/.cache/pcc-hooks-tests`.
///
/// # Panics
/// If neither `PCC_TEST_CACHE` nor `HOME` is set.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| {
            panic!("neither {CACHE_ENV} nor HOME is set: cannot locate the test cache")
        });
    PathBuf::from(home).join(".cache").join("pcc-hooks-tests")
}

/// Directory the pinned CLI is installed into, inside `cache`.
pub fn install_dir(cache: &Path) -> PathBuf {
    cache.join(format!("claude-code-{CLAUDE_CODE_VERSION}"))
}

/// Path of the `claude` executable inside an install directory.
pub fn claude_bin(install: &Path) -> PathBuf {
    install.join("node_modules").join(".bin").join("claude")
}

/// Path of the pinned `claude` binary, installing it into [`cache_dir`] first if needed.
///
/// The result is memoised per process, so calling this from every test is cheap.
///
/// # Panics
/// If the CLI is missing and cannot be installed (e.g. npm is not on `PATH`); the message says
/// what to do.
pub fn ensure_claude() -> PathBuf {
    static CLAUDE: OnceLock<PathBuf> = OnceLock::new();
    CLAUDE
        .get_or_init(|| ensure_claude_in(&cache_dir()))
        .clone()
}

/// Like [`ensure_claude`] but with an explicit cache directory (used to test the installer
/// without mutating the process environment).
///
/// Concurrent callers (parallel test processes) serialise on a lock file in `cache`; the
/// package is installed into a temporary sibling directory and renamed into place only after
/// `claude --version` reports [`CLAUDE_CODE_VERSION`], so a half-finished install is never
/// visible.
///
/// # Panics
/// If the CLI is missing and cannot be installed.
pub fn ensure_claude_in(cache: &Path) -> PathBuf {
    let install = install_dir(cache);
    let bin = claude_bin(&install);
    if check_version(&bin).is_ok() {
        return bin;
    }
    fs::create_dir_all(cache)
        .unwrap_or_else(|e| panic!("cannot create test cache {}: {e}", cache.display()));
    let lock_path = cache.join(format!("claude-code-{CLAUDE_CODE_VERSION}.lock"));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open install lock {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));

    // Another process may have finished the install while we waited for the lock.
    if check_version(&bin).is_ok() {
        return bin;
    }
    if install.exists() {
        // Unusable leftover (e.g. installed by hand and broken): replace it.
        remove_dir_quietly(&install);
    }
    install_into(cache, &install);
    drop(lock);
    bin
}

/// Runs `npm install` into a temp dir in `cache`, verifies it, and renames it to `install`.
fn install_into(cache: &Path, install: &Path) {
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".claude-code-{CLAUDE_CODE_VERSION}.partial-"))
        .tempdir_in(cache)
        .unwrap_or_else(|e| panic!("cannot create a temp dir in {}: {e}", cache.display()));
    let spec = format!("{CLAUDE_CODE_PACKAGE}@{CLAUDE_CODE_VERSION}");
    eprintln!(
        "pcc-e2e: installing {spec} into {} (one-time, ~15 s)",
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
                    "npm is not on PATH. The e2e tests need Node.js + npm to install {spec} \
                     (or install it yourself: npm install --prefix {} {spec})",
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
    let tmp_bin = claude_bin(tmp.path());
    if let Err(first) = check_version(&tmp_bin) {
        // npm may skip the package's postinstall (which copies the native binary over the
        // `bin/claude.exe` placeholder) under a restrictive install-scripts policy: run it.
        run_postinstall(tmp.path());
        if let Err(second) = check_version(&tmp_bin) {
            panic!(
                "installed {spec} but `claude --version` is wrong: {first}; after running its \
                 postinstall: {second}\n--- npm stderr\n{}",
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

fn run_postinstall(prefix: &Path) {
    let pkg = prefix.join("node_modules").join(CLAUDE_CODE_PACKAGE);
    let script = pkg.join("install.cjs");
    if !script.exists() {
        return;
    }
    match Command::new("node")
        .arg(&script)
        .current_dir(&pkg)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if !out.status.success() => eprintln!(
            "pcc-e2e: {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Ok(_) => {}
        Err(e) => eprintln!("pcc-e2e: cannot run node {}: {e}", script.display()),
    }
}

/// Runs `<bin> --version` and checks it names [`CLAUDE_CODE_VERSION`].
fn check_version(bin: &Path) -> Result<(), String> {
    if !bin.exists() {
        return Err(format!("{} does not exist", bin.display()));
    }
    let out = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains(CLAUDE_CODE_VERSION) {
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

fn remove_dir_quietly(dir: &Path) {
    if let Err(e) = fs::remove_dir_all(dir)
        && e.kind() != ErrorKind::NotFound
    {
        panic!("cannot remove broken install {}: {e}", dir.display());
    }
}
