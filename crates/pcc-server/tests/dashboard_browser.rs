//! The dashboard in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! `fantoccini`), against the real `pcc-serve` binary and real `pcc-hooks hook` calls fed the
//! hook inputs captured from Claude Code 2.1.329. Everything listens on 127.0.0.1.
//!
//! It logs in with the printed one-time link, sees a session appear on the overview without a
//! reload, sees a new escalation appear in the inbox without a reload, clicks Approve, and
//! checks the store and the hooks: answered by the web session, the next identical call allowed
//! once. Screenshots of the overview and the inbox at 1280 and 390 px are checked for their
//! width and written to `docs/screenshots/` when `PCC_UPDATE_SCREENSHOTS=1`.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). Without them the test says so and passes, except in CI (`CI` set),
//! where it fails.

mod dashboard_support;

use dashboard_support::{PUSH, Serve, WAIT, decision};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program on `PATH`.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Chromium and its driver, or why the test cannot run.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let found = on_path(&["chromium", "chromium-browser"]).zip(on_path(&["chromedriver"]));
    if found.is_none() {
        let why = "chromium and chromedriver are not installed \
                   (apt-get install -y chromium chromium-driver)";
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test: {why}"
        );
        eprintln!("skipped: {why}");
    }
    found
}

/// chromedriver on a loopback port, and a Chromium session through it; both end when dropped.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromium: &Path, chromedriver: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Waits for `css` to match, at most [`WAIT`].
    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css} on the page: {error}"))
    }

    /// The page's current path and query.
    async fn location(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Marks the document, so a later [`Browser::same_document`] tells whether it was reloaded.
    async fn mark(&self) {
        self.client
            .execute("window.pccMark = 'kept';", vec![])
            .await
            .expect("mark the page");
    }

    async fn same_document(&self) -> bool {
        self.client
            .execute("return window.pccMark === 'kept';", vec![])
            .await
            .expect("read the mark")
            .as_bool()
            .unwrap_or(false)
    }

    /// Waits until the page's script follows `/api/events`.
    async fn live(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .client
                .execute("return document.body.dataset.live || '';", vec![])
                .await
                .expect("read the stream's state");
            if state == "open" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the event stream never opened: {state}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A screenshot of the page at `width` px, checked to be a PNG of that width, written to
    /// `dir/name`; scrolled to the element `at` when given.
    async fn screenshot(&self, width: u32, height: u32, dir: &Path, name: &str, at: Option<&str>) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize the window");
        if let Some(css) = at {
            self.client
                .execute(
                    "document.querySelector(arguments[0]).scrollIntoView();",
                    vec![json!(css)],
                )
                .await
                .expect("scroll");
        }
        // Let the layout settle at the new width before the picture.
        self.client
            .execute(
                "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));",
                vec![],
            )
            .await
            .expect("a frame");
        let inner = self
            .client
            .execute("return window.innerWidth;", vec![])
            .await
            .expect("the viewport's width");
        assert_eq!(inner, json!(width), "the viewport is {width} px wide");
        let png = self.client.screenshot().await.expect("a screenshot");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        let shot_width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert_eq!(shot_width, width, "{name} is {width} px wide");
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth;",
                vec![],
            )
            .await
            .expect("the page's width");
        assert_eq!(
            overflow,
            json!(false),
            "{name}: nothing sticks out sideways"
        );
        std::fs::write(dir.join(name), png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where the screenshots go: the repository's `docs/screenshots/` when asked, else a scratch
/// directory (a test run does not change the tree).
fn screenshot_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    if std::env::var_os("PCC_UPDATE_SCREENSHOTS").is_some() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        (dir, None)
    } else {
        let scratch = tempfile::tempdir().expect("scratch dir");
        (scratch.path().to_path_buf(), Some(scratch))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_escalation_appears_live_and_approve_allows_the_next_identical_call_once() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let serve = Serve::start();
    let first = "295fcaf8-0412-4ce8-a1ae-19f05189e42d";
    serve.session(first);
    let browser = Browser::start(&chromium, &chromedriver).await;
    let (shots, _scratch) = screenshot_dir();

    // Log in with the printed link: it lands on the overview, which shows the session.
    browser
        .client
        .goto(&serve.login_link)
        .await
        .expect("open the login link");
    assert_eq!(browser.location().await, "/");
    let row = browser
        .find(&format!("tr[data-session='{first}'] .state"))
        .await;
    assert_eq!(row.text().await.expect("state"), "working");

    // A second session's hook calls reach the open overview without a reload.
    browser.live().await;
    browser.mark().await;
    let second = "7d3c0a55-9e21-4b6f-8c1a-2f4e5d6a7b8c";
    serve.session(second);
    let live_row = browser
        .find(&format!("tr[data-session='{second}'] .state"))
        .await;
    assert_eq!(live_row.text().await.expect("state"), "working");
    assert!(
        browser.same_document().await,
        "the row came without a reload"
    );
    browser.client.refresh().await.expect("reload");
    let events = browser
        .find(&format!(
            "tr[data-session='{second}'] [data-field='events']"
        ))
        .await;
    let shown = events.text().await.expect("events");
    assert_eq!(
        shown,
        "3",
        "after a reload the row is the server's, with every event counted; spooled: {:?}",
        std::fs::read_dir(serve.home.join("spool")).map(|dir| dir
            .flatten()
            .map(|entry| entry.file_name())
            .collect::<Vec<_>>())
    );
    browser
        .screenshot(1280, 900, &shots, "overview-desktop.png", None)
        .await;
    browser
        .screenshot(390, 844, &shots, "overview-phone.png", None)
        .await;

    // The inbox is empty; a HIGH call of the session is denied and escalated by the hook, and
    // its card appears without a reload.
    browser
        .client
        .set_window_size(1280, 900)
        .await
        .expect("size");
    browser
        .client
        .goto(&serve.url("/inbox"))
        .await
        .expect("open the inbox");
    assert!(
        browser
            .client
            .find_all(Locator::Css("#escalations [data-escalation]"))
            .await
            .expect("cards")
            .is_empty()
    );
    browser.live().await;
    browser.mark().await;
    assert_eq!(
        decision(&serve.hook(&serve.bash(first, PUSH, "toolu_push"))),
        "deny"
    );
    let pending = serve.pending();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let id = pending[0]["id"].as_i64().expect("an id");
    let card = browser
        .find(&format!("#escalations [data-escalation='{id}']"))
        .await;
    assert!(
        browser.same_document().await,
        "the card came without a reload"
    );
    let summary = card
        .find(Locator::Css("[data-field='summary']"))
        .await
        .expect("summary")
        .text()
        .await
        .expect("text");
    assert!(summary.contains(PUSH), "{summary}");
    let count = browser.find("#inbox-count").await;
    assert_eq!(count.text().await.expect("count"), "1");
    browser
        .screenshot(1280, 900, &shots, "inbox-desktop.png", None)
        .await;
    browser
        .screenshot(390, 844, &shots, "inbox-phone.png", None)
        .await;

    // Approve, by keyboard as a human without a mouse would: focus the button, press Enter.
    let approve = card
        .find(Locator::Css("button.approve"))
        .await
        .expect("Approve");
    approve
        .send_keys("\u{e007}")
        .await
        .expect("press Enter on Approve");
    let notice = browser.find("p.notice.done").await;
    let notice = notice.text().await.expect("notice");
    assert!(
        notice.contains(&format!("#{id} answered: approve")),
        "{notice}"
    );
    assert!(notice.contains("web_session"), "{notice}");
    assert_eq!(browser.location().await, format!("/inbox?answered={id}"));

    // The store has it answered by this browser; the next identical call runs once.
    assert!(serve.pending().is_empty(), "nothing waits any more");
    let store = pcc_store::Store::open_existing(&serve.home.join("pcc.db"))
        .expect("open")
        .expect("a database");
    let answered = store.escalation(id).expect("read").expect("the escalation");
    assert_eq!(answered.state, pcc_store::EscalationState::Answered);
    assert_eq!(answered.verdict, Some(pcc_store::Verdict::Approve));
    assert_eq!(
        answered.provenance.map(|by| by.by),
        Some(pcc_store::Answerer::WebSession)
    );
    assert_eq!(
        decision(&serve.hook(&serve.bash(first, PUSH, "toolu_push_2"))),
        "allow",
        "approved once"
    );
    assert_eq!(
        decision(&serve.hook(&serve.bash(first, PUSH, "toolu_push_3"))),
        "deny",
        "once only"
    );

    // The session's page renders its transcript as `pcc-hooks logs` does, decisions inline.
    browser
        .client
        .goto(&serve.url(&format!("/sessions/{first}")))
        .await
        .expect("the session's page");
    let transcript = browser.find("pre.transcript").await;
    let text = transcript.text().await.expect("transcript");
    assert!(text.contains("run ls"), "{text}");
    assert!(text.contains("pcc: allow"), "{text}");
    browser
        .screenshot(
            1280,
            900,
            &shots,
            "session-desktop.png",
            Some("#transcript-title"),
        )
        .await;
    browser
        .screenshot(
            390,
            844,
            &shots,
            "session-phone.png",
            Some("#transcript-title"),
        )
        .await;

    // A notification's Approve link opened in the browser: the confirmation page, then its
    // button. The browser sends the page's own form with the page's Origin (a `no-referrer`
    // page made it `Origin: null`, which the gate refused as foreign).
    assert_eq!(
        decision(&serve.hook(&serve.bash(first, PUSH, "toolu_push_4"))),
        "deny"
    );
    let pending = serve.pending();
    let waiting = pending.len();
    let id = pending
        .iter()
        .filter_map(|row| row["id"].as_i64())
        .max()
        .expect("an id");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let minted = pcc_store::Store::open(&serve.home.join("pcc.db"))
        .expect("open")
        .mint_capabilities(id, &[pcc_store::CapabilityAnswer::Approve], now, 3_600_000)
        .expect("mint");
    browser
        .client
        .goto(&serve.url(&format!("/a/{}", minted[0].token.expose())))
        .await
        .expect("open the Approve link");
    assert_eq!(
        serve.pending().len(),
        waiting,
        "the page alone changes nothing"
    );
    browser
        .find("form button[type='submit']")
        .await
        .click()
        .await
        .expect("press the page's button");
    // The click navigates; wait for the answer to be stored, not for the old page's heading.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while serve.pending().len() != waiting - 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the button did not answer: {}",
            browser.client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let answered = pcc_store::Store::open_existing(&serve.home.join("pcc.db"))
        .expect("open")
        .expect("a database")
        .escalation(id)
        .expect("read")
        .expect("the escalation");
    assert_eq!(
        answered.provenance.map(|by| by.by),
        Some(pcc_store::Answerer::Capability)
    );
}
