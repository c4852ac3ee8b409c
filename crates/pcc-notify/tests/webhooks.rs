//! Every webhook format delivered to a real HTTP server on 127.0.0.1; failures (a 500, a hang)
//! stay inside their own channel.

use jiff::Timestamp;
use pcc_notify::{
    Delivery, Notification, NotifyConfig, NotifyKind, SendEnv, Urgency, WebhookConfig,
    WebhookFormat, send,
};
use pcc_testkit::http::{Loopback, Reply};
use serde_json::json;
use std::time::{Duration, Instant};

fn at() -> Timestamp {
    "2026-03-04T05:06:07Z".parse().expect("a timestamp")
}

fn message() -> Notification {
    Notification::new(
        NotifyKind::Escalation,
        "Permission denied: rm -rf <build>",
        "HIGH risk & unattended",
        at(),
    )
    .with_session("0123456789abcdef")
    .with_project("webapp")
    .with_urgency(Urgency::High)
}

fn env() -> SendEnv {
    SendEnv {
        platform: pcc_notify::Platform::Other,
        path: None,
        tty: "/nonexistent/tty".into(),
    }
}

fn config(webhooks: Vec<WebhookConfig>) -> NotifyConfig {
    NotifyConfig {
        desktop: false,
        bell: false,
        webhooks,
        ..NotifyConfig::default()
    }
}

fn only(deliveries: &[Delivery]) -> &Delivery {
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    &deliveries[0]
}

#[test]
fn generic_json_carries_every_field() {
    let server = Loopback::start(Reply::Status(200));
    let mut hook = WebhookConfig::new(server.url("/hooks/pcc"), WebhookFormat::Json);
    hook.headers
        .insert("X-Token".to_owned(), "s3cret".to_owned());
    let deliveries = send(&config(vec![hook]), &message(), &env());

    let delivery = only(&deliveries);
    assert!(delivery.ok, "{delivery:?}");
    assert_eq!(delivery.error, None);
    assert!(
        delivery.channel.starts_with("webhook[0] json 127.0.0.1:"),
        "{}",
        delivery.channel
    );
    let request = server.next_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/pcc");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-token"), Some("s3cret"));
    assert_eq!(
        request.json(),
        json!({
            "title": "Permission denied: rm -rf <build>",
            "message": "HIGH risk & unattended",
            "session_id": "0123456789abcdef",
            "project": "webapp",
            "kind": "escalation",
            "urgency": "high",
            "at": "2026-03-04T05:06:07Z",
        })
    );
}

#[test]
fn ntfy_gets_plain_text_and_its_headers() {
    let server = Loopback::start(Reply::Status(200));
    let mut hook = WebhookConfig::new(server.url("/my-topic"), WebhookFormat::Ntfy);
    hook.headers
        .insert("Authorization".to_owned(), "Bearer tk_test".to_owned());
    let deliveries = send(&config(vec![hook]), &message(), &env());

    assert!(only(&deliveries).ok, "{deliveries:?}");
    let request = server.next_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/my-topic");
    assert_eq!(
        request.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        request.header("title"),
        Some("Permission denied: rm -rf <build>")
    );
    assert_eq!(request.header("priority"), Some("4"));
    assert_eq!(request.header("tags"), Some("warning,escalation"));
    assert_eq!(request.header("authorization"), Some("Bearer tk_test"));
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        "HIGH risk & unattended\n\nwebapp · session 01234567"
    );
}

#[test]
fn ntfy_encodes_a_non_ascii_title_and_maps_low_urgency() {
    let server = Loopback::start(Reply::Status(200));
    let hook = WebhookConfig::new(server.url("/t"), WebhookFormat::Ntfy);
    let message = Notification::new(NotifyKind::IdlePrompt, "Claude attend → vous", "", at())
        .with_urgency(Urgency::Low);
    assert!(only(&send(&config(vec![hook]), &message, &env())).ok);
    let request = server.next_request();
    assert_eq!(
        request.header("title"),
        Some("=?UTF-8?B?Q2xhdWRlIGF0dGVuZCDihpIgdm91cw==?=")
    );
    assert_eq!(request.header("priority"), Some("2"));
    assert_eq!(request.header("tags"), Some("idle_prompt"));
    assert_eq!(request.body, b"");
}

#[test]
fn slack_gets_escaped_mrkdwn_text() {
    let server = Loopback::start(Reply::Status(200));
    let hook = WebhookConfig::new(server.url("/services/T0/B0/X"), WebhookFormat::Slack);
    assert!(only(&send(&config(vec![hook]), &message(), &env())).ok);
    let request = server.next_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/services/T0/B0/X");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "text": "*Permission denied: rm -rf &lt;build&gt;*\nHIGH risk &amp; unattended\n_webapp · session 01234567_"
        })
    );
}

#[test]
fn discord_gets_content_and_an_embed_without_pings() {
    let server = Loopback::start(Reply::Status(204));
    let hook = WebhookConfig::new(server.url("/api/webhooks/1/tok"), WebhookFormat::Discord);
    let delivery = send(&config(vec![hook]), &message(), &env());
    assert!(only(&delivery).ok, "{delivery:?}");
    let request = server.next_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/webhooks/1/tok");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "content": "Permission denied: rm -rf <build>",
            "embeds": [{
                "title": "Permission denied: rm -rf <build>",
                "description": "HIGH risk & unattended",
                "color": 0xed4245,
                "timestamp": "2026-03-04T05:06:07Z",
                "footer": { "text": "webapp · session 01234567" },
            }],
            "allowed_mentions": { "parse": [] },
        })
    );
}

#[test]
fn a_500_fails_that_channel_only_with_the_status() {
    let broken = Loopback::start(Reply::Status(500));
    let fine = Loopback::start(Reply::Status(200));
    let deliveries = send(
        &config(vec![
            WebhookConfig::new(broken.url("/secret-path"), WebhookFormat::Json),
            WebhookConfig::new(fine.url("/ok"), WebhookFormat::Slack),
        ]),
        &message(),
        &env(),
    );
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    let (failed, ok) = (&deliveries[0], &deliveries[1]);
    assert!(!failed.ok && !failed.skipped, "{failed:?}");
    let error = failed.error.as_deref().unwrap_or_default();
    assert!(error.contains("500"), "{error}");
    assert!(error.contains("status 500 from the test server"), "{error}");
    assert!(!error.contains("secret-path") && !failed.channel.contains("secret-path"));
    assert!(ok.ok, "{ok:?}");
    assert_eq!(broken.next_request().path, "/secret-path");
    assert_eq!(fine.next_request().path, "/ok");
}

#[test]
fn a_hanging_channel_is_cut_at_the_timeout_and_the_others_are_delivered() {
    let hanging = Loopback::start(Reply::Never);
    let fine = Loopback::start(Reply::Status(200));
    let timeout = Duration::from_millis(800);
    let config = NotifyConfig {
        timeout_ms: 800,
        ..config(vec![
            WebhookConfig::new(hanging.url("/slow"), WebhookFormat::Ntfy),
            WebhookConfig::new(fine.url("/fast"), WebhookFormat::Json),
        ])
    };

    let start = Instant::now();
    let deliveries = send(&config, &message(), &env());
    let elapsed = start.elapsed();

    // The hanging server really accepted the connection and got the whole request: the
    // failure below is the hang, not a refused connection.
    assert_eq!(hanging.next_request().path, "/slow");

    assert!(
        elapsed < timeout + Duration::from_millis(600),
        "send took {elapsed:?} with a {timeout:?} timeout"
    );
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    let (slow, fast) = (&deliveries[0], &deliveries[1]);
    assert!(!slow.ok, "{slow:?}");
    assert!(
        slow.elapsed >= timeout - Duration::from_millis(100),
        "the hanging channel gave up early: {slow:?}"
    );
    let error = slow.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("timed out") || error.contains("no outcome"),
        "{error}"
    );
    assert!(fast.ok, "{fast:?}");
    assert!(fast.elapsed < timeout, "{fast:?}");
    assert_eq!(fine.next_request().path, "/fast");
}

#[test]
fn an_unreachable_webhook_fails_without_panicking() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let hook = WebhookConfig::new(format!("http://127.0.0.1:{port}/x"), WebhookFormat::Json);
    let delivery = send(&config(vec![hook]), &message(), &env());
    let delivery = only(&delivery);
    assert!(!delivery.ok && !delivery.skipped, "{delivery:?}");
    assert!(delivery.error.is_some());
}

#[test]
fn no_channel_is_sent_a_secret_whoever_built_the_message() {
    let server = Loopback::start(Reply::Status(200));
    let hook = WebhookConfig::new(server.url("/hooks/ntfy"), WebhookFormat::Ntfy);
    let leaky = Notification::new(
        NotifyKind::Escalation,
        "Permission needed: sshpass -p SshTitle9x ssh host",
        "Bash: mysql -pBodyPw9x shop\nWhy: docker login --password DockBody9x r.io",
        at(),
    );
    let deliveries = send(&config(vec![hook]), &leaky, &env());
    assert!(only(&deliveries).ok, "{deliveries:?}");
    let request = server.next_request();
    let sent = format!(
        "{:?} {}",
        request.headers,
        String::from_utf8_lossy(&request.body)
    );
    for secret in ["SshTitle9x", "BodyPw9x", "DockBody9x"] {
        assert!(!sent.contains(secret), "{secret} was sent: {sent}");
    }
    assert!(sent.contains("mysql -p[REDACTED] shop"), "{sent}");
}
