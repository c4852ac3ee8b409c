//! Diagnostics go to `<data dir>/logs/pcc-hooks.log`, never to stdout (ARCHITECTURE.md invariant 4).
//!
//! The file is opened only when a line is written, in append mode, so the common hook call that
//! logs nothing pays for no file, and concurrent hook processes never interleave within a line.
//! `PCC_LOG` sets the filter (`warn` by default; e.g. `PCC_LOG=debug`).
//!
//! Every line is redacted (`pcc_core::redact`) as it is written, whoever logged it, and the
//! shell parser's own tracing (which dumps commands token by token, secrets included) is never
//! logged. A line that cannot be written (a full disk, a vanished directory) is dropped
//! silently: a hook's stderr is shown to Claude and the user, and must not fill with the
//! logger's troubles.

use pcc_core::paths::DataDir;
use pcc_core::redact::redact;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber. Without a data directory, diagnostics go to stderr.
pub fn init() {
    let filter = EnvFilter::try_from_env("PCC_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let filter = PARSER_TARGETS
        .iter()
        .filter_map(|target| format!("{target}=off").parse().ok())
        .fold(filter, EnvFilter::add_directive);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .log_internal_errors(false);
    // `try_init` fails only when a subscriber already exists, which then keeps logging.
    let _ = match DataDir::from_env() {
        Ok(dir) => builder.with_writer(LogFile { dir: dir.logs() }).try_init(),
        Err(_) => builder.with_writer(|| RedactedStderr).try_init(),
    };
}

/// The tracing targets of `brush-parser`, the shell parser: its debug events print the command
/// being parsed, token by token, where no redaction rule can tell a secret from its context.
const PARSER_TARGETS: [&str; 4] = ["tokenize", "parse", "expansion", "arithmetic"];

/// Writes one formatted line (tracing writes each event in one call) redacted to `out`; a line
/// that cannot be written is dropped, never reported.
fn write_redacted(out: &mut impl Write, bytes: &[u8]) -> io::Result<usize> {
    let line = redact(&String::from_utf8_lossy(bytes));
    let _ = out.write_all(line.as_bytes());
    Ok(bytes.len())
}

/// Stderr, for a process without a data directory, redacted like the file.
struct RedactedStderr;

impl Write for RedactedStderr {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        write_redacted(&mut io::stderr().lock(), bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
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
            LogSink::File(file) => write_redacted(file, bytes),
            LogSink::Nowhere => Ok(bytes.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            LogSink::File(file) => {
                let _ = file.flush();
                Ok(())
            }
            LogSink::Nowhere => Ok(()),
        }
    }
}
