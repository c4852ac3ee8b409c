//! A fake `claude` for the workspace's tests: plays the scenario the test names (see
//! `pcc_testkit::claude`), printing stream-json as `claude -p` does, and records how it was run.

use pcc_testkit::claude::{
    DEFAULT_SESSION, DEFAULT_VERSION, DONE_FIFO_ENV, GATE_ENV, HOLD_ENV, PID_FILE_ENV, READY_ENV,
    RECORD_ENV, RESETS_AT_ENV, SCENARIO_ENV, SCENARIO_ON_RESUME_ENV, SESSION_ENV, Scenario,
    VERSION_ENV,
};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a wait for a file checks it.
const POLL: Duration = Duration::from_millis(20);

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--stubborn-grandchild") {
        outlive_sigterm();
    }
    if argv.iter().any(|arg| arg == "--version") {
        let version = std::env::var(VERSION_ENV).unwrap_or_else(|_| DEFAULT_VERSION.to_owned());
        println!("{version}");
        return ExitCode::SUCCESS;
    }
    if !argv.iter().any(|arg| arg == "-p") {
        // A subcommand (`claude mcp add …`): it succeeds, and the test can see it ran.
        note(
            json!({"event": "start", "argv": argv, "pid": std::process::id(),
                    "time": now_seconds()}),
        );
        return ExitCode::SUCCESS;
    }
    let resume = argv
        .iter()
        .position(|arg| arg == "--resume")
        .and_then(|at| argv.get(at + 1))
        .cloned();
    let named = |key: &str| std::env::var(key).ok().filter(|value| !value.is_empty());
    let by_env = if resume.is_some() {
        named(SCENARIO_ON_RESUME_ENV).or_else(|| named(SCENARIO_ENV))
    } else {
        named(SCENARIO_ENV)
    };
    let mut fake = Fake {
        session: named(SESSION_ENV)
            .or(resume)
            .or_else(|| named("PCC_TASK_ID").map(|task| format!("fake-{task}")))
            .unwrap_or_else(|| DEFAULT_SESSION.to_owned()),
        out: std::io::stdout().lock(),
    };
    if by_env.as_deref() == Some(Scenario::FloodThenRead.name()) {
        fake.flood_stdout(4 * 1024);
    }
    if argv.first().map(String::as_str) == Some("-p")
        && argv.get(1).is_some_and(|arg| !arg.starts_with("--"))
    {
        eprintln!("the prompt was passed as an argument: {:?}", argv[1]);
        return ExitCode::from(2);
    }
    let mut prompt = String::new();
    let _ = std::io::stdin().read_to_string(&mut prompt);
    let name = by_env
        .or_else(|| last_value(&prompt, "SCENARIO="))
        .unwrap_or_else(|| Scenario::Success.name().to_owned());
    let Some(scenario) = Scenario::from_name(&name) else {
        eprintln!("fake-claude: unknown scenario {name:?}");
        return ExitCode::from(2);
    };
    note(json!({
        "event": "start",
        "argv": argv,
        "stdin": prompt,
        "cwd": std::env::current_dir().map(|dir| dir.display().to_string()).unwrap_or_default(),
        "env": std::env::vars().collect::<std::collections::BTreeMap<_, _>>(),
        "pid": std::process::id(),
        "session": fake.session,
        "time": now_seconds(),
    }));
    let code = fake.play(scenario, &prompt);
    note(
        json!({"event": "end", "pid": std::process::id(), "session": fake.session,
                "time": now_seconds()}),
    );
    if let Some(fifo) = named(DONE_FIFO_ENV) {
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .open(fifo)
            .and_then(|mut fifo| fifo.write_all(b"ran\n"));
    }
    ExitCode::from(code)
}

struct Fake {
    session: String,
    out: std::io::StdoutLock<'static>,
}

impl Fake {
    /// Plays `scenario` up to its end; the exit code.
    fn play(&mut self, scenario: Scenario, prompt: &str) -> u8 {
        let nonce = nonce_of(prompt);
        let text = last_value(prompt, "TAG=")
            .map_or_else(|| "All done".to_owned(), |tag| format!("RESULT[{tag}]"));
        match scenario {
            Scenario::Success | Scenario::FloodThenRead | Scenario::Gate => {
                self.work();
                if scenario == Scenario::Gate {
                    let gate = std::env::var_os(GATE_ENV).expect("the gate scenario needs a gate");
                    while !std::path::Path::new(&gate).exists() {
                        std::thread::sleep(POLL);
                    }
                }
                hold();
                self.success(&with_nonce(&text, nonce.as_deref()));
                0
            }
            Scenario::NoNonce => {
                self.work();
                self.success("All done, trust me");
                0
            }
            Scenario::WrongNonce => {
                self.work();
                self.success("All done\nTASK-COMPLETE 0123");
                0
            }
            Scenario::Fail => {
                self.init();
                eprintln!("fatal: something went wrong");
                hold();
                self.emit(
                    json!({"type": "result", "subtype": "error_during_execution",
                    "is_error": true, "result": "boom", "errors": ["Tool crashed: boom"],
                    "session_id": self.session}),
                );
                1
            }
            Scenario::ExitNoResult => {
                self.init();
                eprintln!("segfault-ish");
                3
            }
            Scenario::OrphanHoldsStdout => {
                self.work();
                self.success(&with_nonce("All done", nonce.as_deref()));
                start_grandchild(Stdio::inherit());
                0
            }
            Scenario::Hang => {
                let handled = handle_sigterm();
                start_grandchild(Stdio::null());
                self.init();
                self.assistant(
                    "msg_1",
                    json!([{"type": "text", "text": "partial work before hanging"}]),
                );
                sleep_with(handled);
            }
            Scenario::Slow => {
                self.init();
                self.assistant("msg_1", json!([{"type": "text", "text": "working slowly"}]));
                if let Some(ready) = std::env::var_os(READY_ENV) {
                    let _ = std::fs::write(ready, "ready");
                }
                loop {
                    std::thread::sleep(Duration::from_secs(1000));
                }
            }
            Scenario::Flood => {
                self.init();
                let err_line = format!("{}\n", "e".repeat(1023));
                let line = flood_line(&self.session);
                let mut stderr = std::io::stderr().lock();
                for i in 0..11 * 1024 {
                    let _ = self.out.write_all(line.as_bytes());
                    if i % 3 == 0 {
                        let _ = stderr.write_all(err_line.as_bytes());
                    }
                }
                self.success(&with_nonce("flooded", nonce.as_deref()));
                0
            }
            Scenario::UsageLimit => {
                self.init();
                let resets_at = std::env::var(RESETS_AT_ENV)
                    .ok()
                    .and_then(|value| value.parse::<u64>().ok())
                    .unwrap_or_else(|| now_seconds() as u64 + 7200);
                self.emit(json!({"type": "rate_limit_event", "rate_limit_info": {
                    "status": "rejected", "resetsAt": resets_at, "rateLimitType": "five_hour"},
                    "session_id": self.session}));
                hold();
                self.emit(
                    json!({"type": "result", "subtype": "success", "is_error": true,
                    "result": format!("You've hit your 5-hour limit · resets {} (UTC)",
                                      clock_time(resets_at)),
                    "session_id": self.session, "api_error_status": 429,
                    "api_error": "usage_limit_reached", "api_error_type": "rate_limit_error"}),
                );
                1
            }
            Scenario::ApiKey429 => {
                self.init();
                self.emit(
                    json!({"type": "result", "subtype": "success", "is_error": true,
                    "result": "API Error: Request rejected (429) · This request would exceed your \
                               account's rate limit. Please try again later.",
                    "session_id": self.session, "api_error_status": 429,
                    "api_error_type": "rate_limit_error"}),
                );
                1
            }
            Scenario::Quick => {
                self.emit(
                    json!({"type": "result", "subtype": "success", "is_error": false,
                    "result": with_nonce(&text, nonce.as_deref()), "session_id": self.session,
                    "num_turns": 1}),
                );
                0
            }
            Scenario::Silent => 0,
        }
    }

    fn emit(&mut self, event: Value) {
        let _ = writeln!(self.out, "{event}");
        let _ = self.out.flush();
    }

    fn init(&mut self) {
        self.emit(json!({"type": "system", "subtype": "hook_started",
            "hook_name": "SessionStart:startup", "session_id": self.session}));
        self.emit(
            json!({"type": "system", "subtype": "init", "session_id": self.session,
            "tools": ["Bash"]}),
        );
    }

    fn assistant(&mut self, id: &str, blocks: Value) {
        self.emit(
            json!({"type": "assistant", "message": {"id": id, "role": "assistant",
            "content": blocks}, "parent_tool_use_id": null, "session_id": self.session}),
        );
    }

    /// A turn: a tool call and its result, a line that is not JSON, a closing message.
    fn work(&mut self) {
        self.init();
        self.assistant(
            "msg_1",
            json!([{"type": "tool_use", "id": "toolu_1", "name": "Bash",
            "input": {"command": "ls"}}]),
        );
        self.emit(
            json!({"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": "toolu_1", "type": "tool_result", "content": "a b"}]},
            "session_id": self.session}),
        );
        let _ = writeln!(self.out, "this line is not json");
        self.assistant("msg_2", json!([{"type": "text", "text": "All done"}]));
    }

    fn success(&mut self, text: &str) {
        self.emit(
            json!({"type": "result", "subtype": "success", "is_error": false,
            "result": text, "session_id": self.session, "num_turns": 2,
            "total_cost_usd": 0.0125, "permission_denials": [{"tool_name": "Bash",
            "tool_use_id": "toolu_9", "tool_input": {"command": "rm -rf /"}}]}),
        );
    }

    fn flood_stdout(&mut self, lines: usize) {
        let line = flood_line(&self.session);
        for _ in 0..lines {
            let _ = self.out.write_all(line.as_bytes());
        }
        let _ = self.out.flush();
    }
}

fn flood_line(session: &str) -> String {
    format!(
        "{}\n",
        json!({"type": "user", "message": {"role": "user", "content": "x".repeat(1000)},
               "session_id": session})
    )
}

/// Waits for the `flock` of [`HOLD_ENV`]'s file, when one is named.
fn hold() {
    if let Some(path) = std::env::var_os(HOLD_ENV) {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .expect("open the hold file");
        file.lock().expect("wait for the hold");
    }
}

/// Sleeps forever, and a SIGTERM does not end it.
fn outlive_sigterm() -> ! {
    sleep_with(handle_sigterm())
}

/// Makes SIGTERM harmless from now on: it is handled (by tokio's handler, which only records
/// it) instead of left to its default action. Harmless while the result lives.
fn handle_sigterm() -> (tokio::runtime::Runtime, tokio::signal::unix::Signal) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime for the signal handler");
    let signal = runtime.block_on(async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("handle SIGTERM")
    });
    (runtime, signal)
}

fn sleep_with(_handled: (tokio::runtime::Runtime, tokio::signal::unix::Signal)) -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(1000));
    }
}

/// Starts a grandchild that outlives SIGTERM, with `stdout`, and writes its pid to
/// [`PID_FILE_ENV`]'s file. It is never waited for: outliving us is its job.
#[allow(clippy::zombie_processes)]
fn start_grandchild(stdout: Stdio) {
    let grandchild = Command::new(std::env::current_exe().expect("own path"))
        .arg("--stubborn-grandchild")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("start the grandchild");
    write_pid(grandchild.id());
}

fn write_pid(pid: u32) {
    if let Some(path) = std::env::var_os(PID_FILE_ENV) {
        std::fs::write(path, pid.to_string()).expect("write the pid file");
    }
}

/// Appends one note to the record, when the test named one.
fn note(note: Value) {
    if let Some(path) = std::env::var_os(RECORD_ENV) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .expect("open the record");
        let _ = writeln!(file, "{note}");
    }
}

/// The value after the last `key` in `text`, up to the next non-word character.
fn last_value(text: &str, key: &str) -> Option<String> {
    let at = text.rfind(key)?;
    let value: String = text[at + key.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!value.is_empty()).then_some(value)
}

/// The runner's nonce: the hex after the prompt's final `TASK-COMPLETE `.
fn nonce_of(prompt: &str) -> Option<String> {
    let at = prompt.trim_end().rfind("TASK-COMPLETE ")?;
    let nonce = prompt.trim_end()[at + "TASK-COMPLETE ".len()..].to_owned();
    (!nonce.is_empty() && nonce.chars().all(|c| c.is_ascii_hexdigit())).then_some(nonce)
}

fn with_nonce(text: &str, nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => format!("{text}\n\nTASK-COMPLETE {nonce}"),
        None => text.to_owned(),
    }
}

/// `9:57am`: the UTC clock time of an epoch second, as Claude Code words a reset.
fn clock_time(epoch: u64) -> String {
    let minutes = epoch / 60 % (24 * 60);
    let (hour, minute) = (minutes / 60, minutes % 60);
    let (twelve, half) = match hour {
        0 => (12, "am"),
        1..=11 => (hour, "am"),
        12 => (12, "pm"),
        _ => (hour - 12, "pm"),
    };
    format!("{twelve}:{minute:02}{half}")
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}
