//! Fifty SSE clients and one hook call: every client hears of it within a second of the call
//! (the bound). The figures over repeated calls are a benchmark:
//! `cargo build --release -p pcc-hooks && cargo bench -p pcc-server --bench sse_fan_out`.

use crate::common::{CLIENTS, fan_out, percentile};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_clients_each_hear_of_a_hook_call_within_a_second() {
    let mut delays = fan_out(1).await;
    delays.sort();
    let (p50, max) = (percentile(&delays, 0.5), delays[delays.len() - 1]);
    eprintln!("50 SSE clients, one hook call: p50 {p50:?}, max {max:?}");
    assert_eq!(delays.len(), CLIENTS);
    assert!(max < Duration::from_secs(1), "p50 {p50:?}, max {max:?}");
}
