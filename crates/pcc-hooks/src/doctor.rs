//! `pcc-hooks doctor`: is everything in place for Claude Code to run our hooks?
//!
//! Each check prints one line, `ok`, `warn` or `problem`, and every problem says how to fix it.
//! The exit code is 2 when any problem was found, so scripts can gate on it.

use crate::claude_config::{all_settings_paths, display_path, read_settings};
use crate::cli::{ColorChoice, DoctorArgs};
use crate::config_files;
use crate::failure::Failure;
use crate::programs::{claude_version, find_on_path, is_executable};
use crate::term::{Palette, emit};
use pcc_core::claude_settings::{
    HOOK_EVENTS, ON_FAILURE_SINCE, honours_on_failure, plugin_enabled, registered_events,
};
use pcc_core::paths::DataDir;
use pcc_store::{SCHEMA_VERSION, Store};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Ok,
    Warn,
    Problem,
}

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    severity: Severity,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: String) -> Check {
        Check {
            name,
            severity: Severity::Ok,
            detail,
            fix: None,
        }
    }

    fn warn(name: &'static str, detail: String, fix: &str) -> Check {
        Check {
            name,
            severity: Severity::Warn,
            detail,
            fix: Some(fix.to_owned()),
        }
    }

    fn problem(name: &'static str, detail: String, fix: &str) -> Check {
        Check {
            name,
            severity: Severity::Problem,
            detail,
            fix: Some(fix.to_owned()),
        }
    }
}

/// Runs every check and prints the report.
pub fn run(args: &DoctorArgs, color: ColorChoice) -> Result<(), Failure> {
    let project = std::env::current_dir()
        .map_err(|error| Failure::new(format!("cannot read the current directory: {error}")))?;
    let mut checks = check_claude();
    checks.extend(check_config(&project));
    checks.extend(check_hooks(&project));
    checks.extend(check_database());
    checks.push(check_containment());
    checks.extend(check_notify(&project));
    if args.json {
        let text = serde_json::to_string_pretty(&serde_json::json!({ "checks": checks }))
            .map_err(|error| Failure::new(format!("cannot encode report: {error}")))?;
        emit(&format!("{text}\n"))?;
    } else {
        emit(&render_report(&checks, Palette::for_stdout(color)))?;
    }
    let problems = checks
        .iter()
        .filter(|check| check.severity == Severity::Problem)
        .count();
    match problems {
        0 => Ok(()),
        n => Err(Failure::problems_found(format!("{n} problem(s) found"))),
    }
}

fn render_report(checks: &[Check], palette: Palette) -> String {
    let mut out = String::new();
    for check in checks {
        let label = match check.severity {
            Severity::Ok => palette.green("ok     "),
            Severity::Warn => palette.yellow("warn   "),
            Severity::Problem => palette.red("problem"),
        };
        let _ = writeln!(out, "{label}  {:<9} {}", check.name, check.detail);
        if let Some(fix) = &check.fix {
            let _ = writeln!(out, "{}", palette.dim(&format!("{:18} fix: {fix}", "")));
        }
    }
    out
}

fn check_claude() -> Vec<Check> {
    let Some(path) = find_on_path("claude") else {
        return vec![Check::problem(
            "claude",
            "not found on PATH".into(),
            "install Claude Code: npm install -g @anthropic-ai/claude-code",
        )];
    };
    match claude_version(&path) {
        Ok(version) => {
            let mut checks = vec![Check::ok(
                "claude",
                format!("{} ({version})", display_path(&path)),
            )];
            if honours_on_failure(&version) == Some(false) {
                let (major, minor, patch) = ON_FAILURE_SINCE;
                checks.push(Check::warn(
                    "claude",
                    format!(
                        "{version} ignores the hooks' \"onFailure\": \"block\": if pcc-hooks is \
                         missing or crashes, tool calls are not blocked"
                    ),
                    &format!("upgrade Claude Code to {major}.{minor}.{patch} or later"),
                ));
            }
            checks
        }
        Err(error) => vec![Check::problem(
            "claude",
            format!("{} does not run: {error}", display_path(&path)),
            "reinstall Claude Code: npm install -g @anthropic-ai/claude-code",
        )],
    }
}

/// The global config and this project's: a file hook calls cannot use is a problem (they run
/// without it, by the built-in policy, until it is fixed).
fn check_config(project: &Path) -> Vec<Check> {
    let Ok(data) = DataDir::from_env() else {
        // The database check reports the missing data directory.
        return Vec::new();
    };
    let loaded = config_files::load_in_force(&data, project);
    if loaded.problems.is_empty() {
        return vec![Check::ok(
            "config",
            format!(
                "{} and {} load (or are absent)",
                display_path(&config_files::global_path(&data)),
                display_path(&config_files::project_path(project))
            ),
        )];
    }
    loaded
        .problems
        .iter()
        .map(|problem| {
            Check::problem(
                "config",
                format!("{problem}; {}", problem.effect()),
                "fix the file (`pcc-hooks config show` checks it); until then only LOW calls are allowed",
            )
        })
        .collect()
}

fn check_hooks(project: &Path) -> Vec<Check> {
    let mut registered: BTreeSet<String> = BTreeSet::new();
    let mut commands: BTreeSet<String> = BTreeSet::new();
    let mut places = Vec::new();
    let mut checks = Vec::new();
    let mut plugin = false;
    for (scope, path) in all_settings_paths(project) {
        match read_settings(&path) {
            Ok(Some(settings)) => {
                let found = registered_events(&settings);
                if !found.is_empty() {
                    places.push(format!("{scope} ({})", display_path(&path)));
                }
                for (event, command) in found {
                    registered.insert(event);
                    commands.insert(command);
                }
                plugin |= plugin_enabled(&settings);
            }
            Ok(None) => {}
            Err(error) => checks.push(Check::problem(
                "settings",
                error.to_string(),
                "Claude Code cannot read this file either; fix its JSON",
            )),
        }
    }
    let missing: Vec<&str> = HOOK_EVENTS
        .iter()
        .copied()
        .filter(|event| !registered.contains(*event))
        .collect();
    checks.push(if plugin {
        Check::ok("hooks", "the pcc-hooks plugin is enabled".into())
    } else if missing.is_empty() {
        Check::ok(
            "hooks",
            format!(
                "registered for all {} events in {}",
                HOOK_EVENTS.len(),
                places.join(", ")
            ),
        )
    } else if registered.is_empty() {
        Check::problem(
            "hooks",
            "not registered in any settings file and the plugin is not enabled".into(),
            "run `pcc-hooks install` (or install the plugin from this repository)",
        )
    } else {
        Check::problem(
            "hooks",
            format!("not registered for {}", missing.join(", ")),
            "run `pcc-hooks install` again",
        )
    });
    for command in commands {
        let program = Path::new(&command);
        let resolved = if program.is_absolute() {
            Some(program.to_path_buf())
        } else {
            find_on_path(&command)
        };
        if !resolved.as_deref().is_some_and(is_executable) {
            checks.push(Check::problem(
                "hooks",
                format!("the registered command {command} is not an executable file"),
                "reinstall pcc-hooks, then run `pcc-hooks install`",
            ));
        }
    }
    checks
}

fn check_database() -> Vec<Check> {
    let dir = match DataDir::from_env() {
        Ok(dir) => dir,
        Err(error) => {
            return vec![Check::problem(
                "database",
                error.to_string(),
                "set PCC_HOME or HOME",
            )];
        }
    };
    let path = dir.database();
    let shown = display_path(&path);
    let mut store = match Store::open_existing(&path) {
        Ok(Some(store)) => store,
        Ok(None) => {
            return vec![Check::problem(
                "database",
                format!("{shown} does not exist yet"),
                "run `pcc-hooks install` (the first hook call also creates it)",
            )];
        }
        Err(error) => {
            return vec![Check::problem(
                "database",
                error.to_string(),
                "move the file aside; a new one is created",
            )];
        }
    };
    let mut checks = Vec::new();
    match store.schema_version() {
        Ok(version) if version == SCHEMA_VERSION => {}
        Ok(version) if version < SCHEMA_VERSION => checks.push(Check::warn(
            "database",
            format!("{shown} is at schema {version}, this build writes {SCHEMA_VERSION}"),
            "it is migrated at the next hook call, or now by `pcc-hooks install`",
        )),
        Ok(version) => checks.push(Check::problem(
            "database",
            format!("{shown} is at schema {version}, newer than this build ({SCHEMA_VERSION})"),
            "upgrade pcc-hooks",
        )),
        Err(error) => checks.push(Check::problem(
            "database",
            error.to_string(),
            "move the file aside; a new one is created",
        )),
    }
    if let Err(error) = store.check_writable() {
        checks.push(Check::problem(
            "database",
            format!("not writable: {error}"),
            "check the file's owner and permissions",
        ));
    }
    let mode = std::fs::metadata(&path)
        .map(|metadata| metadata.permissions().mode() & 0o777)
        .unwrap_or(0);
    if mode & 0o077 != 0 {
        checks.push(Check::warn(
            "database",
            format!("{shown} has mode {mode:o}; others can read tool inputs"),
            &format!("chmod 600 {}", path.display()),
        ));
    }
    if let Ok((count, last)) = store.hook_error_summary()
        && count > 0
    {
        checks.push(Check::warn(
            "database",
            format!(
                "{count} hook call(s) failed; latest: {}",
                last.unwrap_or_default()
            ),
            &format!("see {}", display_path(&dir.logs().join("pcc-hooks.log"))),
        ));
    }
    if checks
        .iter()
        .all(|check| check.severity != Severity::Problem)
    {
        checks.insert(
            0,
            Check::ok(
                "database",
                format!("{shown} writable, schema {SCHEMA_VERSION}"),
            ),
        );
    }
    checks
}

/// A notification channel that is on but cannot work here: hook calls leave it out quietly
/// (`SendEnv::usable`), so this is where it is reported.
fn check_notify(project: &Path) -> Option<Check> {
    let data = DataDir::from_env().ok()?;
    let config = config_files::load_in_force(&data, project).config.notify;
    let (_, left_out) = pcc_notify::SendEnv::from_process().usable(&config);
    (!left_out.is_empty()).then(|| {
        Check::warn(
            "notify",
            format!("{}: skipped, never sent", left_out.join("; ")),
            "install notify-send (Debian/Ubuntu: apt-get install libnotify-bin), or set \
             desktop = false in [notify] and add a webhook",
        )
    })
}

/// Whether unattended Bash calls can run contained: a real sandbox is started, since bwrap being
/// installed says nothing about user namespaces being allowed. Not a problem when it fails:
/// contained calls then do not run (`contain` exits 126) and everything else works.
fn check_containment() -> Check {
    match pcc_sandbox::probe() {
        Ok(bwrap) => Check::ok(
            "contain",
            format!(
                "bubblewrap works ({}): Bash calls can run contained",
                display_path(&bwrap)
            ),
        ),
        Err(why) => Check::warn(
            "contain",
            format!("containment unavailable: {why}; contained Bash calls will not run"),
            match why {
                pcc_sandbox::Unavailable::Unsupported => "none on this system",
                pcc_sandbox::Unavailable::NotInstalled => {
                    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
                }
                pcc_sandbox::Unavailable::NotPermitted(_) | pcc_sandbox::Unavailable::Broken(_) => {
                    "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; \
                     on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor \
                     profile for bwrap)"
                }
            },
        ),
    }
}
