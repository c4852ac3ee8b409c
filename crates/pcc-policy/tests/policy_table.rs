//! Table-driven policy cases.
//!
//! `tests/data/policy_cases.tsv`: our own adversarial cases plus inputs and expectations taken
//! from the public suites of Dippy, claude-code-safety-net and PerpetualCC (disagreements are
//! explained in the file).
//!
//! `tests/data/policy_sound_cases.tsv`: the specification of a sound LOW (LOW only when the
//! parsed command alone proves the call harmless), grouped in classes (`# == class N: … ==`),
//! with expectations that may be a floor (`>=MEDIUM`, `>=HIGH`) because what matters there is
//! "not LOW".
//!
//! `tests/data/policy_data_dir_cases.tsv`: pcc-hooks' data directory wherever `$PCC_HOME` puts
//! it (under `/tmp`, inside the project), with a column for it; the other tables run with the
//! default one (`~/.local/share/pcc-hooks`), as the hook does without `$PCC_HOME`.

use std::path::PathBuf;

use pcc_policy::{PolicyContext, RiskLevel, Verdict, classify};
use serde_json::{Value, json};

/// The expectation of one case: an exact level, or a floor (`>=MEDIUM`: "not LOW").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Exactly(RiskLevel),
    AtLeast(RiskLevel),
}

impl Expected {
    fn accepts(self, level: RiskLevel) -> bool {
        match self {
            Self::Exactly(want) => level == want,
            Self::AtLeast(floor) => level >= floor,
        }
    }

    /// The lowest level this expectation accepts.
    fn floor(self) -> RiskLevel {
        match self {
            Self::Exactly(level) | Self::AtLeast(level) => level,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exactly(level) => write!(f, "{level}"),
            Self::AtLeast(level) => write!(f, ">={level}"),
        }
    }
}

/// One line of a data file.
struct Case {
    file: &'static str,
    line: usize,
    /// The class header (`# == class N: … ==`) the case sits under, if any.
    class: Option<String>,
    expected: Expected,
    tool: String,
    cwd: Option<String>,
    /// The data directory of the context; the default one when `None`.
    data: Option<String>,
    input: String,
}

const CASES: (&str, &str) = (
    "tests/data/policy_cases.tsv",
    include_str!("data/policy_cases.tsv"),
);
const SOUND_CASES: (&str, &str) = (
    "tests/data/policy_sound_cases.tsv",
    include_str!("data/policy_sound_cases.tsv"),
);
const DATA_DIR_CASES: (&str, &str) = (
    "tests/data/policy_data_dir_cases.tsv",
    include_str!("data/policy_data_dir_cases.tsv"),
);

/// Where the hook's data directory is without `$PCC_HOME`.
const DEFAULT_DATA_DIR: &str = "/home/u/.local/share/pcc-hooks";

fn context(cwd: Option<&str>, data: Option<&str>) -> PolicyContext {
    PolicyContext {
        cwd: cwd.map_or_else(|| PathBuf::from("/home/u/proj"), PathBuf::from),
        project_root: PathBuf::from("/home/u/proj"),
        home: PathBuf::from("/home/u"),
        data_dirs: vec![PathBuf::from(data.unwrap_or(DEFAULT_DATA_DIR))],
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

fn parse_expected(text: &str) -> Expected {
    match text.strip_prefix(">=") {
        Some(floor) => Expected::AtLeast(parse_level(floor)),
        None => Expected::Exactly(parse_level(text)),
    }
}

/// The class name of a `# == class N: … ==` header line.
fn class_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix("# == ")?.strip_suffix(" ==")?;
    inner.starts_with("class ").then(|| inner.to_owned())
}

fn load_cases(file: (&'static str, &str)) -> Vec<Case> {
    load((file.0, file.1), false)
}

/// Loads a table; `with_data`: it has a DATA column (the data directory) before INPUT.
fn load((file, text): (&'static str, &str), with_data: bool) -> Vec<Case> {
    let mut class = None;
    let mut cases = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if let Some(header) = class_header(l) {
            class = Some(header);
        }
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut fields = l.splitn(if with_data { 5 } else { 4 }, '\t');
        let mut next = || {
            fields
                .next()
                .unwrap_or_else(|| panic!("{file}:{}: missing field", i + 1))
        };
        let expected = parse_expected(next());
        let tool = next().to_owned();
        let cwd = Some(next()).filter(|c| *c != "-").map(str::to_owned);
        let data = with_data.then(|| next().to_owned());
        let input = next().replace('␤', "\n");
        cases.push(Case {
            file,
            line: i + 1,
            class: class.clone(),
            expected,
            tool,
            cwd,
            data,
            input,
        });
    }
    cases
}

fn run(case: &Case) -> Verdict {
    let input: Value = if case.tool == "Bash" {
        json!({ "command": case.input })
    } else {
        serde_json::from_str(&case.input)
            .unwrap_or_else(|e| panic!("{}:{}: bad JSON: {e}", case.file, case.line))
    };
    classify(
        &case.tool,
        &input,
        &context(case.cwd.as_deref(), case.data.as_deref()),
    )
}

/// Every case whose verdict its expectation does not accept, one line each.
fn failures(cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| {
            let verdict = run(case);
            (!case.expected.accepts(verdict.level)).then(|| describe_failure(case, &verdict))
        })
        .collect()
}

fn describe_failure(case: &Case, verdict: &Verdict) -> String {
    format!(
        "{}:{}: {} {:?}{}{}: expected {}, got {} ({}: {})",
        case.file,
        case.line,
        case.tool,
        case.input,
        case.cwd
            .as_deref()
            .map(|c| format!(" in {c}"))
            .unwrap_or_default(),
        case.data
            .as_deref()
            .map(|d| format!(" with data dir {d}"))
            .unwrap_or_default(),
        case.expected,
        verdict.level,
        verdict.rule,
        verdict.reason
    )
}

#[test]
fn table_has_at_least_400_cases() {
    let cases = load_cases(CASES);
    assert!(cases.len() >= 400, "only {} cases", cases.len());
}

#[test]
fn every_case_gets_its_expected_level() {
    let failures = failures(&load_cases(CASES));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_dangerous_case_comes_out_low() {
    let offenders: Vec<String> = load_cases(CASES)
        .into_iter()
        .filter(|case| case.expected.floor() >= RiskLevel::Medium)
        .filter_map(|case| {
            let verdict = run(&case);
            (verdict.level == RiskLevel::Low).then(|| {
                format!(
                    "{}:{}: {} {:?} ({})",
                    case.file, case.line, case.tool, case.input, verdict.rule
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
        &context(None, None),
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
        classify("Bash", &input, &context(None, None)).level,
        RiskLevel::Low
    );
    assert_eq!(
        classify("Bash", &input, &context(Some("/home/u"), None)).level,
        RiskLevel::High
    );
}

/// The least number of cases each class of the sound table must hold.
fn minimum_cases(class: &str) -> usize {
    if class.starts_with("class 0:") {
        60
    } else {
        30
    }
}

#[test]
fn sound_table_has_every_class_with_enough_cases_in_both_directions() {
    let cases = load_cases(SOUND_CASES);
    let mut problems = Vec::new();
    assert!(
        cases.iter().all(|c| c.class.is_some()),
        "every case of the sound table sits under a class header"
    );
    for n in 0..=8 {
        let prefix = format!("class {n}:");
        let in_class: Vec<&Case> = cases
            .iter()
            .filter(|c| c.class.as_deref().is_some_and(|k| k.starts_with(&prefix)))
            .collect();
        let Some(name) = in_class.first().and_then(|c| c.class.clone()) else {
            problems.push(format!("{prefix} has no cases"));
            continue;
        };
        if in_class.len() < minimum_cases(&name) {
            problems.push(format!("{name}: only {} cases", in_class.len()));
        }
        let low = in_class
            .iter()
            .filter(|c| c.expected == Expected::Exactly(RiskLevel::Low))
            .count();
        let dangerous = in_class
            .iter()
            .filter(|c| c.expected.floor() >= RiskLevel::Medium)
            .count();
        if n > 0 && (low == 0 || dangerous == 0) {
            problems.push(format!(
                "{name}: needs both directions ({low} LOW, {dangerous} dangerous)"
            ));
        }
        if n == 0 && dangerous > 0 {
            problems.push(format!("{name}: everyday work must all be LOW"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The lead's progress report: per class, how many cases and how many pass (printed), then
/// every failing line. Fails while any case of the sound table fails.
#[test]
fn every_sound_case_gets_its_expected_level() {
    let cases = load_cases(SOUND_CASES);
    // Classes in file order, each with (cases, passing, dangerous cases judged LOW).
    let mut classes: Vec<(String, usize, usize, usize)> = Vec::new();
    let mut failing = Vec::new();
    for case in &cases {
        let class = case
            .class
            .clone()
            .unwrap_or_else(|| "(no class)".to_owned());
        let verdict = run(case);
        let pass = case.expected.accepts(verdict.level);
        let let_through =
            case.expected.floor() >= RiskLevel::Medium && verdict.level == RiskLevel::Low;
        if !pass {
            failing.push(describe_failure(case, &verdict));
        }
        match classes.iter_mut().find(|(name, ..)| *name == class) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += usize::from(pass);
                entry.3 += usize::from(let_through);
            }
            None => classes.push((class, 1, usize::from(pass), usize::from(let_through))),
        }
    }
    let mut summary =
        String::from("sound table, per class: cases, passing (dangerous judged LOW)\n");
    for (name, total, passing, let_through) in &classes {
        summary.push_str(&format!(
            "  {passing:>4}/{total:<4} ({let_through} let through)  {name}\n"
        ));
    }
    let passing: usize = classes.iter().map(|c| c.2).sum();
    summary.push_str(&format!("  {passing:>4}/{:<4} in all\n", cases.len()));
    println!("{summary}");
    assert!(
        failing.is_empty(),
        "{summary}\n{} failing cases:\n{}",
        failing.len(),
        failing.join("\n")
    );
}

/// The data directory is pcc-hooks' own wherever it is: every case of its table, in both
/// directions (a LOW that touches it is a forged approval or a hung hook away).
#[test]
fn the_data_dir_is_protected_wherever_it_is() {
    let cases = load(DATA_DIR_CASES, true);
    let low = cases
        .iter()
        .filter(|c| c.expected == Expected::Exactly(RiskLevel::Low))
        .count();
    assert!(
        cases.len() >= 80 && low >= 10 && cases.iter().all(|c| c.data.is_some()),
        "{} cases, {low} LOW",
        cases.len()
    );
    let failures = failures(&cases);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
