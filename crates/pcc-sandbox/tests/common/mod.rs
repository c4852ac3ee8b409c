//! A throwaway tree for real sandboxes: a fake home with canaries and a git project, under the
//! target directory (not under /tmp, which the sandbox replaces: canaries there would be
//! invisible inside and every "cannot touch it" would pass for the wrong reason).
#![allow(dead_code, missing_docs)] // each test file uses a different part of this module

use pcc_sandbox::{Network, Plan};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Tree {
    _dir: tempfile::TempDir,
    pub base: PathBuf,
    pub home: PathBuf,
    pub project: PathBuf,
    /// The private key's content: must never appear in a contained command's output.
    pub token: String,
}

pub fn random_token() -> String {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("SECRET-{:016x}", hasher.finish())
}

impl Tree {
    pub fn new() -> Tree {
        let dir = tempfile::Builder::new()
            .prefix("pcc-sandbox-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("tempdir");
        let base = std::fs::canonicalize(dir.path()).expect("canonical tempdir");
        let home = base.join("home");
        let project = base.join("project");
        let token = random_token();
        write(&home.join("x/canary"), "canary\n");
        write(&home.join(".ssh/id_rsa"), &format!("{token}\n"));
        write(&home.join(".bashrc"), "# bashrc\n");
        write(
            &home.join(".netrc"),
            &format!("machine example.com password {token}\n"),
        );
        write(&home.join(".aws/credentials"), &format!("{token}\n"));
        write(
            &home.join(".local/share/pcc-hooks/pcc.db"),
            &format!("{token}\n"),
        );
        write(&home.join(".cache/other/keep"), "not a cache\n");
        for cache in [".npm", ".cargo/registry"] {
            std::fs::create_dir_all(home.join(cache)).expect("cache");
        }
        std::fs::create_dir_all(&project).expect("project");
        git(&project, &["init", "-q", "."]);
        Tree {
            _dir: dir,
            base,
            home,
            project,
            token,
        }
    }

    pub fn plan(&self, network: Network) -> Plan {
        Plan {
            project_root: self.project.clone(),
            home: self.home.clone(),
            data_dir: self.home.join(".local/share/pcc-hooks"),
            caches: pcc_sandbox::default_caches(&self.home),
            network,
        }
    }

    /// `command` contained with the default plan (no network).
    pub fn sh(&self, command: &str) -> Output {
        contained(&self.plan(Network::None), command)
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.home.join(path)).expect("read canary")
    }
}

pub fn bwrap() -> PathBuf {
    pcc_sandbox::probe().unwrap_or_else(|why| {
        panic!("containment must work here (scripts/test installs bubblewrap): {why}")
    })
}

pub fn contained(plan: &Plan, command: &str) -> Output {
    pcc_sandbox::output(&bwrap(), plan, command).expect("run bwrap")
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

pub fn git(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git");
    assert!(output.status.success(), "git {args:?}: {}", text(&output));
    output
}

/// stdout and stderr, for assertions and messages.
pub fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[track_caller]
pub fn succeeds(output: &Output) {
    assert!(
        output.status.success(),
        "expected success, got {}",
        text(output)
    );
}

#[track_caller]
pub fn fails(output: &Output) {
    assert!(
        !output.status.success(),
        "expected failure, got {}",
        text(output)
    );
}
