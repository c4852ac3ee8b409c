//! A session's transcripts read whole: its own file and its subagents'
//! (`<session>/subagents/*.jsonl`). Claude Code chose their paths, so each is opened as
//! `session_files` opens what others chose (a regular file, without blocking) and read in
//! chunks within [`TRANSCRIPT_MAX_BYTES`]; the parsing is `pcc_transcript`'s.

use crate::session_files::open_regular;
use pcc_transcript::{MessageUsage, SessionReader, subagents_dir};
use std::io;
use std::path::{Path, PathBuf};

/// The largest transcript read: a long session's is tens of megabytes; a bigger file is not
/// one Claude Code wrote, and reading it would take minutes.
pub const TRANSCRIPT_MAX_BYTES: u64 = 4 << 30;

/// Every API message of the session (subagents included), each counted once.
pub fn session_usage(transcript: &Path) -> io::Result<Vec<MessageUsage>> {
    let mut reader = SessionReader::usage_only();
    read_into(&mut reader, transcript)?;
    for subagent in subagent_transcripts(transcript) {
        // A subagent's file that vanished or cannot be read leaves its part uncounted; the
        // session's own file is what must be there.
        let _ = read_into(&mut reader, &subagent);
    }
    Ok(reader.ledger().records().to_vec())
}

fn read_into(reader: &mut SessionReader, transcript: &Path) -> io::Result<()> {
    let file = open_checked(transcript)?;
    let length = file.metadata()?.len();
    reader.read_to_end(file, length)?;
    Ok(())
}

/// Opens a transcript, refusing one larger than [`TRANSCRIPT_MAX_BYTES`].
pub fn open_checked(transcript: &Path) -> io::Result<std::fs::File> {
    let file = open_regular(transcript)?;
    let length = file.metadata()?.len();
    if length > TRANSCRIPT_MAX_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is {length} bytes, more than the {TRANSCRIPT_MAX_BYTES} a transcript is read to",
                transcript.display()
            ),
        ));
    }
    Ok(file)
}

/// The session's subagents' transcripts, in name order.
fn subagent_transcripts(transcript: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(subagents_dir(transcript)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = listing
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "jsonl")
        })
        .collect();
    files.sort();
    files
}
