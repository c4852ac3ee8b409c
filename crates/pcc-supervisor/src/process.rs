//! Telling one process from another that later got its pid, and stopping a process group: what
//! the scheduler's claims and started sessions name their processes by.
//!
//! A pid alone names whoever holds it now: a claim naming a dead scheduler's pid would look
//! alive once the pid is reused. A [`ProcessStamp`] adds when the process started (Linux:
//! `/proc/<pid>/stat` field 22, the start time in clock ticks since boot, with the boot id, since
//! those ticks restart at every boot), which no later holder of the pid shares. Where `/proc`
//! cannot be read, a stamp says so and never matches: a claim is then taken as stale.

pub use pcc_store::ProcessStamp;
use rustix::io::Errno;
use rustix::process::{Pid, Signal, kill_process_group, test_kill_process_group};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The start of a process whose start cannot be read; no process is ever found with it.
const UNKNOWN_START: &str = "unknown";

/// How often a stopping group is looked at during its grace.
const STOP_POLL: Duration = Duration::from_millis(20);

/// This process's stamp.
pub fn current() -> ProcessStamp {
    let pid = std::process::id();
    stamp_of(pid).unwrap_or_else(|| ProcessStamp {
        pid,
        start: UNKNOWN_START.to_owned(),
    })
}

/// The stamp of the live process `pid`, or `None` when there is none (a zombie has exited: it is
/// none too) or its start cannot be read.
pub fn stamp_of(pid: u32) -> Option<ProcessStamp> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so fields are counted
    // from the last `)`; the state is field 3, the start time field 22.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_comm.split_ascii_whitespace();
    let state = fields.next()?;
    if matches!(state, "Z" | "X" | "x") {
        return None;
    }
    let ticks: u64 = fields.nth(18)?.parse().ok()?;
    Some(ProcessStamp {
        pid,
        start: format!("{}:{ticks}", boot_id()),
    })
}

/// The stamp of process `pid`, just started by us: one that cannot be read (it already exited)
/// never matches a running process, so nothing is ever signalled on its account.
pub fn stamp_or_unknown(pid: u32) -> ProcessStamp {
    stamp_of(pid).unwrap_or_else(|| ProcessStamp {
        pid,
        start: UNKNOWN_START.to_owned(),
    })
}

/// Whether the very process `stamp` names is still running.
pub fn is_running(stamp: &ProcessStamp) -> bool {
    stamp.start != UNKNOWN_START && stamp_of(stamp.pid).as_ref() == Some(stamp)
}

/// What [`stop_group`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStop {
    /// The leader's pid now names another process: nothing was sent.
    NotOurs,
    /// Nobody was left in the group: nothing was sent.
    Gone,
    /// The group went within its grace after SIGTERM.
    Terminated,
    /// Something was left after the grace, and got SIGKILL.
    Killed,
}

/// Stops the process group that `leader` leads (a child started with `process_group(0)`) and
/// every process it started: SIGTERM to the group, up to `grace` for it to go, then SIGKILL.
/// Nothing is sent when the leader's pid now belongs to another process; a group whose leader
/// has exited but whose members remain is still ours (its id is not reused while any member
/// lives).
///
/// The leader's descendants are taken down before the signal, by pid and start stamp: a program
/// may run its children in sessions of their own (Claude Code's Bash tool does), out of the
/// group's reach, and when the leader needs SIGKILL it cannot end them itself. A descendant
/// that ends and whose pid is reused meanwhile is not signalled.
pub fn stop_group(leader: &ProcessStamp, grace: Duration) -> GroupStop {
    let Some(group) = group_of(leader.pid) else {
        return GroupStop::Gone;
    };
    if stamp_of(leader.pid).is_some_and(|now| now != *leader) {
        return GroupStop::NotOurs;
    }
    if !group_exists(leader.pid) {
        return GroupStop::Gone;
    }
    let tree = if is_running(leader) {
        descendants(leader.pid)
    } else {
        Vec::new()
    };
    // ESRCH: nobody left, which is the goal; EPERM: not ours to signal, nothing more to do.
    let _ = kill_process_group(group, Signal::TERM);
    // The leader is watched rather than the group: an exited leader stays in the group as a
    // zombie until its parent waits for it, which may be the caller.
    let deadline = Instant::now() + grace;
    let running = |tree: &[ProcessStamp]| is_running(leader) || tree.iter().any(is_running);
    while running(&tree) && Instant::now() < deadline {
        std::thread::sleep(STOP_POLL);
    }
    // Whatever is left: a leader past its grace, members that outlived it (a zombie leader,
    // whose parent has not waited yet, is gone already), descendants elsewhere.
    let mut left: Vec<ProcessStamp> = tree.into_iter().filter(is_running).collect();
    if is_running(leader) {
        left.extend(descendants(leader.pid));
    }
    if !is_running(leader) && !has_live_member(leader.pid) && left.is_empty() {
        return GroupStop::Terminated;
    }
    let _ = kill_process_group(group, Signal::KILL);
    for stamp in left.iter().filter(|stamp| is_running(stamp)) {
        if let Some(pid) = group_of(stamp.pid) {
            let _ = rustix::process::kill_process(pid, Signal::KILL);
        }
    }
    GroupStop::Killed
}

/// Every process descended from `root` now (children, their children…), each with its stamp.
pub fn descendants(root: u32) -> Vec<ProcessStamp> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let after_comm = &stat[stat.rfind(')')? + 1..];
            let parent = after_comm.split_ascii_whitespace().nth(1)?.parse().ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(parent) = pending.pop() {
        for (pid, _) in parents.iter().filter(|(_, of)| *of == parent) {
            if let Some(stamp) = stamp_of(*pid) {
                found.push(stamp);
                pending.push(*pid);
            }
        }
    }
    found
}

/// Sends SIGKILL to the whole group `leader` leads, at once: for a child of ours that must not
/// run on (its output could not be kept, or it outstayed its exit).
pub fn kill_group(leader: u32) {
    if let Some(group) = group_of(leader) {
        let _ = kill_process_group(group, Signal::KILL);
    }
}

/// Whether any process (a zombie included) is still in the group `leader` led.
pub fn group_exists(leader: u32) -> bool {
    group_of(leader).is_some_and(members_left)
}

/// The group led by `pid`; `None` for 0, 1 or a value that would address other groups.
fn group_of(pid: u32) -> Option<Pid> {
    i32::try_from(pid)
        .ok()
        .filter(|raw| *raw > 1)
        .and_then(Pid::from_raw)
}

fn members_left(group: Pid) -> bool {
    !matches!(test_kill_process_group(group), Err(Errno::SRCH))
}

/// Whether a process of group `group` is still running (not a zombie), by `/proc/<pid>/stat`
/// (field 5 is the group). Where `/proc` cannot be read, any member counts.
fn has_live_member(group: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return group_exists(group);
    };
    entries.flatten().any(|entry| {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            return false;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        let Some(after_comm) = stat.rfind(')').map(|end| &stat[end + 1..]) else {
            return false;
        };
        let mut fields = after_comm.split_ascii_whitespace();
        let state = fields.next().unwrap_or("Z");
        let pgrp = fields.nth(1).and_then(|field| field.parse::<u32>().ok());
        pgrp == Some(group) && !matches!(state, "Z" | "X" | "x")
    })
}

/// This boot's id, so start times from another boot never match.
fn boot_id() -> &'static str {
    static BOOT_ID: OnceLock<String> = OnceLock::new();
    BOOT_ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|id| id.trim().to_owned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt as _;
    use std::process::{Command, Stdio};

    #[test]
    fn a_stamp_names_this_process_and_no_other_holder_of_its_pid() {
        let me = current();
        assert_ne!(me.start, UNKNOWN_START, "Linux has /proc");
        assert!(is_running(&me));
        let reused = ProcessStamp {
            pid: me.pid,
            start: format!("{}:1", boot_id()),
        };
        assert!(!is_running(&reused), "same pid, another start");
        assert!(!is_running(&ProcessStamp {
            pid: me.pid,
            start: UNKNOWN_START.into()
        }));
    }

    #[test]
    fn a_group_is_stopped_and_a_stranger_with_the_leaders_pid_is_left_alone() {
        let mut child = Command::new("sleep")
            .arg("60")
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("sleep");
        let stamp = stamp_of(child.id()).expect("running");
        let stranger = ProcessStamp {
            pid: child.id(),
            start: format!("{}:1", boot_id()),
        };
        assert_eq!(
            stop_group(&stranger, Duration::from_millis(10)),
            GroupStop::NotOurs
        );
        assert!(is_running(&stamp), "not the process the stamp names");
        assert_eq!(
            stop_group(&stamp, Duration::from_secs(5)),
            GroupStop::Terminated
        );
        let status = child.wait().expect("wait");
        assert!(!status.success(), "stopped by a signal: {status:?}");
    }

    #[test]
    fn a_descendant_in_a_session_of_its_own_is_stopped_too() {
        // `setsid` puts the sleep out of the group's reach, as Claude Code's Bash tool does.
        let mut child = Command::new("sh")
            .args(["-c", "setsid sleep 60 & wait"])
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("sh");
        let leader = stamp_of(child.id()).expect("running");
        let group_of = |pid: u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| stat.rsplit(')').next().map(str::to_owned))
                .and_then(|rest| rest.split_whitespace().nth(2).map(str::to_owned))
        };
        // Until `setsid` has run, the forked child is still in the leader's group: wait for the
        // sleep to be in a group of its own.
        let deadline = Instant::now() + Duration::from_secs(10);
        let sleeper = loop {
            let away = descendants(leader.pid).into_iter().find(|found| {
                group_of(found.pid).is_some_and(|group| group != leader.pid.to_string())
            });
            if let Some(found) = away {
                break found;
            }
            assert!(
                Instant::now() < deadline,
                "the sleep never ran in a group of its own"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(
            stop_group(&leader, Duration::from_millis(300)),
            GroupStop::Killed,
            "the sleep outlived SIGTERM: SIGTERM never reached it"
        );
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while is_running(&sleeper) {
            assert!(Instant::now() < deadline, "the sleep survived the stop");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
