//! Auth on an open network: nothing without a credential, no state change from another site,
//! no answer to a name that is not ours, CSRF tokens for cookie sessions, single-use login links,
//! failed logins rate-limited, a private token file.

use crate::common::{Running, client};
use pcc_store::{EscalationState, Store};
use reqwest::Method;
use std::os::unix::fs::PermissionsExt as _;

/// Every protected route, with a body where it takes one.
fn protected(escalation: i64) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let answer = serde_json::json!({"answer": "approve"});
    vec![
        (Method::GET, "/".into(), None),
        (Method::GET, "/api/status".into(), None),
        (Method::GET, "/api/pending".into(), None),
        (
            Method::POST,
            format!("/api/escalations/{escalation}/respond"),
            Some(answer),
        ),
        (Method::GET, "/api/queue".into(), None),
        (
            Method::POST,
            "/api/queue".into(),
            Some(serde_json::json!({"session": "sess-a", "text": "more"})),
        ),
        (Method::DELETE, "/api/queue/1".into(), None),
        (Method::POST, "/api/sessions/sess-a/pause".into(), None),
        (Method::POST, "/api/sessions/sess-a/unpause".into(), None),
        (Method::GET, "/api/lists".into(), None),
        (Method::GET, "/api/lists/1".into(), None),
        (Method::POST, "/api/lists/1/cancel".into(), None),
        (Method::POST, "/api/lists/1/resume".into(), None),
        (Method::GET, "/api/decisions".into(), None),
        (Method::GET, "/api/events".into(), None),
        (Method::GET, "/api/me".into(), None),
        (Method::POST, "/logout".into(), None),
    ]
}

/// What a refused request must not have changed: the escalation still pending, the task still
/// queued, the session not paused.
fn assert_unchanged(server: &Running, escalation: i64) {
    let store = Store::open_existing(&server.data.database())
        .expect("open")
        .expect("exists");
    let found = store.escalation(escalation).expect("read").expect("exists");
    assert_eq!(found.state, EscalationState::Pending);
    let tasks = store.queue_tasks(true).expect("queue");
    assert_eq!(tasks.len(), 1, "no task added or removed");
    assert!(tasks[0].state.is_open());
    let status: serde_json::Value =
        serde_json::from_slice(&server.cli(&["status", "--json"]).stdout).expect("status");
    assert_eq!(status["sessions"][0]["paused"], false);
}

/// An escalation and a queued task to refuse changes to.
fn something_to_change(server: &Running) -> i64 {
    let escalation = server.escalate("sess-a");
    let added = server.cli(&["add", "sess-a", "write the tests"]);
    assert!(added.status.success());
    escalation
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_without_a_credential_is_401_and_changes_nothing() {
    let server = Running::start().await;
    let escalation = something_to_change(&server);
    let client = client();
    for (method, path, body) in protected(escalation) {
        for cookie in [None, Some("pcc-session=forged")] {
            let mut request = client
                .request(method.clone(), server.url(&path))
                .header("origin", server.origin());
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 401, "{method} {path} with {cookie:?}");
        }
    }
    assert_unchanged(&server, escalation);
    let page = client
        .get(server.url("/"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 401, "a browser is refused too");
    assert!(
        page.text().await.expect("body").contains("url=/login"),
        "and sent to the login page"
    );
    let health = client
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200, "the health check is public");
    let body: serde_json::Value = health.json().await.expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database_readable": true})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_change_from_a_foreign_origin_is_403_whatever_the_credential() {
    let server = Running::start().await;
    let escalation = something_to_change(&server);
    let client = client();
    for (method, path, body) in protected(escalation) {
        if method == Method::GET {
            continue;
        }
        for origin in [
            "http://evil.example",
            "null",
            "https://127.0.0.1.evil.example",
        ] {
            let mut request = client
                .request(method.clone(), server.url(&path))
                .header("authorization", server.bearer())
                .header("origin", origin);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 403, "{method} {path} from {origin}");
        }
    }
    assert_unchanged(&server, escalation);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_is_not_ours_is_refused_on_every_request() {
    let server = Running::start().await;
    let escalation = something_to_change(&server);
    let client = client();
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    for host in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{}", port.parse::<u16>().expect("port") + 1),
    ] {
        for (method, path) in [
            (Method::GET, "/api/health".to_owned()),
            (Method::GET, "/login".to_owned()),
            (
                Method::POST,
                format!("/api/escalations/{escalation}/respond"),
            ),
        ] {
            let response = client
                .request(method.clone(), server.url(&path))
                .header("host", &host)
                .header("authorization", server.bearer())
                .json(&serde_json::json!({"answer": "approve"}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 421, "{method} {path} as {host}");
        }
    }
    assert_unchanged(&server, escalation);
    let localhost = client
        .get(server.url("/api/pending"))
        .header("host", format!("localhost:{port}"))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("request");
    assert_eq!(localhost.status(), 200, "localhost is this loopback server");
}

/// Logs in with the link; the session cookie (`name=value`).
async fn log_in(server: &Running) -> String {
    let response = client()
        .get(&server.login_link)
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP on loopback: {set_cookie}"
    );
    set_cookie.split(';').next().expect("name=value").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_link_works_once_and_its_cookie_is_a_session() {
    let server = Running::start().await;
    let cookie = log_in(&server).await;
    let client = client();
    let me: serde_json::Value = client
        .get(server.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("JSON");
    assert_eq!(me["principal"], "session");
    assert_eq!(me["csrf_token"].as_str().map(str::len), Some(43));
    let again = client
        .get(&server.login_link)
        .send()
        .await
        .expect("login again");
    assert_eq!(again.status(), 401, "a login link is single-use");
    assert!(again.headers().get("set-cookie").is_none());
    let page = client
        .get(server.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let out = client
        .post(server.url("/logout"))
        .header("cookie", &cookie)
        .header("origin", server.origin())
        .header("x-csrf-token", me["csrf_token"].as_str().expect("token"))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    let after = client
        .get(server.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("me");
    assert_eq!(after.status(), 401, "the session ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_session_changes_state_only_with_its_csrf_token_and_an_origin() {
    let server = Running::start().await;
    let escalation = something_to_change(&server);
    let cookie = log_in(&server).await;
    let client = client();
    let me: serde_json::Value = client
        .get(server.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("JSON");
    let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
    let respond = server.url(&format!("/api/escalations/{escalation}/respond"));
    let attempts = [
        ("no token", None, true),
        ("a wrong token", Some("x".repeat(43)), true),
        (
            "a token one character short",
            Some(csrf[..42].to_owned()),
            true,
        ),
        ("no Origin", Some(csrf.clone()), false),
    ];
    for (what, token, with_origin) in attempts {
        let mut request = client
            .post(&respond)
            .header("cookie", &cookie)
            .json(&serde_json::json!({"answer": "approve"}));
        if with_origin {
            request = request.header("origin", server.origin());
        }
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 403, "{what}");
    }
    let form = client
        .post(&respond)
        .header("cookie", &cookie)
        .header("origin", server.origin())
        .form(&[("answer", "approve"), ("csrf", "wrong")])
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), 403, "a form with a wrong csrf field");
    assert_unchanged(&server, escalation);

    let form = client
        .post(&respond)
        .header("cookie", &cookie)
        .header("origin", server.origin())
        .form(&[("answer", "approve"), ("csrf", &csrf)])
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), 200, "the page's form, with its csrf field");
    let answered: serde_json::Value = form.json().await.expect("JSON");
    assert_eq!(answered["verdict"], "approve");
    let by = answered["answered_by"].as_str().expect("who");
    assert!(
        by.starts_with("web_session (session ") && by.ends_with("from 127.0.0.1"),
        "the answer names the browser session and where it came from: {by}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_refused_with_429_after_the_limit_even_with_the_right_token() {
    let server = Running::start().await;
    let client = client();
    for attempt in 0..5 {
        let response = client
            .post(server.url("/login"))
            .header("origin", server.origin())
            .form(&[("token", "wrong")])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let limited = client
        .post(server.url("/login"))
        .header("origin", server.origin())
        .form(&[("token", server.token.as_str())])
        .send()
        .await
        .expect("login");
    assert_eq!(limited.status(), 429, "the right token waits too");
    assert!(limited.headers().get("retry-after").is_some());
    for refused in [
        client
            .get(server.url("/api/pending"))
            .header("authorization", server.bearer()),
        client.get(&server.login_link),
    ] {
        assert_eq!(refused.send().await.expect("request").status(), 429);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_bearer_tokens_count_as_failed_logins() {
    let server = Running::start().await;
    let client = client();
    for _ in 0..5 {
        let response = client
            .get(server.url("/api/pending"))
            .header("authorization", "Bearer guess")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401);
    }
    let limited = client
        .get(server.url("/api/pending"))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("request");
    assert_eq!(limited.status(), 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_file_is_0600_and_one_others_can_read_stops_the_server() {
    let server = Running::start().await;
    let path = server.data.root().join("server.token");
    let mode = std::fs::metadata(&path)
        .expect("token")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(server.token.len(), 43, "256 bits, base64url");
    drop(server);

    let dir = tempfile::tempdir().expect("tempdir");
    let data = pcc_core::paths::DataDir::at(dir.path());
    std::fs::write(data.root().join("server.token"), "x".repeat(43)).expect("write");
    std::fs::set_permissions(
        data.root().join("server.token"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let refused = pcc_server::Server::bind(pcc_server::ServeConfig {
        data,
        listen: "127.0.0.1:0".parse().expect("address"),
        tls: None,
        behind_proxy: false,
        public_url: None,
        hooks_program: crate::common::hooks(),
    })
    .await;
    let error = refused.err().expect("refused").to_string();
    assert!(error.contains("readable by others"), "{error}");
}
