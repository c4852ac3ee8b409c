//! The perpetual queue's pure parts: reading tasks out of a requirements file, and what the Stop
//! hook tells Claude when it hands over the next task.
//!
//! The queue itself lives in SQLite; the rules for handing tasks over are:
//! - a task is handed at a `Stop` (blocked, with the task as the reason), and is done at the next
//!   `Stop` of that session;
//! - a task whose session ended or failed before that next `Stop` goes back to the queue, and is
//!   handed again at most [`crate::config::DEFAULT_QUEUE_MAX_ATTEMPTS`] times (configurable) in
//!   all; then it is escalated, so a queue never makes Claude loop on one task.

/// One task found in a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementItem {
    /// The task: the item's text, with its indented continuation lines.
    pub text: String,
    /// The 1-based line of its checkbox.
    pub line: usize,
}

/// Every unchecked `- [ ]` item of a Markdown requirements file, in order. `*` and `+` bullets
/// and numbered items (`1. [ ]`) count too; checked items (`[x]`) and anything inside fenced
/// code blocks are skipped. Lines indented under an item that are not items themselves belong to
/// it, so a requirement written over several lines stays one task.
pub fn unchecked_items(markdown: &str) -> Vec<RequirementItem> {
    let mut items: Vec<RequirementItem> = Vec::new();
    let mut in_fence = false;
    // The indentation of the open item's bullet, while continuation lines may still follow.
    let mut open_indent: Option<usize> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            open_indent = None;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some((checked, text)) = checkbox(trimmed) {
            open_indent = None;
            if !checked && !text.is_empty() {
                items.push(RequirementItem {
                    text: text.to_owned(),
                    line: index + 1,
                });
                open_indent = Some(indent);
            }
            continue;
        }
        match open_indent {
            Some(item_indent) if indent > item_indent && !trimmed.is_empty() => {
                if let Some(item) = items.last_mut() {
                    item.text.push('\n');
                    item.text.push_str(trimmed);
                }
            }
            Some(_) if trimmed.is_empty() => {}
            _ => open_indent = None,
        }
    }
    items
}

/// `(checked, text)` when `line` (already trimmed at the start) is a checkbox item.
fn checkbox(line: &str) -> Option<(bool, &str)> {
    let after_bullet = if let Some(rest) = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("+ "))
    {
        rest
    } else {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        line[digits..]
            .strip_prefix(". ")
            .or_else(|| line[digits..].strip_prefix(") "))?
    };
    let after_bullet = after_bullet.trim_start();
    let (checked, text) = if let Some(text) = after_bullet.strip_prefix("[ ]") {
        (false, text)
    } else if let Some(text) = after_bullet
        .strip_prefix("[x]")
        .or_else(|| after_bullet.strip_prefix("[X]"))
    {
        (true, text)
    } else {
        return None;
    };
    Some((checked, text.trim()))
}

/// A task being handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff<'a> {
    /// The task.
    pub text: &'a str,
    /// Which attempt this is (1 for the first).
    pub attempt: i64,
    /// The most attempts a task gets.
    pub max_attempts: i64,
    /// Tasks still queued after this one.
    pub queued_after: i64,
}

/// The reason the Stop hook blocks with: Claude Code shows it to the model as the user's next
/// message ("Stop hook feedback: …"), so it reads as an instruction.
pub fn handoff_reason(handoff: &Handoff<'_>) -> String {
    let attempt = if handoff.attempt > 1 {
        format!(
            " (attempt {} of {}: an earlier attempt was interrupted)",
            handoff.attempt, handoff.max_attempts
        )
    } else {
        String::new()
    };
    let after = match handoff.queued_after {
        0 => "It is the last queued task.".to_owned(),
        1 => "One more task is queued after it.".to_owned(),
        n => format!("{n} more tasks are queued after it."),
    };
    format!(
        "pcc-hooks queue — your next task{attempt}:\n\n{}\n\nWork on it now, as if the user had just \
         asked for it. When it is done, end your turn with a short summary of what you did. {after}",
        handoff.text.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchecked_items_are_tasks_and_checked_ones_are_not() {
        let text = "# Goals\n\n- [ ] Add a login page\n- [x] Set up CI\n* [ ] Write the README\n\
                    1. [ ] Numbered too\n- plain bullet\n- [X] done\n";
        let items = unchecked_items(text);
        let texts: Vec<&str> = items.iter().map(|item| item.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Add a login page", "Write the README", "Numbered too"]
        );
        assert_eq!(
            items.iter().map(|item| item.line).collect::<Vec<_>>(),
            [3, 5, 6]
        );
    }

    #[test]
    fn continuation_lines_stay_with_their_item_and_fences_are_skipped() {
        let text = "- [ ] Migrate the database\n  using the new schema\n\n  and keep a backup\n\
                    - [ ] Second\nNot indented: a paragraph\n```\n- [ ] inside a fence\n```\n  - [ ] nested\n";
        let items = unchecked_items(text);
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(
            items[0].text,
            "Migrate the database\nusing the new schema\nand keep a backup"
        );
        assert_eq!(items[1].text, "Second");
        assert_eq!(items[2].text, "nested");
    }

    #[test]
    fn empty_checkboxes_and_non_items_are_ignored() {
        assert!(unchecked_items("- [ ]\n-[ ] no space\n[ ] no bullet\n").is_empty());
    }

    #[test]
    fn the_handoff_says_what_to_do_and_what_is_left() {
        let first = handoff_reason(&Handoff {
            text: "Add tests",
            attempt: 1,
            max_attempts: 3,
            queued_after: 1,
        });
        assert!(first.contains("Add tests") && first.contains("One more task"));
        assert!(!first.contains("attempt"), "{first}");
        let retry = handoff_reason(&Handoff {
            text: "Add tests",
            attempt: 2,
            max_attempts: 3,
            queued_after: 0,
        });
        assert!(retry.contains("attempt 2 of 3") && retry.contains("last queued task"));
    }
}
