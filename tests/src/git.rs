//! Git fixtures the end-to-end tests share: a git that ignores the machine's config, and a
//! project with one commit and an empty bare remote to push to.

use crate::Sandbox;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs git in `dir` with no system config and `dir` as its home, so the machine's git setup
/// cannot change a test; panics with git's stderr when it fails. Returns stdout, trimmed.
///
/// # Panics
/// When git cannot run or fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A project with one commit and an empty bare remote; returns (remote, commit).
///
/// # Panics
/// When a git step fails.
pub fn project_with_remote(sandbox: &Sandbox) -> (PathBuf, String) {
    let project = sandbox.project_dir();
    let remote = sandbox.root().join("remote.git");
    std::fs::create_dir_all(&remote).expect("remote dir");
    git(
        &remote,
        &["init", "--bare", "--quiet", "--initial-branch=main"],
    );
    git(&project, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(project.join("README.md"), "release\n").expect("write");
    git(&project, &["add", "README.md"]);
    git(
        &project,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "--quiet",
            "-m",
            "release",
        ],
    );
    git(
        &project,
        &["remote", "add", "origin", remote.to_str().expect("utf-8")],
    );
    let commit = git(&project, &["rev-parse", "HEAD"]);
    (remote, commit)
}
