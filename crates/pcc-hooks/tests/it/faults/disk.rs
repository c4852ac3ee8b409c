//! Faults: the disk. File modes under umask 000 and in a loose data directory made by an older
//! version; a read-only file system, a data directory owned by someone else, a full disk and a
//! corrupt last page. For each of the four faults: `doctor` says what is wrong and exits 2, a
//! dangerous call is still denied (never allowed because nothing could be recorded), and
//! `status` shows the failure the database could not take, from the failure log.
//!
//! Tests run as root here and in CI, where `chmod 0400` does not stop a write, so the read-only
//! and full disks are small tmpfs mounts, and "someone else's directory" runs the binary as
//! `nobody` (`setpriv`). Where mounting or changing user is not permitted, the test says so on
//! stderr and passes without checking.

use crate::common::*;
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `None` (and a line saying why) when this test may not mount.
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).expect("mount point");
        let output = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output();
        match output {
            Ok(output) if output.status.success() => Some(Tmpfs {
                dir: dir.to_path_buf(),
            }),
            Ok(output) => {
                eprintln!(
                    "SKIP: cannot mount a tmpfs here ({}); this fault is not checked",
                    text(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                eprintln!("SKIP: no mount command ({error}); this fault is not checked");
                None
            }
        }
    }

    fn remount_read_only(&self) {
        let output = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.dir)
            .output()
            .expect("run mount");
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so a process still holding a file open cannot keep the mount.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// One test's world: a data directory and a private fallback directory for the failure log.
struct World {
    _root: tempfile::TempDir,
    data: PathBuf,
    runtime: PathBuf,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().expect("tempdir");
        let runtime = root.path().join("runtime");
        std::fs::create_dir(&runtime).expect("runtime dir");
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        World {
            data: root.path().join("data"),
            runtime,
            _root: root,
        }
    }

    fn command(&self) -> Command {
        self.environment(command(&self.data))
    }

    /// `command` with this world's environment (the same as [`World::command`]'s).
    fn environment(&self, mut command: Command) -> Command {
        command
            .env("PCC_HOME", &self.data)
            .env("PCC_NOTIFY", "off")
            .env_remove("CLAUDE_PROJECT_DIR")
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("HOME", "/nonexistent-home")
            .current_dir("/");
        command
    }

    fn hook(&self, input: &Value) -> Output {
        run_with_stdin(self.command().arg("hook"), input.to_string().as_bytes())
    }

    fn session_start(&self) {
        let output = self.hook(&serde_json::json!({
            "session_id": "s0", "cwd": "/tmp", "hook_event_name": "SessionStart"
        }));
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
}

/// A call nothing may allow: under `bypassPermissions`, silence or an allow would run it.
fn dangerous_call() -> Value {
    serde_json::json!({
        "session_id": "zz-victim", "cwd": "/tmp", "hook_event_name": "PreToolUse",
        "permission_mode": "bypassPermissions", "tool_name": "Bash",
        "tool_input": {"command": "rm -rf /nonexistent-home/victim"}
    })
}

fn assert_denied(output: &Output) {
    let reply: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "a permission hook always answers; stdout {:?}, stderr {}",
            text(&output.stdout),
            text(&output.stderr)
        )
    });
    assert_eq!(
        reply["hookSpecificOutput"]["permissionDecision"], "deny",
        "{reply}"
    );
}

/// `doctor` exits 2 and names the problem on a `problem` line.
fn assert_doctor_says(output: &Output, expected: &[&str]) {
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    for wanted in expected {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with("problem") && line.contains(wanted)),
            "doctor should say {wanted:?}:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("writable (a committed write)"),
        "doctor must not call it writable:\n{stdout}"
    );
}

/// `status --json` counts the failure the database could not take, and shows it.
fn assert_status_shows(output: &Output, expected: &str) -> Value {
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("status --json: {}", text(&output.stderr)));
    let errors = &report["hook_errors"];
    assert!(errors["unrecorded"].as_i64() >= Some(1), "{report}");
    assert!(errors["count"].as_i64() >= Some(1), "{report}");
    assert!(
        errors["recent_unrecorded"]
            .as_array()
            .expect("recent")
            .iter()
            .any(|failure| failure["message"]
                .as_str()
                .is_some_and(|message| message.contains(expected))),
        "status should show {expected:?}: {report}"
    );
    report
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").mode() & 0o777
}

/// Every file and directory under `dir`, with its mode.
fn modes_under(dir: &Path) -> Vec<(PathBuf, u32, bool)> {
    let mut found = vec![(dir.to_path_buf(), mode(dir), true)];
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(modes_under(&path));
        } else {
            found.push((path.clone(), mode(&path), false));
        }
    }
    found
}

#[test]
fn every_file_we_create_is_private_even_under_umask_000() {
    let world = World::new();
    let under_umask_000 = |args: &[&str], stdin: &Value| {
        let mut shell = world.environment(Command::new("sh"));
        shell
            .env("PCC_LOG", "debug")
            .args(["-c", "umask 000; exec \"$0\" \"$@\"", BIN])
            .args(args);
        run_with_stdin(&mut shell, stdin.to_string().as_bytes())
    };
    let start =
        serde_json::json!({"session_id": "s0", "cwd": "/tmp", "hook_event_name": "SessionStart"});
    let output = under_umask_000(&["hook"], &start);
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Input that is not a hook call is refused with a log line: the log file is created.
    let output = under_umask_000(&["hook"], &serde_json::json!("not a hook call"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let output = under_umask_000(&["config", "brain", "rules"], &Value::Null);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = under_umask_000(&["scheduler"], &Value::Null);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let found = modes_under(&world.data);
    for name in [
        "pcc.db",
        "pcc.db-wal",
        "pcc.db-shm",
        "config.toml",
        "scheduler.lock",
    ] {
        assert!(
            found.iter().any(|(path, _, _)| path.ends_with(name)),
            "{name} was created: {found:?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|(path, _, _)| path.ends_with("logs/pcc-hooks.log")),
        "{found:?}"
    );
    for (path, mode, is_dir) in &found {
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{} is {mode:04o}", path.display());
    }
}

#[test]
fn a_loose_data_dir_from_before_is_tightened_and_says_so() {
    let world = World::new();
    world.session_start();
    let logs = world.data.join("logs");
    std::fs::create_dir_all(&logs).expect("logs");
    std::fs::write(logs.join("pcc-hooks.log"), "old line\n").expect("log");
    std::fs::write(world.data.join("config.toml"), "").expect("config");
    let loose = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    for dir in [&world.data, &logs] {
        loose(dir, 0o755);
    }
    for file in ["pcc.db", "pcc.db-wal", "pcc.db-shm", "config.toml"] {
        loose(&world.data.join(file), 0o644);
    }
    loose(&logs.join("pcc-hooks.log"), 0o666);

    let output = run_with_stdin(
        world.command().env("PCC_LOG", "debug").arg("hook"),
        serde_json::json!({"session_id": "s0", "cwd": "/tmp", "hook_event_name": "Stop"})
            .to_string()
            .as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    for file in ["pcc.db", "pcc.db-wal", "pcc.db-shm", "logs/pcc-hooks.log"] {
        assert_eq!(mode(&world.data.join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&world.data), 0o700);
    assert_eq!(mode(&logs), 0o700);
    let log = std::fs::read_to_string(logs.join("pcc-hooks.log")).expect("log");
    for (file, from) in [
        ("pcc.db", "0644"),
        ("pcc.db-wal", "0644"),
        ("logs/pcc-hooks.log", "0666"),
    ] {
        let said = format!(
            "tightened {} from {from} to 0600",
            world.data.join(file).display()
        );
        assert!(log.contains(&said), "the log says {said:?}:\n{log}");
    }
    // The config file is not written by a hook; doctor finds it and says so.
    let doctor = world.command().arg("doctor").output().expect("doctor");
    let said = format!(
        "tightened {} from 0644 to 0600",
        world.data.join("config.toml").display()
    );
    assert!(
        text(&doctor.stdout).contains(&said),
        "{}",
        text(&doctor.stdout)
    );
    assert_eq!(mode(&world.data.join("config.toml")), 0o600);
}

#[test]
fn a_read_only_file_system() {
    let world = World::new();
    let Some(mount) = Tmpfs::mount(&world.data, "4m") else {
        return;
    };
    world.session_start();
    mount.remount_read_only();
    let doctor = world.command().arg("doctor").output().expect("doctor");
    assert_doctor_says(
        &doctor,
        &["Read-only file system", "a committed write failed"],
    );
    assert_denied(&world.hook(&dangerous_call()));
    let status = world
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    let report = assert_status_shows(&status, "Read-only file system");
    let files = report["hook_errors"]["unrecorded_files"].to_string();
    assert!(
        files.contains(&world.runtime.display().to_string()),
        "kept in the per-user fallback, not the read-only data directory: {files}"
    );
    let doctor = world.command().arg("doctor").output().expect("doctor");
    assert!(
        text(&doctor.stdout).contains("could not be recorded in the database"),
        "{}",
        text(&doctor.stdout)
    );
}

#[test]
fn a_data_dir_owned_by_someone_else() {
    let nobody = Command::new("id").args(["-u", "nobody"]).output();
    let setpriv = Command::new("setpriv").arg("--version").output();
    let (Ok(nobody), Ok(setpriv)) = (nobody, setpriv) else {
        eprintln!("SKIP: no `nobody` user or no setpriv; this fault is not checked");
        return;
    };
    if !nobody.status.success() || !setpriv.status.success() || not_root() {
        eprintln!("SKIP: changing to `nobody` needs root and setpriv; this fault is not checked");
        return;
    }
    let world = World::new();
    world.session_start();
    // Readable by everyone, as an older version left it; writable by its owner (root) alone.
    let open_up = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    open_up(world._root.path(), 0o755);
    open_up(&world.data, 0o755);
    for file in ["pcc.db", "pcc.db-wal", "pcc.db-shm"] {
        open_up(&world.data.join(file), 0o644);
    }
    let uid = text(&nobody.stdout).trim().to_owned();
    std::os::unix::fs::chown(&world.runtime, uid.parse().ok(), None).expect("chown");
    let as_nobody = |args: &[&str]| {
        let mut command = world.environment(Command::new("setpriv"));
        command
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN])
            .args(args);
        command
    };
    let doctor = as_nobody(&["doctor"]).output().expect("doctor");
    assert_doctor_says(&doctor, &["belongs to uid 0", "a committed write failed"]);
    let hook = run_with_stdin(
        &mut as_nobody(&["hook"]),
        dangerous_call().to_string().as_bytes(),
    );
    assert_denied(&hook);
    let status = as_nobody(&["status", "--json"]).output().expect("status");
    assert_status_shows(&status, "not recorded");
}

fn not_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map_or(true, |output| text(&output.stdout).trim() != "0")
}

#[test]
fn a_full_disk() {
    let world = World::new();
    let Some(_mount) = Tmpfs::mount(&world.data, "1m") else {
        return;
    };
    world.session_start();
    // Fill what is left; the file system then refuses every new block.
    let mut filler = std::fs::File::create(world.data.join("filler")).expect("filler");
    let block = vec![0_u8; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    let _ = filler.sync_all();
    let doctor = world.command().arg("doctor").output().expect("doctor");
    assert_doctor_says(
        &doctor,
        &["No space left on device", "database or disk is full"],
    );
    assert_denied(&world.hook(&dangerous_call()));
    let stop = world.hook(&serde_json::json!({
        "session_id": "s0", "cwd": "/tmp", "hook_event_name": "Stop"
    }));
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    let status = world
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    let report = assert_status_shows(&status, "database or disk is full");
    assert!(
        report["hook_errors"]["unrecorded"].as_i64() >= Some(2),
        "{report}"
    );
    let files = report["hook_errors"]["unrecorded_files"].to_string();
    assert!(
        files.contains(&world.data.join("hook-failures.log").display().to_string()),
        "the failure log's reserved space took them on the full disk: {files}"
    );
}

#[test]
fn a_corrupt_last_page() {
    let world = World::new();
    world.session_start();
    let database = world.data.join("pcc.db");
    {
        // Enough events that the last pages are the events table's and its index's; then
        // everything into the main file, so the damage is not hidden behind the WAL.
        let conn = rusqlite::Connection::open(&database).expect("open");
        conn.execute_batch(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO events (session_id, at_ms, event, tool_name, summary)
                 SELECT 's0', i, 'PreToolUse', 'Bash', 'Bash: ls ' || i FROM n;
             COMMIT;",
        )
        .expect("bulk load");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    let size = std::fs::metadata(&database).expect("size").len();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&database)
        .expect("open for damage");
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(size - 4096 + 100)).expect("seek");
    let garbage: Vec<u8> = (0..3000_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::io::Write::write_all(&mut file, &garbage).expect("damage");
    drop(file);

    let doctor = world.command().arg("doctor").output().expect("doctor");
    assert_doctor_says(&doctor, &["is corrupt"]);
    assert_denied(&world.hook(&dangerous_call()));
    let status = world
        .command()
        .args(["status", "--json"])
        .output()
        .expect("status");
    let report = assert_status_shows(&status, "malformed");
    assert!(
        report["database_error"]
            .as_str()
            .is_some_and(|error| error.contains("malformed")),
        "status says the database is unreadable: {report}"
    );
    assert!(
        !status.status.success(),
        "status exits non-zero on a database it cannot read"
    );
}
