//! The HTTP request body (and format headers) of a notification, per [`WebhookFormat`]. Pure:
//! no I/O, so every format is testable byte for byte.
//!
//! - `json`: `{"title","message","session_id","project","kind","urgency","at"}` (`at` in
//!   RFC 3339), `application/json`.
//! - `ntfy` (<https://docs.ntfy.sh/publish/>): POST the body as `text/plain` to the topic URL,
//!   with `Title`, `Priority` (2 low, 3 default, 4 high) and `Tags` (comma-separated; `warning`
//!   shows ⚠). A non-ASCII title is sent RFC 2047-encoded (`=?UTF-8?B?…?=`), which ntfy decodes.
//!   A message with [`EscalationLinks`] is published as JSON instead (ntfy's "publish as JSON":
//!   POST to the server's root URL, the topic in the body), since only that form carries action
//!   buttons with arbitrary URLs safely: `click` and a `view` action open the escalation's page,
//!   and `Approve` and `Deny` are `http` actions that POST to their capability URLs, clearing
//!   the notification when the server accepts.
//! - `slack` (incoming webhook): `{"text": …}` in mrkdwn, `&`, `<`, `>` escaped so a message can
//!   neither ping `<!channel>` nor forge links; an escalation's page as a link of ours.
//! - `discord` (execute webhook): `{"content", "embeds": [{title, description, color,
//!   timestamp, footer, url}], "allowed_mentions": {"parse": []}}` (no `@everyone` pings), with
//!   Discord's length limits (content 2000, embed title 256, description 4096) applied; `url`
//!   (the title's link) is an escalation's page.
//!
//! Only ntfy gets the Approve and Deny URLs (they are credentials and only ntfy shows them as
//! buttons); Slack, Discord and the generic JSON (`url`) get the page, which asks for a login.

use crate::config::WebhookFormat;
use crate::message::{EscalationLinks, Notification, Urgency};
use reqwest::Url;
use serde_json::{Value, json};

/// What to send to one webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRequest {
    /// Where to POST: the configured URL, or for ntfy's JSON form the server's root.
    pub url: Url,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// Headers the format needs besides `Content-Type` (ntfy's `Title`, …).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The request for `message` to the webhook at `url` in `format`.
pub fn render(format: WebhookFormat, url: &Url, message: &Notification) -> WebhookRequest {
    match format {
        WebhookFormat::Json => json_request(url.clone(), &generic_json(message)),
        WebhookFormat::Ntfy => match (&message.links, ntfy_root_and_topic(url)) {
            (Some(links), Some((root, topic))) => {
                json_request(root, &ntfy_json(message, &topic, links))
            }
            _ => ntfy(url.clone(), message),
        },
        WebhookFormat::Slack => json_request(url.clone(), &slack_json(message)),
        WebhookFormat::Discord => json_request(url.clone(), &discord_json(message)),
    }
}

fn json_request(url: Url, value: &Value) -> WebhookRequest {
    WebhookRequest {
        url,
        content_type: "application/json",
        headers: Vec::new(),
        body: value.to_string().into_bytes(),
    }
}

/// The generic JSON body.
pub fn generic_json(message: &Notification) -> Value {
    let mut value = json!({
        "title": message.title,
        "message": message.body,
        "session_id": message.session_id,
        "project": message.project,
        "kind": message.kind.as_str(),
        "urgency": message.urgency.as_str(),
        "at": message.at.to_string(),
    });
    if let (Some(links), Some(map)) = (&message.links, value.as_object_mut()) {
        map.insert("url".to_owned(), json!(links.page));
    }
    value
}

/// The text ntfy shows: the body, then the context line.
fn ntfy_text(message: &Notification) -> String {
    let mut body = message.body.clone();
    if let Some(context) = message.context_line() {
        body.push_str("\n\n");
        body.push_str(&context);
    }
    body
}

/// ntfy's priority for `urgency`: 2 low, 3 default, 4 high.
fn ntfy_priority(urgency: Urgency) -> u8 {
    match urgency {
        Urgency::Low => 2,
        Urgency::Normal => 3,
        Urgency::High => 4,
    }
}

/// `warning` (⚠) for high urgency, then the kind.
fn ntfy_tags(message: &Notification) -> Vec<&'static str> {
    let mut tags = Vec::new();
    if message.urgency == Urgency::High {
        tags.push("warning");
    }
    tags.push(message.kind.as_str());
    tags
}

fn ntfy(url: Url, message: &Notification) -> WebhookRequest {
    WebhookRequest {
        url,
        content_type: "text/plain; charset=utf-8",
        headers: vec![
            ("Title", header_text(&message.title)),
            ("Priority", ntfy_priority(message.urgency).to_string()),
            ("Tags", ntfy_tags(message).join(",")),
        ],
        body: ntfy_text(message).into_bytes(),
    }
}

/// The server's root and the topic of an ntfy topic URL (`https://ntfy.sh/mytopic` →
/// `https://ntfy.sh/`, `mytopic`; a server under a path keeps it), with any query (ntfy's
/// `?auth=`) kept on the root. `None` when the URL names no topic.
pub fn ntfy_root_and_topic(url: &Url) -> Option<(Url, String)> {
    let topic = url
        .path_segments()?
        .rev()
        .find(|segment| !segment.is_empty())?
        .to_owned();
    let mut root = url.clone();
    {
        let mut segments = root.path_segments_mut().ok()?;
        segments.pop_if_empty().pop().push("");
    }
    root.set_fragment(None);
    Some((root, topic))
}

/// ntfy's JSON publishing body (<https://docs.ntfy.sh/publish/#publish-as-json>) for a message
/// with links: at most three actions, as ntfy allows.
pub fn ntfy_json(message: &Notification, topic: &str, links: &EscalationLinks) -> Value {
    let mut actions = Vec::new();
    for (label, url) in [("Approve", &links.approve), ("Deny", &links.deny)] {
        if let Some(url) = url {
            actions.push(json!({
                "action": "http",
                "label": label,
                "url": url,
                "method": "POST",
                "clear": true,
            }));
        }
    }
    actions.push(json!({ "action": "view", "label": "Open", "url": links.page }));
    json!({
        "topic": topic,
        "title": message.title,
        "message": ntfy_text(message),
        "priority": ntfy_priority(message.urgency),
        "tags": ntfy_tags(message),
        "click": links.page,
        "actions": actions,
    })
}

/// The Slack body.
pub fn slack_json(message: &Notification) -> Value {
    let mut text = format!("*{}*", slack_escape(&message.title));
    if !message.body.is_empty() {
        text.push('\n');
        text.push_str(&slack_escape(&message.body));
    }
    if let Some(context) = message.context_line() {
        text.push_str(&format!("\n_{}_", slack_escape(&context)));
    }
    if let Some(links) = &message.links {
        // Our own link (the server's origin and a path of digits): `<url|label>` is Slack's.
        text.push_str(&format!(
            "\n<{}|Open it on the dashboard>",
            slack_escape(&links.page)
        ));
    }
    json!({ "text": text })
}

/// The Discord body.
pub fn discord_json(message: &Notification) -> Value {
    let color = match message.urgency {
        Urgency::Low => 0x95_a5_a6,
        Urgency::Normal => 0x58_65_f2,
        Urgency::High => 0xed_42_45,
    };
    let mut embed = json!({
        "title": truncate(&message.title, 256),
        "description": truncate(&message.body, 4096),
        "color": color,
        "timestamp": message.at.to_string(),
    });
    if let (Some(context), Some(map)) = (message.context_line(), embed.as_object_mut()) {
        map.insert(
            "footer".to_owned(),
            json!({ "text": truncate(&context, 2048) }),
        );
    }
    if let (Some(links), Some(map)) = (&message.links, embed.as_object_mut()) {
        map.insert("url".to_owned(), json!(links.page));
    }
    json!({
        "content": truncate(&message.title, 2000),
        "embeds": [embed],
        "allowed_mentions": { "parse": [] },
    })
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, the last one `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A header value: printable ASCII as is (control characters become spaces), anything else
/// RFC 2047 `=?UTF-8?B?<base64>?=`.
fn header_text(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.is_ascii() {
        clean
    } else {
        format!("=?UTF-8?B?{}?=", base64(clean.as_bytes()))
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NotifyKind;
    use jiff::Timestamp;

    fn message() -> Notification {
        Notification::new(
            NotifyKind::Escalation,
            "Denied <rm -rf> & more",
            "body",
            Timestamp::UNIX_EPOCH,
        )
        .with_session("abcdef0123456789")
        .with_project("proj")
        .with_urgency(Urgency::High)
    }

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn non_ascii_header_text_is_rfc_2047_encoded() {
        assert_eq!(header_text("plain title"), "plain title");
        assert_eq!(header_text("a\nb"), "a b");
        assert_eq!(header_text("é"), "=?UTF-8?B?w6k=?=");
    }

    #[test]
    fn slack_escapes_its_markup() {
        let text = slack_json(&message())["text"].as_str().map(str::to_owned);
        assert_eq!(
            text.as_deref(),
            Some("*Denied &lt;rm -rf&gt; &amp; more*\nbody\n_proj · session abcdef01_")
        );
    }

    fn with_links(message: Notification) -> Notification {
        message.with_links(EscalationLinks {
            page: "https://me.ts.net/escalations/12".to_owned(),
            approve: Some("https://me.ts.net/a/pcc_cap_approve".to_owned()),
            deny: Some("https://me.ts.net/a/pcc_cap_deny".to_owned()),
        })
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("a URL")
    }

    #[test]
    fn ntfy_with_links_is_published_as_json_to_the_root_with_three_actions() {
        let request = render(
            WebhookFormat::Ntfy,
            &url("https://ntfy.example/sub/my-topic?auth=abc"),
            &with_links(message()),
        );
        assert_eq!(
            request.url.as_str(),
            "https://ntfy.example/sub/?auth=abc",
            "JSON goes to the root, the server's path and the auth query kept"
        );
        assert_eq!(request.content_type, "application/json");
        assert!(request.headers.is_empty());
        let body: Value = serde_json::from_slice(&request.body).expect("JSON");
        assert_eq!(body["topic"], "my-topic");
        assert_eq!(body["title"], "Denied <rm -rf> & more");
        assert_eq!(body["message"], "body\n\nproj · session abcdef01");
        assert_eq!(body["priority"], 4);
        assert_eq!(body["tags"], json!(["warning", "escalation"]));
        assert_eq!(body["click"], "https://me.ts.net/escalations/12");
        assert_eq!(
            body["actions"],
            json!([
                {"action": "http", "label": "Approve", "url": "https://me.ts.net/a/pcc_cap_approve",
                 "method": "POST", "clear": true},
                {"action": "http", "label": "Deny", "url": "https://me.ts.net/a/pcc_cap_deny",
                 "method": "POST", "clear": true},
                {"action": "view", "label": "Open", "url": "https://me.ts.net/escalations/12"},
            ])
        );
    }

    #[test]
    fn ntfy_without_links_stays_plain_text_to_the_topic() {
        let topic = url("https://ntfy.sh/my-topic");
        let request = render(WebhookFormat::Ntfy, &topic, &message());
        assert_eq!(request.url, topic);
        assert_eq!(request.content_type, "text/plain; charset=utf-8");
        assert_eq!(request.body, b"body\n\nproj \xc2\xb7 session abcdef01");
        let root = url("https://ntfy.sh/");
        assert_eq!(ntfy_root_and_topic(&root), None, "no topic, no JSON");
        let request = render(WebhookFormat::Ntfy, &root, &with_links(message()));
        assert_eq!(request.content_type, "text/plain; charset=utf-8");
        assert_eq!(
            ntfy_root_and_topic(&url("https://ntfy.sh/t/")),
            Some((url("https://ntfy.sh/"), "t".to_owned()))
        );
    }

    #[test]
    fn only_ntfy_gets_the_buttons_slack_discord_and_json_get_the_page() {
        let message = with_links(message());
        for format in [
            WebhookFormat::Slack,
            WebhookFormat::Discord,
            WebhookFormat::Json,
        ] {
            let request = render(format, &url("https://hooks.example/x"), &message);
            let body = String::from_utf8(request.body).expect("UTF-8");
            assert!(
                body.contains("https://me.ts.net/escalations/12"),
                "{format:?}: {body}"
            );
            assert!(!body.contains("pcc_cap_"), "{format:?}: {body}");
        }
        let text = slack_json(&message)["text"].as_str().map(str::to_owned);
        assert!(
            text.as_deref().is_some_and(|text| text
                .ends_with("\n<https://me.ts.net/escalations/12|Open it on the dashboard>")),
            "{text:?}"
        );
        assert_eq!(
            discord_json(&message)["embeds"][0]["url"],
            "https://me.ts.net/escalations/12"
        );
        assert_eq!(
            generic_json(&message)["url"],
            "https://me.ts.net/escalations/12"
        );
    }

    #[test]
    fn discord_truncates_to_its_limits() {
        let mut long = message();
        long.title = "x".repeat(3000);
        let value = discord_json(&long);
        assert_eq!(
            value["content"].as_str().map(|s| s.chars().count()),
            Some(2000)
        );
        assert_eq!(
            value["embeds"][0]["title"]
                .as_str()
                .map(|s| s.chars().count()),
            Some(256)
        );
        assert_eq!(value["allowed_mentions"], json!({"parse": []}));
    }
}
