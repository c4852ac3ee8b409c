//! Locating — and on a clean machine installing — the pinned Claude Code CLI.
//!
//! Tests run against one exact CLI version so hook payloads and stream-json output are
//! reproducible. It is installed with npm into a per-user cache shared by all test processes.

use crate::npm_install::{self, Pinned};
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

/// The pinned CLI as npm installs it.
fn pinned() -> Pinned<'static> {
    Pinned {
        package: CLAUDE_CODE_PACKAGE,
        version: CLAUDE_CODE_VERSION,
        dir_name: format!("claude-code-{CLAUDE_CODE_VERSION}"),
        program: "claude",
        needed_by: "The e2e tests",
    }
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
/// without mutating the process environment). How concurrent callers and half-finished
/// installs are handled: [`crate::npm_install`].
///
/// # Panics
/// If the CLI is missing and cannot be installed.
pub fn ensure_claude_in(cache: &Path) -> PathBuf {
    // npm may skip the package's postinstall (which copies the native binary over the
    // `bin/claude.exe` placeholder) under a restrictive install-scripts policy: run it.
    npm_install::ensure(cache, &pinned(), run_postinstall)
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
