//! Faults: what pcc-hooks does when the world misbehaves.
//!
//! Each module injects one family of faults against the built binary and checks that nothing is
//! lost, nothing runs twice and nothing leaks: secrets in every sink (`secrets`), killed and
//! reused processes (`processes`), clock steps, odd transcripts and concurrency (`events`),
//! read-only, full and corrupt databases (`disk`). Faults that need privileges (mounting a small
//! tmpfs) skip with a message saying so when the test may not mount.

mod disk;
mod events;
mod processes;
mod secrets;
