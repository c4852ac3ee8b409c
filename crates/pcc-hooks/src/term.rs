//! Colour on a terminal, plain text everywhere else (pipes, files, `NO_COLOR`).

use crate::cli::ColorChoice;
use crate::error::HookError;
use std::io::{IsTerminal, Write};

/// Writes a command's whole output to stdout. A closed pipe (`pcc-hooks status | head -1`) ends
/// the output quietly instead of panicking, as the reader asked for no more.
pub fn emit(text: &str) -> Result<(), HookError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(HookError::new(format!("cannot write to stdout: {error}"))),
    }
}

/// ANSI styling, switched on or off once per command.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    /// Decides from the user's choice, whether stdout is a terminal and `NO_COLOR`.
    pub fn for_stdout(choice: ColorChoice) -> Palette {
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        };
        Palette { enabled }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Good news.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Needs attention.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Something is wrong.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Secondary information.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Headings.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Times as every door shows them (the JSON documents' RFC 3339, "5m ago").
pub use pcc_control::time::{ago, rfc3339};

/// Pads `text` to `width` characters, measuring what is shown rather than the escape codes.
pub fn pad(text: &str, shown_chars: usize, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(shown_chars)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_off_is_plain_text() {
        let palette = Palette::for_stdout(ColorChoice::Never);
        assert_eq!(palette.red("x"), "x");
        assert_eq!(
            Palette::for_stdout(ColorChoice::Always).red("x"),
            "\x1b[31mx\x1b[0m"
        );
    }
}
