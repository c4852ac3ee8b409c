//! The workspace's test doubles, shared by every crate's tests instead of each writing its own.
//!
//! - [`claude`]: one fake `claude`, the `fake-claude` binary of this crate, whose behaviour is a
//!   named scenario (as the e2e mock Messages API plays named scenarios) and which records the
//!   argv, stdin and environment it received to a file the test names.
//! - [`http`]: one HTTP/1.1 server on 127.0.0.1 that hands every request to the test and answers
//!   as told (a status, a body, or never).
//!
//! ```no_run
//! use pcc_testkit::claude::{self, Scenario};
//! let record = std::env::temp_dir().join("claude.jsonl");
//! let status = std::process::Command::new(claude::program())
//!     .env(claude::RECORD_ENV, &record)
//!     .env(claude::SCENARIO_ENV, Scenario::Success.name())
//!     .status()
//!     .expect("run the fake");
//! assert!(status.success());
//! let runs = claude::runs(&record);
//! assert_eq!(runs.len(), 1);
//! ```

pub mod claude;
pub mod http;
