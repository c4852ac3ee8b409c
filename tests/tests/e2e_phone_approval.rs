//! Approving from the phone, end to end over 127.0.0.1: the real `pcc-hooks hook` denies a
//! HIGH call while unattended and escalates it; its ntfy notification (to a loopback server
//! speaking ntfy's JSON publishing) carries Approve and Deny buttons; POSTing the Approve URL as
//! ntfy's button does (no body, cookie or Origin) to the real server answers the escalation with
//! the capability's provenance; and the next identical hook call is allowed, once.

use pcc_core::paths::DataDir;
use pcc_e2e::pcc_binary;
use pcc_server::{ServeConfig, Server};
use pcc_store::{Answerer, EscalationState, Store};
use pcc_testkit::http::{Loopback, Reply};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Long enough for a loaded machine; each wait ends when its event happens.
const WAIT: Duration = Duration::from_secs(30);

/// One `pcc-hooks hook` call, unattended, in `home`; its reply's permission decision.
fn hook(home: &Path, project: &Path) -> String {
    let input = serde_json::json!({
        "session_id": "s-phone", "cwd": project, "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_use_id": "toolu_push",
        "tool_input": {"command": "git push --force origin main"},
    });
    let mut child = Command::new(pcc_binary("pcc-hooks"))
        .arg("hook")
        .env("PCC_HOME", home)
        .env("PCC_MODE", "unattended")
        .env_remove("PCC_NOTIFY")
        .env_remove("CLAUDE_PROJECT_DIR")
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pcc-hooks hook");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the hook input");
    let output = child.wait_with_output().expect("pcc-hooks hook");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON reply");
    reply["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approve_button_from_ntfy_approves_and_the_next_identical_call_runs_once() {
    let home = tempfile::tempdir().expect("tempdir");
    let project = home.path().join("project");
    std::fs::create_dir(&project).expect("project dir");
    let ntfy = Loopback::start(Reply::Status(200));

    let server = Server::bind(ServeConfig {
        data: DataDir::at(home.path()),
        listen: "127.0.0.1:0".parse().expect("an address"),
        tls: None,
        behind_proxy: false,
        public_url: None,
        // The approval schedules a resume; no scheduler (and no claude) runs in this test.
        hooks_program: PathBuf::from("/bin/true"),
    })
    .await
    .expect("bind 127.0.0.1:0");
    let base = server.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[notify]\ndesktop = false\n[[notify.webhooks]]\nurl = \"{}\"\nformat = \"ntfy\"\n\
             [server]\npublic_url = \"{base}\"\n",
            ntfy.url("/phone-topic")
        ),
    )
    .expect("config.toml");

    assert_eq!(hook(home.path(), &project), "deny", "HIGH while unattended");
    let database = DataDir::at(home.path()).database();
    let escalation = Store::open(&database)
        .expect("open")
        .pending_escalations()
        .expect("read")
        .pop()
        .expect("one escalation");

    let published = tokio::task::spawn_blocking(move || ntfy.next(WAIT))
        .await
        .expect("the wait")
        .expect("ntfy is called");
    assert_eq!(published.path, "/", "ntfy's JSON publishing");
    let body = published.json();
    assert_eq!(body["topic"], "phone-topic");
    assert_eq!(
        body["click"],
        format!("{base}/escalations/{}", escalation.id)
    );
    let actions = body["actions"].as_array().cloned().unwrap_or_default();
    let labels: Vec<&str> = actions
        .iter()
        .map(|action| action["label"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(labels, ["Approve", "Deny", "Open"]);
    let approve = actions[0]["url"].as_str().unwrap_or_default().to_owned();
    assert!(
        approve.starts_with(&format!("{base}/a/pcc_cap_")),
        "{approve}"
    );
    assert_eq!(actions[0]["method"], "POST");

    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    // A link previewer's GET changes nothing.
    let preview = client.get(&approve).send().await.expect("GET");
    assert_eq!(preview.status(), reqwest::StatusCode::OK);
    assert_eq!(
        Store::open(&database)
            .expect("open")
            .escalation(escalation.id)
            .expect("read")
            .expect("exists")
            .state,
        EscalationState::Pending
    );
    // The button: a POST with no body, cookie or Origin.
    let pressed = client.post(&approve).send().await.expect("POST");
    assert_eq!(pressed.status(), reqwest::StatusCode::OK);
    let answered = Store::open(&database)
        .expect("open")
        .escalation(escalation.id)
        .expect("read")
        .expect("exists");
    assert_eq!(answered.state, EscalationState::Answered);
    assert_eq!(answered.answer.as_deref(), Some("approve"));
    let provenance = answered.provenance.expect("who answered");
    assert_eq!(provenance.by, Answerer::Capability);
    assert_eq!(provenance.from.as_deref(), Some("127.0.0.1"));

    let project_for_hooks = project.clone();
    let home_path = home.path().to_path_buf();
    let (again, then) = tokio::task::spawn_blocking(move || {
        (
            hook(&home_path, &project_for_hooks),
            hook(&home_path, &project_for_hooks),
        )
    })
    .await
    .expect("the hook calls");
    assert_eq!(again, "allow", "the approved call runs");
    assert_eq!(then, "deny", "once");
    let replay = client.post(&approve).send().await.expect("POST");
    assert_eq!(replay.status(), reqwest::StatusCode::CONFLICT);
    drop(stop);
}
