//! The desktop channel: skipped (and said so) when the notifier is missing, called with an
//! argument vector — title and body verbatim, shell metacharacters and all — when present.

use jiff::Timestamp;
use pcc_notify::{Notification, NotifyConfig, NotifyKind, Platform, SendEnv, Urgency, send};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Tests that write a fake notifier and run it take turns. Under `cargo test` they share one
/// process: a child forked by one test can inherit another test's still-open write descriptor
/// of its script, and executing that script then fails with "Text file busy" (ETXTBSY).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static SCRIPTS: Mutex<()> = Mutex::new(());
    SCRIPTS.lock().unwrap_or_else(PoisonError::into_inner)
}

const TITLE: &str = "He said \"hi\" $(touch PWNED); `touch PWNED2` && echo $HOME";
const BODY: &str = "it's; rm -rf / ; $(id)\nsecond line | cat > PWNED3 \\ '\"";

fn message(dir: &Path) -> Notification {
    // The metacharacters point at files in `dir`, so an accidental shell would leave evidence.
    let title = TITLE.replace("PWNED", &dir.join("PWNED").display().to_string());
    let body = BODY.replace("PWNED", &dir.join("PWNED").display().to_string());
    Notification::new(
        NotifyKind::PermissionPrompt,
        title,
        body,
        Timestamp::UNIX_EPOCH,
    )
    .with_urgency(Urgency::High)
}

fn desktop_only() -> NotifyConfig {
    NotifyConfig {
        desktop: true,
        bell: false,
        webhooks: Vec::new(),
        ..NotifyConfig::default()
    }
}

fn env(platform: Platform, path: &Path) -> SendEnv {
    SendEnv {
        platform,
        path: Some(OsString::from(path)),
        tty: "/nonexistent/tty".into(),
    }
}

/// A fake notifier that records its argv, NUL-separated, in `<dir>/argv`.
fn fake_notifier(dir: &Path, name: &str, exit: u8) -> std::io::Result<()> {
    let script = dir.join(name);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{}'\necho 'fake failure' >&2\nexit {exit}\n",
            dir.join("argv").display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
}

fn recorded_argv(dir: &Path) -> std::io::Result<Vec<String>> {
    let raw = std::fs::read(dir.join("argv"))?;
    Ok(raw
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect())
}

#[test]
fn a_missing_notifier_is_skipped_and_reported() -> std::io::Result<()> {
    let empty = tempfile::tempdir()?;
    let deliveries = send(
        &desktop_only(),
        &message(empty.path()),
        &env(Platform::Linux, empty.path()),
    );
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let delivery = &deliveries[0];
    assert_eq!(delivery.channel, "desktop");
    assert!(delivery.skipped && !delivery.ok, "{delivery:?}");
    assert_eq!(
        delivery.error.as_deref(),
        Some("notify-send not found on PATH")
    );

    // A non-executable file of that name does not count either.
    std::fs::write(empty.path().join("notify-send"), "#!/bin/sh\n")?;
    let again = send(
        &desktop_only(),
        &message(empty.path()),
        &env(Platform::Linux, empty.path()),
    );
    assert!(again[0].skipped, "{again:?}");
    Ok(())
}

#[test]
fn notify_send_gets_the_text_verbatim_as_arguments() -> std::io::Result<()> {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir()?;
    fake_notifier(dir.path(), "notify-send", 0)?;
    let message = message(dir.path());
    let deliveries = send(&desktop_only(), &message, &env(Platform::Linux, dir.path()));
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].ok, "{deliveries:?}");
    assert_eq!(
        recorded_argv(dir.path())?,
        vec![
            "--app-name=pcc-hooks".to_owned(),
            "--urgency=critical".to_owned(),
            "--".to_owned(),
            message.title.clone(),
            message.body.clone(),
        ]
    );
    for evidence in ["PWNED", "PWNED2", "PWNED3"] {
        assert!(
            !dir.path().join(evidence).exists(),
            "a shell ran: {evidence} exists"
        );
    }
    Ok(())
}

#[test]
fn osascript_gets_the_text_as_script_arguments() -> std::io::Result<()> {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir()?;
    fake_notifier(dir.path(), "osascript", 0)?;
    let message = message(dir.path());
    let deliveries = send(&desktop_only(), &message, &env(Platform::MacOs, dir.path()));
    assert!(deliveries[0].ok, "{deliveries:?}");
    let argv = recorded_argv(dir.path())?;
    assert_eq!(
        argv,
        vec![
            "-e".to_owned(),
            "on run argv".to_owned(),
            "-e".to_owned(),
            "display notification (item 2 of argv) with title (item 1 of argv)".to_owned(),
            "-e".to_owned(),
            "end run".to_owned(),
            "--".to_owned(),
            message.title.clone(),
            message.body.clone(),
        ]
    );
    Ok(())
}

#[test]
fn a_failing_notifier_is_a_failed_delivery_with_its_stderr() -> std::io::Result<()> {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir()?;
    fake_notifier(dir.path(), "notify-send", 3)?;
    let deliveries = send(
        &desktop_only(),
        &message(dir.path()),
        &env(Platform::Linux, dir.path()),
    );
    let delivery = &deliveries[0];
    assert!(!delivery.ok && !delivery.skipped, "{delivery:?}");
    let error = delivery.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("exit status: 3") && error.contains("fake failure"),
        "{error}"
    );
    Ok(())
}

#[test]
fn the_bell_rings_in_the_given_terminal_and_is_skipped_without_one() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let tty = dir.path().join("tty");
    std::fs::write(&tty, b"")?;
    let config = NotifyConfig {
        desktop: false,
        bell: true,
        ..NotifyConfig::default()
    };
    let message = message(dir.path());
    let rung = send(
        &config,
        &message,
        &SendEnv {
            tty: tty.clone(),
            ..env(Platform::Other, dir.path())
        },
    );
    assert_eq!(rung.len(), 1);
    assert_eq!(rung[0].channel, "bell");
    assert!(rung[0].ok, "{rung:?}");
    assert_eq!(std::fs::read(&tty)?, b"\x07");

    let none = send(&config, &message, &env(Platform::Other, dir.path()));
    assert!(none[0].skipped && !none[0].ok, "{none:?}");
    Ok(())
}
