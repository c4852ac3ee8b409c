//! Hostile or broken input never crashes the policy and is never judged LOW.

use std::path::PathBuf;

use pcc_policy::{PolicyContext, RiskLevel, classify};
use serde_json::{Value, json};

fn context() -> PolicyContext {
    PolicyContext {
        cwd: PathBuf::from("/p"),
        project_root: PathBuf::from("/p"),
        home: PathBuf::from("/h"),
        data_dirs: vec![PathBuf::from("/h/.local/share/pcc-hooks")],
    }
}

fn bash(command: &str) -> RiskLevel {
    classify("Bash", &json!({ "command": command }), &context()).level
}

#[test]
fn a_one_megabyte_command_is_not_low() {
    let command = "echo hello ".repeat(100_000);
    assert!(command.len() > 1_000_000);
    assert_ne!(bash(&command), RiskLevel::Low);
}

#[test]
fn ten_thousand_nested_substitutions_are_refused_without_overflow() {
    let command = format!("{}echo hi{}", "$(".repeat(10_000), ")".repeat(10_000));
    assert_ne!(bash(&command), RiskLevel::Low);
    let unbalanced = "$(".repeat(10_000);
    assert_ne!(bash(&unbalanced), RiskLevel::Low);
}

#[test]
fn deep_nesting_of_every_bracket_kind_is_refused() {
    for (open, close) in [
        ("(", ")"),
        ("{ ", "; }"),
        ("`", "`"),
        ("<(", ")"),
        ("bash -c '", "'"),
    ] {
        let command = format!("{}ls{}", open.repeat(5_000), close.repeat(5_000));
        assert_ne!(bash(&command), RiskLevel::Low, "{open}");
    }
    let backticks = format!("echo {}`ls`", "\\".repeat(200));
    let _ = bash(&backticks);
}

#[test]
fn re_parsing_past_the_depth_bound_is_not_low() {
    // Each wrapper or `eval` is one more level of judging; past the bound we refuse.
    for wrapper in ["env ", "eval ", "nice ", "command ", "sudo "] {
        let command = format!("{}ls", wrapper.repeat(40));
        assert_ne!(bash(&command), RiskLevel::Low, "{wrapper}");
    }
    let mut nested = "ls".to_owned();
    for _ in 0..8 {
        nested = format!("bash -c {}", shell_quote(&nested));
    }
    assert_eq!(bash(&nested), RiskLevel::Low, "{nested}");
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn invalid_escapes_and_control_bytes_never_crash() {
    for command in [
        "echo $'\\xZZ\\u{110000}\\777'",
        "echo \u{fffd}\u{0}\u{1b}[31m",
        "rm -rf $'\\x2f'",
        "echo \\",
        "echo 'unterminated",
        "echo $((",
        "echo ${",
        "cat <<",
        ")))",
        "&&",
        "|",
    ] {
        let _ = bash(command);
    }
    assert_ne!(bash("echo 'unterminated"), RiskLevel::Low);
    assert_eq!(bash("rm -rf $'\\x2f'"), RiskLevel::Critical);
}

#[test]
fn lossily_decoded_invalid_utf8_is_judged() {
    let bytes = b"rm -rf /\xff\xfe; ls \xc3\x28";
    let command = String::from_utf8_lossy(bytes);
    assert_ne!(bash(&command), RiskLevel::Low);
}

#[test]
fn missing_or_malformed_tool_input_is_not_low() {
    for (tool, input) in [
        ("Bash", Value::Null),
        ("Bash", json!({})),
        ("Bash", json!({ "command": ["rm"] })),
        ("Write", Value::Null),
        ("Edit", json!({ "file_path": 7 })),
        ("Read", json!("x")),
        ("NotebookEdit", json!({})),
    ] {
        let verdict = classify(tool, &input, &context());
        assert_ne!(verdict.level, RiskLevel::Low, "{tool} {input}");
        assert_eq!(verdict.rule, "input.invalid", "{tool} {input}");
    }
}
