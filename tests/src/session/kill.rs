//! Killing a CLI run together with everything it started.
//!
//! The CLI runs in its own process group, but Claude Code starts each hook in a new session
//! (observed with 2.1.329: a hook's `sh` has its own pgid/sid), so killing the group alone
//! leaves hung hooks behind. On Linux the process tree is therefore walked via `/proc`,
//! frozen with SIGSTOP (so nothing forks while we look), then SIGKILLed.

use std::collections::{BTreeSet, HashMap};

use rustix::process::{Pid, Signal, kill_process, kill_process_group};

/// SIGKILLs `root`, all its descendants and its process group (best effort; errors such as
/// "no such process" are ignored).
pub(crate) fn kill_tree(root: u32) {
    let mut seen = BTreeSet::new();
    // Descendants may fork while being enumerated: stop what we find, rescan until stable.
    for _ in 0..5 {
        let fresh: Vec<u32> = descendants(root)
            .into_iter()
            .filter(|p| !seen.contains(p))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for &p in &fresh {
            signal(p, Signal::STOP);
        }
        seen.extend(fresh);
    }
    for &p in &seen {
        signal(p, Signal::KILL);
    }
    if let Some(pgid) = pid(root) {
        let _ = kill_process_group(pgid, Signal::KILL);
    }
}

fn pid(raw: u32) -> Option<Pid> {
    i32::try_from(raw).ok().and_then(Pid::from_raw)
}

fn signal(p: u32, sig: Signal) {
    if let Some(p) = pid(p) {
        let _ = kill_process(p, sig);
    }
}

/// `root` and its descendants according to `/proc` (just `root` where there is no `/proc`).
fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.filter_map(Result::ok) {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_of(p) {
                children.entry(ppid).or_default().push(p);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while let Some(&p) = out.get(i) {
        if let Some(kids) = children.get(&p) {
            out.extend(kids.iter().copied().filter(|k| *k != p));
        }
        i += 1;
    }
    out
}

/// Parent pid from `/proc/<pid>/stat` (`pid (comm) state ppid …`; comm may contain spaces and
/// parentheses, so parse after the last `)`).
fn parent_of(p: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_own_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let me = std::process::id();
        assert!(descendants(me).contains(&child.id()));
        assert_eq!(parent_of(child.id()), Some(me));
        let _ = child.kill();
        let _ = child.wait();
    }
}
