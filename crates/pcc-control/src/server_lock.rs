//! One `pcc-hooks serve` per database: the server holds an exclusive `flock` on
//! `<data dir>/server.lock` while it runs and writes its pid and URL into it, so a second
//! server is refused with the first one's address, and `doctor` can say whether one runs and
//! where. The kernel drops the lock when the server exits, however it exits.

use pcc_core::paths::DataDir;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::PathBuf;

/// The lock file's name in the data directory.
pub const SERVER_LOCK_FILE: &str = "server.lock";

/// The lock file of `data`'s server.
pub fn lock_path(data: &DataDir) -> PathBuf {
    data.root().join(SERVER_LOCK_FILE)
}

/// A server that holds the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningServer {
    /// Its process id.
    pub pid: u32,
    /// The URL it serves at (as it printed it).
    pub url: String,
}

impl std::fmt::Display for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (pid {})", self.url, self.pid)
    }
}

/// The lock, held for as long as this value lives.
#[derive(Debug)]
pub struct ServerLock {
    file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another server holds it.
    #[error("a server already serves this database at {0}; stop it first, or use that one")]
    Held(RunningServer),
    /// The lock file cannot be used.
    #[error("cannot use {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl ServerLock {
    /// Takes the lock of `data`, or says which server holds it.
    pub fn acquire(data: &DataDir) -> Result<ServerLock, LockError> {
        let path = lock_path(data);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let (mut file, tightened) =
            pcc_store::private::open_file(&path, pcc_store::private::Access::ReadWrite)
                .map_err(io)?;
        for change in tightened {
            tracing::warn!("{change}");
        }
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held(
                read_holder(&mut file).unwrap_or(RunningServer {
                    pid: 0,
                    url: "an unknown address".into(),
                }),
            )),
            Err(TryLockError::Error(error)) => Err(io(error)),
        }
    }

    /// Records this process and the URL it serves at, for `doctor` and a refused second server.
    pub fn announce(&mut self, url: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.rewind()?;
        writeln!(self.file, "{}\n{url}", std::process::id())?;
        self.file.sync_all()
    }
}

/// The server that serves `data`'s database, if one runs.
pub fn running(data: &DataDir) -> std::io::Result<Option<RunningServer>> {
    let mut file = match OpenOptions::new().read(true).open(lock_path(data)) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => {
            Ok(Some(read_holder(&mut file).unwrap_or(RunningServer {
                pid: 0,
                url: "an unknown address".into(),
            })))
        }
        Err(TryLockError::Error(error)) => Err(error),
    }
}

fn read_holder(file: &mut File) -> Option<RunningServer> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let url = lines.next()?.trim().to_owned();
    Some(RunningServer { pid, url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_is_refused_with_the_first_ones_address_and_released_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::at(dir.path());
        assert_eq!(running(&data).expect("read"), None);
        let mut first = ServerLock::acquire(&data).expect("first");
        first.announce("http://127.0.0.1:7878").expect("announce");
        let holder = RunningServer {
            pid: std::process::id(),
            url: "http://127.0.0.1:7878".into(),
        };
        assert_eq!(running(&data).expect("read"), Some(holder.clone()));
        match ServerLock::acquire(&data) {
            Err(LockError::Held(found)) => assert_eq!(found, holder),
            other => panic!("a second lock was not refused: {other:?}"),
        }
        drop(first);
        assert_eq!(running(&data).expect("read"), None);
        ServerLock::acquire(&data).expect("free again");
    }
}
