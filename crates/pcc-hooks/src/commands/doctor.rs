//! `pcc-hooks doctor`: is everything in place for Claude Code to run our hooks?
//!
//! Each check prints one line, `ok`, `warn` or `problem`, and every problem says how to fix it.
//! The exit code is 2 when any problem was found, so scripts can gate on it.

use crate::claude_config::{all_settings_paths, display_path, read_settings};
use crate::cli::{ColorChoice, DoctorArgs};
use crate::clock::now_ms;
use crate::config_files;
use crate::error::HookError;
use crate::programs::{claude_on_path, claude_version, find_on_path, is_executable};
use crate::term::{Palette, emit, rfc3339};
use pcc_core::config::claude_settings::{
    HOOK_EVENTS, ON_FAILURE_SINCE, honours_on_failure, plugin_enabled, registered_events,
};
use pcc_core::paths::DataDir;
use pcc_store::{SCHEMA_VERSION, Store};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
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
pub fn run(args: &DoctorArgs, color: ColorChoice) -> Result<(), HookError> {
    let project = std::env::current_dir()
        .map_err(|error| HookError::new(format!("cannot read the current directory: {error}")))?;
    let mut checks = check_claude();
    checks.extend(check_config(&project));
    checks.extend(check_hooks(&project));
    checks.extend(check_database());
    checks.push(check_containment());
    checks.extend(check_notify(&project));
    if args.json {
        let text = serde_json::to_string_pretty(&serde_json::json!({ "checks": checks }))
            .map_err(|error| HookError::new(format!("cannot encode report: {error}")))?;
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
        n => Err(HookError::problems_found(format!("{n} problem(s) found"))),
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
    let Some(path) = claude_on_path() else {
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

/// What is wrong with our hooks as a session in `project` would find them (`doctor`'s hooks
/// check), in one line with its fix; `None` when they are in order. `start` warns with it.
pub fn hooks_problem(project: &Path) -> Option<String> {
    check_hooks(project)
        .into_iter()
        .find(|check| !matches!(check.severity, Severity::Ok))
        .map(|check| match check.fix {
            Some(fix) => format!("{}: {fix}", check.detail),
            None => check.detail,
        })
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

/// How much room the write probes ask for: far more than one hook call writes, so a disk that
/// passes has room for many calls, and one too full to take a hook's write fails.
const PROBE_BYTES: usize = 64 * 1024;

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
    let mut checks = check_private_files(&dir);
    checks.extend(check_file_writes(&dir));
    checks.extend(check_store(&dir));
    checks.extend(check_unrecorded_failures(&dir));
    checks.push(check_server(&dir));
    checks
}

/// Whether `pcc-hooks serve` runs for this database, and where (its lock file says).
fn check_server(dir: &DataDir) -> Check {
    match pcc_control::server_lock::running(dir) {
        Ok(Some(server)) => Check::ok("server", format!("serving at {server}")),
        Ok(None) => Check::ok(
            "server",
            "not running (`pcc-hooks serve` starts the dashboard and API)".into(),
        ),
        Err(error) => Check::warn(
            "server",
            format!(
                "cannot read {}: {error}",
                pcc_control::server_lock::lock_path(dir).display()
            ),
            "check the file's owner and mode, or delete it while no server runs",
        ),
    }
}

/// The database itself: schema, a page-by-page check, a real committed write.
fn check_store(dir: &DataDir) -> Vec<Check> {
    let path = dir.database();
    let shown = display_path(&path);
    let mut store = match Store::open_existing(&path) {
        Ok(Some(store)) => store,
        Ok(None) if path.exists() => {
            // A file with no schema: the first call that created it was killed before its
            // first commit. Readers take it for an empty database.
            return vec![Check::problem(
                "database",
                format!("{shown} exists but has no tables yet (its first write did not finish)"),
                "the next hook call sets it up; run `pcc-hooks doctor` again after one",
            )];
        }
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
    let version = match store.schema_version() {
        Ok(version) => version,
        Err(error) => {
            return vec![Check::problem(
                "database",
                format!("{shown} cannot be read: {error}"),
                "move the file aside; a new one is created",
            )];
        }
    };
    match version {
        version if version == SCHEMA_VERSION => {}
        version if version < SCHEMA_VERSION => checks.push(Check::warn(
            "database",
            format!("{shown} is at schema {version}, this build writes {SCHEMA_VERSION}"),
            "it is migrated at the next hook call, or now by `pcc-hooks install`",
        )),
        version => checks.push(Check::problem(
            "database",
            format!("{shown} is at schema {version}, newer than this build ({SCHEMA_VERSION})"),
            "upgrade pcc-hooks",
        )),
    }
    let corrupt_fix = format!(
        "hook calls fail on it: move {0} aside (a new one is created), then recover what you \
         need with `sqlite3 {0}.aside .recover`",
        path.display()
    );
    match store.quick_check(3) {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => checks.push(Check::problem(
            "database",
            format!(
                "{shown} is corrupt: {}",
                problems.join("; ").replace('\n', "; ")
            ),
            &corrupt_fix,
        )),
        Err(error) => checks.push(Check::problem(
            "database",
            format!("{shown} cannot be checked: {error}"),
            &corrupt_fix,
        )),
    }
    if version == SCHEMA_VERSION {
        let now = now_ms();
        if let Err(error) = store.prove_writable(PROBE_BYTES, now) {
            checks.push(Check::problem(
                "database",
                format!("hook calls cannot record anything: a committed write failed: {error}"),
                "check that the disk has room, the file system is writable and the file and its \
                 directory belong to you",
            ));
        }
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
        let detail = if version == SCHEMA_VERSION {
            format!(
                "{shown} sound (quick_check) and writable (a committed write), schema {version}"
            )
        } else {
            format!("{shown} sound (quick_check), schema {version}")
        };
        checks.insert(0, Check::ok("database", detail));
    }
    checks
}

/// Our files are private: any found looser is tightened (and said so); one we may not tighten
/// (another user's) is a warning.
fn check_private_files(dir: &DataDir) -> Vec<Check> {
    let mut paths = dir.private_paths();
    if let Ok(entries) = std::fs::read_dir(dir.logs()) {
        paths.extend(entries.flatten().map(|entry| entry.path()));
    }
    let me = pcc_store::private::effective_uid();
    let mut checks = Vec::new();
    for path in paths {
        match pcc_store::private::tighten(&path) {
            Ok(Some(change)) => checks.push(Check::warn(
                "files",
                change.to_string(),
                "done; until now others could read it",
            )),
            Ok(None) => {
                if let Ok(metadata) = std::fs::symlink_metadata(&path)
                    && metadata.uid() != me
                    && metadata.mode() & 0o077 != 0
                {
                    checks.push(Check::warn(
                        "files",
                        format!(
                            "{} belongs to uid {} and has mode {:04o}; others can read it",
                            display_path(&path),
                            metadata.uid(),
                            metadata.mode() & 0o7777
                        ),
                        &format!("chmod go= {}", path.display()),
                    ));
                }
            }
            Err(error) => checks.push(Check::warn(
                "files",
                format!("cannot tighten {}: {error}", display_path(&path)),
                &format!("chmod go= {}", path.display()),
            )),
        }
    }
    checks
}

/// Creates, fills, syncs and removes a file in the data directory: what the log and the failure
/// log need, on the same file system as the database. A read-only mount, a full disk or another
/// user's directory fails here.
fn check_file_writes(dir: &DataDir) -> Option<Check> {
    let root = dir.root();
    if !root.exists() {
        return None;
    }
    let probe = root.join(format!(".doctor-probe-{}", std::process::id()));
    let written = (|| {
        let (mut file, _) =
            pcc_store::private::open_file(&probe, pcc_store::private::Access::Replace)?;
        file.write_all(&[0x5a; PROBE_BYTES])?;
        file.sync_all()
    })();
    // Removing what we created is tidying; a failure here would already have shown above.
    let _ = std::fs::remove_file(&probe);
    let error = written.err()?;
    let owner = std::fs::metadata(root).map(|metadata| metadata.uid()).ok();
    let detail = match owner {
        Some(uid) if uid != pcc_store::private::effective_uid() => format!(
            "cannot write files in {} (it belongs to uid {uid}): {error}",
            display_path(root)
        ),
        _ => format!("cannot write files in {}: {error}", display_path(root)),
    };
    Some(Check::problem(
        "files",
        detail,
        "make room on the disk, remount it writable, or give the directory to this user \
         (or set PCC_HOME to one of yours)",
    ))
}

/// Hook failures the database could not take (`pcc_store::FailureLog`): the count and the
/// latest few, each on its own line.
fn check_unrecorded_failures(dir: &DataDir) -> Vec<Check> {
    let summary = pcc_store::FailureLog::in_dir(dir.root()).summary();
    if summary.count == 0 {
        return Vec::new();
    }
    let files: Vec<String> = summary
        .files
        .iter()
        .map(|file| display_path(file))
        .collect();
    let mut checks = vec![Check::warn(
        "failures",
        format!(
            "{} hook failure(s) could not be recorded in the database (kept in {})",
            summary.count,
            files.join(", ")
        ),
        "fix what they say, then delete those files (status and doctor show them until then)",
    )];
    checks.extend(summary.recent.iter().rev().map(|failure| Check {
        name: "failures",
        severity: Severity::Warn,
        detail: format!(
            "{} {}: {}",
            rfc3339(failure.at_ms),
            failure.kind,
            failure.message
        ),
        fix: None,
    }));
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
