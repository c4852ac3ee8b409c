//! What the dashboard's tests share: the real `pcc-serve` binary on 127.0.0.1:0 over a data
//! directory of its own, logged in with the one-time link it prints, and hook calls made by the
//! real `pcc-hooks hook` with the inputs captured from Claude Code 2.1.329.

// Two test binaries include this module and each uses part of it.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Long enough for a loaded machine; every wait ends as soon as its event happens.
pub const WAIT: Duration = Duration::from_secs(30);

/// The `pcc-serve` binary cargo built for these tests.
pub fn serve_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pcc-serve"))
}

/// The `pcc-hooks` binary beside it (which `pcc-serve` also runs, for `status` and `config`).
pub fn hooks_binary() -> PathBuf {
    let hooks = serve_binary().with_file_name("pcc-hooks");
    assert!(
        hooks.is_file(),
        "{} does not exist; build it first: cargo build -p pcc-hooks",
        hooks.display()
    );
    hooks
}

/// A running `pcc-serve`, killed when dropped.
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The one-time login link it printed.
    pub login_link: String,
    /// `PCC_HOME`.
    pub home: PathBuf,
    /// A project directory for hook calls (canonical, as the hooks record it).
    pub project: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts `pcc-serve --listen 127.0.0.1:0` with a fresh `PCC_HOME` and reads the address and
    /// login link it prints.
    pub fn start() -> Serve {
        Serve::start_with(&[])
    }

    /// [`Serve::start`] with more environment variables for the server (`PCC_CLAUDE_BIN`).
    pub fn start_with(env: &[(&str, &str)]) -> Serve {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("pcc");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project dir");
        let project = project.canonicalize().expect("canonical project");
        let mut child = Command::new(serve_binary())
            .args(["--listen", "127.0.0.1:0"])
            .env("PCC_HOME", &home)
            .env_remove("PCC_MODE")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start pcc-serve");
        let stdout = child.stdout.take().expect("stdout");
        let (lines, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut base = None;
        let mut login_link = None;
        while base.is_none() || login_link.is_none() {
            let line = receive
                .recv_timeout(WAIT)
                .expect("pcc-serve prints its address and login link");
            if let Some(url) = line.strip_prefix("pcc-hooks serve: listening on ") {
                base = Some(url.trim().to_owned());
            } else if let Some((_, link)) = line.split_once("): ") {
                login_link = Some(link.trim().to_owned());
            }
        }
        let base = base.expect("address");
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "loopback only: {base}"
        );
        Serve {
            child,
            base,
            login_link: login_link.expect("login link"),
            home,
            project,
            _dir: dir,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `pcc-hooks ARGS` on this data directory.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(hooks_binary())
            .args(args)
            .env("PCC_HOME", &self.home)
            .env_remove("PCC_MODE")
            .stdin(Stdio::null())
            .output()
            .expect("run pcc-hooks")
    }

    /// `pcc-hooks hook` fed `input`, unattended, as Claude Code runs it: the reply, if any.
    pub fn hook(&self, input: &Value) -> Option<Value> {
        let mut child = Command::new(hooks_binary())
            .arg("hook")
            .env("PCC_HOME", &self.home)
            .env("PCC_MODE", "unattended")
            .env_remove("PCC_NOTIFY")
            .env_remove("CLAUDE_PROJECT_DIR")
            .current_dir(&self.project)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pcc-hooks hook");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write the hook input");
        let output = child.wait_with_output().expect("pcc-hooks hook");
        assert!(
            output.status.success(),
            "the hook failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (!output.stdout.is_empty())
            .then(|| serde_json::from_slice(&output.stdout).expect("a JSON reply"))
    }

    /// The captured 2.1.329 hook input `event` (`SessionStart`, `PreToolUse`, …), moved to this
    /// project and `session`, its transcript at `<project>/<session>.jsonl`.
    pub fn captured(&self, event: &str, session: &str) -> Value {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../fixtures/claude-code/v2.1.329-{event}.json"));
        let mut input: Value = serde_json::from_str(
            &std::fs::read_to_string(&fixture).expect("the captured hook input"),
        )
        .expect("JSON");
        input["session_id"] = json!(session);
        input["cwd"] = json!(self.project);
        input["transcript_path"] = json!(self.transcript(session));
        input
    }

    /// The captured PreToolUse of a Bash `command` in `session`.
    pub fn bash(&self, session: &str, command: &str, tool_use_id: &str) -> Value {
        let mut input = self.captured("PreToolUse", session);
        input["tool_input"]["command"] = json!(command);
        input["tool_use_id"] = json!(tool_use_id);
        input
    }

    /// Where `session`'s transcript is said to be.
    pub fn transcript(&self, session: &str) -> PathBuf {
        self.project.join(format!("{session}.jsonl"))
    }

    /// A session as real hook calls create it: `SessionStart`, `UserPromptSubmit`, and an
    /// allowed `ls` (tool call `toolu_ls`), with a transcript holding the prompt, the call and
    /// its usage.
    pub fn session(&self, session: &str) {
        let transcript = [
            json!({"type": "user", "timestamp": "2026-12-01T10:00:00Z", "sessionId": session,
                   "message": {"role": "user", "content": "run ls"}}),
            json!({"type": "assistant", "timestamp": "2026-12-01T10:00:02Z", "sessionId": session,
                   "requestId": "req_1",
                   "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-5",
                               "content": [{"type": "tool_use", "id": "toolu_ls", "name": "Bash",
                                            "input": {"command": "ls"}}],
                               "usage": {"input_tokens": 1000, "output_tokens": 100}}}),
        ]
        .iter()
        .map(|line| format!("{line}\n"))
        .collect::<String>();
        std::fs::write(self.transcript(session), transcript).expect("transcript");
        assert_eq!(self.hook(&self.captured("SessionStart", session)), None);
        assert_eq!(self.hook(&self.captured("UserPromptSubmit", session)), None);
        assert_eq!(
            decision(&self.hook(&self.bash(session, "ls", "toolu_ls"))),
            "allow"
        );
    }

    /// The escalations waiting, as `pcc-hooks pending --json` lists them.
    pub fn pending(&self) -> Vec<Value> {
        let output = self.cli(&["pending", "--json"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&output.stdout).expect("pending --json")
    }
}

/// What a permission reply decided (`allow`, `deny`, …; `none` without a reply).
pub fn decision(reply: &Option<Value>) -> String {
    reply
        .as_ref()
        .and_then(|reply| reply["hookSpecificOutput"]["permissionDecision"].as_str())
        .unwrap_or("none")
        .to_owned()
}

/// The `git push --force` that an unattended session may not run: denied and escalated.
pub const PUSH: &str = "git push --force origin main";
