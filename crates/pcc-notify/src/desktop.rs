//! Desktop notifications: `notify-send` on Linux, `osascript` on macOS.
//!
//! The notifier is looked up on `PATH` first; when it is absent the channel is *skipped* (and
//! reported as such), never an error. It is spawned with an argument vector — never through a
//! shell — so the title and body reach it verbatim whatever they contain (`"`, `$()`, `;`, …):
//!
//! - `notify-send --app-name=pcc-hooks --urgency=<low|normal|critical> -- <title> <body>`
//!   (`--` so a title starting with `-` is not an option);
//! - `osascript -e 'on run argv' -e 'display notification (item 2 of argv) with title (item 1 of
//!   argv)' -e 'end run' -- <title> <body>`: the text is passed as script *arguments*, never
//!   spliced into AppleScript source, so no quoting is needed or possible to get wrong.
//!
//! The child gets a null stdin and stdout (stdout is the hook protocol) and is killed if it
//! outlives the deadline.

use crate::message::{Notification, Urgency};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Which desktop notifier applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// `notify-send`.
    Linux,
    /// `osascript`.
    MacOs,
    /// No desktop notifier.
    Other,
}

impl Platform {
    /// The platform this binary was built for (Linux also covers the BSDs with notify-send).
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::MacOs
        } else if cfg!(unix) {
            Self::Linux
        } else {
            Self::Other
        }
    }
}

/// The notifier program of `platform`, if it has one.
fn notifier(platform: Platform) -> Option<&'static str> {
    match platform {
        Platform::Linux => Some("notify-send"),
        Platform::MacOs => Some("osascript"),
        Platform::Other => None,
    }
}

/// The program and argument vector that show `message` on `platform`, or `None` when the
/// platform has no notifier.
pub fn desktop_command(
    platform: Platform,
    message: &Notification,
) -> Option<(&'static str, Vec<OsString>)> {
    match platform {
        Platform::Linux => {
            let urgency = match message.urgency {
                Urgency::Low => "low",
                Urgency::Normal => "normal",
                Urgency::High => "critical",
            };
            Some((
                "notify-send",
                vec![
                    "--app-name=pcc-hooks".into(),
                    format!("--urgency={urgency}").into(),
                    "--".into(),
                    (&message.title).into(),
                    (&message.body).into(),
                ],
            ))
        }
        Platform::MacOs => Some((
            "osascript",
            vec![
                "-e".into(),
                "on run argv".into(),
                "-e".into(),
                "display notification (item 2 of argv) with title (item 1 of argv)".into(),
                "-e".into(),
                "end run".into(),
                "--".into(),
                (&message.title).into(),
                (&message.body).into(),
            ],
        )),
        Platform::Other => None,
    }
}

/// The first executable file named `program` in `path` (a `PATH`-style list).
pub fn find_program(program: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// How a desktop notification went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesktopOutcome {
    /// The notifier ran and exited 0.
    Shown,
    /// No notifier on this platform or on `PATH`; the text says which.
    Skipped(String),
    /// The notifier failed, timed out or could not be spawned.
    Failed(String),
}

/// Why desktop notifications cannot be shown on `platform` with `path`, or `None` when its
/// notifier is there: what [`show`] would skip with, known before anything is sent.
pub fn unavailable(platform: Platform, path: Option<&OsStr>) -> Option<String> {
    match notifier(platform) {
        None => Some("no desktop notifier on this platform".to_owned()),
        Some(program) => find_program(program, path)
            .is_none()
            .then(|| format!("{program} not found on PATH")),
    }
}

/// Shows `message` with the platform's notifier found on `path`, waiting at most `timeout`.
pub fn show(
    platform: Platform,
    path: Option<&OsStr>,
    message: &Notification,
    timeout: Duration,
) -> DesktopOutcome {
    let Some((program, args)) = desktop_command(platform, message) else {
        return DesktopOutcome::Skipped("no desktop notifier on this platform".to_owned());
    };
    let Some(executable) = find_program(program, path) else {
        return DesktopOutcome::Skipped(format!("{program} not found on PATH"));
    };
    run(&executable, program, &args, timeout)
}

fn run(executable: &Path, program: &str, args: &[OsString], timeout: Duration) -> DesktopOutcome {
    let deadline = Instant::now() + timeout;
    let mut child = match Command::new(executable)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return DesktopOutcome::Failed(format!("cannot run {program}: {e}")),
    };
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return DesktopOutcome::Shown,
            Ok(Some(status)) => {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.by_ref().take(4096).read_to_string(&mut stderr);
                }
                let stderr = stderr.trim();
                return DesktopOutcome::Failed(if stderr.is_empty() {
                    format!("{program} exited with {status}")
                } else {
                    format!("{program} exited with {status}: {stderr}")
                });
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return DesktopOutcome::Failed(format!(
                    "{program} did not finish within {} ms",
                    timeout.as_millis()
                ));
            }
            // Polling a short-lived child; the notifier normally exits within milliseconds.
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return DesktopOutcome::Failed(format!("waiting for {program}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NotifyKind;
    use jiff::Timestamp;

    #[test]
    fn the_text_is_the_last_two_arguments_verbatim() {
        let message = Notification::new(
            NotifyKind::Test,
            "-t \"$(id)\"; x",
            "b'ody`",
            Timestamp::UNIX_EPOCH,
        )
        .with_urgency(Urgency::High);
        for platform in [Platform::Linux, Platform::MacOs] {
            let Some((_, args)) = desktop_command(platform, &message) else {
                panic!("{platform:?} has a notifier");
            };
            let n = args.len();
            assert_eq!(args[n - 3], "--");
            assert_eq!(args[n - 2], "-t \"$(id)\"; x");
            assert_eq!(args[n - 1], "b'ody`");
        }
        assert!(desktop_command(Platform::Other, &message).is_none());
    }

    #[test]
    fn a_missing_notifier_is_known_before_sending() -> std::io::Result<()> {
        let empty = tempfile::tempdir()?;
        let why = unavailable(Platform::Linux, Some(empty.path().as_os_str()));
        assert_eq!(why.as_deref(), Some("notify-send not found on PATH"));
        assert!(unavailable(Platform::Other, None).is_some());
        let with = tempfile::tempdir()?;
        let program = with.path().join("notify-send");
        std::fs::write(&program, "#!/bin/sh\n")?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755))?;
        assert_eq!(
            unavailable(Platform::Linux, Some(with.path().as_os_str())),
            None
        );
        Ok(())
    }
}
