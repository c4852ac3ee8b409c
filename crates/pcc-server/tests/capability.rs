//! `/a/{token}` on a real server over 127.0.0.1: a GET changes nothing, a POST with no body,
//! cookie or Origin (ntfy's button) answers once with the capability's provenance, and each
//! refusal — replayed, expired, unknown, another escalation's, an Approve used to Deny, a
//! foreign Origin or Host — changes nothing.

use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::hook::HookInput;
use pcc_core::paths::DataDir;
use pcc_core::{Answer, Mode, PriorApproval};
use pcc_policy::RiskLevel;
use pcc_server::{ServeConfig, Server};
use pcc_store::{
    Answerer, CapabilityAnswer, DecisionRecord, EscalationState, EventRecord, MintedCapability,
    Store,
};
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

const HOUR_MS: i64 = 3_600_000;

/// A server on 127.0.0.1 over `home`'s database, until the returned sender is dropped.
struct Running {
    base: String,
    _stop: oneshot::Sender<()>,
}

async fn serve(home: &Path) -> Running {
    let config = ServeConfig {
        data: DataDir::at(home),
        listen: "127.0.0.1:0".parse().expect("an address"),
        tls: None,
        behind_proxy: false,
        public_url: None,
        // An answer that schedules a resume starts a scheduler: here, nothing.
        hooks_program: PathBuf::from("/bin/true"),
    };
    let server = Server::bind(config).await.expect("bind 127.0.0.1:0");
    let base = server.base_url();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running { base, _stop: stop }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A denied HIGH `git push --force` in session `session`, escalated as an unattended hook call
/// would; its id.
fn escalate(home: &Path, session: &str) -> i64 {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git push --force"}, "tool_use_id": "t1"});
    let event = EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        now_ms(),
    );
    let decision = DecisionRecord {
        hook_event: "PreToolUse".into(),
        tool_name: "Bash".into(),
        tool_use_id: None,
        project_root: "/p".into(),
        input: "git push --force".into(),
        level: RiskLevel::High,
        answer: Answer::Deny,
        rule: "git.force_push".into(),
        reason: "rewrites <shared> history".into(),
        mode: Mode::Unattended,
        latency_us: 1,
        escalation: Some(EscalationKind::Permission),
        suggestion: None,
        approval_used: None,
        call_digest: Some(format!("sha256:{session}")),
    };
    store(home)
        .record_decision(&event, &decision, &[])
        .expect("write")
        .escalation_id
        .expect("escalated")
}

fn store(home: &Path) -> Store {
    Store::open(&DataDir::at(home).database()).expect("open the database")
}

/// Approve and Deny for `id`, minted at `at_ms` for an hour: what the notifier sends.
fn buttons(home: &Path, id: i64, at_ms: i64) -> (MintedCapability, MintedCapability) {
    let minted = store(home)
        .mint_capabilities(
            id,
            &[CapabilityAnswer::Approve, CapabilityAnswer::Deny],
            at_ms,
            HOUR_MS,
        )
        .expect("mint");
    let [approve, deny]: [MintedCapability; 2] = minted.try_into().expect("two buttons");
    (approve, deny)
}

fn link(running: &Running, minted: &MintedCapability) -> String {
    format!("{}/a/{}", running.base, minted.token.expose())
}

/// Whether `session`'s call may run once: what the next identical hook call is allowed by.
fn approved_once(home: &Path, session: &str) -> bool {
    let (approval, once) = store(home)
        .prior_approval(
            Some(session),
            "/p",
            "Bash",
            "git push --force",
            &format!("sha256:{session}"),
        )
        .expect("read");
    approval == PriorApproval::Human && once.is_some()
}

/// Still pending, nothing approved, no button spent.
fn assert_unchanged(home: &Path, id: i64, session: &str) {
    let store = store(home);
    let escalation = store.escalation(id).expect("read").expect("exists");
    assert_eq!(escalation.state, EscalationState::Pending, "still waits");
    assert_eq!(escalation.provenance, None);
    assert!(!approved_once(home, session), "nothing approved");
    assert!(
        store
            .capabilities_of(id)
            .expect("read")
            .iter()
            .all(|capability| capability.used_ms.is_none()),
        "no button spent"
    );
}

#[tokio::test]
async fn a_get_shows_the_button_s_answer_and_a_form_and_changes_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let id = escalate(home.path(), "s1");
    let (approve, deny) = buttons(home.path(), id, now_ms());
    let running = serve(home.path()).await;
    for _ in 0..2 {
        let response = client()
            .get(link(&running, &approve))
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "same-origin");
        let page = response.text().await.expect("a page");
        assert!(
            page.contains(&format!("Approve escalation #{id}?")),
            "{page}"
        );
        assert!(page.contains("<form method=\"post\">"), "{page}");
        assert!(
            page.contains("name=\"answer\" value=\"approve\"")
                && page.contains(&format!("name=\"escalation\" value=\"{id}\"")),
            "{page}"
        );
        assert!(
            page.contains("rewrites &lt;shared&gt; history"),
            "escaped: {page}"
        );
        assert!(
            !page.contains(approve.token.expose()),
            "the page repeats no token"
        );
    }
    let deny_page = client()
        .get(link(&running, &deny))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("a page");
    assert!(
        deny_page.contains(&format!("Deny escalation #{id}?")),
        "{deny_page}"
    );
    assert_unchanged(home.path(), id, "s1");

    let unknown = client()
        .get(format!("{}/a/pcc_cap_{}", running.base, "0".repeat(64)))
        .send()
        .await
        .expect("GET");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ntfy_s_bare_post_approves_once_and_the_other_button_and_a_replay_are_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let id = escalate(home.path(), "s1");
    let (approve, deny) = buttons(home.path(), id, now_ms());
    let running = serve(home.path()).await;
    // What ntfy's http action sends: a POST, no body, no cookie, no Origin.
    let response = client()
        .post(link(&running, &approve))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let document: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(document["id"], id);
    assert_eq!(document["verdict"], "approve");
    assert_eq!(document["approved_once"], true);
    assert_eq!(
        document["answered_by"],
        format!("capability (capability {}) from 127.0.0.1", approve.id)
    );

    let escalation = store(home.path())
        .escalation(id)
        .expect("read")
        .expect("exists");
    assert_eq!(escalation.state, EscalationState::Answered);
    let provenance = escalation.provenance.expect("who answered");
    assert_eq!(provenance.by, Answerer::Capability);
    assert_eq!(provenance.from.as_deref(), Some("127.0.0.1"));
    assert!(
        approved_once(home.path(), "s1"),
        "the next identical call may run once"
    );

    for (minted, why) in [(&approve, "works once"), (&deny, "answered already")] {
        let again = client()
            .post(link(&running, minted))
            .send()
            .await
            .expect("POST");
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let error = again.json::<serde_json::Value>().await.expect("JSON")["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(why), "{error}");
    }
    let after = store(home.path())
        .escalation(id)
        .expect("read")
        .expect("exists");
    assert_eq!(
        after.answer.as_deref(),
        Some("approve"),
        "still the first answer"
    );
}

#[tokio::test]
async fn a_foreign_origin_or_host_is_refused_and_changes_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let id = escalate(home.path(), "s1");
    let (approve, _) = buttons(home.path(), id, now_ms());
    let running = serve(home.path()).await;
    let foreign = client()
        .post(link(&running, &approve))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("POST");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let rebound = client()
        .post(link(&running, &approve))
        .header("host", "evil.example")
        .send()
        .await
        .expect("POST");
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_unchanged(home.path(), id, "s1");
}

#[tokio::test]
async fn expired_another_escalation_s_and_an_approve_used_to_deny_are_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let first = escalate(home.path(), "s1");
    let second = escalate(home.path(), "s2");
    let (approve_first, _) = buttons(home.path(), first, now_ms());
    buttons(home.path(), second, now_ms());
    let (stale, _) = buttons(home.path(), second, now_ms() - 2 * HOUR_MS);
    let running = serve(home.path()).await;
    let post_form = |url: String, form: String| async move {
        client()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("POST")
            .status()
    };

    assert_eq!(
        post_form(link(&running, &stale), String::new()).await,
        StatusCode::GONE,
        "expired"
    );
    assert_eq!(
        post_form(
            link(&running, &approve_first),
            format!("escalation={second}&answer=approve")
        )
        .await,
        StatusCode::BAD_REQUEST,
        "another escalation's token"
    );
    assert_eq!(
        post_form(
            link(&running, &approve_first),
            format!("escalation={first}&answer=deny")
        )
        .await,
        StatusCode::BAD_REQUEST,
        "an Approve used to Deny"
    );
    assert_eq!(
        post_form(link(&running, &approve_first), "answer=later".to_owned()).await,
        StatusCode::BAD_REQUEST,
        "an answer a link cannot give"
    );
    assert_unchanged(home.path(), first, "s1");
    assert_unchanged(home.path(), second, "s2");
    let status = store(home.path())
        .escalation(first)
        .expect("read")
        .expect("exists")
        .state;
    assert_eq!(status, EscalationState::Pending);

    // The refusals spent nothing: the first token still approves, from its page's form.
    let response = client()
        .post(link(&running, &approve_first))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .header("origin", running.base.clone())
        .body(format!("escalation={first}&answer=approve"))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains(&format!("Approved: escalation #{first}")),
        "{page}"
    );
    assert!(approved_once(home.path(), "s1"));
    assert!(!approved_once(home.path(), "s2"));
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn pcc_serve_answers_to_the_host_of_the_configured_public_url() {
    use std::io::BufRead as _;
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join("config.toml"),
        "[server]\npublic_url = \"https://phone.example\"\n",
    )
    .expect("config.toml");
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pcc-serve"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("PCC_HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn pcc-serve");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .expect("the read")
    .expect("a line");
    assert!(
        first.contains("listening on https://phone.example"),
        "{first}"
    );
    let url = format!("http://127.0.0.1:{port}/a/pcc_cap_{}", "0".repeat(64));
    let status = |host: &'static str| {
        let url = url.clone();
        async move {
            client()
                .get(url)
                .header("host", host)
                .send()
                .await
                .expect("GET")
                .status()
        }
    };
    assert_eq!(
        status("phone.example").await,
        StatusCode::NOT_FOUND,
        "the phone's host is ours: the link is looked up (and unknown)"
    );
    assert_eq!(
        status("evil.example").await,
        StatusCode::MISDIRECTED_REQUEST
    );
    child.kill().expect("stop pcc-serve");
    child.wait().expect("reap pcc-serve");
}
