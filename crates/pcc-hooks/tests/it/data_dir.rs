//! Our data directory is ours wherever `$PCC_HOME` puts it: inside the project
//! (`PCC_HOME=./.pcc`, relative, as the hook resolves it against its own cwd) or in scratch
//! space, a call that writes there is never allowed, by the hook and by `explain`, while the
//! project's own files stay LOW.

use crate::common::{command, db, run_with_stdin, text};
use serde_json::{Value, json};
use std::path::Path;

fn bash(project: &Path, command: &str, tool_use_id: &str) -> Vec<u8> {
    json!({"session_id": "s1", "cwd": project, "hook_event_name": "PreToolUse",
           "permission_mode": "default", "tool_name": "Bash",
           "tool_input": {"command": command}, "tool_use_id": tool_use_id})
    .to_string()
    .into_bytes()
}

/// `pcc-hooks hook` run in `project` with `PCC_HOME=pcc_home` (relative or not), unattended:
/// its `permissionDecision`, `contained` for an allow that runs the call in the sandbox (where
/// the data directory is hidden and read-only: `pcc-sandbox`'s tests).
fn decision(pcc_home: &Path, project: &Path, call: &str, tool_use_id: &str) -> String {
    let output = run_with_stdin(
        command(pcc_home)
            .current_dir(project)
            .env("PCC_MODE", "unattended")
            .arg("hook"),
        &bash(project, call, tool_use_id),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply: Value = serde_json::from_slice(&output.stdout).expect("a reply");
    let specific = &reply["hookSpecificOutput"];
    let contained = specific["updatedInput"]["command"]
        .as_str()
        .is_some_and(|wrapped| wrapped.contains("' contain --project '"));
    if contained {
        return "contained".to_owned();
    }
    specific["permissionDecision"]
        .as_str()
        .expect("a decision")
        .to_owned()
}

#[test]
fn a_data_dir_inside_the_project_cannot_be_written_by_a_call_the_hook_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("src")).expect("project");
    let relative = Path::new("./.pcc");
    assert_eq!(decision(relative, &project, "git status", "t0"), "allow");
    assert!(
        project.join(".pcc/pcc.db").is_file(),
        "the data dir is ./.pcc"
    );
    for (id, attack) in [
        ("t1", "printf x > .pcc/spool/a.event.json"),
        ("t2", "cp src/x.db .pcc/pcc.db"),
        ("t3", "chmod 500 .pcc/spool"),
        ("t4", "cat .pcc/server.token"),
        ("t5", "ls .pcc/deferred"),
        ("t6", "cd .pcc && touch x"),
        ("t7", "printf x > .pc?/spool/b.event.json"),
    ] {
        let answer = decision(relative, &project, attack, id);
        assert_ne!(answer, "allow", "{attack}");
    }
    assert_eq!(
        decision(relative, &project, "printf x > src/notes.txt", "t8"),
        "allow",
        "the project's own files stay LOW"
    );
    let store = db(&project.join(".pcc"));
    let (level, rule): (String, String) = store
        .query_row(
            "SELECT level, rule FROM decisions WHERE tool_use_id = 't1'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the spool write was judged");
    assert_eq!(
        (level.as_str(), rule.as_str()),
        ("HIGH", "path.agent-settings")
    );
    let explained = command(relative)
        .current_dir(&project)
        .args([
            "explain",
            "--json",
            "--",
            "printf x > .pcc/spool/a.event.json",
        ])
        .output()
        .expect("explain");
    assert!(explained.status.success(), "{}", text(&explained.stderr));
    let explanation: Value = serde_json::from_slice(&explained.stdout).expect("json");
    assert_eq!(explanation["level"], "HIGH", "{explanation}");
}

#[test]
fn a_data_dir_in_scratch_space_is_not_scratch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    let scratch = tempfile::tempdir_in("/tmp").expect("scratch");
    let data = scratch.path().join("pcc");
    std::fs::create_dir_all(&project).expect("project");
    assert_eq!(decision(&data, &project, "git status", "t0"), "allow");
    let spool = data.join("spool/a.event.json");
    let call = format!("printf x > {}", spool.display());
    assert_ne!(decision(&data, &project, &call, "t1"), "allow", "{call}");
    let beside = format!("printf x > {}", scratch.path().join("other.txt").display());
    assert_eq!(
        decision(&data, &project, &beside, "t2"),
        "allow",
        "the rest of /tmp is scratch"
    );
}
