//! Diagnostics go to `<data dir>/logs/pcc-hooks.log`, never to stdout (DESIGN.md invariant 4).
//!
//! The file is opened only when a line is written, in append mode, so the common hook call that
//! logs nothing pays for no file, and concurrent hook processes never interleave within a line.
//! `PCC_LOG` sets the filter (`warn` by default; e.g. `PCC_LOG=debug`).

use pcc_core::paths::DataDir;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber. Without a data directory, diagnostics go to stderr.
pub fn init() {
    let filter = EnvFilter::try_from_env("PCC_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    // `try_init` fails only when a subscriber already exists, which then keeps logging.
    let _ = match DataDir::from_env() {
        Ok(dir) => builder.with_writer(LogFile { dir: dir.logs() }).try_init(),
        Err(_) => builder.with_writer(io::stderr).try_init(),
    };
}

/// Opens the log file for each event.
struct LogFile {
    dir: PathBuf,
}

/// The log file, or nowhere when it cannot be opened (logging must never fail a hook).
enum LogSink {
    File(File),
    Nowhere,
}

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = LogSink;

    fn make_writer(&'a self) -> LogSink {
        // Private (0700 / 0600) whatever the umask; a loose one is tightened and says so first.
        let open = || {
            let path = self.dir.join("pcc-hooks.log");
            let (mut file, tightened) =
                pcc_store::private::open_file(&path, pcc_store::private::Access::Append)?;
            for change in tightened {
                writeln!(file, "pcc-hooks: {change}")?;
            }
            Ok::<_, io::Error>(file)
        };
        open().map(LogSink::File).unwrap_or(LogSink::Nowhere)
    }
}

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            LogSink::File(file) => file.write(bytes),
            LogSink::Nowhere => Ok(bytes.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            LogSink::File(file) => file.flush(),
            LogSink::Nowhere => Ok(()),
        }
    }
}
