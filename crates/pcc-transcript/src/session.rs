//! A session's transcript read as it comes: entries for a reader, usage for the bill.

use crate::entry::{Entry, entries};
use crate::line::Line;
use crate::reader::LineSplitter;
use crate::usage::UsageLedger;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// How much is read at a time from a transcript.
const CHUNK_BYTES: usize = 256 * 1024;

/// Reads a transcript, or a live session's transcript as it grows, chunk by chunk.
#[derive(Debug, Default)]
pub struct SessionReader {
    splitter: LineSplitter,
    ledger: UsageLedger,
    unreadable: u64,
    other: BTreeMap<String, u64>,
}

impl SessionReader {
    /// A reader at the start of a transcript.
    pub fn new() -> SessionReader {
        SessionReader::default()
    }

    /// A reader for the bill alone: only lines with a `usage` are parsed, so it gives the
    /// entries of assistant lines only, and counts no other line.
    pub fn usage_only() -> SessionReader {
        SessionReader {
            splitter: LineSplitter::only_with(b"\"usage\""),
            ..SessionReader::default()
        }
    }

    /// Takes the next bytes of the transcript; returns the entries of the lines they complete
    /// and counts their usage.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Entry> {
        let lines = self.splitter.feed(chunk);
        self.take(lines)
    }

    /// The transcript ends here: the entries of a last line without a newline, if it reads.
    pub fn finish(&mut self) -> Vec<Entry> {
        let last = self.splitter.finish();
        self.take(last.into_iter().collect())
    }

    /// Reads up to `max_bytes` from `source` to its end, then [`SessionReader::finish`]es;
    /// returns every entry. The caller opens the file (a regular file, without blocking).
    pub fn read_to_end(&mut self, source: impl Read, max_bytes: u64) -> io::Result<Vec<Entry>> {
        let mut source = source.take(max_bytes);
        let mut buffer = vec![0; CHUNK_BYTES];
        let mut read = Vec::new();
        loop {
            let count = match source.read(&mut buffer) {
                Ok(0) => break,
                Ok(count) => count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            read.extend(self.feed(&buffer[..count]));
        }
        read.extend(self.finish());
        Ok(read)
    }

    /// The usage counted so far, each API message once.
    pub fn ledger(&self) -> &UsageLedger {
        &self.ledger
    }

    /// Lines skipped because they were not JSON (a torn last line) or too long.
    pub fn unreadable(&self) -> u64 {
        self.unreadable + self.splitter.oversized()
    }

    /// Lines of types not read, by type.
    pub fn other_lines(&self) -> &BTreeMap<String, u64> {
        &self.other
    }

    fn take(&mut self, lines: Vec<Line>) -> Vec<Entry> {
        let mut read = Vec::new();
        for line in lines {
            match line {
                Line::Message(message) => {
                    self.ledger.add(&message);
                    read.extend(entries(&message));
                }
                Line::Other(kind) => *self.other.entry(kind).or_default() += 1,
                Line::Unreadable => self.unreadable += 1,
            }
        }
        read
    }
}

/// Where Claude Code keeps the transcripts of a session's subagents:
/// `<dir>/<session>/subagents/` beside `<dir>/<session>.jsonl` (2.1.329). Their messages are
/// part of the session's bill.
pub fn subagents_dir(transcript: &Path) -> PathBuf {
    transcript.with_extension("").join("subagents")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subagents_live_beside_the_transcript() {
        assert_eq!(
            subagents_dir(Path::new("/c/projects/-p/d41b7b96.jsonl")),
            Path::new("/c/projects/-p/d41b7b96/subagents")
        );
    }

    #[test]
    fn read_to_end_stops_at_the_bound_and_counts_what_it_could_not_read() {
        let text = "{\"type\":\"user\",\"message\":{\"content\":\"one\"}}\n\
                    {\"type\":\"attachment\"}\n\
                    {\"type\":\"user\",\"message\":{\"content\":\"two\"}}\n";
        let mut reader = SessionReader::new();
        let read = reader
            .read_to_end(text.as_bytes(), text.len() as u64 - 10)
            .expect("read");
        assert_eq!(read.len(), 1, "the cut last line is not an entry");
        assert_eq!(reader.unreadable(), 1);
        assert_eq!(reader.other_lines().get("attachment"), Some(&1));
    }
}
