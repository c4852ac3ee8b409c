//! What the tests share: a running server with its own data directory, the built binaries, hook
//! calls made the way Claude Code makes them, and an SSE reader.

use futures_util::StreamExt as _;
use pcc_core::paths::DataDir;
use pcc_server::{ServeConfig, Server, TlsFiles};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A binary of the workspace, built beside this test (`target/<profile>/NAME`).
pub fn binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let binary = profile_dir.join(name);
    assert!(
        binary.is_file(),
        "{} does not exist; build it first: cargo build -p {}",
        binary.display(),
        if name == "pcc-serve" {
            "pcc-server"
        } else {
            name
        }
    );
    binary
}

/// The `pcc-hooks` binary.
pub fn hooks() -> PathBuf {
    binary("pcc-hooks")
}

/// A server on 127.0.0.1:0 over its own data directory, stopped when dropped.
pub struct Running {
    /// `http(s)://127.0.0.1:PORT`.
    pub base: String,
    /// The data directory (inside `dir`).
    pub data: DataDir,
    /// A project directory for hook calls.
    pub project: PathBuf,
    /// The server token.
    pub token: String,
    /// The first one-time login link.
    pub login_link: String,
    /// The server's change channel (what the watcher sends to every SSE client).
    pub changes: tokio::sync::broadcast::Sender<pcc_server::events::Change>,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Options of a test server.
#[derive(Default)]
pub struct Options {
    /// Serve TLS with these files.
    pub tls: Option<TlsFiles>,
}

impl Running {
    /// A plain-HTTP server.
    pub async fn start() -> Running {
        Running::with(Options::default()).await
    }

    /// A server with `options`.
    pub async fn with(options: Options) -> Running {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::at(dir.path().join("pcc"));
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project");
        let project = project.canonicalize().expect("canonical project");
        let scheme = if options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let server = Server::bind(ServeConfig {
            data: data.clone(),
            listen: "127.0.0.1:0".parse().expect("address"),
            tls: options.tls,
            behind_proxy: false,
            public_url: None,
            hooks_program: hooks(),
        })
        .await
        .expect("the server binds");
        let base = format!("{scheme}://{}", server.local_addr());
        let login_link = server.login_link().expect("a login link");
        let token = std::fs::read_to_string(data.root().join("server.token"))
            .expect("token file")
            .trim()
            .to_owned();
        let changes = server.state().changes().clone();
        let (shutdown, stop) = oneshot::channel();
        tokio::spawn(server.run(async move {
            let _ = stop.await;
        }));
        Running {
            base,
            data,
            project,
            token,
            login_link,
            changes,
            shutdown: Some(shutdown),
            _dir: dir,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// The server's own origin, as a browser sends it.
    pub fn origin(&self) -> String {
        self.base.clone()
    }

    /// `pcc-hooks ARGS` on this data directory.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli(&self.data, args)
    }

    /// A hook call (see [`hook`]).
    pub fn hook(&self, input: &Value) -> Option<Value> {
        hook(&self.data, input)
    }

    /// A PreToolUse of `git push --force` in `session`, as Claude Code sends it.
    pub fn push(&self, session: &str) -> Value {
        push_input(&self.project, session)
    }

    /// One escalation: an unattended `git push --force` denied. Returns its id.
    pub fn escalate(&self, session: &str) -> i64 {
        escalate(&self.data, &self.project, session)
    }
}

/// A client that follows no redirect (the login's 303 is what is tested).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// `pcc-hooks ARGS` with `PCC_HOME` at `data`.
pub fn cli(data: &DataDir, args: &[&str]) -> Output {
    Command::new(hooks())
        .args(args)
        .env("PCC_HOME", data.root())
        .env_remove("PCC_MODE")
        .stdin(Stdio::null())
        .output()
        .expect("run pcc-hooks")
}

/// `pcc-hooks hook` fed `input` in unattended mode, as Claude Code runs it: the reply, if any.
pub fn hook(data: &DataDir, input: &Value) -> Option<Value> {
    use std::io::Write as _;
    let mut child = Command::new(hooks())
        .arg("hook")
        .env("PCC_HOME", data.root())
        .env("PCC_MODE", "unattended")
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
        .expect("write the input");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "hook failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (!output.stdout.is_empty()).then(|| serde_json::from_slice(&output.stdout).expect("JSON"))
}

/// The captured 2.1.329 PreToolUse, moved to `project` and `session`, with `command`.
pub fn captured_pre_tool_use(project: &Path, session: &str, command: &str) -> Value {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/claude-code/v2.1.329-PreToolUse.json");
    let mut input: Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("fixture")).expect("JSON");
    input["session_id"] = json!(session);
    input["cwd"] = json!(project);
    input["transcript_path"] = json!(project.join("transcript.jsonl"));
    input["tool_input"]["command"] = json!(command);
    input
}

/// The captured PreToolUse as a `git push --force` (HIGH: denied unattended, escalated).
pub fn push_input(project: &Path, session: &str) -> Value {
    captured_pre_tool_use(project, session, "git push --force origin main")
}

/// What a permission reply decided (`allow`, `deny`, …).
pub fn decision(reply: &Option<Value>) -> String {
    reply
        .as_ref()
        .and_then(|reply| reply["hookSpecificOutput"]["permissionDecision"].as_str())
        .unwrap_or("none")
        .to_owned()
}

/// A denied push in `session` of `project`: its escalation's id.
pub fn escalate(data: &DataDir, project: &Path, session: &str) -> i64 {
    let reply = hook(data, &push_input(project, session));
    assert_eq!(decision(&reply), "deny", "{reply:?}");
    let store = pcc_store::Store::open_existing(&data.database())
        .expect("open")
        .expect("exists");
    store
        .pending_escalations()
        .expect("pending")
        .iter()
        .filter(|escalation| escalation.raised.session_id == session)
        .map(|escalation| escalation.id)
        .max()
        .expect("an escalation")
}

/// One SSE event: its name and data.
#[derive(Debug, Clone)]
pub struct SseEvent {
    /// `event:`.
    pub name: String,
    /// `data:`, parsed.
    pub data: Value,
}

/// An open `/api/events` stream.
pub struct Events {
    stream:
        std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Events {
    /// Opens the stream with the token.
    pub async fn open(server: &Running) -> Events {
        let response = client()
            .get(server.url("/api/events"))
            .header("authorization", server.bearer())
            .send()
            .await
            .expect("events");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an SSE stream"
        );
        Events {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event named `name`, waiting at most until `deadline`.
    pub async fn next_named(&mut self, name: &str, deadline: Instant) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&block)
                    && event.name == name
                {
                    return Some(event);
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

fn parse(block: &str) -> Option<SseEvent> {
    let mut name = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    Some(SseEvent {
        name: name?,
        data: serde_json::from_str(&data).ok()?,
    })
}

/// How many SSE clients the fan-out test and benchmark open (the figure).
pub const CLIENTS: usize = 50;

/// The time from the start of each hook call to each client's event, over `rounds` calls of a
/// real `pcc-hooks hook` against a server with [`CLIENTS`] streams open.
pub async fn fan_out(rounds: usize) -> Vec<Duration> {
    let server = Running::start().await;
    let mut streams = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        streams.push(Events::open(&server).await);
    }
    let mut delays = Vec::with_capacity(rounds * CLIENTS);
    for round in 0..rounds {
        let session = format!("sess-load-{round}");
        let input = json!({"session_id": session, "cwd": server.project,
            "hook_event_name": "SessionStart", "source": "startup",
            "transcript_path": server.project.join("t.jsonl")});
        let started = Instant::now();
        let (data, project) = (server.data.clone(), input.clone());
        let hook = tokio::task::spawn_blocking(move || hook(&data, &project));
        let waits = streams.iter_mut().map(|events| {
            let session = session.clone();
            async move {
                let deadline = started + Duration::from_secs(10);
                loop {
                    let event = events
                        .next_named("session_state", deadline)
                        .await
                        .expect("every client gets the event");
                    if event.data["session_id"] == session.as_str() {
                        return started.elapsed();
                    }
                }
            }
        });
        delays.extend(futures_util::future::join_all(waits).await);
        hook.await.expect("hook task");
    }
    delays
}

/// The value at `fraction` of `sorted`.
pub fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}
