//! Reading files that a hook input names (`transcript_path`) or that the project holds
//! (`CLAUDE.md`, `.claude/pcc-hooks.toml`): regular files only, opened without blocking, read
//! within a bound.
//!
//! Both paths are chosen by someone else: Claude Code sends the transcript's path, and the agent
//! writes the project. A FIFO there would block `open` or `read` until the hook is killed, and
//! `/dev/zero` (or a symlink to it) never ends, so a plain `read_to_end` hangs or eats memory.
//! Here the file is opened with `O_NONBLOCK` (so opening a FIFO returns at once), checked with
//! `fstat` on the open descriptor (no race with a swap of the path), refused unless it is a
//! regular file, and read for at most the asked number of bytes. A huge or sparse file costs one
//! seek and one bounded read.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How much of a transcript's end is read: its last turn, with room to spare.
pub const TRANSCRIPT_TAIL_BYTES: u64 = 256 * 1024;

/// How much of `CLAUDE.md` is read: a brain sees at most `MAX_NOTES_CHARS` characters of it,
/// and a character is at most 4 bytes.
pub const NOTES_HEAD_BYTES: u64 = 4 * pcc_core::brain::MAX_NOTES_CHARS as u64;

/// The last `max_bytes` of the regular file at `path`, as text (invalid UTF-8 replaced; the
/// first line may be cut, which the transcript scanners skip).
pub fn read_tail(path: &Path, max_bytes: u64) -> io::Result<String> {
    let mut file = open_regular(path)?;
    let length = file.metadata()?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(max_bytes)))?;
    read_at_most(file, max_bytes)
}

/// The first `max_bytes` of the regular file at `path`, as text.
pub fn read_head(path: &Path, max_bytes: u64) -> io::Result<String> {
    read_at_most(open_regular(path)?, max_bytes)
}

/// The first `max_bytes` of the regular file at `path`, as bytes, for a caller that must refuse
/// invalid UTF-8 rather than replace it.
pub fn read_head_bytes(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .take(max_bytes)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The regular file at `path`, opened without blocking, for a caller that reads it in chunks
/// within its own bound (a whole transcript, summed or followed).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// Reads up to `max_bytes` even if the file grows meanwhile.
fn read_at_most(file: File, max_bytes: u64) -> io::Result<String> {
    let mut bytes = Vec::new();
    file.take(max_bytes).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::{Duration, Instant};

    fn refused(path: &Path) {
        let started = Instant::now();
        let error = read_tail(path, TRANSCRIPT_TAIL_BYTES).expect_err("refused");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{} took {:?}",
            path.display(),
            started.elapsed()
        );
        assert!(
            error.to_string().contains("not a regular file"),
            "{}: {error}",
            path.display()
        );
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        refused(&fifo);
        refused(Path::new("/dev/zero"));
        refused(dir.path());
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        refused(&link);
        assert_eq!(
            read_head(Path::new("/dev/zero"), 10)
                .expect_err("refused")
                .kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn the_tail_and_the_head_are_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.jsonl");
        let mut file = File::create(&path).expect("create");
        file.write_all(b"first line\n").expect("write");
        // A sparse 64 GiB: reading it whole would never end.
        file.set_len(1 << 36).expect("sparse");
        file.seek(SeekFrom::End(0)).expect("seek");
        file.write_all(b"\nlast line\n").expect("write");
        let started = Instant::now();
        let tail = read_tail(&path, 64).expect("tail");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(tail.len(), 64);
        assert!(tail.ends_with("\nlast line\n"), "{tail:?}");
        assert_eq!(read_head(&path, 5).expect("head"), "first");
    }
}
