//! The HTTP request body (and format headers) of a notification, per [`WebhookFormat`]. Pure:
//! no I/O, so every format is testable byte for byte.
//!
//! - `json`: `{"title","message","session_id","project","kind","urgency","at"}` (`at` in
//!   RFC 3339), `application/json`.
//! - `ntfy` (<https://docs.ntfy.sh/publish/>): POST the body as `text/plain` to the topic URL,
//!   with `Title`, `Priority` (2 low, 3 default, 4 high) and `Tags` (comma-separated; `warning`
//!   shows ⚠). A non-ASCII title is sent RFC 2047-encoded (`=?UTF-8?B?…?=`), which ntfy decodes.
//! - `slack` (incoming webhook): `{"text": …}` in mrkdwn, `&`, `<`, `>` escaped so a message can
//!   neither ping `<!channel>` nor forge links.
//! - `discord` (execute webhook): `{"content", "embeds": [{title, description, color,
//!   timestamp, footer}], "allowed_mentions": {"parse": []}}` (no `@everyone` pings), with
//!   Discord's length limits (content 2000, embed title 256, description 4096) applied.

use crate::config::WebhookFormat;
use crate::message::{Notification, Urgency};
use serde_json::{Value, json};

/// What to send to one webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// Headers the format needs besides `Content-Type` (ntfy's `Title`, …).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The request for `message` in `format`.
pub fn render(format: WebhookFormat, message: &Notification) -> WebhookRequest {
    match format {
        WebhookFormat::Json => json_request(&generic_json(message)),
        WebhookFormat::Ntfy => ntfy(message),
        WebhookFormat::Slack => json_request(&slack_json(message)),
        WebhookFormat::Discord => json_request(&discord_json(message)),
    }
}

fn json_request(value: &Value) -> WebhookRequest {
    WebhookRequest {
        content_type: "application/json",
        headers: Vec::new(),
        body: value.to_string().into_bytes(),
    }
}

/// The generic JSON body.
pub fn generic_json(message: &Notification) -> Value {
    json!({
        "title": message.title,
        "message": message.body,
        "session_id": message.session_id,
        "project": message.project,
        "kind": message.kind.as_str(),
        "urgency": message.urgency.as_str(),
        "at": message.at.to_string(),
    })
}

fn ntfy(message: &Notification) -> WebhookRequest {
    let mut body = message.body.clone();
    if let Some(context) = message.context_line() {
        body.push_str("\n\n");
        body.push_str(&context);
    }
    let priority = match message.urgency {
        Urgency::Low => "2",
        Urgency::Normal => "3",
        Urgency::High => "4",
    };
    let mut tags = Vec::new();
    if message.urgency == Urgency::High {
        tags.push("warning");
    }
    tags.push(message.kind.as_str());
    WebhookRequest {
        content_type: "text/plain; charset=utf-8",
        headers: vec![
            ("Title", header_text(&message.title)),
            ("Priority", priority.to_owned()),
            ("Tags", tags.join(",")),
        ],
        body: body.into_bytes(),
    }
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
