//! Cheap checks run before handing text to the parser, which recurses once per nesting
//! level and would overflow the stack on pathological input.

use crate::{Finding, RiskLevel};

/// Commands longer than this are not parsed at all.
pub(crate) const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Deepest bracket nesting (`(`, `$(`, `{`, escaped backticks) accepted before parsing,
/// and deepest re-parsing (substitutions, `bash -c`, `eval`...) the walker follows.
pub(crate) const MAX_NESTING: usize = 32;

/// Why a text was refused before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Longer than [`MAX_INPUT_BYTES`].
    TooLong,
    /// Nested deeper than [`MAX_NESTING`].
    TooDeep,
}

impl Refusal {
    /// What a refused text is judged: HIGH, never LOW, because nothing in it was seen.
    pub(crate) fn finding(self) -> Finding {
        match self {
            Refusal::TooLong => Finding::new(
                RiskLevel::High,
                "shell.too-long",
                "command too long to judge",
            ),
            Refusal::TooDeep => Finding::new(
                RiskLevel::High,
                "shell.too-deep",
                "nested too deeply to judge",
            ),
        }
    }
}

/// Refuses text that is too long or nested too deeply to parse safely.
///
/// The scan ignores quoting on purpose: it over-counts brackets inside quotes, which only
/// makes it refuse more (never LOW), and it stays a single linear pass.
pub(crate) fn precheck(text: &str) -> Result<(), Refusal> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Refusal::TooLong);
    }
    let mut depth = 0usize;
    let mut backslashes = 0usize;
    for byte in text.bytes() {
        match byte {
            b'(' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Refusal::TooDeep);
                }
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            // Backticks nest only by escaping: each level doubles the backslashes.
            b'`' if backslashes > MAX_NESTING => return Err(Refusal::TooDeep),
            _ => {}
        }
        backslashes = if byte == b'\\' { backslashes + 1 } else { 0 };
    }
    Ok(())
}
