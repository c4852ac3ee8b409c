//! The event stream's fan-out: 50 SSE clients, 20 real `pcc-hooks hook` calls; the time from the
//! start of each call to each client's event, as p50 / p90 / p99 / max (issue 15: each within 1 s,
//! which `tests/it/load.rs` asserts for one call).
//!
//! Run: `cargo build --release -p pcc-hooks && cargo bench -p pcc-server --bench sse_fan_out`
//! (the hook binary is taken from beside the bench, `target/release`).
#![allow(missing_docs)]

#[allow(dead_code)] // the tests' shared helpers; the bench uses a few
#[path = "../tests/it/common.rs"]
mod common;

use common::{CLIENTS, fan_out, percentile};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds = 20;
    let mut delays = fan_out(rounds).await;
    delays.sort();
    assert_eq!(
        delays.len(),
        CLIENTS * rounds,
        "every client heard every call"
    );
    println!(
        "{CLIENTS} SSE clients x {rounds} hook calls ({} deliveries): p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        delays.len(),
        percentile(&delays, 0.5),
        percentile(&delays, 0.9),
        percentile(&delays, 0.99),
        delays[delays.len() - 1]
    );
}
