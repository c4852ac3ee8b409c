//! Throughput of shell classification over a mix of typical agent commands.
//! Run with `cargo bench -p pcc-policy --bench classify`; commands/s = MIX.len() / time.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pcc_policy::{PolicyContext, classify_command};

/// A mix resembling what Claude Code runs in a coding session.
const MIX: &[&str] = &[
    "git status",
    "git diff --stat",
    "git log --oneline -10",
    "ls -la",
    "cargo test -p pcc-core",
    "cargo build --release",
    "npm test",
    "npm run lint",
    "pytest -x tests/",
    "rg -n 'fn main' src",
    "cat src/main.rs | head -50",
    "find . -name '*.rs' | wc -l",
    "git add -A && git commit -m \"fix: handle empty input\"",
    "mkdir -p src/policy && touch src/policy/mod.rs",
    "rm -rf target/debug/incremental",
    "echo \"$(date) done\" >> /tmp/log.txt 2>&1",
    "curl -s https://api.example.com/data | jq .items",
    "docker ps --format '{{.Names}}'",
    "kubectl get pods -n default",
    "grep -r TODO src | sort | uniq -c",
];

fn classify_mix(c: &mut Criterion) {
    let ctx = PolicyContext {
        cwd: PathBuf::from("/home/u/proj"),
        project_root: PathBuf::from("/home/u/proj"),
        home: PathBuf::from("/home/u"),
        // What the hook passes without `$PCC_HOME`: the default data directory.
        data_dirs: vec![PathBuf::from("/home/u/.local/share/pcc-hooks")],
    };
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(MIX.len() as u64));
    group.bench_function("typical_mix", |b| {
        b.iter(|| {
            for command in MIX {
                black_box(classify_command(black_box(command), &ctx));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, classify_mix);
criterion_main!(benches);
