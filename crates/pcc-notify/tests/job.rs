//! The hand-off to a detached `pcc-hooks notify send-json` child.

use pcc_notify::{
    Notification, NotifyConfig, NotifyKind, SEND_JSON_ARGS, SendJob, Urgency, WebhookConfig,
    WebhookFormat, spawn_detached_sender,
};
use std::os::unix::fs::PermissionsExt;

fn job() -> SendJob {
    let mut hook = WebhookConfig::new(
        "https://hooks.slack.com/services/T/B/SECRET",
        WebhookFormat::Slack,
    );
    hook.headers
        .insert("Authorization".to_owned(), "Bearer TOKEN".to_owned());
    let config = NotifyConfig {
        bell: true,
        timeout_ms: 1234,
        webhooks: vec![hook],
        ..NotifyConfig::default()
    };
    let message = Notification::new(
        NotifyKind::Question,
        "Q?",
        "body \"quoted\"",
        "2026-01-02T03:04:05Z".parse().expect("ts"),
    )
    .with_session("s")
    .with_project("p")
    .with_urgency(Urgency::High)
    .with_dedupe_key("question:42");
    SendJob::new(config, message)
}

#[test]
fn a_job_round_trips_through_json() -> Result<(), serde_json::Error> {
    let job = job();
    let json = job.to_json()?;
    assert_eq!(SendJob::from_json(&json)?, job);
    let value: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(value["notification"]["at"], "2026-01-02T03:04:05Z");
    assert_eq!(value["config"]["webhooks"][0]["format"], "slack");
    assert!(SendJob::from_json(r#"{"config":{},"notification":{}}"#).is_err());
    Ok(())
}

#[test]
fn the_sender_gets_the_job_on_stdin_and_nothing_secret_in_argv()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let exe = dir.path().join("pcc-hooks");
    std::fs::write(
        &exe,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}/argv'\ncat > '{0}/stdin'\n",
            dir.path().display()
        ),
    )?;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755))?;

    let job = job();
    let mut child = spawn_detached_sender(&exe, &job)?;
    assert!(child.wait()?.success());

    let argv = std::fs::read_to_string(dir.path().join("argv"))?;
    assert_eq!(
        argv,
        format!("{}\n{}\n", SEND_JSON_ARGS[0], SEND_JSON_ARGS[1])
    );
    let stdin = std::fs::read_to_string(dir.path().join("stdin"))?;
    assert_eq!(SendJob::from_json(&stdin)?, job);
    Ok(())
}

#[test]
fn a_missing_executable_is_an_error_not_a_panic() {
    assert!(spawn_detached_sender(std::path::Path::new("/nonexistent/pcc-hooks"), &job()).is_err());
}
