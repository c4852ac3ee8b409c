//! Which calls may run contained instead of waiting for a human.
//!
//! A MEDIUM call is one the parse could not prove harmless. When every part of it is
//! either LOW or one of the kinds below, whatever it does can only reach the project, a
//! private temp dir and the package caches once it runs in the sandbox (`pcc-sandbox`):
//! running it contained costs nothing. Everything else (pushes, publishing, deploys, cloud
//! and infrastructure, secrets, changes outside the project, links out of the project)
//! still needs a human, and so does anything HIGH.
//!
//! Builds and tests are LOW, but they run project code, which no parse can know (a Makefile
//! written in the previous call can delete the home): where containment is offered they
//! run contained too, offline (project code with the network could send what the project
//! holds anywhere; `cargo fetch`, `npm ci` and the like fetch declared dependencies first).

use serde::Serialize;

use super::level::RiskLevel;
use super::verdict::SimpleCommandSummary;

/// What running a call contained would need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Containment {
    /// Not containable: a human decides (or it is LOW and needs no sandbox).
    Never,
    /// Contained with no network but the sandbox's own loopback.
    Offline,
    /// Contained with the network on (installs of declared dependencies, HTTP to the
    /// project's own servers on loopback): bubblewrap cannot restrict hosts, so secrets
    /// stay hidden and nothing else changes.
    Online,
}

/// MEDIUM rules whose effects the sandbox keeps inside the project, offline.
const OFFLINE: &[&str] = &[
    "command.unknown",
    "command.path",
    "interpreter.script",
    "interpreter.inline",
    "interpreter.module",
    "shell.script-file",
    "shell.stdin-script",
    "shell.dynamic-script",
    "shell.dynamic-command",
    "shell.source",
    "shell.evaluates-data",
    "shell.changes-commands",
    "shell.parse-error",
    "arg.dynamic",
    "option.unknown",
    "option.runs-code",
    "env.hijack",
    "path.unknown-read",
    "path.outside-read",
    "path.dynamic",
    "redirect.dynamic",
    "build.after-write",
    "build.cmake-tool",
    "build.config-override",
    "package.exec",
    "package.unknown",
    "git.change",
    "git.no-verify",
    "git.dynamic",
    "git.unknown",
    "git.config-override",
    "git.runs-helper",
    "rm.project-file",
    "rm.dynamic",
    "files.chmod",
    "files.chmod-777",
    "files.chown",
    "files.archive",
    "files.extract",
    "files.patch",
    "files.patch-targets",
    "files.database",
    "files.keys",
    "files.crypto",
    "process.kill",
    "wrapper.dc",
    "wrapper.chdir",
    "wrapper.parallel",
    "wrapper.shell",
    "wrapper.script",
    "awk.side-effects",
    "awk.script-file",
    "awk.program-dynamic",
    "sed.script-runs-code",
    "sed.script-dynamic",
    "jq.modules",
    "find.follows-links",
    "files.follows-links",
    "grep.follows-links",
    "rg.follows-links",
    "diff.directories",
];

/// MEDIUM rules that need the network but reach nothing beyond what the project declares.
const ONLINE: &[&str] = &["package.install-declared", "network.loopback"];

/// Rules of LOW parts that run the project's own code: builds, tests, linters with plugins,
/// project scripts run by a package manager, a virtual environment's activate script.
const PROJECT_CODE: &[&str] = &[
    "build.test",
    "build.script",
    "build.compile",
    "build.run",
    "build.lint",
    "build.fix",
    "build.format",
    "build.make",
    "build.project-tool",
    "build.test-runner",
    "build.install-locked",
    "build.release-script",
    "build.venv",
    "shell.venv",
];

/// The containment of a shell command line from the judgement of each of its parts.
pub(crate) fn of_parts(parts: &[SimpleCommandSummary]) -> Containment {
    let mut needed = Containment::Never;
    let mut any_medium = false;
    for part in parts {
        match part.level {
            RiskLevel::Low if PROJECT_CODE.contains(&part.rule) => {
                any_medium = true;
                needed = needed.max(Containment::Offline);
            }
            RiskLevel::Low => {}
            RiskLevel::Medium if OFFLINE.contains(&part.rule) => {
                any_medium = true;
                needed = needed.max(Containment::Offline);
            }
            RiskLevel::Medium if ONLINE.contains(&part.rule) => {
                any_medium = true;
                needed = Containment::Online;
            }
            _ => return Containment::Never,
        }
    }
    if any_medium {
        needed
    } else {
        Containment::Never
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyContext, classify_command};
    use std::path::PathBuf;

    fn containment(command: &str) -> Containment {
        let ctx = PolicyContext {
            cwd: PathBuf::from("/home/u/proj"),
            project_root: PathBuf::from("/home/u/proj"),
            home: PathBuf::from("/home/u"),
            data_dirs: Vec::new(),
        };
        classify_command(command, &ctx).containment
    }

    #[test]
    fn project_work_runs_contained_offline() {
        for command in [
            "python3 scripts/gen.py",
            "./run.sh",
            "python -c 'print(1)'",
            "git add -A && git commit -m 'fix'",
            "git checkout -b feature",
            "git stash",
            "rm src/old.rs",
            "./build/app --selftest",
            "kill 1234",
        ] {
            assert_eq!(containment(command), Containment::Offline, "{command}");
        }
    }

    #[test]
    fn declared_installs_and_loopback_http_run_contained_online() {
        for command in [
            "npm install",
            "npm ci",
            "pip install -r requirements.txt",
            "uv sync",
            "curl -s localhost:8000/health",
            "curl http://127.0.0.1:3000/api",
            "npm install && npm test",
        ] {
            assert_eq!(containment(command), Containment::Online, "{command}");
        }
    }

    #[test]
    fn builds_and_tests_run_contained_offline() {
        for command in [
            "make",
            "cargo test",
            "npm test",
            "pytest -q",
            "go test ./...",
            "make test && git status",
            "echo x > Makefile && make",
            "make && ./build/app --selftest",
        ] {
            assert_eq!(containment(command), Containment::Offline, "{command}");
        }
        for command in ["git status", "ls -la", "cat src/main.rs", "rg -n TODO src/"] {
            assert_eq!(
                containment(command),
                Containment::Never,
                "{command}: LOW, no code runs"
            );
        }
    }

    #[test]
    fn what_needs_a_human_is_never_contained() {
        for command in [
            "git push origin main",
            "npm publish",
            "curl https://example.com",
            "npm install left-pad",
            "cat ~/.ssh/id_rsa",
            "rm -rf ~/x",
            "ln -s ~/.ssh k",
            "echo x >> .claude/settings.json",
            "aws s3 rm s3://b/k",
            "git status",
            "kubectl apply -f x.yaml",
            "docker run --rm alpine",
            "sudo make install",
            "ssh host ls",
        ] {
            assert_eq!(containment(command), Containment::Never, "{command}");
        }
    }
}
