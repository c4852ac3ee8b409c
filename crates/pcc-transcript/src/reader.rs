//! Transcript bytes into lines, as they arrive: a file read in chunks, or a live session's file
//! followed as it grows.
//!
//! A live session's last line may be half written. [`LineSplitter::feed`] only hands out lines
//! that end in a newline and keeps the rest for the next chunk; [`LineSplitter::finish`] hands
//! out what is left when no more will come, and the parser then reads it or calls it
//! unreadable. A line longer than [`MAX_LINE_BYTES`] (a runaway tool result) is dropped as it
//! streams past, so memory stays bounded whatever the file holds.

use crate::line::{Line, parse_line};

/// The longest line read: Claude Code keeps a screenshot or a large file read as one line,
/// a few megabytes; anything past this is dropped and counted.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;

/// Splits bytes into lines and reads each one.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    /// Only lines holding these bytes are read; the others are dropped unparsed.
    only_with: Option<&'static [u8]>,
    /// Dropping the rest of a line that grew past the bound, until its newline.
    dropping: bool,
    /// Lines dropped for their length.
    oversized: u64,
}

impl LineSplitter {
    /// A splitter with nothing pending.
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// A splitter that reads only the lines holding `marker` and drops the others unparsed:
    /// summing usage needs only the lines with `"usage"`, a fraction of a transcript's bytes.
    pub fn only_with(marker: &'static [u8]) -> LineSplitter {
        LineSplitter {
            only_with: Some(marker),
            ..LineSplitter::default()
        }
    }

    /// Takes the next chunk and returns the lines it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut rest = chunk;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (head, tail) = rest.split_at(end);
            rest = &tail[1..];
            if self.dropping {
                self.dropping = false;
                continue;
            }
            if self.pending.len() + head.len() > MAX_LINE_BYTES {
                self.pending.clear();
                self.oversized += 1;
                continue;
            }
            if self.pending.is_empty() {
                lines.extend(self.read(head));
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(head);
                lines.extend(self.read(&whole));
            }
        }
        if !self.dropping {
            if self.pending.len() + rest.len() > MAX_LINE_BYTES {
                self.pending.clear();
                self.oversized += 1;
                self.dropping = true;
            } else {
                self.pending.extend_from_slice(rest);
            }
        }
        lines
    }

    /// No more will come: the line still pending, if any (a file that does not end in a
    /// newline, or a torn last line, which reads as [`Line::Unreadable`]).
    pub fn finish(&mut self) -> Option<Line> {
        self.dropping = false;
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            None
        } else {
            self.read(&pending)
        }
    }

    /// Whether a partial line waits for its end.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// How many lines were dropped for their length.
    pub fn oversized(&self) -> u64 {
        self.oversized
    }

    fn read(&self, bytes: &[u8]) -> Option<Line> {
        if let Some(marker) = self.only_with
            && memchr::memmem::find(bytes, marker).is_none()
        {
            return None;
        }
        let text = String::from_utf8_lossy(bytes);
        Some(parse_line(text.trim_end_matches('\r')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"type":"user","message":{"content":"hi"}}"#;

    #[test]
    fn a_line_split_across_chunks_is_read_once_whole() {
        let mut splitter = LineSplitter::new();
        let (head, tail) = USER.split_at(17);
        assert!(splitter.feed(head.as_bytes()).is_empty());
        assert!(splitter.has_pending());
        let lines = splitter.feed(format!("{tail}\n{{\"type\":\"x\"}}\n").as_bytes());
        assert_eq!(lines.len(), 2);
        assert!(matches!(lines[0], Line::Message(_)));
        assert_eq!(lines[1], Line::Other("x".into()));
        assert_eq!(splitter.finish(), None);
    }

    #[test]
    fn a_torn_last_line_waits_then_reads_as_unreadable() {
        let mut splitter = LineSplitter::new();
        let lines = splitter.feed(format!("{USER}\n{{\"type\":\"assis").as_bytes());
        assert_eq!(lines.len(), 1);
        assert_eq!(splitter.finish(), Some(Line::Unreadable));
        // A last line that is whole but has no newline is read.
        let mut splitter = LineSplitter::new();
        assert!(splitter.feed(USER.as_bytes()).is_empty());
        assert!(matches!(splitter.finish(), Some(Line::Message(_))));
    }

    #[test]
    fn a_marker_keeps_only_the_lines_holding_it() {
        let mut splitter = LineSplitter::only_with(b"\"usage\"");
        let lines = splitter.feed(
            format!("{USER}\n{{\"type\":\"assistant\",\"message\":{{\"usage\":{{}}}}}}\n")
                .as_bytes(),
        );
        assert_eq!(lines.len(), 1);
        assert!(matches!(lines[0], Line::Message(_)));
    }

    #[test]
    fn an_oversized_line_is_dropped_and_the_next_one_read() {
        let mut splitter = LineSplitter::new();
        let chunk = vec![b'x'; MAX_LINE_BYTES / 2 + 1];
        assert!(splitter.feed(&chunk).is_empty());
        assert!(splitter.feed(&chunk).is_empty());
        assert_eq!(splitter.oversized(), 1);
        assert!(!splitter.has_pending());
        let lines = splitter.feed(format!("still the long line\n{USER}\n").as_bytes());
        assert_eq!(lines.len(), 1);
        assert!(matches!(lines[0], Line::Message(_)));
    }
}
