//! The frame of every page — landmarks, the menu with the inbox's count, the live regions the
//! script announces in — and the small pieces pages share (times, states, the CSRF field).

use super::assets::{SCRIPT, STYLE};
use crate::auth::Caller;
use maud::{DOCTYPE, Markup, html};
use pcc_control::time::{ago, rfc3339};

/// Where a page sits in the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/` and a session's page.
    Sessions,
    /// `/inbox` and an escalation's page.
    Inbox,
    /// `/queue`.
    Queue,
    /// `/lists`.
    Lists,
    /// `/notifications`.
    Notifications,
    /// `/config`.
    Config,
    /// `/sessions/new`.
    NewSession,
}

impl Section {
    /// The name the script knows a page by (`<body data-page>`).
    fn name(self) -> &'static str {
        match self {
            Section::Sessions => "sessions",
            Section::Inbox => "inbox",
            Section::Queue => "queue",
            Section::Lists => "lists",
            Section::Notifications => "notifications",
            Section::Config => "config",
            Section::NewSession => "new-session",
        }
    }
}

const MENU: &[(Section, &str, &str)] = &[
    (Section::Sessions, "/", "Sessions"),
    (Section::Inbox, "/inbox", "Inbox"),
    (Section::Queue, "/queue", "Queue"),
    (Section::Lists, "/lists", "Task lists"),
    (Section::Notifications, "/notifications", "Notifications"),
    (Section::Config, "/config", "Config"),
    (Section::NewSession, "/sessions/new", "New session"),
];

/// A whole page: `title` as its `<h1>`, `body` in `<main>`. `pending` is the inbox's count for
/// the menu (`None` when it could not be read, as on an error page).
pub fn page(
    caller: &Caller,
    section: Section,
    title: &str,
    pending: Option<i64>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(caller.csrf_token().unwrap_or_default());
                title { (title) " · pcc-hooks" }
                link rel="stylesheet" href=(STYLE);
                script src=(SCRIPT) defer {}
            }
            body data-page=(section.name()) {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "pcc-hooks" }
                    nav aria-label="Main" {
                        ul {
                            @for (item, href, label) in MENU {
                                li {
                                    a href=(href)
                                        aria-current=[(*item == section).then_some("page")] {
                                        (label)
                                        @if *item == Section::Inbox {
                                            " "
                                            span.count #inbox-count
                                                aria-label=[pending.map(|n| format!("{n} waiting"))] {
                                                @if let Some(count) = pending.filter(|n| *n > 0) { (count) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    form.logout method="post" action="/logout" {
                        (csrf_field(caller))
                        button type="submit" { "Log out" }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    div #stale.notice hidden role="status" {
                        "This page has changed since it was loaded. "
                        a href="" { "Reload" }
                    }
                    (body)
                }
                div #live.visually-hidden role="status" aria-live="polite" {}
            }
        }
    }
}

/// The hidden field that carries the session's CSRF token in a form (empty for a bearer caller,
/// who needs none).
pub fn csrf_field(caller: &Caller) -> Markup {
    html! { input type="hidden" name="csrf" value=(caller.csrf_token().unwrap_or_default()); }
}

/// A time as "5m ago", with the exact time for machines and on hover.
pub fn time(ms: i64, now_ms: i64) -> Markup {
    let exact = rfc3339(ms);
    html! { time datetime=(exact) title=(exact) { (ago(now_ms - ms)) " ago" } }
}

/// A state as a badge the style sheet colours by name (`state-working`, `state-ended`, …).
pub fn badge(name: &str) -> Markup {
    html! { span class={ "state state-" (name) } { (name) } }
}

/// A session's id as its short form, linking to its page.
pub fn session_link(session_id: &str) -> Markup {
    html! {
        a.mono href={ "/sessions/" (segment(session_id)) } title=(session_id) {
            (pcc_control::sessions::short_id(session_id))
        }
    }
}

/// A message at the top of a page after a form did something (post/redirect/get).
pub fn notice(text: Option<String>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice.done role="status" { (text) }
        }
    }
}

/// `text` as one path segment of a URL: everything but letters, digits and `-_.~`
/// percent-encoded (a session id is whatever a hook input said).
pub fn segment(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}
