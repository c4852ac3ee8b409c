//! End-to-end test harness for pcc-hooks: drives the real, pinned Claude Code CLI against a
//! scripted mock of the Anthropic Messages API, hermetically and offline.
//!
//! ```no_run
//! use pcc_e2e::{ClaudeSession, MockApi, Scenario, Turn};
//! use serde_json::json;
//!
//! let mock = MockApi::start(Scenario::from([
//!     Turn::tool("Bash", json!({"command": "echo hi"})),
//!     Turn::text("All done."),
//! ]));
//! let out = ClaudeSession::new(&mock, "say hi").run();
//! out.assert_success();
//! assert_eq!(out.result_text(), Some("All done."));
//! ```
//!
//! See `tests/README.md` for how to script scenarios.

pub mod binaries;
pub mod ccusage;
pub mod claude_cli;
pub mod git;
pub mod mock_api;
pub mod npm_install;
pub mod session;

pub use binaries::{pcc_binary, plugin_dir};
pub use ccusage::{CCUSAGE_VERSION, ensure_ccusage};
pub use claude_cli::{CLAUDE_CODE_VERSION, ensure_claude};
pub use mock_api::{
    Block, MockApi, RecordedRequest, RequestKind, Scenario, ToolResult, Turn, Usage,
    usage_limit_headers,
};
pub use session::{ClaudeSession, Sandbox, SessionOutcome};
