//! Whether containment works here: bwrap installed, and allowed to create namespaces.

use std::fmt;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the self-test may take; it normally takes a few milliseconds.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why containment cannot be used here. The caller must then not run the command at all:
/// running it uncontained is exactly what containment was asked to prevent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Not Linux: bubblewrap is Linux-only (macOS' sandbox-exec is not supported).
    Unsupported,
    /// No `bwrap` on `PATH` nor at `/usr/bin/bwrap`.
    NotInstalled,
    /// bwrap ran but could not build a sandbox, usually because user namespaces are disabled
    /// (`kernel.unprivileged_userns_clone=0`, AppArmor's
    /// `kernel.apparmor_restrict_unprivileged_userns=1`, or a container without them); bwrap's
    /// first stderr line.
    NotPermitted(String),
    /// bwrap could not be started, or its self-test did not finish in time.
    Broken(String),
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::Unsupported => f.write_str("containment needs bubblewrap on Linux"),
            Unavailable::NotInstalled => {
                f.write_str("bubblewrap (bwrap) is not installed (apt-get install bubblewrap)")
            }
            Unavailable::NotPermitted(line) => write!(
                f,
                "bwrap cannot create a sandbox here (user namespaces disabled?): {line}"
            ),
            Unavailable::Broken(reason) => write!(f, "bwrap does not work: {reason}"),
        }
    }
}

impl std::error::Error for Unavailable {}

/// The `bwrap` a shell would run (`PATH`), else `/usr/bin/bwrap`.
pub fn find_bwrap() -> Option<PathBuf> {
    let from_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("bwrap"))
            .find(|candidate| is_executable(candidate))
    });
    from_path.or_else(|| {
        let fixed = PathBuf::from("/usr/bin/bwrap");
        is_executable(&fixed).then_some(fixed)
    })
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// Finds bwrap and runs a tiny real sandbox with every namespace and mount kind a contained
/// command uses (`--unshare-all`, `--dev`, `--proc`, `--tmpfs`, `--cap-drop ALL`), within a few
/// seconds: bwrap being installed proves nothing where user namespaces are disabled, or where
/// a container forbids mounting a new `/proc`.
pub fn probe() -> Result<PathBuf, Unavailable> {
    if !cfg!(target_os = "linux") {
        return Err(Unavailable::Unsupported);
    }
    let bwrap = find_bwrap().ok_or(Unavailable::NotInstalled)?;
    let mut child = Command::new(&bwrap)
        .args([
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--",
            "true",
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| Unavailable::Broken(format!("cannot run {}: {error}", bwrap.display())))?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                // Abandoned either way; reported as hung.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Unavailable::Broken(format!(
                    "its self-test did not finish within {} s",
                    PROBE_TIMEOUT.as_secs()
                )));
            }
            Err(error) => return Err(Unavailable::Broken(error.to_string())),
        }
    };
    if status.success() {
        return Ok(bwrap);
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let line = stderr
        .lines()
        .find(|line| !line.trim().is_empty())
        .map_or_else(|| format!("its self-test failed ({status})"), str::to_owned);
    Err(Unavailable::NotPermitted(line))
}
