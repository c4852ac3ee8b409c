//! `config.toml`: the user's settings, every one with a default that works offline.
//!
//! Two files are read: the global `<data dir>/config.toml`, and a project's
//! `.claude/pcc-hooks.toml`. A project file comes with the code a user checks out, so it may only
//! tighten what the user allows: its `deny` and `ask` rules apply, anything else in it is ignored
//! and reported (a cloned repository must not be able to allow `rm -rf ~`).

use super::notify::NotifyConfig;
use super::pricing::PricingConfig;
use super::server::ServerConfig;
use super::webhooks::WebhooksConfig;
use crate::brain::BrainConfig;
use crate::mode::Mode;
use crate::permission::{PermissionLists, PermissionRule};
use serde::{Deserialize, Serialize};

/// The default number of human approvals of the same command in the same project after which it
/// is allowed without asking (MEDIUM risk only).
pub const DEFAULT_APPROVALS_TO_LEARN: u32 = 3;

/// Seconds after a usage limit resets before the session is resumed (the reset time in messages
/// is rounded to the minute, and servers may lag a little).
pub const DEFAULT_RESUME_GRACE_SECONDS: u64 = 60;

/// What a session resumed after a usage limit is told.
pub const DEFAULT_CONTINUE_PROMPT: &str =
    "The usage limit has reset. Continue the task you were working on from where you stopped.";

/// How many turns ending in a question the Stop hook answers in a row before it lets the session
/// stop, so a session can never loop on automatic answers.
pub const DEFAULT_MAX_AUTOMATIC_ANSWERS: u32 = 5;

/// How many times the perpetual queue hands the same task to a session before giving up on it
/// (a task that keeps failing must not loop forever).
pub const DEFAULT_QUEUE_MAX_ATTEMPTS: u32 = 3;

/// The settings in force for one hook call.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Interactive or unattended, unless `PCC_MODE` says otherwise.
    pub mode: Option<Mode>,
    /// Rules in Claude Code's permission-rule syntax, by what they do.
    pub permissions: PermissionLists,
    /// Human approvals of one command after which it is learned (0 turns learning off).
    pub approvals_to_learn: u32,
    /// Seconds after a limit's reset before resuming.
    pub resume_grace_seconds: u64,
    /// The prompt a resumed session gets.
    pub continue_prompt: String,
    /// Which brain answers questions and judges MEDIUM calls.
    pub brain: BrainConfig,
    /// Answer a turn that ends in a question even when a human is there (always when unattended).
    pub answer_stop_questions: bool,
    /// Automatic answers in a row before the Stop hook lets the session stop.
    pub max_automatic_answers: u32,
    /// Where and how often a human is told that something needs them (`[notify]`, global only:
    /// a project must not choose where data is sent).
    pub notify: NotifyConfig,
    /// Attempts at one queued task before it fails for good (`[queue] max_task_attempts`).
    pub queue_max_attempts: u32,
    /// Containment of project code (`[sandbox]`, global only: a project must not switch
    /// its own sandbox off).
    pub sandbox: SandboxConfig,
    /// Prices per model family over the bundled table (`[pricing]`, global only: a project
    /// must not make its own sessions look cheaper).
    pub pricing: PricingConfig,
    /// Where `pcc-hooks serve` is reached from outside and how long a notification's buttons
    /// work (`[server]`, global only: a project must not choose where approvals come from).
    pub server: ServerConfig,
    /// Which incoming webhooks `pcc-hooks serve` accepts and the work they cause
    /// (`[webhooks]`, global only: a project must not decide what outside events run in it).
    pub webhooks: WebhooksConfig,
    /// Keys of the project file that were ignored because they would loosen the policy.
    pub ignored_project_keys: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            mode: None,
            permissions: PermissionLists::default(),
            approvals_to_learn: DEFAULT_APPROVALS_TO_LEARN,
            resume_grace_seconds: DEFAULT_RESUME_GRACE_SECONDS,
            continue_prompt: DEFAULT_CONTINUE_PROMPT.to_owned(),
            brain: BrainConfig::default(),
            answer_stop_questions: false,
            max_automatic_answers: DEFAULT_MAX_AUTOMATIC_ANSWERS,
            notify: NotifyConfig::default(),
            queue_max_attempts: DEFAULT_QUEUE_MAX_ATTEMPTS,
            sandbox: SandboxConfig::default(),
            pricing: PricingConfig::new(),
            server: ServerConfig::default(),
            webhooks: WebhooksConfig::default(),
            ignored_project_keys: Vec::new(),
        }
    }
}

/// `[sandbox]`: whether MEDIUM calls whose effects stay in the project run contained
/// instead of waiting for a human.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// `auto` (contain where the machine supports it) or `off`.
    pub mode: SandboxMode,
    /// Also contain in interactive sessions instead of asking (off by default: a human is
    /// there to answer).
    pub interactive: bool,
    /// Package caches contained code may write (default: the usual ones under the home).
    pub caches: Option<Vec<String>>,
}

impl Default for SandboxConfig {
    fn default() -> SandboxConfig {
        SandboxConfig {
            mode: SandboxMode::Auto,
            interactive: false,
            caches: None,
        }
    }
}

/// `[sandbox] mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    /// Contain where bubblewrap works here.
    Auto,
    /// Never contain: MEDIUM calls wait for a human as before.
    Off,
}

impl SandboxConfig {
    /// True when containment may be used in `mode`; `env_off` is `PCC_SANDBOX=off`, which
    /// switches it off for one process (tests and the policy's own measurements).
    pub fn wanted(&self, mode: Mode, env_off: bool) -> bool {
        self.mode == SandboxMode::Auto && !env_off && (mode == Mode::Unattended || self.interactive)
    }
}

/// A configuration file that could not be used; the message names the file and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// Which file.
    pub file: String,
    /// What is wrong, as toml or we said it.
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    mode: Option<Mode>,
    #[serde(default)]
    permissions: PermissionLists,
    #[serde(default)]
    learning: LearningSection,
    #[serde(default)]
    limits: LimitsSection,
    brain: Option<BrainConfig>,
    #[serde(default)]
    questions: QuestionsSection,
    notify: Option<NotifyConfig>,
    #[serde(default)]
    queue: QueueSection,
    sandbox: Option<SandboxConfig>,
    pricing: Option<PricingConfig>,
    server: Option<ServerConfig>,
    webhooks: Option<WebhooksConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueSection {
    max_task_attempts: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsSection {
    answer_stop_questions: Option<bool>,
    max_automatic_answers: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    resume_grace_seconds: Option<u64>,
    continue_prompt: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LearningSection {
    approvals_to_learn: Option<u32>,
}

impl Config {
    /// Builds the configuration from the global file's text and the project file's text (either
    /// may be absent). `global_name` and `project_name` name the files in errors. Strict: any
    /// problem in either file is an error (for commands such as `config show`); a hook call uses
    /// [`Config::in_force`], which never fails.
    pub fn from_files(
        global: Option<(&str, &str)>,
        project: Option<(&str, &str)>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some((name, text)) = global {
            config.apply_global(name, text)?;
        }
        if let Some((name, text)) = project {
            config.apply_project(name, text)?;
        }
        Ok(config)
    }

    /// The configuration a hook call runs with, whatever is wrong with the files, and what is
    /// wrong with them. A bad file never loosens anything (the threat: an agent writes one bad
    /// line into `.claude/pcc-hooks.toml`):
    /// - a global file that cannot be used counts as absent: the built-in defaults are in force;
    /// - a project file that cannot be used adds nothing and drops nothing: the global
    ///   configuration stays in force as if the project file were absent.
    ///
    /// Each `Err` argument is a file that exists but could not be read; it is reported the same
    /// way as one that does not parse.
    pub fn in_force(
        global: Option<Result<(&str, &str), ConfigError>>,
        project: Option<Result<(&str, &str), ConfigError>>,
    ) -> ConfigInForce {
        let mut config = Config::default();
        let mut problems = Vec::new();
        match global {
            Some(Ok((name, text))) => {
                let mut candidate = Config::default();
                match candidate.apply_global(name, text) {
                    Ok(()) => config = candidate,
                    Err(error) => problems.push(ConfigProblem::new(ConfigScope::Global, error)),
                }
            }
            Some(Err(error)) => problems.push(ConfigProblem::new(ConfigScope::Global, error)),
            None => {}
        }
        match project {
            Some(Ok((name, text))) => {
                let mut candidate = config.clone();
                match candidate.apply_project(name, text) {
                    Ok(()) => config = candidate,
                    Err(error) => problems.push(ConfigProblem::new(ConfigScope::Project, error)),
                }
            }
            Some(Err(error)) => problems.push(ConfigProblem::new(ConfigScope::Project, error)),
            None => {}
        }
        ConfigInForce { config, problems }
    }

    /// The global file's settings, over the defaults. Everything is checked before anything is
    /// applied, so on error `self` is unchanged.
    fn apply_global(&mut self, name: &str, text: &str) -> Result<(), ConfigError> {
        let file = parse(name, text)?;
        validate_rules(name, text, &file.permissions)?;
        if let Some(brain) = &file.brain {
            brain.validate().map_err(|message| ConfigError {
                file: name.to_owned(),
                message,
            })?;
        }
        if let Some(notify) = &file.notify {
            notify.validate().map_err(|error| ConfigError {
                file: name.to_owned(),
                message: error.to_string(),
            })?;
        }
        if let Some(pricing) = &file.pricing {
            super::pricing::validate(pricing).map_err(|message| ConfigError {
                file: name.to_owned(),
                message,
            })?;
        }
        let server = file
            .server
            .map(ServerConfig::validated)
            .transpose()
            .map_err(|error| ConfigError {
                file: name.to_owned(),
                message: error.to_string(),
            })?;
        if let Some(webhooks) = &file.webhooks {
            webhooks.validate().map_err(|error| ConfigError {
                file: name.to_owned(),
                message: error.to_string(),
            })?;
        }
        self.mode = file.mode;
        self.permissions = file.permissions;
        if let Some(count) = file.learning.approvals_to_learn {
            self.approvals_to_learn = count;
        }
        if let Some(grace) = file.limits.resume_grace_seconds {
            self.resume_grace_seconds = grace;
        }
        if let Some(prompt) = file.limits.continue_prompt {
            self.continue_prompt = prompt;
        }
        if let Some(brain) = file.brain {
            self.brain = brain;
        }
        if let Some(answer) = file.questions.answer_stop_questions {
            self.answer_stop_questions = answer;
        }
        if let Some(count) = file.questions.max_automatic_answers {
            self.max_automatic_answers = count;
        }
        if let Some(notify) = file.notify {
            self.notify = notify;
        }
        if let Some(attempts) = file.queue.max_task_attempts {
            self.queue_max_attempts = attempts;
        }
        if let Some(sandbox) = file.sandbox {
            self.sandbox = sandbox;
        }
        if let Some(pricing) = file.pricing {
            self.pricing = pricing;
        }
        if let Some(server) = server {
            self.server = server;
        }
        if let Some(webhooks) = file.webhooks {
            self.webhooks = webhooks;
        }
        Ok(())
    }

    /// The project file's `deny` and `ask` rules, added to what is in force; everything else in
    /// it is ignored and listed in `ignored_project_keys`. On error `self` is unchanged.
    fn apply_project(&mut self, name: &str, text: &str) -> Result<(), ConfigError> {
        let file = parse(name, text)?;
        validate_rules(name, text, &file.permissions)?;
        self.permissions.deny.extend(file.permissions.deny);
        self.permissions.ask.extend(file.permissions.ask);
        if !file.permissions.allow.is_empty() {
            self.ignored_project_keys.push("permissions.allow".into());
        }
        if file.mode.is_some() {
            self.ignored_project_keys.push("mode".into());
        }
        let ignored = [
            ("learning", file.learning.approvals_to_learn.is_some()),
            (
                "limits",
                file.limits.resume_grace_seconds.is_some() || file.limits.continue_prompt.is_some(),
            ),
            // A project must not choose where tool inputs are sent, nor answer more questions.
            ("brain", file.brain.is_some()),
            (
                "questions",
                file.questions.answer_stop_questions.is_some()
                    || file.questions.max_automatic_answers.is_some(),
            ),
            // Nor where notifications (which carry commands and session ids) are sent.
            ("notify", file.notify.is_some()),
            ("queue", file.queue.max_task_attempts.is_some()),
            // Nor switch off the sandbox its own code runs in.
            ("sandbox", file.sandbox.is_some()),
            // Nor what its own sessions are said to cost.
            ("pricing", file.pricing.is_some()),
            // Nor where a phone's approvals come from, nor how long they work.
            ("server", file.server.is_some()),
            // Nor which outside events run work in it.
            ("webhooks", file.webhooks.is_some()),
        ];
        self.ignored_project_keys.extend(
            ignored
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(key, _)| key.to_owned()),
        );
        Ok(())
    }
}

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigScope {
    /// `<data dir>/config.toml`, the user's own.
    Global,
    /// `.claude/pcc-hooks.toml`, which comes with the code.
    Project,
}

/// A configuration file that exists and is not used, and what is in force instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Which file.
    pub scope: ConfigScope,
    /// The file and what is wrong with it.
    pub error: ConfigError,
}

impl ConfigProblem {
    fn new(scope: ConfigScope, error: ConfigError) -> ConfigProblem {
        ConfigProblem { scope, error }
    }

    /// What is in force instead of the file, in words for the user.
    pub fn effect(&self) -> &'static str {
        match self.scope {
            ConfigScope::Global => "the file is not used: the built-in defaults are in force",
            ConfigScope::Project => {
                "the file is not used: the global configuration alone is in force"
            }
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "config error in {}: {}",
            self.error.file, self.error.message
        )
    }
}

/// What [`Config::in_force`] found: the configuration to run with, and the files it could not
/// use (empty when everything is in order).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigInForce {
    /// The configuration in force.
    pub config: Config,
    /// The files that are not used, and why.
    pub problems: Vec<ConfigProblem>,
}

impl ConfigInForce {
    /// Whether the user's global file (or its absence) is what is in force: only then is its
    /// `mode` the user's word; otherwise a caller must not guess a looser mode.
    pub fn global_is_sound(&self) -> bool {
        !self
            .problems
            .iter()
            .any(|problem| problem.scope == ConfigScope::Global)
    }
}

/// Checks every rule's syntax now, so a malformed rule makes its file unusable as a whole (as a
/// TOML error does) instead of failing each permission call later. The error names the line the
/// rule is written on, when it can be found.
fn validate_rules(name: &str, text: &str, lists: &PermissionLists) -> Result<(), ConfigError> {
    let anywhere = std::path::Path::new("/");
    for rule in lists.allow.iter().chain(&lists.ask).chain(&lists.deny) {
        if let Err(error) = PermissionRule::parse(rule, anywhere, anywhere) {
            let line = text
                .lines()
                .position(|line| line.contains(rule.as_str()))
                .map(|index| format!("line {}: ", index + 1))
                .unwrap_or_default();
            return Err(ConfigError {
                file: name.to_owned(),
                message: format!("{line}{error}"),
            });
        }
    }
    Ok(())
}

fn parse(name: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        ConfigError {
            file: name.to_owned(),
            message: match line {
                Some(line) => format!("line {line}: {}", error.message().trim()),
                None => error.message().trim().to_owned(),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_files_means_defaults() {
        let config = Config::from_files(None, None).expect("defaults");
        assert_eq!(config, Config::default());
        assert_eq!(config.approvals_to_learn, 3);
    }

    #[test]
    fn global_file_sets_everything() {
        let text = r#"
            mode = "unattended"
            [permissions]
            allow = ["Bash(npm run test:*)"]
            deny = ["Bash(git push:*)"]
            [learning]
            approvals_to_learn = 5
            [limits]
            resume_grace_seconds = 5
        "#;
        let config = Config::from_files(Some(("config.toml", text)), None).expect("valid");
        assert_eq!(config.mode, Some(Mode::Unattended));
        assert_eq!(config.permissions.allow, vec!["Bash(npm run test:*)"]);
        assert_eq!(config.approvals_to_learn, 5);
        assert_eq!(config.resume_grace_seconds, 5);
        assert_eq!(config.continue_prompt, DEFAULT_CONTINUE_PROMPT);
    }

    #[test]
    fn a_project_file_only_tightens() {
        let global = r#"[permissions]
            allow = ["Bash(make:*)"]"#;
        let project = r#"
            mode = "unattended"
            [permissions]
            allow = ["Bash(rm:*)"]
            deny = ["Bash(make deploy)"]
            ask = ["Write(./migrations/**)"]
        "#;
        let config = Config::from_files(
            Some(("config.toml", global)),
            Some((".claude/pcc-hooks.toml", project)),
        )
        .expect("valid");
        assert_eq!(
            config.permissions.allow,
            vec!["Bash(make:*)"],
            "project allow ignored"
        );
        assert_eq!(config.permissions.deny, vec!["Bash(make deploy)"]);
        assert_eq!(config.permissions.ask, vec!["Write(./migrations/**)"]);
        assert_eq!(config.mode, None, "project mode ignored");
        assert_eq!(
            config.ignored_project_keys,
            vec!["permissions.allow", "mode"]
        );
    }

    #[test]
    fn the_brain_is_chosen_globally_only() {
        let global = "[brain]\nkind = \"ollama\"\nmodel = \"qwen3\"\n[questions]\nanswer_stop_questions = true\n";
        let project = "[brain]\nkind = \"openai\"\nbase_url = \"http://attacker.example\"\n";
        let config = Config::from_files(Some(("config.toml", global)), Some(("p.toml", project)))
            .expect("valid");
        assert_eq!(config.brain.kind, crate::brain::BrainKind::Ollama);
        assert_eq!(config.brain.model.as_deref(), Some("qwen3"));
        assert!(config.answer_stop_questions);
        assert_eq!(config.max_automatic_answers, DEFAULT_MAX_AUTOMATIC_ANSWERS);
        assert_eq!(config.ignored_project_keys, vec!["brain"]);
        let invalid = Config::from_files(
            Some(("c.toml", "[brain]\nmin_confidence_question = 7.0\n")),
            None,
        );
        assert!(invalid.is_err(), "confidence thresholds are checked");
    }

    #[test]
    fn pricing_is_global_only_and_validated() {
        let global = "[pricing.\"claude-sonnet-4\"]\ninput = 2.5\noutput = 12.5\n";
        let project = "[pricing.\"claude-sonnet-4\"]\ninput = 0.0\noutput = 0.0\n";
        let config =
            Config::from_files(Some(("c.toml", global)), Some(("p.toml", project))).expect("valid");
        let sonnet = config.pricing["claude-sonnet-4"];
        assert_eq!((sonnet.input, sonnet.output), (2.5, 12.5));
        assert_eq!(config.ignored_project_keys, vec!["pricing"]);
        let bad = Config::from_files(
            Some((
                "c.toml",
                "[pricing.\"claude-x\"]\ninput = -1.0\noutput = 1.0\n",
            )),
            None,
        )
        .expect_err("negative price");
        assert!(
            bad.to_string()
                .starts_with("c.toml: pricing.\"claude-x\".input"),
            "{bad}"
        );
        let unknown = Config::from_files(
            Some((
                "c.toml",
                "[pricing.\"claude-x\"]\ninput = 1.0\noutput = 1.0\ncache = 2.0\n",
            )),
            None,
        );
        assert!(unknown.is_err(), "an unknown rate is a typo, not ignored");
    }

    #[test]
    fn notify_is_global_only_and_validated() {
        use crate::config::notify::WebhookFormat;
        let global = r#"
            [notify]
            desktop = false
            bell = true
            timeout_ms = 500
            [[notify.webhooks]]
            url = "https://ntfy.sh/topic"
            format = "ntfy"
        "#;
        let project =
            "[notify]\ndesktop = true\n[[notify.webhooks]]\nurl = \"https://attacker.example/x\"\n";
        let config = Config::from_files(Some(("config.toml", global)), Some(("p.toml", project)))
            .expect("valid");
        assert!(!config.notify.desktop);
        assert!(config.notify.bell);
        assert_eq!(config.notify.timeout_ms, 500);
        assert_eq!(
            config.notify.webhooks.len(),
            1,
            "the project's webhook is ignored"
        );
        assert_eq!(config.notify.webhooks[0].format, WebhookFormat::Ntfy);
        assert_eq!(config.ignored_project_keys, vec!["notify"]);
        assert_eq!(
            Config::from_files(None, None).expect("defaults").notify,
            NotifyConfig::default()
        );
    }

    #[test]
    fn a_bad_notify_section_names_the_file_and_the_problem() {
        let scheme = Config::from_files(
            Some((
                "/x/config.toml",
                "[[notify.webhooks]]\nurl = \"ftp://example.com/hook\"\n",
            )),
            None,
        )
        .expect_err("ftp is not a webhook");
        let text = scheme.to_string();
        assert!(text.starts_with("/x/config.toml: "), "{text}");
        assert!(text.contains("notify.webhooks[0].url"), "{text}");
        let timeout = Config::from_files(Some(("c.toml", "[notify]\ntimeout_ms = 0\n")), None)
            .expect_err("zero timeout");
        assert!(
            timeout.to_string().contains("notify.timeout_ms"),
            "{timeout}"
        );
        let unknown = Config::from_files(Some(("c.toml", "[notify]\ndesktp = true\n")), None)
            .expect_err("unknown key");
        assert!(unknown.to_string().contains("desktp"), "{unknown}");
    }

    #[test]
    fn server_is_global_only_and_a_broken_one_makes_the_file_unusable() {
        let global =
            "[server]\npublic_url = \"https://me.tailnet.ts.net/\"\ncapability_ttl = \"30m\"\n";
        let project = "[server]\npublic_url = \"https://attacker.example\"\n";
        let config = Config::from_files(Some(("config.toml", global)), Some(("p.toml", project)))
            .expect("valid");
        assert_eq!(
            config.server.public_url.as_deref(),
            Some("https://me.tailnet.ts.net")
        );
        assert_eq!(config.server.capability_ttl.as_secs(), 1800);
        assert_eq!(config.ignored_project_keys, vec!["server"]);
        let broken = "[permissions]\ndeny = [\"Bash(make:*)\"]\n[server]\npublic_url = \"https://me.example/x?k=1\"\n";
        let error = Config::from_files(Some(("/g/config.toml", broken)), None)
            .expect_err("a path and a query");
        assert!(
            error
                .to_string()
                .starts_with("/g/config.toml: server.public_url"),
            "{error}"
        );
        let found = Config::in_force(Some(Ok(("/g/config.toml", broken))), None);
        assert_eq!(
            found.config,
            Config::default(),
            "the built-in defaults, no links"
        );
        assert_eq!(found.problems.len(), 1, "and it says so");
    }

    #[test]
    fn queue_attempts_are_global_only() {
        let default = Config::from_files(None, None).expect("defaults");
        assert_eq!(default.queue_max_attempts, DEFAULT_QUEUE_MAX_ATTEMPTS);
        assert_eq!(DEFAULT_QUEUE_MAX_ATTEMPTS, 3);
        let config = Config::from_files(
            Some(("config.toml", "[queue]\nmax_task_attempts = 7\n")),
            Some(("p.toml", "[queue]\nmax_task_attempts = 100\n")),
        )
        .expect("valid");
        assert_eq!(config.queue_max_attempts, 7);
        assert_eq!(config.ignored_project_keys, vec!["queue"]);
        let typo = Config::from_files(Some(("c.toml", "[queue]\nmax_attempts = 1\n")), None)
            .expect_err("unknown key");
        assert!(typo.to_string().contains("max_attempts"), "{typo}");
    }

    #[test]
    fn a_broken_project_file_changes_nothing_and_is_reported_with_its_line() {
        let global = "[permissions]\nallow = [\"Bash(make:*)\"]\ndeny = [\"Bash(git push:*)\"]\n";
        let project = "[permissions]\ndeny = [\"Bash(make deploy)\"]\nallow = [\"Bash(rm:*)\"\n";
        let found = Config::in_force(
            Some(Ok(("/g/config.toml", global))),
            Some(Ok(("/p/.claude/pcc-hooks.toml", project))),
        );
        let alone = Config::from_files(Some(("/g/config.toml", global)), None).expect("valid");
        assert_eq!(found.config, alone, "as if the project file were absent");
        assert!(found.global_is_sound());
        assert_eq!(found.problems.len(), 1);
        let problem = &found.problems[0];
        assert_eq!(problem.scope, ConfigScope::Project);
        let text = problem.to_string();
        assert!(
            text.starts_with("config error in /p/.claude/pcc-hooks.toml: line 3"),
            "{text}"
        );
        assert!(problem.effect().contains("global configuration alone"));
    }

    #[test]
    fn a_broken_global_file_means_the_defaults_and_the_project_still_tightens() {
        let found = Config::in_force(
            Some(Ok((
                "/g/config.toml",
                "mode = \"interactive\"\n[permissions\n",
            ))),
            Some(Ok((
                "/p/x.toml",
                "[permissions]\ndeny = [\"Bash(make deploy)\"]\n",
            ))),
        );
        assert!(!found.global_is_sound());
        assert_eq!(
            found.config.mode, None,
            "the broken file's mode is not trusted"
        );
        assert_eq!(found.config.permissions.deny, vec!["Bash(make deploy)"]);
        assert_eq!(found.problems.len(), 1);
        assert_eq!(found.problems[0].scope, ConfigScope::Global);
        assert!(found.problems[0].effect().contains("built-in defaults"));
    }

    #[test]
    fn a_malformed_rule_makes_its_file_unusable_and_names_the_rule_and_line() {
        let global = "[permissions]\nallow = [\"Bash(npm test:*)\"]\ndeny = [\"Bash(git push\"]\n";
        let error = Config::from_files(Some(("/g/config.toml", global)), None)
            .expect_err("a rule that cannot be parsed");
        assert_eq!(error.file, "/g/config.toml");
        assert!(error.message.starts_with("line 3: "), "{error}");
        assert!(error.message.contains("Bash(git push"), "{error}");
        let found = Config::in_force(Some(Ok(("/g/config.toml", global))), None);
        assert_eq!(
            found.config,
            Config::default(),
            "no allow rule survives either"
        );
        let project = "[permissions]\nask = [\"WebFetch(example.com)\"]\n";
        let found = Config::in_force(
            Some(Ok((
                "/g/config.toml",
                "[permissions]\ndeny = [\"Bash(make:*)\"]\n",
            ))),
            Some(Ok(("/p/x.toml", project))),
        );
        assert_eq!(found.config.permissions.deny, vec!["Bash(make:*)"]);
        assert!(found.config.permissions.ask.is_empty());
        assert!(
            found.problems[0].to_string().contains("line 2"),
            "{:?}",
            found.problems
        );
    }

    #[test]
    fn an_unreadable_file_is_a_problem_like_a_malformed_one() {
        let unreadable = ConfigError {
            file: "/p/x.toml".into(),
            message: "permission denied".into(),
        };
        let found = Config::in_force(None, Some(Err(unreadable.clone())));
        assert_eq!(found.config, Config::default());
        assert_eq!(
            found.problems,
            vec![ConfigProblem {
                scope: ConfigScope::Project,
                error: unreadable
            }]
        );
        let clean = Config::in_force(None, None);
        assert!(clean.problems.is_empty() && clean.global_is_sound());
    }

    #[test]
    fn mistakes_name_the_file() {
        let error = Config::from_files(Some(("/x/config.toml", "mode = \"sometimes\"")), None)
            .expect_err("bad mode");
        assert!(error.to_string().starts_with("/x/config.toml: "), "{error}");
        let typo = Config::from_files(Some(("c.toml", "[permisions]\nallow = []")), None)
            .expect_err("unknown section");
        assert!(typo.to_string().contains("permisions"), "{typo}");
    }
}
