//! Our entries in Claude Code's `settings.json` (`docs/claude-code-contract.md` §3): adding them idempotently, removing
//! them, and finding them again.
//!
//! A user's settings file holds much more than hooks, often edited by hand. Every function here
//! changes only handlers that run `pcc-hooks hook` and refuses, rather than repairs, a file whose
//! shape it does not understand, so nothing of the user's is ever lost.

use serde_json::{Map, Value, json};
use std::path::Path;

/// Every event we register for. Each is recorded; later features answer some of them.
pub const HOOK_EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "SessionEnd",
];

/// Seconds Claude Code waits for our hook before it goes on without an answer.
pub const HOOK_TIMEOUT_SECONDS: u64 = 30;

/// The events whose handler carries `"onFailure": "block"`: the ones that guard a tool call.
/// If our hook cannot start (a missing binary), crashes, times out or prints something that is
/// not an answer, Claude Code then blocks the call instead of running it unjudged. Claude Code
/// ignores the field on `Stop`-like events, and CLIs that predate it ignore it (2.1.197 checked).
pub const BLOCK_ON_FAILURE_EVENTS: &[&str] = &["PreToolUse", "PermissionRequest"];

/// The first Claude Code release whose command hooks know `onFailure` (2.1.294's hook schema has
/// no such field, 2.1.295's does; the behaviour is checked end to end against 2.1.329). Older
/// releases accept the field and ignore it.
pub const ON_FAILURE_SINCE: (u32, u32, u32) = (2, 1, 295);

/// The handler we register: a program run in exec form (`command` + `args`, no shell), which
/// saves a shell start on every tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookHandler {
    /// Absolute path of the `pcc-hooks` binary (or a launcher).
    pub command: String,
}

impl HookHandler {
    fn to_json(&self, event: &str) -> Value {
        let mut handler = json!({
            "type": "command",
            "command": self.command,
            "args": ["hook"],
            "timeout": HOOK_TIMEOUT_SECONDS,
        });
        if BLOCK_ON_FAILURE_EVENTS.contains(&event) {
            handler["onFailure"] = json!("block");
        }
        handler
    }
}

/// Whether the Claude Code that printed `version_output` (`claude --version`, e.g.
/// `2.1.329 (Claude Code)`) honours `onFailure`; `None` when the text holds no version.
pub fn honours_on_failure(version_output: &str) -> Option<bool> {
    let word = version_output.split_whitespace().next()?;
    let mut parts = word.split('.').map(|part| part.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    Some(version >= ON_FAILURE_SINCE)
}

/// A settings file whose shape we do not understand; we refuse to touch it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsShapeError {
    /// The top level is not an object.
    #[error("the settings file is not a JSON object")]
    NotAnObject,
    /// `hooks` is not an object of event names.
    #[error("`hooks` is not a JSON object")]
    HooksNotAnObject,
    /// `hooks.<event>` is not a list of matcher groups.
    #[error("`hooks.{0}` is not a JSON array")]
    EventNotAnArray(String),
}

/// What a change did, event by event, so `install` can report it and `--dry-run` can show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// Events that had no handler of ours and now have one.
    pub added: Vec<String>,
    /// Events whose handler of ours pointed elsewhere or had other options.
    pub updated: Vec<String>,
    /// Events whose handler of ours was removed.
    pub removed: Vec<String>,
}

impl SettingsChange {
    /// True when the file would not change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

/// True when `handler` runs `pcc-hooks hook`, in exec form or as a shell command line.
pub fn is_our_handler(handler: &Value) -> bool {
    let Some(command) = handler.get("command").and_then(Value::as_str) else {
        return false;
    };
    let (program, rest) = split_program(command);
    let is_pcc_hooks = Path::new(program)
        .file_name()
        .is_some_and(|name| name == "pcc-hooks");
    let first_arg = handler
        .get("args")
        .and_then(Value::as_array)
        .and_then(|args| args.first())
        .and_then(Value::as_str)
        .or_else(|| rest.split_whitespace().next());
    is_pcc_hooks && first_arg == Some("hook")
}

/// Registers `handler` for every event in [`HOOK_EVENTS`]. Running it twice changes nothing the
/// second time; a handler of ours pointing at an older binary is updated in place.
pub fn add_hooks(
    settings: &mut Value,
    handler: &HookHandler,
) -> Result<SettingsChange, SettingsShapeError> {
    let hooks = hooks_object(settings)?;
    let mut change = SettingsChange::default();
    for &event in HOOK_EVENTS {
        let wanted = handler.to_json(event);
        let groups = event_groups(hooks, event)?;
        let mut found = false;
        let mut differs = false;
        for group in groups.iter_mut() {
            let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
                continue;
            };
            handlers.retain_mut(|existing| {
                if !is_our_handler(existing) {
                    return true;
                }
                if found {
                    differs = true;
                    return false;
                }
                found = true;
                if *existing != wanted {
                    *existing = wanted.clone();
                    differs = true;
                }
                true
            });
        }
        groups.retain(|group| !is_empty_group(group));
        if !found {
            groups.push(json!({ "hooks": [wanted.clone()] }));
            change.added.push(event.to_owned());
        } else if differs {
            change.updated.push(event.to_owned());
        }
    }
    Ok(change)
}

/// Removes every handler of ours, and the groups and keys that only existed for it.
pub fn remove_hooks(settings: &mut Value) -> Result<SettingsChange, SettingsShapeError> {
    let mut change = SettingsChange::default();
    let Some(object) = settings.as_object_mut() else {
        return Err(SettingsShapeError::NotAnObject);
    };
    let Some(hooks_value) = object.get_mut("hooks") else {
        return Ok(change);
    };
    let Some(hooks) = hooks_value.as_object_mut() else {
        return Err(SettingsShapeError::HooksNotAnObject);
    };
    let events: Vec<String> = hooks.keys().cloned().collect();
    for event in events {
        let groups = event_groups(hooks, &event)?;
        let before = count_ours(groups);
        for group in groups.iter_mut() {
            if let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                handlers.retain(|handler| !is_our_handler(handler));
            }
        }
        if before > 0 {
            groups.retain(|group| !is_empty_group(group));
            change.removed.push(event.clone());
            if groups.is_empty() {
                hooks.remove(&event);
            }
        }
    }
    if hooks.is_empty() {
        object.remove("hooks");
    }
    Ok(change)
}

/// The events for which `settings` runs `pcc-hooks hook`, and the commands it runs.
pub fn registered_events(settings: &Value) -> Vec<(String, String)> {
    let Some(hooks) = settings.get("hooks").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (event, groups) in hooks {
        for group in groups.as_array().into_iter().flatten() {
            for handler in group
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if is_our_handler(handler) {
                    let command = handler.get("command").and_then(Value::as_str).unwrap_or("");
                    found.push((event.clone(), command.to_owned()));
                }
            }
        }
    }
    found
}

/// Whether `enabledPlugins` switches on a plugin named `pcc-hooks` from any marketplace.
pub fn plugin_enabled(settings: &Value) -> bool {
    settings
        .get("enabledPlugins")
        .and_then(Value::as_object)
        .is_some_and(|plugins| {
            plugins.iter().any(|(id, on)| {
                id.split('@').next() == Some("pcc-hooks") && on.as_bool() == Some(true)
            })
        })
}

/// Splits a shell command line into its program (a leading quoted word may hold spaces) and the rest.
fn split_program(command: &str) -> (&str, &str) {
    let command = command.trim_start();
    for quote in ['"', '\''] {
        if let Some(inner) = command.strip_prefix(quote) {
            return match inner.find(quote) {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                None => (inner, ""),
            };
        }
    }
    command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""))
}

fn hooks_object(settings: &mut Value) -> Result<&mut Map<String, Value>, SettingsShapeError> {
    let object = settings
        .as_object_mut()
        .ok_or(SettingsShapeError::NotAnObject)?;
    object
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or(SettingsShapeError::HooksNotAnObject)
}

fn event_groups<'a>(
    hooks: &'a mut Map<String, Value>,
    event: &str,
) -> Result<&'a mut Vec<Value>, SettingsShapeError> {
    hooks
        .entry(event)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| SettingsShapeError::EventNotAnArray(event.to_owned()))
}

fn count_ours(groups: &[Value]) -> usize {
    groups
        .iter()
        .filter_map(|group| group.get("hooks").and_then(Value::as_array))
        .flatten()
        .filter(|handler| is_our_handler(handler))
        .count()
}

fn is_empty_group(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(path: &str) -> HookHandler {
        HookHandler {
            command: path.to_owned(),
        }
    }

    #[test]
    fn install_adds_every_event_and_keeps_other_keys() {
        let mut settings = json!({"model": "opus", "hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "dippy"}]}]}});
        let change = add_hooks(&mut settings, &handler("/bin/pcc-hooks")).expect("shape ok");
        assert_eq!(change.added.len(), HOOK_EVENTS.len());
        assert_eq!(settings["model"], "opus");
        let pre = settings["hooks"]["PreToolUse"].as_array().expect("array");
        assert_eq!(pre.len(), 2, "user's group kept, ours appended: {pre:?}");
        assert_eq!(pre[0]["hooks"][0]["command"], "dippy");
        assert_eq!(registered_events(&settings).len(), HOOK_EVENTS.len());
    }

    #[test]
    fn install_is_idempotent_and_updates_moved_binaries() {
        let mut settings = json!({});
        add_hooks(&mut settings, &handler("/old/pcc-hooks")).expect("shape ok");
        let once = settings.clone();
        let again = add_hooks(&mut settings, &handler("/old/pcc-hooks")).expect("shape ok");
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(settings, once);
        let moved = add_hooks(&mut settings, &handler("/new/pcc-hooks")).expect("shape ok");
        assert_eq!(moved.updated.len(), HOOK_EVENTS.len());
        assert!(
            registered_events(&settings)
                .iter()
                .all(|(_, cmd)| cmd == "/new/pcc-hooks")
        );
    }

    #[test]
    fn the_permission_events_block_when_our_hook_fails() {
        let mut settings = json!({});
        add_hooks(&mut settings, &handler("/bin/pcc-hooks")).expect("shape ok");
        for &event in HOOK_EVENTS {
            let ours = &settings["hooks"][event][0]["hooks"][0];
            let expected = if BLOCK_ON_FAILURE_EVENTS.contains(&event) {
                json!("block")
            } else {
                Value::Null
            };
            assert_eq!(ours["onFailure"], expected, "{event}");
        }
        // An older install of ours (no onFailure) is updated in place.
        let mut old = json!({"hooks": {"PreToolUse": [{"hooks": [
            {"type": "command", "command": "/bin/pcc-hooks", "args": ["hook"], "timeout": 30}]}]}});
        let change = add_hooks(&mut old, &handler("/bin/pcc-hooks")).expect("shape ok");
        assert!(
            change.updated.contains(&"PreToolUse".to_owned()),
            "{change:?}"
        );
        assert_eq!(
            old["hooks"]["PreToolUse"][0]["hooks"][0]["onFailure"],
            "block"
        );
    }

    #[test]
    fn versions_that_honour_on_failure() {
        assert_eq!(honours_on_failure("2.1.329 (Claude Code)"), Some(true));
        assert_eq!(honours_on_failure("2.1.295 (Claude Code)"), Some(true));
        assert_eq!(honours_on_failure("2.1.294 (Claude Code)"), Some(false));
        assert_eq!(honours_on_failure("2.2.0 (Claude Code)"), Some(true));
        assert_eq!(honours_on_failure("2.1.197 (Claude Code)"), Some(false));
        assert_eq!(honours_on_failure("1.0.128"), Some(false));
        assert_eq!(honours_on_failure("claude"), None);
        assert_eq!(honours_on_failure(""), None);
    }

    #[test]
    fn duplicates_of_ours_collapse_to_one() {
        let ours = json!({"type": "command", "command": "pcc-hooks hook"});
        let mut settings =
            json!({"hooks": {"Stop": [{"hooks": [ours.clone()]}, {"hooks": [ours]}]}});
        add_hooks(&mut settings, &handler("/bin/pcc-hooks")).expect("shape ok");
        let stop: Vec<_> = registered_events(&settings)
            .into_iter()
            .filter(|(e, _)| e == "Stop")
            .collect();
        assert_eq!(stop.len(), 1, "{settings}");
    }

    #[test]
    fn uninstall_removes_only_ours() {
        let mut settings = json!({"hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "dippy"}]}]}});
        add_hooks(&mut settings, &handler("/bin/pcc-hooks")).expect("shape ok");
        let change = remove_hooks(&mut settings).expect("shape ok");
        assert_eq!(change.removed.len(), HOOK_EVENTS.len());
        assert_eq!(
            settings,
            json!({"hooks": {"PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "dippy"}]}]}})
        );
        let mut only_ours = json!({"env": {}});
        add_hooks(&mut only_ours, &handler("/bin/pcc-hooks")).expect("shape ok");
        remove_hooks(&mut only_ours).expect("shape ok");
        assert_eq!(only_ours, json!({"env": {}}));
    }

    #[test]
    fn strange_shapes_are_refused() {
        assert_eq!(
            add_hooks(&mut json!([]), &handler("p")),
            Err(SettingsShapeError::NotAnObject)
        );
        assert_eq!(
            add_hooks(&mut json!({"hooks": 3}), &handler("p")),
            Err(SettingsShapeError::HooksNotAnObject)
        );
        assert_eq!(
            add_hooks(&mut json!({"hooks": {"Stop": {}}}), &handler("p")),
            Err(SettingsShapeError::EventNotAnArray("Stop".into()))
        );
    }

    #[test]
    fn recognises_our_handlers_only() {
        assert!(is_our_handler(
            &json!({"command": "/a/b/pcc-hooks", "args": ["hook"]})
        ));
        assert!(is_our_handler(&json!({"command": "pcc-hooks hook"})));
        assert!(is_our_handler(&json!({"command": "'/x y/pcc-hooks' hook"})));
        assert!(is_our_handler(
            &json!({"command": "\"/x y/pcc-hooks\" hook --v"})
        ));
        assert!(!is_our_handler(&json!({"command": "pcc-hooks status"})));
        assert!(!is_our_handler(
            &json!({"command": "/bin/pcc-hooks-other", "args": ["hook"]})
        ));
    }

    #[test]
    fn plugin_detection() {
        assert!(plugin_enabled(
            &json!({"enabledPlugins": {"pcc-hooks@local": true}})
        ));
        assert!(!plugin_enabled(
            &json!({"enabledPlugins": {"pcc-hooks@local": false}})
        ));
        assert!(!plugin_enabled(&json!({})));
    }
}
