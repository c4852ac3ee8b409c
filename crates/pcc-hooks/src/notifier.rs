//! Telling a human, from inside a hook call (or the scheduler, or the queue), that something
//! needs them: Claude Code's `Notification` hook and every new escalation.
//!
//! The contract for callers: [`escalation_raised`] and [`notify`] never fail and never print.
//! They are called after the caller's own work is stored, and whatever goes wrong here (no
//! channel, a throttled message, a database error, a sender that cannot start) is logged and,
//! where possible, recorded in the `notifications` table — it never changes the caller's answer.
//! Nothing is written to stdout: a hook's stdout is the protocol.
//!
//! The flow: the throttle decides against the session's recent sends and the decision is stored
//! in the same transaction (`Store::record_notification`), so two racing hooks never both send
//! the same message; a message to send is then handed to a detached `pcc-hooks notify send-json`
//! child ([`pcc_notify::spawn_detached_sender`]), which sends it within `timeout_ms` and records
//! each channel's outcome in the row. The hook itself waits for no channel: a slow or hanging
//! webhook costs it one fork and one pipe write.
//!
//! With `[server] public_url` set, an escalation's message carries its page on the dashboard,
//! and when an ntfy channel will show them, Approve and Deny buttons: two capabilities minted
//! only once the throttle has decided to send (a held-back message mints nothing). Their URLs
//! live in the message's links, never in its title or body, which are stored and logged.

use jiff::Timestamp;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::config::{Config, ConfigProblem, ServerConfig};
use pcc_core::hook::Notification as NotificationHook;
use pcc_core::paths::DataDir;
use pcc_core::redact::redact_and_truncate;
use pcc_notify::{
    Delivery, EscalationLinks, Notification, NotifyConfig, NotifyKind, RecentSend, SendEnv,
    SendJob, Urgency, WebhookFormat, throttle,
};
use pcc_store::{
    CapabilityAnswer, DeliveryRecord, EventRecord, NewEscalation, NewNotification,
    NotificationState, RecentNotification, Store,
};
use std::path::Path;

/// The longest summary or reason an escalation's message carries: a notification is a pointer
/// to `pcc-hooks pending`, not the whole record.
const MAX_FIELD_CHARS: usize = 500;

/// A new escalation, as its caller knows it, for [`escalation_raised`].
#[derive(Debug, Clone, Copy)]
pub struct EscalationNotice<'a> {
    /// The escalation's row id: the human answers with `pcc-hooks respond <id> …`.
    pub escalation_id: i64,
    /// The session that waits.
    pub session_id: &'a str,
    /// What waits on the human.
    pub kind: EscalationKind,
    /// What it is about (the redacted call, the question, the task).
    pub summary: &'a str,
    /// Why it went to a human.
    pub reason: &'a str,
    /// The project, when known.
    pub project_root: Option<&'a str>,
}

impl<'a> EscalationNotice<'a> {
    /// The notice for an escalation as the store raised it.
    pub fn of(escalation_id: i64, escalation: &'a NewEscalation) -> Self {
        Self {
            escalation_id,
            session_id: &escalation.session_id,
            kind: escalation.kind,
            summary: &escalation.summary,
            reason: &escalation.reason,
            project_root: escalation.project_root.as_deref(),
        }
    }
}

/// Tells the human about a new escalation: high urgency (never rate-capped, still deduplicated
/// by escalation id), with how to answer it, and with `[server] public_url` its page and
/// (ntfy) Approve and Deny buttons. `config` is what is in force for its project. Never fails
/// and never prints.
pub fn escalation_raised(
    data: &DataDir,
    store: &mut Store,
    config: &Config,
    notice: &EscalationNotice<'_>,
) {
    let message = escalation_message(notice, Timestamp::now());
    let links = LinkPlan {
        server: &config.server,
        escalation_id: notice.escalation_id,
        buttons: has_buttons(notice.kind),
    };
    send_throttled(
        data,
        store,
        &config.notify,
        message,
        Some(notice.escalation_id),
        Some(&links),
    );
}

/// Sends `message` to the configured channels, throttled per session, from a detached child.
/// A no-op when no channel is enabled. Never fails and never prints.
pub fn notify(data: &DataDir, store: &mut Store, config: &NotifyConfig, message: Notification) {
    send_throttled(data, store, config, message, None, None);
}

/// The links an escalation's message may carry, made once it is decided to send it.
struct LinkPlan<'a> {
    /// Where the server is reached, and how long a button works.
    server: &'a ServerConfig,
    /// The escalation.
    escalation_id: i64,
    /// Whether an Approve and a Deny answer it (not a question, which needs words).
    buttons: bool,
}

/// Whether approve and deny are answers to `kind`: everything but a question.
fn has_buttons(kind: EscalationKind) -> bool {
    match kind {
        EscalationKind::Permission
        | EscalationKind::ResumeFailed
        | EscalationKind::Task
        | EscalationKind::TaskUnverified => true,
        EscalationKind::Question => false,
    }
}

/// The page of the escalation and, when an ntfy channel will show them, its buttons, minted
/// now; `None` without `public_url`. A failure to mint is logged and the page is sent alone:
/// the human can still answer, from the page or the terminal.
fn escalation_links(
    store: &mut Store,
    config: &NotifyConfig,
    plan: &LinkPlan<'_>,
    now_ms: i64,
) -> Option<EscalationLinks> {
    let page = plan.server.escalation_page(plan.escalation_id)?;
    let mut links = EscalationLinks {
        page,
        approve: None,
        deny: None,
    };
    let shows_buttons = config
        .webhooks
        .iter()
        .any(|hook| hook.format == WebhookFormat::Ntfy);
    if !(plan.buttons && shows_buttons) {
        return Some(links);
    }
    let ttl_ms = i64::try_from(plan.server.capability_ttl.as_millis()).unwrap_or(i64::MAX);
    match store.mint_capabilities(
        plan.escalation_id,
        &[CapabilityAnswer::Approve, CapabilityAnswer::Deny],
        now_ms,
        ttl_ms,
    ) {
        Ok(minted) => {
            for capability in minted {
                let url = plan
                    .server
                    .link(&format!("/a/{}", capability.token.expose()));
                match capability.answer {
                    CapabilityAnswer::Approve => links.approve = url,
                    CapabilityAnswer::Deny => links.deny = url,
                }
            }
        }
        Err(error) => {
            tracing::error!(%error, escalation = plan.escalation_id, "no Approve/Deny buttons: they could not be made");
        }
    }
    Some(links)
}

/// Claude Code's `Notification` hook (`permission_prompt`, `idle_prompt`, …), already recorded
/// as an event: notifies with `config`, the configuration in force for its project (with a
/// broken file, what is in force instead).
pub fn claude_notification(
    data: &DataDir,
    store: &mut Store,
    record: &EventRecord,
    note: &NotificationHook,
    config: &Config,
) {
    let message = hook_message(
        note,
        &record.session_id,
        &record.project_root,
        Timestamp::now(),
    );
    notify(data, store, &config.notify, message);
}

/// Tells the human that hook calls cannot use a configuration file (they run without it, by
/// what is in force instead, until it is fixed). High urgency, so the rate cap never holds it
/// back; no session, so the dedupe key — derived from the file and the error — makes it one
/// message per file and error within `min_interval_seconds`, however many calls hit it. Never
/// fails and never prints.
pub fn config_broken(
    data: &DataDir,
    store: &mut Store,
    config: &NotifyConfig,
    problem: &ConfigProblem,
) {
    send_throttled(
        data,
        store,
        config,
        config_message(problem, Timestamp::now()),
        None,
        None,
    );
}

fn config_message(problem: &ConfigProblem, at: Timestamp) -> Notification {
    let body = format!(
        "{}: {}\n{}.\nFix the file; until then pcc-hooks allows only what its built-in policy \
         rates LOW. Check: pcc-hooks doctor",
        problem.error.file,
        redact_and_truncate(&problem.error.message, MAX_FIELD_CHARS),
        problem.effect()
    );
    let file = problem.error.file.as_str();
    Notification::new(
        NotifyKind::ConfigError,
        "pcc-hooks cannot use a configuration file",
        body,
        at,
    )
    .with_project(project_name(
        Path::new(file)
            .parent()
            .and_then(Path::parent)
            .map_or(file, |root| root.to_str().unwrap_or(file)),
    ))
    .with_urgency(Urgency::High)
}

/// Whether `config` enables any channel at all.
pub fn has_channel(config: &NotifyConfig) -> bool {
    config.desktop || config.bell || !config.webhooks.is_empty()
}

/// `PCC_NOTIFY=off` silences every automatic notification of this process and its children —
/// for scripted or CI runs that must not pop up desktop messages or call webhooks.
/// `pcc-hooks notify test`, an explicit request, still sends.
fn notifications_switched_off() -> bool {
    std::env::var_os("PCC_NOTIFY").is_some_and(|value| value == "off")
}

/// A stored delivery, from a channel's outcome.
pub fn delivery_record(delivery: &Delivery) -> DeliveryRecord {
    DeliveryRecord {
        channel: delivery.channel.clone(),
        ok: delivery.ok,
        skipped: delivery.skipped,
        error: delivery.error.clone(),
        elapsed_ms: i64::try_from(delivery.elapsed.as_millis()).unwrap_or(i64::MAX),
    }
}

/// The row for `message`, raised at `at_ms`.
pub fn new_notification(
    message: &Notification,
    at_ms: i64,
    escalation_id: Option<i64>,
) -> NewNotification {
    NewNotification {
        session_id: message.session_id.clone(),
        at_ms,
        kind: message.kind.as_str().to_owned(),
        dedupe_key: message.dedupe_key.clone(),
        title: message.title.clone(),
        body: message.body.clone(),
        urgency: message.urgency.as_str().to_owned(),
        escalation_id,
    }
}

/// The notification for a `Notification` hook.
fn hook_message(
    note: &NotificationHook,
    session_id: &str,
    project_root: &str,
    at: Timestamp,
) -> Notification {
    let kind = NotifyKind::from_notification_type(note.notification_type.as_deref().unwrap_or(""));
    let (headline, urgency) = match kind {
        NotifyKind::PermissionPrompt => ("Claude needs your permission", Urgency::High),
        NotifyKind::IdlePrompt => ("Claude is waiting for you", Urgency::Normal),
        _ => ("Claude Code", Urgency::Low),
    };
    let project = project_name(project_root);
    let headline = note
        .title
        .as_deref()
        .filter(|title| !title.trim().is_empty())
        .unwrap_or(headline);
    let title = redact_and_truncate(&format!("{headline} · {project}"), 200);
    let body = redact_and_truncate(note.message.as_deref().unwrap_or(headline), 1000);
    Notification::new(kind, title, body, at)
        .with_session(session_id)
        .with_project(project)
        .with_urgency(urgency)
}

/// The notification for a new escalation: what, why, and the commands that answer it.
fn escalation_message(notice: &EscalationNotice<'_>, at: Timestamp) -> Notification {
    let id = notice.escalation_id;
    let (kind, headline, answer) = match notice.kind {
        EscalationKind::Permission => (
            NotifyKind::Escalation,
            "Permission needed",
            format!("pcc-hooks respond {id} approve|deny"),
        ),
        EscalationKind::Question => (
            NotifyKind::Question,
            "A question needs your answer",
            format!("pcc-hooks respond {id} \"<answer>\""),
        ),
        EscalationKind::ResumeFailed => (
            NotifyKind::ResumeFailed,
            "A resume failed",
            format!("pcc-hooks respond {id} approve|deny|\"<answer>\""),
        ),
        EscalationKind::Task | EscalationKind::TaskUnverified => (
            NotifyKind::Task,
            "A task needs you",
            format!("pcc-hooks respond {id} approve|deny|\"<answer>\""),
        ),
    };
    let mut body = redact_and_truncate(notice.summary, MAX_FIELD_CHARS);
    if !notice.reason.trim().is_empty() {
        body.push_str("\nWhy: ");
        body.push_str(&redact_and_truncate(notice.reason, MAX_FIELD_CHARS));
    }
    body.push_str(&format!(
        "\nAnswer: {answer}\nAll waiting: pcc-hooks pending"
    ));
    let mut message = Notification::new(kind, format!("{headline} (#{id})"), body, at)
        .with_session(notice.session_id)
        .with_urgency(Urgency::High)
        .with_dedupe_key(format!("escalation:{id}"));
    if let Some(root) = notice.project_root {
        message = message.with_project(project_name(root));
    }
    message
}

/// The last component of a project root ("web" for `/home/me/src/web`), or the root itself.
fn project_name(root: &str) -> String {
    Path::new(root).file_name().map_or_else(
        || root.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Throttles, records and hands `message` to a detached sender, with the links of `links` once
/// it is decided to send it; every failure is logged.
fn send_throttled(
    data: &DataDir,
    store: &mut Store,
    config: &NotifyConfig,
    mut message: Notification,
    escalation_id: Option<i64>,
    links: Option<&LinkPlan<'_>>,
) {
    if notifications_switched_off() {
        tracing::debug!(kind = %message.kind, "PCC_NOTIFY=off: not sent");
        return;
    }
    // A channel that cannot work here (no notify-send on a server) is left out quietly:
    // `doctor` and `notify test` say so, rather than a failed row at every escalation.
    let (config, left_out) = SendEnv::from_process().usable(config);
    for why in &left_out {
        tracing::debug!(kind = %message.kind, why, "notification channel unavailable here");
    }
    if !has_channel(&config) {
        tracing::debug!(kind = %message.kind, "no usable notification channel");
        return;
    }
    let now = Timestamp::now();
    let now_ms = now.as_millisecond();
    let rules = throttle::ThrottleRules::from(&config);
    let window_ms = i64::try_from(rules.min_interval.as_millis()).unwrap_or(i64::MAX);
    let row = new_notification(&message, now_ms, escalation_id);
    let decided = store.record_notification(&row, now_ms.saturating_sub(window_ms), |recent| {
        let recent: Vec<RecentSend> = recent.iter().map(recent_send).collect();
        match throttle::decide(&message, &recent, now, rules) {
            throttle::Decision::Send => NotificationState::Sending,
            throttle::Decision::Duplicate { .. } => NotificationState::Duplicate,
            throttle::Decision::RateLimited { .. } => NotificationState::RateLimited,
        }
    });
    let id = match decided {
        Ok((id, NotificationState::Sending)) => id,
        Ok((id, state)) => {
            tracing::debug!(id, state = state.as_str(), kind = %message.kind, "notification held back");
            return;
        }
        Err(error) => {
            tracing::error!(%error, kind = %message.kind, "could not record a notification; not sent");
            return;
        }
    };
    if let Some(plan) = links {
        message.links = escalation_links(store, &config, plan, now_ms);
    }
    let job = SendJob::new(config, message).recorded_in(data.database(), id);
    let spawned =
        std::env::current_exe().and_then(|exe| pcc_notify::spawn_detached_sender(&exe, &job));
    match spawned {
        // Reaped on a thread so a long-lived caller (the scheduler) keeps no zombie; a hook
        // process exits first and leaves the child to init.
        Ok(mut child) => {
            let reaper = std::thread::Builder::new()
                .name("pcc-notify-reaper".to_owned())
                .spawn(move || child.wait());
            if let Err(error) = reaper {
                tracing::debug!(%error, "no reaper thread for the notification sender");
            }
        }
        Err(error) => {
            tracing::error!(%error, id, "could not start the notification sender");
            let failed = DeliveryRecord {
                channel: "sender".to_owned(),
                ok: false,
                skipped: false,
                error: Some(format!("cannot start pcc-hooks notify send-json: {error}")),
                elapsed_ms: 0,
            };
            if let Err(error) = store.finish_notification(id, &[failed], now_ms) {
                tracing::error!(%error, id, "could not record the sender's failure");
            }
        }
    }
}

fn recent_send(row: &RecentNotification) -> RecentSend {
    RecentSend {
        session_id: row.session_id.clone(),
        dedupe_key: row.dedupe_key.clone(),
        at: Timestamp::from_millisecond(row.at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escalation_says_how_to_answer_it() {
        let notice = EscalationNotice {
            escalation_id: 12,
            session_id: "0123456789abcdef",
            kind: EscalationKind::Permission,
            summary: "Bash: curl -H 'Authorization: Bearer sk-ant-abcdefghijklmnopqrstuvwxyz' x",
            reason: "HIGH risk while unattended",
            project_root: Some("/home/me/src/web"),
        };
        let message = escalation_message(&notice, Timestamp::UNIX_EPOCH);
        assert_eq!(message.kind, NotifyKind::Escalation);
        assert_eq!(message.urgency, Urgency::High);
        assert_eq!(message.dedupe_key, "escalation:12");
        assert_eq!(message.title, "Permission needed (#12)");
        assert_eq!(message.project.as_deref(), Some("web"));
        assert!(
            message.body.contains("pcc-hooks respond 12 approve|deny"),
            "{}",
            message.body
        );
        assert!(
            message.body.contains("pcc-hooks pending"),
            "{}",
            message.body
        );
        assert!(message.body.contains("Why: HIGH risk"), "{}", message.body);
        assert!(
            !message.body.contains("abcdefghijklmnop"),
            "redacted: {}",
            message.body
        );

        let question = escalation_message(
            &EscalationNotice {
                kind: EscalationKind::Question,
                ..notice
            },
            Timestamp::UNIX_EPOCH,
        );
        assert_eq!(question.kind, NotifyKind::Question);
        assert!(
            question.body.contains("respond 12 \"<answer>\""),
            "{}",
            question.body
        );
    }

    #[test]
    fn a_hook_notification_takes_its_kind_and_text_from_claude() {
        let note = NotificationHook {
            message: Some("Claude needs your permission".to_owned()),
            title: None,
            notification_type: Some("permission_prompt".to_owned()),
        };
        let message = hook_message(&note, "s1", "/home/dev/project", Timestamp::UNIX_EPOCH);
        assert_eq!(message.kind, NotifyKind::PermissionPrompt);
        assert_eq!(message.urgency, Urgency::High);
        assert_eq!(message.title, "Claude needs your permission · project");
        assert_eq!(message.body, "Claude needs your permission");
        assert_eq!(message.session_id.as_deref(), Some("s1"));

        let idle = NotificationHook {
            message: Some("Claude is waiting for your input".to_owned()),
            title: Some("Waiting".to_owned()),
            notification_type: Some("idle_prompt".to_owned()),
        };
        let message = hook_message(&idle, "s1", "/", Timestamp::UNIX_EPOCH);
        assert_eq!(message.kind, NotifyKind::IdlePrompt);
        assert_eq!(message.title, "Waiting · /");
    }

    #[test]
    fn a_config_error_is_one_message_per_file_and_error() {
        let problem = |file: &str, message: &str| ConfigProblem {
            scope: pcc_core::config::ConfigScope::Project,
            error: pcc_core::config::ConfigError {
                file: file.to_owned(),
                message: message.to_owned(),
            },
        };
        let first = config_message(
            &problem("/src/web/.claude/pcc-hooks.toml", "line 3: expected `=`"),
            Timestamp::UNIX_EPOCH,
        );
        let later = config_message(
            &problem("/src/web/.claude/pcc-hooks.toml", "line 3: expected `=`"),
            Timestamp::MAX,
        );
        let other = config_message(
            &problem("/src/web/.claude/pcc-hooks.toml", "line 4: expected `=`"),
            Timestamp::UNIX_EPOCH,
        );
        assert_eq!(first.kind, NotifyKind::ConfigError);
        assert_eq!(first.urgency, Urgency::High);
        assert_eq!(first.session_id, None);
        assert_eq!(first.dedupe_key, later.dedupe_key, "same file, same error");
        assert_ne!(first.dedupe_key, other.dedupe_key, "another error is news");
        assert_eq!(first.project.as_deref(), Some("web"));
        assert!(first.body.contains("line 3"), "{}", first.body);
        assert!(
            first.body.contains("global configuration alone"),
            "{}",
            first.body
        );
    }

    #[test]
    fn no_channel_means_nothing_to_do() {
        let config = NotifyConfig {
            desktop: false,
            ..NotifyConfig::default()
        };
        assert!(!has_channel(&config));
        assert!(has_channel(&NotifyConfig::default()));
    }
}
