//! The per-run token a child must echo to prove it reached the end of its task.

use std::fmt;

/// The word that starts the completion line.
const MARKER: &str = "TASK-COMPLETE";

/// A random per-run token (128 bits, hex). The prompt asks the child to end its final message with
/// `TASK-COMPLETE <nonce>`; only a result that contains that line is verified.
#[derive(Clone, PartialEq, Eq)]
pub struct TaskNonce(String);

impl fmt::Debug for TaskNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskNonce").field(&self.0).finish()
    }
}

impl fmt::Display for TaskNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TaskNonce {
    /// A fresh nonce from the kernel's random source (`getrandom(2)`).
    pub fn generate() -> std::io::Result<TaskNonce> {
        let mut bytes = [0u8; 16];
        let mut filled = 0;
        while filled < bytes.len() {
            filled += rustix::rand::getrandom(
                &mut bytes[filled..],
                rustix::rand::GetRandomFlags::empty(),
            )?;
        }
        Ok(TaskNonce(
            bytes.iter().map(|b| format!("{b:02x}")).collect(),
        ))
    }

    /// A nonce with a given value (for tests and replays).
    pub fn from_value(value: impl Into<String>) -> TaskNonce {
        TaskNonce(value.into())
    }

    /// The line the final message must contain: `TASK-COMPLETE <nonce>`.
    pub fn line(&self) -> String {
        format!("{MARKER} {}", self.0)
    }

    /// `prompt` with the instruction to echo the nonce appended. The instruction's last line is
    /// the completion line itself.
    pub fn instruct(&self, prompt: &str) -> String {
        format!(
            "{prompt}\n\nWhen you have finished this task completely, end your final message \
             with this exact line on its own (do not write it if the task is not done):\n{}",
            self.line()
        )
    }

    /// Whether `text` has the completion line, and `text` without it.
    ///
    /// A line counts when, after trimming whitespace and Markdown emphasis or code marks
    /// (`*`, `_`, `` ` ``), it is exactly `TASK-COMPLETE <nonce>`. Every such line is removed and
    /// trailing blank lines are trimmed.
    pub fn verify(&self, text: &str) -> (bool, String) {
        let expected = self.line();
        let mut found = false;
        let mut kept: Vec<&str> = Vec::new();
        for line in text.lines() {
            let bare = line
                .trim()
                .trim_matches(|c: char| matches!(c, '*' | '_' | '`'))
                .trim();
            if bare == expected {
                found = true;
            } else {
                kept.push(line);
            }
        }
        let stripped = if found {
            kept.join("\n").trim_end().to_owned()
        } else {
            text.to_owned()
        };
        (found, stripped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_nonces_differ_and_are_hex() {
        let a = TaskNonce::generate().unwrap_or_else(|err| panic!("{err}"));
        let b = TaskNonce::generate().unwrap_or_else(|err| panic!("{err}"));
        assert_ne!(a, b);
        assert_eq!(a.to_string().len(), 32);
        assert!(a.to_string().chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn instruction_ends_with_the_line() {
        let nonce = TaskNonce::from_value("abc");
        assert!(nonce.instruct("Fix it").ends_with("\nTASK-COMPLETE abc"));
        assert!(nonce.instruct("Fix it").starts_with("Fix it\n"));
    }

    #[test]
    fn verify_strips_the_line() {
        let nonce = TaskNonce::from_value("abc");
        assert_eq!(
            nonce.verify("Done.\n\nTASK-COMPLETE abc\n"),
            (true, "Done.".to_owned())
        );
        assert_eq!(
            nonce.verify("Done.\n**`TASK-COMPLETE abc`**"),
            (true, "Done.".to_owned())
        );
    }

    #[test]
    fn verify_rejects_wrong_or_embedded_nonce() {
        let nonce = TaskNonce::from_value("abc");
        assert!(!nonce.verify("Done.\nTASK-COMPLETE abd").0);
        assert!(!nonce.verify("I will end with TASK-COMPLETE abc later").0);
        assert!(!nonce.verify("").0);
        assert_eq!(nonce.verify("no line").1, "no line");
    }
}
