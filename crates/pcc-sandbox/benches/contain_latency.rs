//! What containment costs a command: `bash -c true` uncontained, contained ([`pcc_sandbox::run`]:
//! planning plus bwrap), and the self-test `pcc-hooks contain` runs before each command
//! ([`pcc_sandbox::probe`]). Median and p99 of each.
//!
//! Run: `cargo bench -p pcc-sandbox --bench contain_latency`. `PCC_BENCH_RUNS` sets the number
//! of runs of each (default 100). The plan uses the real `$HOME`, so its hidden paths are the
//! ones of this machine; the project is a fresh git repository under the target directory.
#![allow(missing_docs)]

use pcc_sandbox::{Network, Plan};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn measure(name: &str, runs: usize, mut once: impl FnMut()) -> Duration {
    once(); // warm the page cache
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            once();
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = percentile(&times, 0.5);
    println!(
        "{name:<28} median {:>7.2} ms   p99 {:>7.2} ms   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );
    median
}

fn main() {
    let runs = std::env::var("PCC_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(100);
    let bwrap = pcc_sandbox::probe().expect("containment works here");
    let dir = tempfile::Builder::new()
        .prefix("pcc-sandbox-bench-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir");
    let project = dir.path().join("project");
    std::fs::create_dir(&project).expect("project");
    let status = Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(&project)
        .status()
        .expect("git init");
    assert!(status.success());
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let plan = Plan {
        project_root: project,
        caches: pcc_sandbox::default_caches(&home),
        data_dir: home.join(".local/share/pcc-hooks"),
        home,
        network: Network::None,
    };

    let bare = measure("bash -c true", runs, || {
        let status = Command::new("/bin/bash")
            .args(["-c", "true"])
            .stdin(Stdio::null())
            .status()
            .expect("bash");
        assert!(status.success());
    });
    let contained = measure("contained bash -c true", runs, || {
        let status = pcc_sandbox::run(&bwrap, &plan, "true").expect("contained");
        assert!(status.success());
    });
    let probe = measure("probe (per contain call)", runs, || {
        pcc_sandbox::probe().expect("probe");
    });
    println!(
        "containment adds {:.2} ms per command (median), {:.2} ms with the probe",
        (contained.saturating_sub(bare)).as_secs_f64() * 1e3,
        (contained + probe).saturating_sub(bare).as_secs_f64() * 1e3
    );
}
