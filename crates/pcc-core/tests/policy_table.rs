//! Table-driven policy cases from `tests/data/policy_cases.tsv`: our own adversarial
//! cases plus inputs and expectations taken from the public suites of Dippy,
//! claude-code-safety-net and PerpetualCC (disagreements are explained in the file).

use std::path::PathBuf;

use pcc_core::policy::{PolicyContext, RiskLevel, Verdict, classify};
use serde_json::{Value, json};

/// One line of the data file.
struct Case {
    line: usize,
    expected: RiskLevel,
    tool: String,
    cwd: Option<String>,
    input: String,
}

fn context(cwd: Option<&str>) -> PolicyContext {
    PolicyContext {
        cwd: cwd.map_or_else(|| PathBuf::from("/home/u/proj"), PathBuf::from),
        project_root: PathBuf::from("/home/u/proj"),
        home: PathBuf::from("/home/u"),
    }
}

fn parse_level(text: &str) -> RiskLevel {
    match text {
        "LOW" => RiskLevel::Low,
        "MEDIUM" => RiskLevel::Medium,
        "HIGH" => RiskLevel::High,
        "CRITICAL" => RiskLevel::Critical,
        other => panic!("unknown level {other:?}"),
    }
}

fn load_cases() -> Vec<Case> {
    let text = include_str!("data/policy_cases.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let mut fields = l.splitn(4, '\t');
            let mut next = || {
                fields
                    .next()
                    .unwrap_or_else(|| panic!("line {}: missing field", i + 1))
            };
            let expected = parse_level(next());
            let tool = next().to_owned();
            let cwd = Some(next()).filter(|c| *c != "-").map(str::to_owned);
            let input = next().replace('␤', "\n");
            Case {
                line: i + 1,
                expected,
                tool,
                cwd,
                input,
            }
        })
        .collect()
}

fn run(case: &Case) -> Verdict {
    let input: Value = if case.tool == "Bash" {
        json!({ "command": case.input })
    } else {
        serde_json::from_str(&case.input)
            .unwrap_or_else(|e| panic!("line {}: bad JSON: {e}", case.line))
    };
    classify(&case.tool, &input, &context(case.cwd.as_deref()))
}

#[test]
fn table_has_at_least_400_cases() {
    let cases = load_cases();
    assert!(cases.len() >= 400, "only {} cases", cases.len());
}

#[test]
fn every_case_gets_its_expected_level() {
    let mut failures = Vec::new();
    for case in load_cases() {
        let verdict = run(&case);
        if verdict.level != case.expected {
            failures.push(format!(
                "line {}: {} {:?}: expected {}, got {} ({}: {})",
                case.line,
                case.tool,
                case.input,
                case.expected,
                verdict.level,
                verdict.rule,
                verdict.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_dangerous_case_comes_out_low() {
    let offenders: Vec<String> = load_cases()
        .into_iter()
        .filter(|case| case.expected >= RiskLevel::Medium)
        .filter_map(|case| {
            let verdict = run(&case);
            (verdict.level == RiskLevel::Low).then(|| {
                format!(
                    "line {}: {} {:?} ({})",
                    case.line, case.tool, case.input, verdict.rule
                )
            })
        })
        .collect();
    assert_eq!(
        offenders.len(),
        0,
        "dangerous cases judged LOW:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_simple_command_is_listed_with_its_own_level() {
    let verdict = classify(
        "Bash",
        &json!({ "command": "git status && rm -rf / | cat" }),
        &context(None),
    );
    let parts: Vec<(&str, RiskLevel)> = verdict
        .commands
        .iter()
        .map(|c| (c.command.as_str(), c.level))
        .collect();
    assert_eq!(
        parts,
        vec![
            ("git status", RiskLevel::Low),
            ("rm -rf /", RiskLevel::Critical),
            ("cat", RiskLevel::Low)
        ]
    );
    assert_eq!(verdict.rule, "rm.root");
}

#[test]
fn cwd_changes_how_relative_paths_are_judged() {
    let input = json!({ "command": "rm -rf build" });
    assert_eq!(
        classify("Bash", &input, &context(None)).level,
        RiskLevel::Low
    );
    assert_eq!(
        classify("Bash", &input, &context(Some("/home/u"))).level,
        RiskLevel::High
    );
}
