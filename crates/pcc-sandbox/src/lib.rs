//! Containment: one shell command run under [bubblewrap](https://github.com/containers/bubblewrap)
//! so that whatever it does stays in the project.
//!
//! In unattended mode the PreToolUse hook rewrites a Bash command it cannot prove harmless, but
//! whose business is the project (builds, tests, installs of declared dependencies), into
//! `pcc-hooks contain --project DIR -- COMMAND`, which runs it through [`run`]. Inside:
//!
//! - the whole filesystem is read-only; writable are the project (minus the files that make
//!   other programs run code later: `.git/config`, `.git/hooks`, `.claude`, `.mcp.json`,
//!   `.husky`), a private `/tmp` and `/var/tmp`, and the package caches of [`DEFAULT_CACHES`];
//! - secrets are hidden: credentials in the home ([`HIDDEN_IN_HOME`]), our data directory, other
//!   users' homes, `/run` (where agent, docker and database sockets live) and the system's
//!   password and host-key files; secret-looking environment variables are dropped
//!   ([`filtered_env`]);
//! - it sees only its own processes (pid namespace), so it can signal nothing outside;
//! - with [`Network::None`] it has only its own loopback.
//!
//! Why bubblewrap: it is a small, widely packaged, unprivileged tool (user namespaces) whose
//! effects we can test here with real commands, it needs nothing in Claude Code's settings, and
//! it works the same for every session our hook sees, interactive or not. The price is Linux
//! only; [`probe`] says when it cannot be used, and the caller must then not run the command.
//!
//! The argument vector is planned in [`bwrap_args`] (reading the filesystem only to learn what
//! exists) and spawned by [`run`]; no shell ever sees our arguments.

mod env;
mod plan;
mod probe;
mod spawn;

pub use env::filtered_env;
pub use plan::{
    DEFAULT_CACHES, HIDDEN_IN_HOME, Network, PROTECTED_IN_PROJECT, Plan, Refusal, bwrap_args,
    default_caches,
};
pub use probe::{Unavailable, find_bwrap, probe};
pub use spawn::{output, run};
