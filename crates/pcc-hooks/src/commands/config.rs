//! `pcc-hooks config show` and `pcc-hooks config brain KIND`.
//!
//! `config brain` edits `config.toml` in place with `toml_edit`, so the user's comments, order
//! and other settings survive; the result is parsed again before it is written, so a change that
//! would not load is never saved.

use crate::cli::{ConfigBrainArgs, ConfigShowArgs};
use crate::config_files;
use crate::error::HookError;
use crate::term::emit;
use pcc_core::config::Config;
use pcc_core::paths::DataDir;

/// Prints the configuration in force for the current directory's project.
pub fn show(args: &ConfigShowArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let project = std::env::current_dir()
        .map_err(|error| HookError::new(format!("cannot read the current directory: {error}")))?;
    let config = config_files::load(&data, &project)?;
    let files = serde_json::json!({
        "global": config_files::global_path(&data),
        "project": config_files::project_path(&project),
    });
    let view = file_view(&config);
    if args.json {
        let document = serde_json::json!({
            "files": files,
            "config": view,
            "ignored_project_keys": config.ignored_project_keys,
        });
        let text = serde_json::to_string_pretty(&document)
            .map_err(|error| HookError::new(format!("cannot encode: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let as_toml = toml::to_string_pretty(&view)
        .map_err(|error| HookError::new(format!("cannot show the configuration: {error}")))?;
    let ignored = if config.ignored_project_keys.is_empty() {
        String::new()
    } else {
        format!(
            "# ignored in the project file (it may only add deny and ask rules): {}\n",
            config.ignored_project_keys.join(", ")
        )
    };
    emit(&format!(
        "# global:  {}\n# project: {}\n{ignored}{as_toml}",
        config_files::global_path(&data).display(),
        config_files::project_path(&project).display()
    ))
}

/// The configuration in the layout of `config.toml`, so what `show` prints can be pasted back.
fn file_view(config: &Config) -> serde_json::Value {
    let mut view = serde_json::json!({
        "permissions": config.permissions,
        "learning": { "approvals_to_learn": config.approvals_to_learn },
        "limits": {
            "resume_grace_seconds": config.resume_grace_seconds,
            "continue_prompt": config.continue_prompt,
        },
        "questions": {
            "answer_stop_questions": config.answer_stop_questions,
            "max_automatic_answers": config.max_automatic_answers,
        },
        "brain": config.brain,
        "queue": { "max_task_attempts": config.queue_max_attempts },
        "notify": notify_view(config),
        "server": config.server,
    });
    if !config.pricing.is_empty() {
        view["pricing"] = serde_json::json!(config.pricing);
    }
    if let Some(mode) = config.mode {
        view["mode"] = serde_json::json!(mode);
    }
    without_nulls(view)
}

/// `[notify]` without its secrets: Slack and Discord put the secret in the webhook's path, and
/// header values are tokens, so a webhook shows as its scheme and host and each header value as
/// `[REDACTED]` — enough to see what is configured, safe to paste into an issue.
fn notify_view(config: &Config) -> serde_json::Value {
    let notify = &config.notify;
    let webhooks: Vec<serde_json::Value> = notify
        .webhooks
        .iter()
        .map(|webhook| {
            let scheme = webhook.url.split("://").next().unwrap_or("https");
            serde_json::json!({
                "url": format!("{scheme}://{}/[REDACTED]", webhook.host()),
                "format": webhook.format.as_str(),
                "headers": webhook
                    .headers
                    .keys()
                    .map(|name| (name.clone(), serde_json::json!("[REDACTED]")))
                    .collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    serde_json::json!({
        "desktop": notify.desktop,
        "bell": notify.bell,
        "min_interval_seconds": notify.min_interval_seconds,
        "max_per_interval": notify.max_per_interval,
        "timeout_ms": notify.timeout_ms,
        "webhooks": webhooks,
    })
}

/// TOML has no null: an unset optional setting is simply absent.
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Sets the `[brain]` section of the global config.
pub fn brain(args: &ConfigBrainArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let path = config_files::global_path(&data);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(HookError::new(format!("{}: {error}", path.display()))),
    };
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|error| {
        HookError::new(format!(
            "{}: not valid TOML ({error}); nothing was changed",
            path.display()
        ))
    })?;
    let brain = document
        .entry("brain")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| {
            HookError::new(format!(
                "{}: `brain` is not a table; nothing was changed",
                path.display()
            ))
        })?;
    brain["kind"] = toml_edit::value(args.kind.as_str());
    for (key, value) in [
        ("model", &args.model),
        ("base_url", &args.base_url),
        ("api_key_env", &args.api_key_env),
    ] {
        match value {
            Some(value) => brain[key] = toml_edit::value(value.as_str()),
            None => {
                brain.remove(key);
            }
        }
    }
    let updated = document.to_string();
    Config::from_files(Some((&path.display().to_string(), &updated)), None)
        .map_err(|error| HookError::new(format!("{error}; nothing was changed")))?;
    let tightened = pcc_store::private::write_file(&path, updated.as_bytes())
        .map_err(|error| HookError::new(format!("cannot write {}: {error}", path.display())))?;
    let mut report = String::new();
    for change in tightened {
        report.push_str(&format!("{change}\n"));
    }
    report.push_str(&format!(
        "brain set to {} in {}\n",
        args.kind,
        path.display()
    ));
    emit(&report)
}
