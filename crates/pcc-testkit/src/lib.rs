//! The workspace's test doubles, shared by every crate's tests instead of each writing its own.
//!
//! - [`claude`]: one fake `claude`, the `fake-claude` binary of this crate, whose behaviour is a
//!   named scenario (as the e2e mock Messages API plays named scenarios) and which records the
//!   argv, stdin and environment it received to a file the test names.
//! - [`http`]: one HTTP/1.1 server on 127.0.0.1 that hands every request to the test and answers
//!   as told (a status, a body, or never).
//!
//! ```no_run
//! use pcc_testkit::claude::{self, FakeClaude};
//! let dir = std::env::temp_dir();
//! let fake = FakeClaude::new(&dir.join("claude.jsonl"));
//! let mut command = std::process::Command::new(claude::program());
//! fake.scenario("limited").apply(&mut command);
//! ```

pub mod claude;
pub mod http;
