//! What is notified: one [`Notification`] — title, body, the session and project it is about,
//! its [`NotifyKind`], its [`Urgency`], the dedupe key the throttle compares, and for an
//! escalation, when the server has a public URL, its [`EscalationLinks`].

use jiff::Timestamp;
use pcc_core::redact::redact;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why the human is being told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// Claude Code's `Notification` hook with `notification_type = "permission_prompt"`.
    PermissionPrompt,
    /// Claude Code's `Notification` hook with `notification_type = "idle_prompt"`.
    IdlePrompt,
    /// Any other `Notification` hook (`auth_success`, `elicitation_dialog`, …).
    ClaudeNotification,
    /// A new escalation: an unattended HIGH-risk permission we denied.
    Escalation,
    /// A question the brain could not answer.
    Question,
    /// A scheduled resume failed for good.
    ResumeFailed,
    /// A queued or listed task needs a human (it kept failing, or could not be verified).
    Task,
    /// A configuration file that hook calls cannot use (they run without it until it is fixed).
    ConfigError,
    /// `pcc-hooks notify test`.
    Test,
}

impl NotifyKind {
    /// The kind for a `Notification` hook's `notification_type`.
    pub fn from_notification_type(notification_type: &str) -> Self {
        match notification_type {
            "permission_prompt" => Self::PermissionPrompt,
            "idle_prompt" => Self::IdlePrompt,
            _ => Self::ClaudeNotification,
        }
    }

    /// The snake_case name used on the wire (`"permission_prompt"`, `"escalation"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PermissionPrompt => "permission_prompt",
            Self::IdlePrompt => "idle_prompt",
            Self::ClaudeNotification => "claude_notification",
            Self::Escalation => "escalation",
            Self::Question => "question",
            Self::ResumeFailed => "resume_failed",
            Self::Task => "task",
            Self::ConfigError => "config_error",
            Self::Test => "test",
        }
    }
}

impl fmt::Display for NotifyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How loudly: maps to ntfy's priority, notify-send's `--urgency` and Discord's colour.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Informational (ntfy priority 2, notify-send `low`).
    Low,
    /// The default (ntfy priority 3, notify-send `normal`).
    #[default]
    Normal,
    /// Someone must act (ntfy priority 4, notify-send `critical`). Not subject to the
    /// per-session rate cap (still deduplicated).
    High,
}

impl Urgency {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message for the human.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// A short headline ("Permission needed", …).
    pub title: String,
    /// The text.
    pub body: String,
    /// The Claude Code session it is about, if any.
    pub session_id: Option<String>,
    /// The project (root directory or its name), if known.
    pub project: Option<String>,
    /// Why.
    pub kind: NotifyKind,
    /// How loudly.
    pub urgency: Urgency,
    /// Two messages of the same session with the same key are duplicates (see
    /// [`crate::throttle`]). [`Notification::new`] derives it from kind, title and body.
    pub dedupe_key: String,
    /// When it happened.
    pub at: Timestamp,
    /// The escalation's page and its Approve and Deny buttons (`[server] public_url` set).
    /// Never part of `title` or `body`, which are stored and logged: the buttons are secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<EscalationLinks>,
}

/// Where an escalation is answered from a phone: its page on the dashboard, and the URLs its
/// Approve and Deny buttons POST to, each a single-use capability. The button URLs are
/// credentials until used or expired: they travel to the sender on stdin (never argv), go to
/// the channels that show buttons (ntfy) and nowhere else, and `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationLinks {
    /// The escalation's page (`<public_url>/escalations/<id>`): safe to show anywhere, it asks
    /// for a login.
    pub page: String,
    /// POST here to approve (`<public_url>/a/<token>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve: Option<String>,
    /// POST here to deny.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<String>,
}

impl fmt::Debug for EscalationLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |url: &Option<String>| url.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("EscalationLinks")
            .field("page", &self.page)
            .field("approve", &hidden(&self.approve))
            .field("deny", &hidden(&self.deny))
            .finish()
    }
}

impl Notification {
    /// A message of `kind` at `at`, normal urgency, no session or project, and a dedupe key
    /// derived from kind, title and body (`"<kind>:<16 hex digits>"`).
    pub fn new(
        kind: NotifyKind,
        title: impl Into<String>,
        body: impl Into<String>,
        at: Timestamp,
    ) -> Self {
        let title = title.into();
        let body = body.into();
        let dedupe_key = default_dedupe_key(kind, &title, &body);
        Self {
            title,
            body,
            session_id: None,
            project: None,
            kind,
            urgency: Urgency::Normal,
            dedupe_key,
            at,
            links: None,
        }
    }

    /// With a session id.
    pub fn with_session(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// With a project.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// With an urgency.
    pub fn with_urgency(mut self, urgency: Urgency) -> Self {
        self.urgency = urgency;
        self
    }

    /// With the escalation's page and buttons.
    pub fn with_links(mut self, links: EscalationLinks) -> Self {
        self.links = Some(links);
        self
    }

    /// With an explicit dedupe key (e.g. `"escalation:<id>"`).
    pub fn with_dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = key.into();
        self
    }

    /// The same message with its text redacted (`pcc_core::redact`): what every channel
    /// sends, whoever built the message. The dedupe key is kept: it is a hash or an id; so are
    /// the links, which are ours (the server's origin and a capability meant for this channel).
    pub fn redacted(&self) -> Self {
        Self {
            title: redact(&self.title),
            body: redact(&self.body),
            project: self.project.as_deref().map(redact),
            ..self.clone()
        }
    }

    /// "project · session 1a2b3c4d", or `None` when neither is known.
    pub fn context_line(&self) -> Option<String> {
        let session = self
            .session_id
            .as_deref()
            .map(|id| format!("session {}", id.chars().take(8).collect::<String>()));
        match (self.project.as_deref(), session) {
            (Some(p), Some(s)) => Some(format!("{p} · {s}")),
            (Some(p), None) => Some(p.to_owned()),
            (None, Some(s)) => Some(s),
            (None, None) => None,
        }
    }
}

/// `"<kind>:<FNV-1a 64 of title \0 body, 16 hex digits>"`: stable across processes and builds
/// (unlike `std`'s `DefaultHasher`), short enough to store and index.
fn default_dedupe_key(kind: NotifyKind, title: &str, body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in title.bytes().chain([0]).chain(body.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{kind}:{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_key_depends_on_kind_title_and_body() {
        let at = Timestamp::UNIX_EPOCH;
        let a = Notification::new(NotifyKind::Question, "t", "b", at);
        assert_eq!(
            a.dedupe_key,
            Notification::new(NotifyKind::Question, "t", "b", at).dedupe_key
        );
        assert!(a.dedupe_key.starts_with("question:"));
        assert_ne!(
            a.dedupe_key,
            Notification::new(NotifyKind::Escalation, "t", "b", at).dedupe_key
        );
        assert_ne!(
            a.dedupe_key,
            Notification::new(NotifyKind::Question, "tb", "", at).dedupe_key
        );
    }

    #[test]
    fn debug_never_shows_a_button_and_the_links_survive_the_hand_off() {
        let links = EscalationLinks {
            page: "https://h.example/escalations/4".to_owned(),
            approve: Some("https://h.example/a/pcc_cap_secret1".to_owned()),
            deny: Some("https://h.example/a/pcc_cap_secret2".to_owned()),
        };
        let message = Notification::new(NotifyKind::Escalation, "t", "b", Timestamp::UNIX_EPOCH)
            .with_links(links.clone());
        let debug = format!("{message:?}");
        assert!(debug.contains("escalations/4"), "{debug}");
        assert!(!debug.contains("pcc_cap_secret"), "{debug}");
        assert_eq!(message.redacted().links, Some(links));
        let json = serde_json::to_string(&message).expect("serialise");
        let back: Notification = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, message);
        let plain = Notification::new(NotifyKind::Test, "t", "b", Timestamp::UNIX_EPOCH);
        let json = serde_json::to_string(&plain).expect("serialise");
        assert!(!json.contains("links"), "{json}");
    }

    #[test]
    fn kinds_come_from_notification_types() {
        assert_eq!(
            NotifyKind::from_notification_type("permission_prompt"),
            NotifyKind::PermissionPrompt
        );
        assert_eq!(
            NotifyKind::from_notification_type("idle_prompt"),
            NotifyKind::IdlePrompt
        );
        assert_eq!(
            NotifyKind::from_notification_type("auth_success"),
            NotifyKind::ClaudeNotification
        );
    }

    #[test]
    fn the_context_line_shortens_the_session() {
        let n = Notification::new(NotifyKind::Test, "t", "b", Timestamp::UNIX_EPOCH)
            .with_session("0123456789abcdef")
            .with_project("web");
        assert_eq!(n.context_line().as_deref(), Some("web · session 01234567"));
        let bare = Notification::new(NotifyKind::Test, "t", "b", Timestamp::UNIX_EPOCH);
        assert_eq!(bare.context_line(), None);
    }
}
