//! Faults: processes. A scheduler killed while its `claude --resume` runs, terminated, or
//! outlived by it; a claim naming a pid that now belongs to another process. A session is never
//! resumed by two `claude`s at once, and every claim is finished, taken over or cancellable.

use crate::common::*;
use pcc_store::{NewResume, Store};
use pcc_testkit::claude;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any awaited condition may take.
const DEADLINE: Duration = Duration::from_secs(60);

struct Setup {
    dir: tempfile::TempDir,
    home: PathBuf,
    fake: PathBuf,
    log: PathBuf,
    hold: PathBuf,
    project: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = claude::program();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    Setup {
        home: dir.path().join("pcc"),
        log: dir.path().join("claude.log"),
        hold: dir.path().join("hold"),
        fake,
        project,
        dir,
    }
}

impl Setup {
    /// Schedules a resume of `session`, due now.
    fn schedule(&self, session: &str) {
        let mut store = Store::open(&self.home.join("pcc.db")).expect("open");
        let input = serde_json::json!({"session_id": session, "cwd": self.project,
            "hook_event_name": "StopFailure"});
        let record = pcc_store::EventRecord::from_hook(
            &pcc_core::hook::HookInput::parse(input.to_string().as_bytes()).expect("valid"),
            self.project.display().to_string(),
            now_ms(),
        );
        let due = now_ms() - 1000;
        let plan = NewResume {
            session_id: session.into(),
            cwd: self.project.display().to_string(),
            transcript_path: None,
            limit_kind: "five_hour".into(),
            resets_at_ms: Some(due),
            due_ms: due,
            prompt: "Please continue.".into(),
        };
        store.record_limit(&record, &plan).expect("schedule");
    }

    /// `pcc-hooks ARGS` with the fake claude.
    fn pcc(&self, args: &[&str]) -> Command {
        let mut command = command(&self.home);
        command
            .args(args)
            .env("PCC_CLAUDE_BIN", &self.fake)
            .env(claude::RECORD_ENV, &self.log)
            .env(claude::HOLD_ENV, &self.hold)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Holds the fake claude before it finishes, until the returned lock is dropped.
    fn hold_claude(&self) -> std::fs::File {
        let hold = std::fs::File::create(&self.hold).expect("hold file");
        hold.lock().expect("hold claude");
        hold
    }

    /// The fake's notes: (event, pid, session).
    fn notes(&self) -> Vec<(String, u32, String)> {
        claude::notes(&self.log)
            .into_iter()
            .map(|note| {
                (
                    note["event"].as_str().expect("event").to_owned(),
                    u32::try_from(note["pid"].as_u64().expect("pid")).expect("pid"),
                    note["session"].as_str().expect("session").to_owned(),
                )
            })
            .collect()
    }

    fn starts(&self) -> Vec<u32> {
        self.notes()
            .into_iter()
            .filter(|(event, _, _)| event == "start")
            .map(|(_, pid, _)| pid)
            .collect()
    }

    /// The most `claude`s that ran at once on one session, replaying the fake's notes.
    fn most_at_once(&self) -> usize {
        let mut running: std::collections::BTreeMap<String, usize> = Default::default();
        let mut most = 0;
        for (event, _, session) in self.notes() {
            let count = running.entry(session).or_default();
            match event.as_str() {
                "start" => *count += 1,
                _ => *count = count.saturating_sub(1),
            }
            most = most.max(*count);
        }
        most
    }

    /// (state, attempts) of the session's resume.
    fn resume(&self, session: &str) -> (String, i64) {
        db(&self.home)
            .query_row(
                "SELECT state, attempts FROM resumes WHERE session_id = ?1",
                [session],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("the resume")
    }

    fn runner_pid(&self, session: &str) -> Option<u32> {
        db(&self.home)
            .query_row(
                "SELECT runner_pid FROM resumes WHERE session_id = ?1",
                [session],
                |row| row.get(0),
            )
            .expect("the resume")
    }

    fn status_json(&self) -> serde_json::Value {
        let output = command(&self.home)
            .args(["status", "--json"])
            .output()
            .expect("status");
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("status JSON")
    }

    /// The session's entry in `status --json`.
    fn shown(&self, session: &str) -> serde_json::Value {
        self.status_json()["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .find(|entry| entry["session_id"] == session)
            .cloned()
            .expect("the session is shown")
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Polls `condition` until it holds; fails the test after [`DEADLINE`].
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let mut status = None;
    wait_until("the scheduler exits", || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    status.expect("exited")
}

/// Whether `pid` is a live process (a zombie is not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

fn runs_dir_is_empty(home: &Path) -> bool {
    std::fs::read_dir(home.join("resume-runs")).map_or(true, |mut entries| entries.next().is_none())
}

#[test]
fn a_scheduler_killed_while_claude_runs_never_leaves_two_at_once_and_resumes_once() {
    let setup = setup();
    setup.schedule("s-kill");
    let hold = setup.hold_claude();
    let mut first = setup.pcc(&["scheduler"]).spawn().expect("scheduler");
    wait_until("claude started", || setup.starts().len() == 1);
    first.kill().expect("kill -9 the scheduler");
    first.wait().expect("reap it");
    let orphan = setup.starts()[0];
    assert!(alive(orphan), "its claude outlives it");

    let mut second = setup.pcc(&["scheduler"]).spawn().expect("scheduler");
    let log = setup.home.join("logs/pcc-hooks.log");
    wait_until(
        "the new scheduler waits for that claude, or starts another",
        || {
            std::fs::read_to_string(&log).is_ok_and(|log| log.contains("still runs: waiting"))
                || setup.starts().len() > 1
        },
    );
    assert_eq!(setup.runner_pid("s-kill"), Some(second.id()), "taken over");
    drop(hold);
    assert!(wait_for_exit(&mut second).success());

    assert_eq!(
        setup.most_at_once(),
        1,
        "never two at once: {:?}",
        setup.notes()
    );
    assert_eq!(setup.starts(), vec![orphan], "claude ran once");
    assert_eq!(
        setup.resume("s-kill"),
        ("done".into(), 1),
        "the orphan's run recorded"
    );
    assert!(runs_dir_is_empty(&setup.home), "its files are removed");
}

#[test]
fn a_scheduler_terminated_while_claude_runs_leaves_a_record_the_next_one_finishes() {
    let setup = setup();
    setup.schedule("s-term");
    let hold = setup.hold_claude();
    let mut first = setup.pcc(&["scheduler"]).spawn().expect("scheduler");
    wait_until("claude started", || setup.starts().len() == 1);
    signal(first.id(), "-TERM");
    first.wait().expect("reap it");
    assert_eq!(
        setup.shown("s-term")["status"],
        "resuming",
        "its claude still runs"
    );
    // The orphan finishes while no scheduler runs.
    drop(hold);
    wait_until("claude ended", || {
        setup.notes().iter().any(|(event, _, _)| event == "end")
    });
    let orphan = setup.starts()[0];
    wait_until("claude exited", || !alive(orphan));
    let shown = setup.shown("s-term");
    assert_ne!(shown["status"], "resuming", "{shown}");
    assert_eq!(shown["resume"]["state"], "interrupted", "{shown}");

    let next = setup
        .pcc(&["scheduler", "--once"])
        .output()
        .expect("scheduler");
    assert!(next.status.success(), "{}", text(&next.stderr));
    assert_eq!(
        setup.starts().len(),
        1,
        "not run again: {:?}",
        setup.notes()
    );
    assert_eq!(setup.resume("s-term"), ("done".into(), 1));
}

#[test]
fn resume_cancel_stops_a_running_resume_and_it_stays_cancelled() {
    let setup = setup();
    setup.schedule("s-cancel");
    let _hold = setup.hold_claude();
    let mut scheduler = setup.pcc(&["scheduler"]).spawn().expect("scheduler");
    wait_until("claude started", || setup.starts().len() == 1);
    let claude = setup.starts()[0];
    wait_until("its pid is recorded", || {
        db(&setup.home)
            .query_row(
                "SELECT child_pid FROM resumes WHERE session_id = 's-cancel'",
                [],
                |row| row.get::<_, Option<u32>>(0),
            )
            .expect("child")
            == Some(claude)
    });
    let cancel = command(&setup.home)
        .args(["resume", "s-cancel", "--cancel"])
        .output()
        .expect("cancel");
    assert!(cancel.status.success(), "{}", text(&cancel.stderr));
    assert!(
        text(&cancel.stdout).contains("stopped claude"),
        "{}",
        text(&cancel.stdout)
    );
    assert!(wait_for_exit(&mut scheduler).success());
    assert!(!alive(claude), "its claude was stopped");
    assert_eq!(setup.resume("s-cancel"), ("cancelled".into(), 1));
    assert_eq!(
        count(&db(&setup.home), "SELECT COUNT(*) FROM escalations"),
        0,
        "a cancelled resume is not a failure to escalate"
    );
}

#[test]
fn a_claim_naming_a_reused_pid_is_shown_interrupted_cancellable_and_recovered() {
    let setup = setup();
    setup.schedule("s-reused-a");
    setup.schedule("s-reused-b");
    // Claims by a scheduler whose pid is now this test's, a live and unrelated process: with a
    // start that is not ours, and with none at all (claimed before starts were recorded).
    let conn = db(&setup.home);
    conn.execute(
        "UPDATE resumes SET state = 'running', attempts = 1, runner_pid = ?1,
                runner_start = CASE session_id WHEN 's-reused-a' THEN 'another-boot:1' END",
        [std::process::id()],
    )
    .expect("plant the claims");
    for session in ["s-reused-a", "s-reused-b"] {
        let shown = setup.shown(session);
        assert_ne!(shown["status"], "resuming", "{shown}");
        assert_eq!(shown["resume"]["state"], "interrupted", "{shown}");
    }

    let cancel = command(&setup.home)
        .args(["resume", "s-reused-a", "--cancel"])
        .output()
        .expect("cancel");
    assert!(cancel.status.success(), "{}", text(&cancel.stderr));
    assert_eq!(setup.resume("s-reused-a"), ("cancelled".into(), 1));

    let fifo = setup.dir.path().join("ran.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let now = setup
        .pcc(&["resume", "s-reused-b", "--now"])
        .env(claude::DONE_FIFO_ENV, &fifo)
        .stdout(Stdio::piped())
        .output()
        .expect("resume --now");
    assert!(now.status.success(), "{}", text(&now.stderr));
    assert!(
        text(&now.stdout).contains("interrupted"),
        "{}",
        text(&now.stdout)
    );
    wait_for_the_scheduler(&setup.home, fifo);
    assert_eq!(setup.resume("s-reused-b"), ("done".into(), 2));
    assert_eq!(setup.starts().len(), 1, "{:?}", setup.notes());
    assert_eq!(setup.resume("s-reused-a").0, "cancelled", "left cancelled");
}

#[test]
fn a_task_list_whose_worker_pid_was_reused_is_shown_interrupted() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&home.path().join("pcc.db")).expect("open");
    let list = pcc_store::NewTaskList {
        cwd: "/tmp".into(),
        options: "{}".into(),
        tasks: vec![pcc_store::NewTask {
            prompt: "say hi".into(),
            options: "{}".into(),
        }],
    };
    let id = store.create_task_list(&list, 1).expect("create");
    // The worker that claimed it died; its pid now belongs to an unrelated live process.
    let mut unrelated = Command::new("sleep").arg("60").spawn().expect("sleep");
    store
        .claim_task_list(id, i64::from(unrelated.id()), 2)
        .expect("claim");
    // Its lock file is there (as every worker leaves one) and nobody holds it.
    drop(pcc_store::ListWorkerLock::acquire(home.path(), id).expect("lock"));
    drop(store);

    let shown = command(home.path())
        .args(["lists", "--json"])
        .output()
        .expect("lists");
    let lists: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(lists["task_lists"][0]["state"], "interrupted", "{lists}");
    let status = command(home.path())
        .args(["status", "--json"])
        .output()
        .expect("status");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(status["task_lists"][0]["state"], "interrupted", "{status}");
    let _ = unrelated.kill();
    let _ = unrelated.wait();
}
