//! Signals to a child's whole process group (the child is its group's leader, so the group id is
//! its pid), through rustix instead of unsafe libc calls.

use rustix::io::Errno;
use rustix::process::{Pid, Signal, kill_process_group, test_kill_process_group};

/// The process group of a child started with `process_group(0)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProcessGroup(Pid);

impl ProcessGroup {
    /// The group led by `pid`; `None` for pid 0 or a negative value, which would address other
    /// groups.
    pub(crate) fn of_leader(pid: u32) -> Option<ProcessGroup> {
        let raw = i32::try_from(pid).ok().filter(|raw| *raw > 1)?;
        Pid::from_raw(raw).map(ProcessGroup)
    }

    /// Sends SIGTERM to every process of the group. A group that is already gone is fine.
    pub(crate) fn terminate(self) {
        self.send(Signal::TERM);
    }

    /// Sends SIGKILL to every process of the group. A group that is already gone is fine.
    pub(crate) fn kill(self) {
        self.send(Signal::KILL);
    }

    fn send(self, signal: Signal) {
        // ESRCH: nobody left. EPERM cannot happen for our own children; there is nothing more
        // to do about either, and the caller goes on waiting for the leader.
        let _ = kill_process_group(self.0, signal);
    }

    /// Whether any process (zombies included) is still in the group.
    pub(crate) fn is_alive(self) -> bool {
        !matches!(test_kill_process_group(self.0), Err(Errno::SRCH))
    }
}

/// Kills the group with SIGKILL when dropped while armed: if the future running a child is
/// dropped (the caller gave up on it), no process of the task is left behind.
#[derive(Debug)]
pub(crate) struct KillOnDrop {
    group: Option<ProcessGroup>,
}

impl KillOnDrop {
    pub(crate) fn new(group: Option<ProcessGroup>) -> KillOnDrop {
        KillOnDrop { group }
    }

    /// The child was supervised to its end: nothing to do on drop.
    pub(crate) fn disarm(&mut self) {
        self.group = None;
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(group) = self.group {
            group.kill();
        }
    }
}
