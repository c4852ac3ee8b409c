//! The server against real SQLite files and real HTTP: a `pcc_server::Server` on 127.0.0.1:0
//! in the test process, reqwest as the client, and the built `pcc-hooks` binary for hook calls
//! and the CLI door (build it first: `cargo build -p pcc-hooks`). One test binary, so the
//! helpers link once.

mod api;
mod auth;
mod common;
mod events;
mod lag;
mod load;
mod packaging;
mod tls;
