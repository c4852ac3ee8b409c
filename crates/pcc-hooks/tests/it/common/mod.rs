//! Running the built `pcc-hooks` binary in an isolated data directory.
#![allow(dead_code, missing_docs)] // each test file uses a different part of this module

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_pcc-hooks");

/// The captured Claude Code hook inputs shipped in `fixtures/claude-code/`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/claude-code")
}

/// Every captured hook stdin, with its file name: the v2.1.329 files are the stdin itself, the
/// v2.1.197 ones wrap it as `{"argv","env","stdin"}`.
pub fn hook_fixtures() -> Vec<(String, serde_json::Value)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures directory") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if path.extension().is_none_or(|ext| ext != "json")
            || name.contains("result-")
            || name.contains("transcript-")
        {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read fixture"))
                .expect("fixture is JSON");
        let stdin = value.get("stdin").cloned().unwrap_or(value);
        found.push((name, stdin));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// A `pcc-hooks` command with its own data directory and no inherited Claude variables.
pub fn command(pcc_home: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("PCC_HOME", pcc_home)
        .env_remove("CLAUDE_PROJECT_DIR")
        .env_remove("PCC_LOG")
        // No real desktop pop-ups from tests on machines that have notify-send.
        .env("PCC_NOTIFY", "off");
    command
}

/// Runs `pcc-hooks hook` with `stdin`.
pub fn run_hook(pcc_home: &Path, stdin: &[u8]) -> Output {
    run_with_stdin(command(pcc_home).arg("hook"), stdin)
}

pub fn run_with_stdin(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pcc-hooks");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    // The hook may refuse to read everything (oversized input); a broken pipe is then expected.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().expect("wait for pcc-hooks")
}

/// A view of the database for assertions, with what the hooks kept in the spool folded in first
/// (as every `pcc_store::Store::open` does), so a LOW call's rows are there.
pub fn db(pcc_home: &Path) -> rusqlite::Connection {
    let path = pcc_home.join("pcc.db");
    if pcc_home.join("spool").exists() {
        drop(pcc_store::Store::open(&path).expect("fold the spool"));
    }
    rusqlite::Connection::open(path).expect("open database")
}

pub fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0))
        .expect("count query")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits until a fake `claude` run by a scheduler has written `ran` to `fifo`, then until that
/// scheduler has recorded the outcome and exited (it holds `scheduler.lock` in `pcc_home` until
/// then). Events, not sleeps.
pub fn wait_for_the_scheduler(pcc_home: &Path, fifo: PathBuf) {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(std::fs::read_to_string(fifo));
    });
    let ran = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the scheduler ran claude");
    assert_eq!(ran.expect("read the FIFO"), "ran\n");
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(pcc_home.join("scheduler.lock"))
        .expect("lock file");
    lock.lock().expect("wait for the scheduler");
}
