//! The terminal bell: one BEL (`\x07`) written to the controlling terminal.
//!
//! Never to stdout (the hook protocol) nor stderr (captured by Claude Code): the bell goes to
//! `/dev/tty`, opened for writing only. A process without a controlling terminal (a detached
//! sender, a hook run under a daemon) cannot ring it; that is a skip, not an error.

use std::io::Write;
use std::path::Path;

/// The default terminal device.
pub const TTY: &str = "/dev/tty";

/// How ringing went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BellOutcome {
    /// BEL written.
    Rung,
    /// No terminal to ring (the reason says why).
    Skipped(String),
    /// The terminal was open but the write failed.
    Failed(String),
}

/// Writes BEL to `tty` (normally [`TTY`]).
pub fn ring(tty: &Path) -> BellOutcome {
    let mut file = match std::fs::OpenOptions::new().write(true).open(tty) {
        Ok(file) => file,
        Err(e) => return BellOutcome::Skipped(format!("no terminal ({}): {e}", tty.display())),
    };
    match file.write_all(b"\x07").and_then(|()| file.flush()) {
        Ok(()) => BellOutcome::Rung,
        Err(e) => BellOutcome::Failed(format!("writing to {}: {e}", tty.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_into_the_given_terminal_and_skips_a_missing_one() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let tty = dir.path().join("tty");
        std::fs::write(&tty, b"")?;
        assert_eq!(ring(&tty), BellOutcome::Rung);
        assert_eq!(std::fs::read(&tty)?, b"\x07");
        assert!(matches!(
            ring(&dir.path().join("absent")),
            BellOutcome::Skipped(_)
        ));
        Ok(())
    }
}
