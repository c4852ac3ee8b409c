//! The dashboard over HTTP, against the real `pcc-serve` binary, a browser's cookie and the
//! real `pcc-hooks`: what every page carries (CSP, frame and referrer headers, no inline script
//! or style), that everything shown is escaped, that a form without the CSRF token changes
//! nothing, and that each form has the outcome of its CLI command.
//!
//! The overview's speed at 1,000 sessions and 100,000 events is a benchmark:
//! `cargo build --release -p pcc-hooks && cargo bench -p pcc-server --bench overview`.

mod dashboard_support;

use dashboard_support::{PUSH, Serve, decision};
use pcc_server::dashboard::headers::{CONTENT_SECURITY_POLICY, REFERRER_POLICY};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use std::time::Duration;

/// How a page marks a paused session.
const PAUSED_TAG: &str = "<span class=\"tag\">paused</span>";

/// A logged-in browser: the session cookie and the CSRF token its pages carry.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Browser {
    /// Logs in with the printed link and reads the CSRF token from the overview.
    async fn login(serve: &Serve) -> Browser {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let response = client.get(&serve.login_link).send().await.expect("login");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let mut browser = Browser {
            client,
            base: serve.base.clone(),
            cookie,
            csrf: String::new(),
        };
        let (_, _, page) = browser.get("/").await;
        browser.csrf = between(&page, "<meta name=\"csrf-token\" content=\"", "\"")
            .expect("the page carries its CSRF token")
            .to_owned();
        assert!(!browser.csrf.is_empty());
        browser
    }

    async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    /// A form POST as the page's own form sends it (Origin ours, the CSRF field added unless
    /// `csrf` is false).
    async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> (StatusCode, HeaderMap, String) {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        if csrf {
            fields.push(("csrf", &self.csrf));
        }
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .header(header::ORIGIN, &self.base)
            .form(&fields)
            .send()
            .await
            .expect("POST");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Whether the page has an attribute such as `onclick=`.
fn has_inline_handler(page: &str) -> bool {
    page.match_indices(" on").any(|(at, _)| {
        let rest = &page[at + 3..];
        let name = rest.bytes().take_while(u8::is_ascii_lowercase).count();
        name > 0 && rest.as_bytes().get(name) == Some(&b'=')
    })
}

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The one escalation waiting: its id.
fn only_pending(serve: &Serve) -> i64 {
    let pending = serve.pending();
    assert_eq!(pending.len(), 1, "{pending:?}");
    pending[0]["id"].as_i64().expect("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_strict_policy_and_no_inline_script_or_style() {
    let serve = Serve::start();
    let session = "5a1e0c7d-1111-4222-8333-944455556666";
    serve.session(session);
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, PUSH, "toolu_p"))),
        "deny"
    );
    let id = only_pending(&serve);
    let browser = Browser::login(&serve).await;
    for path in [
        "/".to_owned(),
        format!("/sessions/{session}"),
        "/sessions/new".to_owned(),
        "/inbox".to_owned(),
        format!("/escalations/{id}"),
        "/queue".to_owned(),
        "/queue?all=1".to_owned(),
        "/lists".to_owned(),
        "/notifications".to_owned(),
        "/config".to_owned(),
        "/sessions/no-such-session".to_owned(),
    ] {
        let (status, headers, page) = browser.get(&path).await;
        let expected = if path.contains("no-such") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path}: {page}");
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], REFERRER_POLICY, "{path}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(page.starts_with("<!DOCTYPE html>"), "{path}");
        // Script only from our file, style only from our sheet: the CSP would block the rest.
        assert_eq!(page.matches("<script").count(), 1, "{path}");
        assert!(
            page.contains("<script src=\"/assets/dashboard.js\" defer>"),
            "{path}"
        );
        assert!(!page.contains("<style"), "{path}");
        assert!(!page.contains(" style="), "{path}");
        assert!(
            !has_inline_handler(&page),
            "{path}: no inline handlers (onclick=…)"
        );
        // Landmarks and the live region a screen reader needs.
        for landmark in [
            "<main id=\"main\"",
            "<nav aria-label=\"Main\"",
            "aria-live=\"polite\"",
        ] {
            assert!(page.contains(landmark), "{path}: {landmark}");
        }
    }
    for (asset, kind) in [
        ("/assets/dashboard.css", "text/css"),
        ("/assets/dashboard.js", "text/javascript"),
    ] {
        let (status, headers, body) = browser.get(asset).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with(kind)
        );
        assert!(
            !body.contains("innerHTML"),
            "{asset}: no HTML parsed from data"
        );
        let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
        let again = browser
            .client
            .get(format!("{}{asset}", serve.base))
            .header(header::COOKIE, &browser.cookie)
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{asset}");
    }
    let (status, _, _) = browser.get("/assets/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_shown_is_escaped() {
    let serve = Serve::start();
    let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let session = "\"><script>alert(3)</script>";
    let mut input = serve.captured("SessionStart", session);
    input["cwd"] = serde_json::json!(serve.project);
    serve.hook(&input);
    assert_eq!(
        decision(&serve.hook(&serve.bash(
            session,
            &format!("git push --force origin '{hostile}'"),
            "t1"
        ))),
        "deny"
    );
    let id = only_pending(&serve);
    let browser = Browser::login(&serve).await;
    let queued = browser
        .post(
            "/queue",
            &[
                ("target", "project"),
                ("project", serve.project.to_str().expect("utf-8")),
                ("text", hostile),
            ],
            true,
        )
        .await;
    assert_eq!(queued.0, StatusCode::SEE_OTHER, "{}", queued.2);
    let encoded_session = "%22%3E%3Cscript%3Ealert%283%29%3C%2Fscript%3E";
    for path in [
        "/".to_owned(),
        "/inbox".to_owned(),
        format!("/escalations/{id}"),
        "/queue".to_owned(),
        format!("/sessions/{encoded_session}"),
    ] {
        let (status, _, page) = browser.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert!(!page.contains("<script>alert"), "{path}: a raw script tag");
        assert!(!page.contains("<img src=x"), "{path}: a raw image tag");
        assert!(
            page.contains("&lt;script&gt;alert("),
            "{path}: shown, escaped"
        );
    }
    // An id in a link is a path segment, percent-encoded: it cannot end the attribute.
    let (_, _, overview) = browser.get("/").await;
    assert!(
        overview.contains(&format!("href=\"/sessions/{encoded_session}\"")),
        "{overview}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_the_csrf_token_or_from_another_site_changes_nothing() {
    let serve = Serve::start();
    let session = "c5rf0000-1111-4222-8333-944455556666";
    serve.session(session);
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, PUSH, "toolu_p"))),
        "deny"
    );
    let id = only_pending(&serve);
    let browser = Browser::login(&serve).await;
    let path = format!("/escalations/{id}/answer");
    let (status, _, _) = browser.post(&path, &[("answer", "approve")], false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, _) = browser
        .post(&path, &[("answer", "approve"), ("csrf", "forged")], false)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong CSRF token");
    let foreign = browser
        .client
        .post(format!("{}{path}", serve.base))
        .header(header::COOKIE, &browser.cookie)
        .header(header::ORIGIN, "http://evil.example")
        .form(&[("answer", "approve"), ("csrf", browser.csrf.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(
        foreign.status(),
        StatusCode::FORBIDDEN,
        "another site's Origin"
    );
    let (status, _, _) = browser
        .post(
            "/queue/pause",
            &[("session", session), ("paused", "1")],
            false,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(serve.pending().len(), 1, "still waiting");
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, PUSH, "toolu_q"))),
        "deny"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_forms_do_what_respond_does_and_redirect() {
    let serve = Serve::start();
    let session = "a11f0000-1111-4222-8333-944455556666";
    serve.session(session);
    let browser = Browser::login(&serve).await;

    // Approve with "remember": the call is allowed from now on, not just once.
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, PUSH, "t1"))),
        "deny"
    );
    let id = only_pending(&serve);
    let (status, headers, _) = browser
        .post(
            &format!("/escalations/{id}/answer"),
            &[
                ("answer", "approve"),
                ("remember", "on"),
                ("text", ""),
                ("next", "inbox"),
            ],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/inbox?answered={id}"));
    let (_, _, inbox) = browser.get(location(&headers)).await;
    assert!(
        inbox.contains(&format!(
            "Escalation #{id} answered: approve, by web_session"
        )),
        "{inbox}"
    );
    for call in ["t2", "t3"] {
        assert_eq!(
            decision(&serve.hook(&serve.bash(session, PUSH, call))),
            "allow",
            "remembered"
        );
    }

    // Answering again is refused, as `respond` refuses it, and says so on a page.
    let (status, _, page) = browser
        .post(
            &format!("/escalations/{id}/answer"),
            &[("answer", "deny")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("already answered"), "{page}");

    // A text answer denies with the words; Deny ignores the "with Approve" checkbox.
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, "git push --force origin dev", "t4"))),
        "deny"
    );
    let id = only_pending(&serve);
    let (status, headers, _) = browser
        .post(
            &format!("/escalations/{id}/answer"),
            &[
                ("answer", "text"),
                ("text", "use a branch"),
                ("next", "escalation"),
            ],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/escalations/{id}"));
    let (_, _, page) = browser.get(&format!("/escalations/{id}")).await;
    assert!(
        page.contains("use a branch") && page.contains("web_session"),
        "{page}"
    );
    let (status, _, _) = browser
        .post(
            &format!("/escalations/{id}/answer"),
            &[("answer", "text"), ("text", "  ")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an empty text answer");

    assert_eq!(
        decision(&serve.hook(&serve.bash(session, "git push --force origin x", "t5"))),
        "deny"
    );
    let id = only_pending(&serve);
    let (status, _, _) = browser
        .post(
            &format!("/escalations/{id}/answer"),
            &[("answer", "deny"), ("remember", "on")],
            true,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "deny with the box checked is a plain deny"
    );
    assert!(serve.pending().is_empty());
    assert_eq!(
        decision(&serve.hook(&serve.bash(session, "git push --force origin x", "t6"))),
        "deny"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_pause_and_new_session_forms_use_the_cli_s_functions() {
    let serve = Serve::start();
    let session = "9e0e0000-1111-4222-8333-944455556666";
    serve.session(session);
    let browser = Browser::login(&serve).await;

    let (status, headers, _) = browser
        .post(
            "/queue",
            &[
                ("target", "session"),
                ("session", &session[..8]),
                ("text", "write the changelog"),
                ("next", "queue"),
            ],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location(&headers).starts_with("/queue?added="),
        "{headers:?}"
    );
    let listed = serve.cli(&["queue", "--json"]);
    let tasks: Vec<serde_json::Value> =
        serde_json::from_slice(&listed.stdout).expect("queue --json");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["session_id"], session);
    assert_eq!(tasks[0]["source"], "dashboard");
    let task = tasks[0]["id"].as_i64().expect("id");
    let (_, _, page) = browser.get(&format!("/sessions/{session}")).await;
    assert!(
        page.contains("write the changelog"),
        "the session page lists it"
    );

    let (status, headers, _) = browser
        .post(&format!("/queue/{task}/remove"), &[], true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/queue?removed={task}"));
    let listed = serve.cli(&["queue", "--json"]);
    let tasks: Vec<serde_json::Value> =
        serde_json::from_slice(&listed.stdout).expect("queue --json");
    assert!(tasks.is_empty(), "{tasks:?}");

    let (status, headers, _) = browser
        .post(&format!("/sessions/{session}/pause"), &[], true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/sessions/{session}?paused=1"));
    let paused = |serve: &Serve| {
        pcc_store::Store::open_existing(&serve.home.join("pcc.db"))
            .expect("open")
            .expect("a database")
            .dashboard_session(session)
            .expect("read")
            .expect("the session")
            .paused
    };
    assert!(
        paused(&serve),
        "paused in the store, as `pcc-hooks pause` leaves it"
    );
    let (_, _, overview) = browser.get("/").await;
    assert!(
        overview.contains(PAUSED_TAG),
        "the overview shows it paused"
    );
    let (status, _, _) = browser
        .post(
            "/queue/pause",
            &[("session", &session[..8]), ("paused", "0")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!paused(&serve));
    let (_, _, overview) = browser.get("/").await;
    assert!(!overview.contains(PAUSED_TAG), "unpaused");

    // A start that cannot be made is refused, and nothing is recorded.
    let (status, _, page) = browser
        .post(
            "/sessions/new",
            &[("dir", "/no/such/dir"), ("task", "fix it"), ("model", "")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("/no/such/dir"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_session_form_starts_a_supervised_session_as_pcc_hooks_start_does() {
    // A `claude` that exits at once: what is tested is the start, its record and its page.
    let serve = Serve::start_with(&[("PCC_CLAUDE_BIN", "/bin/true")]);
    let browser = Browser::login(&serve).await;
    let project = serve.project.to_str().expect("utf-8");
    let (status, headers, page) = browser
        .post(
            "/sessions/new",
            &[("dir", project), ("task", "say hello"), ("model", "sonnet")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let session = location(&headers)
        .strip_prefix("/sessions/")
        .expect("the new session's page")
        .to_owned();
    let store = pcc_store::Store::open_existing(&serve.home.join("pcc.db"))
        .expect("open")
        .expect("a database");
    let started = store
        .started_session(&session)
        .expect("read")
        .expect("recorded as `pcc-hooks start` records it");
    assert_eq!(started.plan.cwd, project);
    assert_eq!(started.plan.model.as_deref(), Some("sonnet"));
    assert_eq!(started.prompt, "say hello");
    let (status, _, page) = browser.get(&format!("/sessions/{session}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Started by pcc-hooks") && page.contains("say hello"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_page_shows_the_configuration_without_its_secrets() {
    let serve = Serve::start();
    std::fs::write(
        serve.home.join("config.toml"),
        "[learning]\napprovals_to_learn = 7\n\n[notify]\ndesktop = false\n\n[[notify.webhooks]]\n\
         url = \"https://hooks.slack.com/services/T0000/B0000/XyzSecretPathPart\"\n\
         format = \"slack\"\n\n[[notify.webhooks]]\nurl = \"https://ntfy.example.org/topic-9f8e7d\"\n\
         format = \"ntfy\"\nheaders = { Authorization = \"Bearer tk_live_0123456789abcdef\" }\n",
    )
    .expect("config.toml");
    let browser = Browser::login(&serve).await;
    let (status, _, page) = browser.get("/config").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("approvals_to_learn = 7"),
        "the file's settings: {page}"
    );
    assert!(
        page.contains("hooks.slack.com"),
        "each webhook by its host: {page}"
    );
    for secret in [
        "XyzSecretPathPart",
        "topic-9f8e7d",
        "tk_live_0123456789abcdef",
    ] {
        assert!(!page.contains(secret), "{secret} shown: {page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_list_shows_progress_results_and_verification_and_cancels() {
    use pcc_store::{NewTask, NewTaskList, TaskFinish, TaskStatus};
    let serve = Serve::start();
    let now = pcc_server::api::now_ms();
    let list = {
        let mut store = pcc_store::Store::open(&serve.home.join("pcc.db")).expect("store");
        let task = |prompt: &str| NewTask {
            prompt: prompt.into(),
            options: "{}".into(),
        };
        let list = store
            .create_task_list(
                &NewTaskList {
                    cwd: serve.project.display().to_string(),
                    options: "{}".into(),
                    tasks: vec![
                        task("write the tests"),
                        task("write the docs"),
                        task("ship it"),
                    ],
                },
                now,
            )
            .expect("a list");
        for (position, status, result) in [
            (0, TaskStatus::Succeeded, "all 12 tests pass"),
            (1, TaskStatus::Unverified, "done, I think"),
        ] {
            store.start_task(list, position, now).expect("start");
            store
                .finish_task(
                    list,
                    position,
                    &TaskFinish {
                        status,
                        finished_ms: now + 1000,
                        duration_ms: 1000,
                        session_id: None,
                        result_text: Some(result.into()),
                        turns: 3,
                        tool_uses: 2,
                        cost_usd: Some(0.0123),
                        denials: "[]".into(),
                        error: None,
                        resumes: 0,
                    },
                )
                .expect("finish");
        }
        list
    };
    let browser = Browser::login(&serve).await;
    let (status, _, page) = browser.get("/lists").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2 of 3 done, 1 succeeded"), "{page}");
    let (status, _, page) = browser.get(&format!("/lists/{list}")).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "all 12 tests pass",
        "verified: its final message carried the run's nonce",
        "unverified: its final message lacked the run's nonce",
        "ship it",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert!(
        page.contains("Cancel the list"),
        "a list not ended offers Cancel"
    );
    // Not started by a worker: cancelling it is at once, as `lists cancel` does it.
    let (status, headers, _) = browser
        .post(&format!("/lists/{list}/cancel"), &[], true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let detail = pcc_control::lists::detail(&serve.home.join("pcc.db"), list).expect("detail");
    assert_eq!(
        location(&headers),
        format!("/lists/{list}?did=cancelled"),
        "{detail:?}"
    );
    assert_eq!(detail.list.state, "cancelled");
    let (_, _, page) = browser.get(&format!("/lists/{list}?did=cancelled")).await;
    assert!(
        page.contains("Cancelled.") && page.contains("Resume from the first unfinished task"),
        "{page}"
    );
    let (status, _, _) = browser.get("/lists/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifications_page_lists_each_message_and_how_each_channel_fared() {
    let serve = Serve::start();
    // A webhook on a loopback port nothing listens on: the send is recorded as failed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    std::fs::write(
        serve.home.join("config.toml"),
        format!(
            "[notify]\ndesktop = false\nbell = false\n\n[[notify.webhooks]]\n\
             url = \"http://127.0.0.1:{port}/hook-secret-path\"\nformat = \"json\"\n"
        ),
    )
    .expect("config.toml");
    let sent = serve.cli(&["notify", "test"]);
    assert!(!sent.status.success(), "no channel delivered it");
    let browser = Browser::login(&serve).await;
    let (status, _, page) = browser.get("/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("state-failed"), "{page}");
    assert!(
        page.contains("127.0.0.1") && page.contains("failed"),
        "{page}"
    );
    assert!(
        !page.contains("hook-secret-path"),
        "a webhook's URL is never shown: {page}"
    );
}
