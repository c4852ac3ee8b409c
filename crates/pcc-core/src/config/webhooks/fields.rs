//! The payload fields a prompt template may name, per source and event type.
//!
//! Each field is one the sender's own example payload carries (the fixtures under
//! `fixtures/webhooks/`, copied from `@octokit/webhooks-examples` and from Sentry's and
//! Atlassian's documentation; the test below reads every field out of them), so a template
//! that names a field outside this table is a typo or a guess, refused when the config is
//! loaded rather than rendered empty on the first delivery.

use super::WebhookSource;

/// The fields one event type offers. `kind` is the event's type (`issues`), or a type and action
/// (`issues.labeled`) for fields only that action carries.
struct EventFields {
    source: WebhookSource,
    kind: &'static str,
    fields: &'static [&'static str],
}

/// What every GitHub delivery of a repository carries.
const GITHUB_COMMON: &[&str] = &[
    "repository.full_name",
    "repository.html_url",
    "sender.login",
];

const GITHUB_ISSUE: &[&str] = &[
    "action",
    "issue.number",
    "issue.title",
    "issue.body",
    "issue.html_url",
    "issue.state",
    "issue.user.login",
];

const GITHUB_LABEL: &[&str] = &["label.name"];

const GITHUB_COMMENT: &[&str] = &[
    "action",
    "comment.body",
    "comment.html_url",
    "comment.user.login",
    "issue.number",
    "issue.title",
    "issue.body",
    "issue.html_url",
];

const GITHUB_PULL_REQUEST: &[&str] = &[
    "action",
    "pull_request.number",
    "pull_request.title",
    "pull_request.body",
    "pull_request.html_url",
    "pull_request.state",
    "pull_request.user.login",
    "pull_request.head.ref",
    "pull_request.head.sha",
    "pull_request.base.ref",
];

const GITHUB_PUSH: &[&str] = &[
    "ref",
    "before",
    "after",
    "compare",
    "head_commit.id",
    "head_commit.message",
    "head_commit.url",
    "pusher.name",
];

const GITHUB_WORKFLOW_RUN: &[&str] = &[
    "action",
    "workflow_run.name",
    "workflow_run.conclusion",
    "workflow_run.status",
    "workflow_run.html_url",
    "workflow_run.head_branch",
    "workflow_run.head_sha",
    "workflow_run.event",
    "workflow_run.run_number",
];

const SENTRY_ISSUE: &[&str] = &[
    "action",
    "actor.name",
    "data.issue.id",
    "data.issue.shortId",
    "data.issue.title",
    "data.issue.culprit",
    "data.issue.level",
    "data.issue.status",
    "data.issue.platform",
    "data.issue.count",
    "data.issue.firstSeen",
    "data.issue.lastSeen",
    "data.issue.metadata.type",
    "data.issue.metadata.value",
    "data.issue.project.name",
    "data.issue.project.slug",
];

const SENTRY_EVENT_ALERT: &[&str] = &[
    "action",
    "actor.name",
    "data.triggered_rule",
    "data.event.title",
    "data.event.message",
    "data.event.culprit",
    "data.event.level",
    "data.event.location",
    "data.event.platform",
    "data.event.issue_id",
    "data.event.web_url",
    "data.event.metadata.type",
    "data.event.metadata.value",
];

const JIRA_ISSUE: &[&str] = &[
    "webhookEvent",
    "timestamp",
    "issue.id",
    "issue.key",
    "issue.self",
    "issue.fields.summary",
    "issue.fields.description",
    "user.displayName",
];

const TABLE: &[EventFields] = &[
    EventFields {
        source: WebhookSource::Github,
        kind: "issues",
        fields: GITHUB_ISSUE,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "issues.labeled",
        fields: GITHUB_LABEL,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "issues.unlabeled",
        fields: GITHUB_LABEL,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "issue_comment",
        fields: GITHUB_COMMENT,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "pull_request",
        fields: GITHUB_PULL_REQUEST,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "pull_request.labeled",
        fields: GITHUB_LABEL,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "pull_request.unlabeled",
        fields: GITHUB_LABEL,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "push",
        fields: GITHUB_PUSH,
    },
    EventFields {
        source: WebhookSource::Github,
        kind: "workflow_run",
        fields: GITHUB_WORKFLOW_RUN,
    },
    EventFields {
        source: WebhookSource::Sentry,
        kind: "issue",
        fields: SENTRY_ISSUE,
    },
    EventFields {
        source: WebhookSource::Sentry,
        kind: "event_alert",
        fields: SENTRY_EVENT_ALERT,
    },
    EventFields {
        source: WebhookSource::Jira,
        kind: "jira:issue_created",
        fields: JIRA_ISSUE,
    },
    EventFields {
        source: WebhookSource::Jira,
        kind: "jira:issue_updated",
        fields: JIRA_ISSUE,
    },
    EventFields {
        source: WebhookSource::Jira,
        kind: "jira:issue_deleted",
        fields: JIRA_ISSUE,
    },
];

/// The type of `event`: the part before its first `.` (`issues` of `issues.labeled`); a Jira
/// event (`jira:issue_created`) has no action part and is its own type.
pub(crate) fn event_type(event: &str) -> &str {
    event.split_once('.').map_or(event, |(kind, _)| kind)
}

/// The event types rules can be written for, for the message about one that is not.
pub(crate) fn known_types(source: WebhookSource) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|entry| entry.source == source && !entry.kind.contains('.'))
        .map(|entry| entry.kind)
        .collect()
}

/// Every field a rule for `event` may name (its type's, its source's common ones, and those of
/// its exact action), or `None` when its type is not one rules can be written for.
pub(crate) fn fields_for(source: WebhookSource, event: &str) -> Option<Vec<&'static str>> {
    let kind = event_type(event);
    let mut entries = TABLE
        .iter()
        .filter(|entry| entry.source == source)
        .peekable();
    entries.peek()?;
    let mut fields: Vec<&'static str> = Vec::new();
    let mut known = false;
    for entry in entries {
        if entry.kind == kind {
            known = true;
            fields.extend(entry.fields);
        } else if entry.kind == event {
            fields.extend(entry.fields);
        }
    }
    if !known {
        return None;
    }
    if source == WebhookSource::Github {
        fields.extend(GITHUB_COMMON);
    }
    fields.sort_unstable();
    fields.dedup();
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::super::template::lookup;
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    fn fixture(path: &str) -> Value {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/webhooks")
            .join(path);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", file.display()))
    }

    #[test]
    fn every_field_of_the_table_is_in_the_senders_own_example() {
        let examples = [
            (
                WebhookSource::Github,
                "issues.labeled",
                "github/issues.labeled.json",
            ),
            (
                WebhookSource::Github,
                "issues.opened",
                "github/issues.opened.json",
            ),
            (
                WebhookSource::Github,
                "issue_comment.created",
                "github/issue_comment.created.json",
            ),
            (
                WebhookSource::Github,
                "pull_request.opened",
                "github/pull_request.opened.json",
            ),
            (
                WebhookSource::Github,
                "pull_request.labeled",
                "github/pull_request.labeled.json",
            ),
            (WebhookSource::Github, "push", "github/push.json"),
            (
                WebhookSource::Github,
                "workflow_run.completed",
                "github/workflow_run.completed.json",
            ),
            (
                WebhookSource::Sentry,
                "issue.created",
                "sentry/issue.created.json",
            ),
            (
                WebhookSource::Sentry,
                "event_alert.triggered",
                "sentry/event_alert.triggered.json",
            ),
            (
                WebhookSource::Jira,
                "jira:issue_updated",
                "jira/jira_issue_updated.json",
            ),
        ];
        for (source, event, file) in examples {
            let payload = fixture(file);
            let fields = fields_for(source, event).unwrap_or_else(|| panic!("{event} is known"));
            for field in fields {
                let value = lookup(&payload, field)
                    .unwrap_or_else(|| panic!("{file} has no {field}, which {event} offers"));
                assert!(
                    !value.is_object() && !value.is_array(),
                    "{file}: {field} is not a single value"
                );
            }
        }
    }

    #[test]
    fn an_actions_own_fields_come_only_with_that_action() {
        let labeled = fields_for(WebhookSource::Github, "issues.labeled").expect("known");
        let opened = fields_for(WebhookSource::Github, "issues.opened").expect("known");
        let any = fields_for(WebhookSource::Github, "issues").expect("known");
        assert!(labeled.contains(&"label.name"));
        assert!(!opened.contains(&"label.name"));
        assert!(!any.contains(&"label.name"));
        assert!(any.contains(&"issue.title") && any.contains(&"repository.full_name"));
        assert_eq!(fields_for(WebhookSource::Github, "star.created"), None);
        assert_eq!(fields_for(WebhookSource::Jira, "comment_created"), None);
        assert_eq!(
            known_types(WebhookSource::Sentry),
            vec!["issue", "event_alert"]
        );
    }
}
