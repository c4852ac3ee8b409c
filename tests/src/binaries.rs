//! Finding the workspace's own binaries (`pcc-hooks`, …) that the end-to-end tests register with
//! Claude Code.
//!
//! Cargo gives `CARGO_BIN_EXE_*` only to tests of the binary's own package, so this harness looks
//! next to its own test executable (`target/<profile>/deps/..`), and refuses a binary older than
//! a source file it is built from (its crate and the workspace crates it depends on, by path): a
//! stale binary would make a test pass or fail for code that is no longer there.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The freshly built binary `name` of the workspace crate `crates/<name>`, from
/// `$PCC_E2E_BIN_DIR` when that is set.
///
/// # Panics
/// When the binary is missing or older than the crates' sources, with the command that fixes it.
pub fn pcc_binary(name: &str) -> PathBuf {
    let dir = match std::env::var_os("PCC_E2E_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => default_bin_dir(),
    };
    let binary = dir.join(name);
    let built = modified(&binary).unwrap_or_else(|| {
        panic!(
            "{} does not exist; build it first: cargo build --workspace --bins",
            binary.display()
        )
    });
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    if let Some((source, changed)) = newest_source(&crate_closure(&crates, name))
        && changed > built
    {
        panic!(
            "{} is older than {}; rebuild it first: cargo build --workspace --bins",
            binary.display(),
            source.display()
        );
    }
    binary
}

fn default_bin_dir() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test executable has a path");
    // target/<profile>/deps/<test> → target/<profile>
    test_exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps")
        .to_path_buf()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
}

/// The crate `name` and every crate it depends on by `path = "../…"`, transitively. Only what
/// the binary is built from counts: dev-dependencies (the test doubles) do not.
fn crate_closure(crates: &Path, name: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut pending = vec![crates.join(name)];
    while let Some(dir) = pending.pop() {
        if found.contains(&dir) {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let mut dev_section = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                dev_section = line.contains("dev-dependencies");
                continue;
            }
            if dev_section {
                continue;
            }
            if let Some(dependency) = line.split("path = \"../").nth(1)
                && let Some(end) = dependency.find('"')
            {
                pending.push(crates.join(&dependency[..end]));
            }
        }
        found.push(dir);
    }
    found
}

/// The most recently changed file a binary is built from: each crate's `Cargo.toml` and `src/`.
fn newest_source(crate_dirs: &[PathBuf]) -> Option<(PathBuf, SystemTime)> {
    let mut newest: Option<(PathBuf, SystemTime)> = None;
    let mut pending: Vec<PathBuf> = crate_dirs.iter().map(|dir| dir.join("src")).collect();
    for dir in crate_dirs {
        let manifest = dir.join("Cargo.toml");
        if let Some(time) = modified(&manifest)
            && newest.as_ref().is_none_or(|(_, best)| time > *best)
        {
            newest = Some((manifest, time));
        }
    }
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Some(time) = modified(&path)
                && newest.as_ref().is_none_or(|(_, best)| time > *best)
            {
                newest = Some((path, time));
            }
        }
    }
    newest
}

/// The repository's Claude Code plugin (`plugin/`), which the end-to-end sessions load with
/// `--plugin-dir`.
pub fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugin")
        .canonicalize()
        .expect("plugin dir")
}
