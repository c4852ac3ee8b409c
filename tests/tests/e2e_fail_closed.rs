//! Our silence never lets a call run, against the real Claude Code CLI under
//! `--permission-mode bypassPermissions` (where "no decision" means the call runs): with a
//! malformed project config, or an unusable database, the scripted model's `rm -rf ~/victim`
//! is denied with a reason that names the problem, and the canary in the throwaway home survives.

use pcc_e2e::{ClaudeSession, MockApi, Sandbox, SessionOutcome, Turn, pcc_binary, plugin_dir};
use serde_json::json;
use std::path::PathBuf;

/// `~/victim/canary` in the sandbox's throwaway home.
fn plant_canary(sandbox: &Sandbox) -> PathBuf {
    let canary = sandbox.home().join("victim/canary");
    std::fs::create_dir_all(canary.parent().expect("victim dir")).expect("victim dir");
    std::fs::write(&canary, "alive\n").expect("canary");
    canary
}

/// A headless session with our plugin, unattended the way most unattended runs start: no
/// `PCC_MODE`, `bypassPermissions`.
fn run(sandbox: &Sandbox, mock: &MockApi) -> SessionOutcome {
    ClaudeSession::new(mock, "do the scripted steps")
        .sandbox(sandbox)
        .plugin_dir(plugin_dir())
        .args(["--permission-mode", "bypassPermissions"])
        // As root, Claude Code refuses bypassPermissions outside a sandbox it trusts.
        .env("IS_SANDBOX", "1")
        .env("PCC_HOOKS_BIN", pcc_binary("pcc-hooks"))
        .env("PCC_HOME", sandbox.pcc_home())
        // Denied calls, not deferred ones: the session goes on to try the next call.
        .env("PCC_DEFER", "off")
        .env_remove("PCC_MODE")
        .run()
}

/// The text of the tool_result the model received for the n-th scripted call (0-based).
fn tool_result(mock: &MockApi, call: usize) -> String {
    mock.scripted_requests()
        .iter()
        .find(|request| request.assistant_count() == call + 1)
        .and_then(|request| {
            request
                .tool_results()
                .last()
                .map(|result| result.text.clone())
        })
        .unwrap_or_else(|| panic!("no tool_result for call {call}"))
}

/// (tool, level, answer, rule) of every PreToolUse decision, in order.
fn decisions(sandbox: &Sandbox) -> Vec<(String, String, String, String)> {
    let conn = rusqlite::Connection::open(sandbox.pcc_home().join("pcc.db")).expect("database");
    let mut statement = conn
        .prepare(
            "SELECT tool_name, level, answer, rule FROM decisions
             WHERE hook_event = 'PreToolUse' ORDER BY id",
        )
        .expect("prepare");
    statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

const BROKEN: &str = "[permissions]\ndeny = [\"Bash(git push:*)\"]\nask = [\"Bash(make:*)\"\n";

#[test]
fn a_config_broken_before_the_session_does_not_let_rm_run() {
    let sandbox = Sandbox::new();
    let canary = plant_canary(&sandbox);
    let project_file = sandbox.project_dir().join(".claude/pcc-hooks.toml");
    std::fs::create_dir_all(project_file.parent().expect(".claude")).expect(".claude");
    std::fs::write(&project_file, BROKEN).expect("the broken project file");
    let mock = MockApi::start([
        Turn::tool(
            "Bash",
            json!({"command": "rm -rf ~/victim", "description": "clean"}),
        ),
        Turn::text("Finished."),
    ]);
    let out = run(&sandbox, &mock);
    out.assert_success();
    assert!(canary.exists(), "the canary survived\n{out}");
    let result = tool_result(&mock, 0);
    assert!(
        result.contains(&format!(
            "config error in {}: line 3",
            project_file.display()
        )),
        "the model is told why: {result}"
    );
    assert!(result.contains("judged by the built-in policy"), "{result}");
    let rows = decisions(&sandbox);
    assert_eq!(
        rows,
        vec![(
            "Bash".to_owned(),
            rows.first().map(|row| row.1.clone()).unwrap_or_default(),
            "deny".to_owned(),
            "fail_closed.config".to_owned()
        )],
        "{rows:?}"
    );
    assert_ne!(rows[0].1, "LOW", "{rows:?}");
}

#[test]
fn a_model_that_breaks_the_config_cannot_then_run_rm() {
    let sandbox = Sandbox::new();
    let canary = plant_canary(&sandbox);
    let mock = MockApi::start([
        Turn::tool(
            "Write",
            json!({"file_path": ".claude/pcc-hooks.toml", "content": BROKEN}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "rm -rf ~/victim", "description": "clean"}),
        ),
        Turn::text("Finished."),
    ]);
    let out = run(&sandbox, &mock);
    out.assert_success();
    assert!(canary.exists(), "the canary survived\n{out}");
    let rows = decisions(&sandbox);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].2, "deny", "rm: {rows:?}");
    let rm_result = tool_result(&mock, 1);
    if sandbox
        .project_dir()
        .join(".claude/pcc-hooks.toml")
        .exists()
    {
        // The write went through (allowed, or `ask`, which bypassPermissions does not stop in
        // `-p`): the next call meets the broken file and is judged without it.
        assert_ne!(rows[0].2, "deny", "{rows:?}");
        assert_eq!(rows[1].3, "fail_closed.config", "{rows:?}");
        assert!(rm_result.contains("config error in"), "{rm_result}");
    } else {
        // The policy refused to let the agent touch our configuration; rm then meets the
        // usual policy, which denies it too.
        assert_eq!(rows[0].2, "deny", "{rows:?}");
        assert!(rm_result.contains("pcc-hooks"), "{rm_result}");
    }
}

#[test]
fn an_unusable_database_does_not_let_rm_run() {
    let sandbox = Sandbox::new();
    let canary = plant_canary(&sandbox);
    let home = sandbox.pcc_home();
    std::fs::create_dir_all(&home).expect("pcc home");
    let garbage = b"not a database at all, just bytes ".repeat(200);
    std::fs::write(home.join("pcc.db"), &garbage).expect("garbage database");
    let mock = MockApi::start([
        Turn::tool(
            "Bash",
            json!({"command": "git status", "description": "status"}),
        ),
        Turn::tool(
            "Bash",
            json!({"command": "rm -rf ~/victim", "description": "clean"}),
        ),
        Turn::text("Finished."),
    ]);
    let out = run(&sandbox, &mock);
    out.assert_success();
    assert!(canary.exists(), "the canary survived\n{out}");
    let rm_result = tool_result(&mock, 1);
    assert!(
        rm_result.contains("could not use the database"),
        "{rm_result}"
    );
    // The LOW call still ran: the built-in policy proves it harmless, no database needed.
    let status_result = tool_result(&mock, 0);
    assert!(
        !status_result.contains("could not use the database")
            && !status_result.contains("requires approval"),
        "{status_result}"
    );
    let allowed = out
        .hook_responses("PreToolUse")
        .into_iter()
        .filter(|response| {
            response["stdout"]
                .as_str()
                .is_some_and(|stdout| stdout.contains("\"allow\""))
        })
        .count();
    assert_eq!(allowed, 1, "git status was allowed by our hook\n{out}");
    assert_eq!(
        std::fs::read(home.join("pcc.db")).expect("read"),
        garbage,
        "the file is left alone"
    );
}
