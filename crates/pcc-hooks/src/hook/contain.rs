//! Running a Bash call contained: whether the sandbox can be used for this call, and the
//! command line that runs the original command inside it (`pcc-hooks contain`), given to
//! Claude Code as the call's `updatedInput`.

use pcc_core::Mode;
use pcc_core::config::Config;
use pcc_policy::Containment;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `PCC_SANDBOX=off` switches containment off for one process.
pub const SANDBOX_ENV: &str = "PCC_SANDBOX";

/// The binary that runs contained commands, when containment can be offered for a Bash
/// call in `mode`: wanted by the config, not switched off, and bubblewrap present. A probe
/// that runs a real sandbox is `doctor`'s; if the sandbox fails at run time, the contained
/// command fails without running (`pcc-hooks contain` exits 126), never uncontained.
pub fn runner(config: &Config, mode: Mode, tool_name: &str) -> Option<PathBuf> {
    let off = std::env::var(SANDBOX_ENV).is_ok_and(|v| v.trim().eq_ignore_ascii_case("off"));
    if tool_name != "Bash" || !config.sandbox.wanted(mode, off) || !cfg!(target_os = "linux") {
        return None;
    }
    pcc_sandbox::find_bwrap()?;
    std::env::current_exe().ok()
}

/// The Bash input with its command replaced by the same command run contained; every other
/// field (`description`, `timeout`, `run_in_background`) is kept. `None` when the input has
/// no command string.
pub fn wrapped_input(
    input: &Value,
    runner: &Path,
    project_root: &str,
    containment: Containment,
) -> Option<Value> {
    let command = input.get("command")?.as_str()?;
    let mut wrapped = format!(
        "{} contain --project {}",
        quote(&runner.to_string_lossy()),
        quote(project_root)
    );
    if containment == Containment::Online {
        wrapped.push_str(" --network");
    }
    wrapped.push_str(" -- ");
    wrapped.push_str(&quote(command));
    let mut updated = input.clone();
    updated["command"] = Value::String(wrapped);
    Some(updated)
}

/// One shell word: single quotes, with each `'` written as `'\''`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wrapped_command_is_one_word_per_argument_whatever_the_quotes() {
        let input =
            json!({"command": "echo 'it''s' \"$HOME\"; rm x", "description": "d", "timeout": 5});
        let wrapped = wrapped_input(
            &input,
            Path::new("/opt/pcc hooks/pcc-hooks"),
            "/p/it's",
            Containment::Offline,
        )
        .expect("a command");
        assert_eq!(wrapped["description"], "d");
        assert_eq!(wrapped["timeout"], 5);
        let command = wrapped["command"].as_str().expect("string");
        let words = std::process::Command::new("bash")
            .args(["-c", &format!("printf '%s\\n' {command}")])
            .output()
            .expect("bash runs");
        let printed = String::from_utf8_lossy(&words.stdout);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(
            lines,
            vec![
                "/opt/pcc hooks/pcc-hooks",
                "contain",
                "--project",
                "/p/it's",
                "--",
                "echo 'it''s' \"$HOME\"; rm x",
            ]
        );
    }

    #[test]
    fn online_containment_asks_for_the_network() {
        let wrapped = wrapped_input(
            &json!({"command": "npm ci"}),
            Path::new("/bin/pcc-hooks"),
            "/p",
            Containment::Online,
        )
        .expect("a command");
        assert!(
            wrapped["command"]
                .as_str()
                .is_some_and(|c| c.contains(" --network -- "))
        );
        assert!(wrapped_input(&json!({}), Path::new("/x"), "/p", Containment::Offline).is_none());
    }
}
