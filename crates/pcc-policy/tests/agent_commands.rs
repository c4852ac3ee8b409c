//! What a strict LOW costs on everyday agent work.
//!
//! `tests/data/agent_commands.tsv` holds tool calls that Claude-based coding agents really
//! make in Rust, Python, JS/TS and Go projects, each labelled with what it is for (exploring,
//! building, running scripts, local git, installs, local HTTP, stopping dev servers, writing
//! files, and what truly needs a human). Every call that is not LOW stops an unattended
//! session, so the share of LOW per category is the price of the policy.
//!
//! The test prints the figures (run with `--no-capture` to see them) and fails only when a
//! call that needs a human comes out LOW, or when exploring (`read`) or building (`build`)
//! stalls on more than 15% of the calls. The other routine categories are expected to stall
//! until containment lands; they are reported, not asserted.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pcc_policy::{Containment, PolicyContext, RiskLevel, Verdict, classify};
use serde_json::{Value, json};

const DATA: &str = include_str!("data/agent_commands.tsv");

/// Every category, in the order the report lists them.
const CATEGORIES: &[&str] = &[
    "read",
    "build",
    "script",
    "git-local",
    "install",
    "local-http",
    "process",
    "write",
    "human",
];

/// The categories that must be mostly LOW, with the least LOW share each must reach.
const ASSERTED: &[(&str, f64)] = &[("read", 0.85), ("build", 0.85)];

/// One labelled tool call.
struct Row {
    line: usize,
    category: &'static str,
    tool: String,
    input: String,
}

fn context() -> PolicyContext {
    PolicyContext {
        cwd: PathBuf::from("/home/u/proj"),
        project_root: PathBuf::from("/home/u/proj"),
        home: PathBuf::from("/home/u"),
        data_dirs: vec![PathBuf::from("/home/u/.local/share/pcc-hooks")],
    }
}

fn load_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, l) in DATA.lines().enumerate() {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut fields = l.splitn(3, '\t');
        let mut next = || {
            fields
                .next()
                .unwrap_or_else(|| panic!("agent_commands.tsv:{}: missing field", i + 1))
        };
        let label = next();
        let category = CATEGORIES
            .iter()
            .copied()
            .find(|c| *c == label)
            .unwrap_or_else(|| panic!("agent_commands.tsv:{}: unknown category {label:?}", i + 1));
        let tool = next().to_owned();
        let input = next().replace('␤', "\n");
        rows.push(Row {
            line: i + 1,
            category,
            tool,
            input,
        });
    }
    rows
}

fn classify_row(row: &Row) -> Verdict {
    let input: Value = if row.tool == "Bash" {
        json!({ "command": row.input })
    } else {
        serde_json::from_str(&row.input)
            .unwrap_or_else(|e| panic!("agent_commands.tsv:{}: bad JSON: {e}", row.line))
    };
    classify(&row.tool, &input, &context())
}

/// One line naming a row and its verdict.
fn describe(row: &Row, verdict: &Verdict) -> String {
    format!(
        "  line {:>3}: {:<8} {} -> {:?}: {}",
        row.line,
        verdict.level.as_str(),
        verdict.rule,
        row.input,
        verdict.reason
    )
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // Counts are a few hundred: exact in f64.
        100.0 * part as f64 / whole as f64
    }
}

#[derive(Default)]
struct Tally {
    /// LOW or containable: runs without a human when containment is on.
    runs: usize,
    count: usize,
    low: usize,
    /// The non-LOW rows, described.
    stalls: Vec<String>,
    /// How often each rule decided a non-LOW row.
    rules: BTreeMap<&'static str, usize>,
}

#[test]
fn routine_commands_report() {
    let rows = load_rows();

    // The table is what it claims to be: at least 400 distinct shell commands, no duplicates.
    let mut seen = std::collections::HashSet::new();
    let duplicates: Vec<usize> = rows
        .iter()
        .filter(|r| !seen.insert((r.tool.as_str(), r.input.as_str())))
        .map(|r| r.line)
        .collect();
    assert!(
        duplicates.is_empty(),
        "duplicate rows at lines {duplicates:?}"
    );
    let bash = rows.iter().filter(|r| r.tool == "Bash").count();
    assert!(bash >= 400, "only {bash} Bash commands");

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for row in &rows {
        let verdict = classify_row(row);
        let tally = tallies.entry(row.category).or_default();
        tally.count += 1;
        // Unattended with containment on, a LOW call runs and a containable one runs contained:
        // neither waits for a human.
        if verdict.level == RiskLevel::Low || verdict.containment != Containment::Never {
            tally.runs += 1;
        }
        if verdict.level == RiskLevel::Low {
            tally.low += 1;
        } else {
            tally.stalls.push(describe(row, &verdict));
            *tally.rules.entry(verdict.rule).or_default() += 1;
        }
    }

    println!(
        "agent_commands.tsv: {} rows ({bash} Bash, {} other tools)",
        rows.len(),
        rows.len() - bash
    );
    println!(
        "{:<11} {:>5} {:>5} {:>7} {:>9}",
        "category", "rows", "LOW", "LOW %", "runs* %"
    );
    let (mut routine, mut routine_low, mut routine_runs) = (0, 0, 0);
    for category in CATEGORIES {
        let Some(t) = tallies.get(category) else {
            continue;
        };
        println!(
            "{category:<11} {:>5} {:>5} {:>6.1}% {:>8.1}%",
            t.count,
            t.low,
            percent(t.low, t.count),
            percent(t.runs, t.count)
        );
        if *category != "human" {
            routine += t.count;
            routine_low += t.low;
            routine_runs += t.runs;
        }
    }
    println!(
        "routine (all but human): {routine_low}/{routine} LOW = {:.1}%; {routine_runs}/{routine} run without a human when containment is on = {:.1}% (*runs: LOW or containable)",
        percent(routine_low, routine),
        percent(routine_runs, routine)
    );
    let human_runs = tallies.get("human").map_or(0, |t| t.runs);
    assert_eq!(
        human_runs, 0,
        "a call that needs a human is neither LOW nor containable"
    );
    let human = tallies.get("human").map_or((0, 0), |t| (t.count, t.low));
    println!(
        "human: {}/{} NOT LOW (a human is asked or the call is denied)",
        human.0 - human.1,
        human.0
    );

    // What stalls, and why: every row for the asserted categories, a rule count for the rest.
    for category in CATEGORIES {
        let Some(t) = tallies.get(category) else {
            continue;
        };
        if t.stalls.is_empty() || *category == "human" {
            continue;
        }
        let mut rules: Vec<(&&str, &usize)> = t.rules.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let rules: Vec<String> = rules.iter().map(|(r, n)| format!("{r} x{n}")).collect();
        println!(
            "\n{category}: {} not LOW; rules: {}",
            t.stalls.len(),
            rules.join(", ")
        );
        if ASSERTED.iter().any(|(c, _)| c == category) {
            for stall in &t.stalls {
                println!("{stall}");
            }
        }
    }

    let mut failures = Vec::new();
    let leaked: Vec<String> = rows
        .iter()
        .filter(|r| r.category == "human")
        .filter_map(|r| {
            let verdict = classify_row(r);
            (verdict.level == RiskLevel::Low).then(|| describe(r, &verdict))
        })
        .collect();
    if !leaked.is_empty() {
        failures.push(format!(
            "{} calls that need a human came out LOW:\n{}",
            leaked.len(),
            leaked.join("\n")
        ));
    }
    for (category, floor) in ASSERTED {
        let t = tallies
            .get(category)
            .expect("asserted categories have rows");
        let share = percent(t.low, t.count);
        if share < floor * 100.0 {
            failures.push(format!(
                "{category}: only {share:.1}% LOW ({}/{}), below {:.0}%:\n{}",
                t.low,
                t.count,
                floor * 100.0,
                t.stalls.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
