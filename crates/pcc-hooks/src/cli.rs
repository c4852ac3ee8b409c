//! The command line, declared with clap derive. Conventions follow cargo: `--json` for machines,
//! `--color auto|always|never`, and a one-line `error:` on failure.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps Claude Code running unattended: risk-based permissions, answers to its questions,
/// usage-limit resumes and sequential task lists, all from inside Claude Code's hooks.
#[derive(Debug, Parser)]
#[command(name = "pcc-hooks", version, about, max_term_width = 100)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour on a terminal only, unless told otherwise (`NO_COLOR` is honoured in `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The hook entry point Claude Code runs for every event: reads one JSON object on stdin.
    Hook,
    /// Every known session: project, state, last event and how long ago, event counts.
    Status(StatusArgs),
    /// Register our hooks in Claude Code's settings.json (idempotent; keeps everything else).
    Install(InstallArgs),
    /// Remove our hooks from Claude Code's settings.json.
    Uninstall(InstallArgs),
    /// Check that claude, the hooks and the database are in working order.
    Doctor(DoctorArgs),
    /// How a tool call would be judged: level, decision per mode, every simple command, the rule.
    Explain(ExplainArgs),
    /// The latest permission decisions, newest first.
    Decisions(DecisionsArgs),
    /// A session's transcript as readable text: prompts, Claude's words, every tool call with
    /// our decision, results cut to a few lines; --follow reads on as it runs.
    Logs(LogsArgs),
    /// What the recorded sessions cost, per project and per day, from their transcripts.
    Cost(CostArgs),
    /// Usage limits: parse a message the way the hooks do.
    Limits {
        /// What to do with limits.
        #[command(subcommand)]
        command: LimitsCommand,
    },
    /// Run the resumes that are due (started automatically when a limit is recorded).
    Scheduler(SchedulerArgs),
    /// Resume a rate-limited session now, or cancel its scheduled resume.
    Resume(ResumeArgs),
    /// Ask the configured brain a question, as the hooks would.
    Brain {
        /// What to ask.
        #[command(subcommand)]
        command: BrainCommand,
    },
    /// Show or change the configuration (config.toml).
    Config {
        /// What to do.
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Task lists of `execute_task_list`: list, show, cancel, resume.
    Lists(ListsArgs),
    /// Notifications: send a test to every configured channel, or show what was sent.
    Notify {
        /// What to do.
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Incoming webhooks (GitHub, Sentry, Jira) that `serve` received, and what became of each.
    Webhooks {
        /// What to do.
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// What waits on a human: denied calls, unanswered questions, failed resumes, stuck tasks.
    Pending(PendingArgs),
    /// Answer an escalation: approve, deny, or the text of an answer; the session goes on.
    Respond(RespondArgs),
    /// Queue a task for a session (or a project): handed to Claude when it would stop.
    Add(AddArgs),
    /// The task queue; `queue remove ID` takes a task off it.
    Queue(QueueArgs),
    /// Stop handing queued tasks to a session.
    Pause(SessionArgs),
    /// Hand queued tasks to a paused session again.
    Unpause(SessionArgs),
    /// Serve the dashboard, the JSON API and live events over HTTP(S), with a login link.
    /// Runs `pcc-serve`, installed beside this binary: `pcc-hooks serve --help` lists its flags.
    #[command(disable_help_flag = true)]
    Serve(ServeArgs),
    /// Start an unattended `claude -p` in DIR with our hooks, supervised: its own process group,
    /// its output in `<data>/sessions/<id>.log`. Follows it until it ends, unless --detach.
    Start(StartArgs),
    /// Stop a session started with `pcc-hooks start`: SIGTERM to its whole process group, a
    /// grace period, then SIGKILL.
    Stop(StopArgs),
    /// The supervisor `start` runs: starts the session's claude, waits for it, records its end.
    #[command(hide = true)]
    Supervise(SuperviseArgs),
    /// Run a shell command contained (bubblewrap): it may write only the project, a private
    /// /tmp and the package caches, sees no secrets, signals nothing outside, has no network
    /// unless --network. What contained Bash calls run; exits with the command's code, or 126
    /// (the command did not run) when containment is unavailable.
    Contain(ContainArgs),
}

/// `pcc-hooks serve [--listen ADDR] [--open] [--tls-cert F --tls-key F] [--behind-proxy]`:
/// every argument goes to `pcc-serve` as it is, which parses (and documents) them, so the hook
/// binary carries none of the server.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The arguments of `pcc-serve`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<std::ffi::OsString>,
}

/// Options of `start`.
#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("work").required(true).args(["task", "requirements"]),
    after_help = "Examples:
  pcc-hooks start . --task 'Fix the failing parser test'
  pcc-hooks start ~/src/app --requirements requirements.md --detach
  (every unchecked - [ ] item: the first is the prompt, the rest are handed over at each stop)"
)]
pub struct StartArgs {
    /// The project directory Claude works in.
    pub dir: std::path::PathBuf,
    /// The task: Claude's first prompt.
    #[arg(long, value_name = "TASK")]
    pub task: Option<String>,
    /// A Markdown file of `- [ ]` items: the first is the prompt, the rest are queued for the
    /// session and handed over one per stop.
    #[arg(long, value_name = "FILE")]
    pub requirements: Option<std::path::PathBuf>,
    /// Return at once with the session id; it runs on in the background.
    #[arg(long)]
    pub detach: bool,
    /// The model (`--model` of claude), e.g. sonnet.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Print JSON: {"session_id", "pid", "log", …} when it starts, and (without --detach) one
    /// more object when it ends, instead of the progress lines.
    #[arg(long)]
    pub json: bool,
}

/// Options of `stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The session (a prefix of its id is enough).
    pub session: String,
    /// Seconds between SIGTERM and SIGKILL.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub grace: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `supervise`.
#[derive(Debug, Args)]
pub struct SuperviseArgs {
    /// The session `start` recorded.
    pub session: String,
}

/// Options of `contain`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  pcc-hooks contain --project . -- 'make test'")]
pub struct ContainArgs {
    /// The project: the one place the command may change (less .git/config, .git/hooks,
    /// .claude, .mcp.json).
    #[arg(long, value_name = "DIR")]
    pub project: std::path::PathBuf,
    /// Give the command the host network (for installing declared dependencies).
    #[arg(long)]
    pub network: bool,
    /// The command, after `--`, run by `bash -c` (several words are joined with spaces).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Options of `pending`.
#[derive(Debug, Args)]
pub struct PendingArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `respond`.
#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The escalation's id (see `pcc-hooks pending`).
    pub id: i64,
    /// `approve`, `deny`, or the text of an answer (quote it).
    pub answer: String,
    /// With `approve` of a permission: allow this exact call in this project from now on.
    #[arg(long)]
    pub remember: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `add`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pcc-hooks add 3f2a 'Add tests for the parser'        (session 3f2a…)
  pcc-hooks add --project . 'Update the changelog'     (the next session in this project)
  pcc-hooks add --requirements requirements.md         (every unchecked - [ ] item, this project)")]
pub struct AddArgs {
    /// `SESSION TASK`, or just `TASK` with `--project`, or just `[SESSION]` with `--requirements`.
    #[arg(value_name = "SESSION|TASK", num_args = 0..=2)]
    pub words: Vec<String>,
    /// Queue for the next session of this project to stop instead of one session.
    #[arg(long, value_name = "DIR")]
    pub project: Option<std::path::PathBuf>,
    /// Queue every unchecked `- [ ]` item of this Markdown file, in order.
    #[arg(long, value_name = "FILE")]
    pub requirements: Option<std::path::PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// What to do (default: list the queue).
    #[command(subcommand)]
    pub command: Option<QueueCommand>,
    /// Also list finished tasks (done, removed, escalated).
    #[arg(long)]
    pub all: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `pcc-hooks queue …`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Take a task off the queue.
    Remove {
        /// The task's id (see `pcc-hooks queue`).
        id: i64,
    },
}

/// A session argument.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// The session (a prefix of its id is enough).
    pub session: String,
}

/// `pcc-hooks limits …`.
#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// Is TEXT a usage-limit message, which limit, and when does it reset?
    Parse(LimitsParseArgs),
}

/// Options of `limits parse`.
#[derive(Debug, Args)]
pub struct LimitsParseArgs {
    /// Print JSON: {"limited": bool, "kind": …, "resets_at": RFC3339|null}.
    #[arg(long)]
    pub json: bool,
    /// The moment to resolve times against (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The local time zone for messages that name none (IANA name; default: the system's).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// The message, e.g. "You've hit your 5-hour limit · resets 3pm (Europe/Oslo)".
    pub text: String,
}

/// Options of `scheduler`.
#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Run what is due now, then exit (for cron or a systemd timer).
    #[arg(long)]
    pub once: bool,
}

/// Options of `lists`.
#[derive(Debug, Args)]
pub struct ListsArgs {
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do (default: list the most recent lists).
    #[command(subcommand)]
    pub command: Option<ListsCommand>,
}

/// `pcc-hooks lists …`.
#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// One list and its tasks.
    Show {
        /// The list id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a pending or running list (its runner stops the running task).
    Cancel {
        /// The list id.
        id: i64,
    },
    /// Continue a list from its first task that did not succeed, in a background worker.
    Resume {
        /// The list id.
        id: i64,
    },
}

/// Options of `resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The session (a prefix of its id is enough).
    pub session: String,
    /// Resume now instead of at the reset.
    #[arg(long, conflicts_with = "cancel")]
    pub now: bool,
    /// Cancel the scheduled resume.
    #[arg(long)]
    pub cancel: bool,
}

/// Options of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON (the schema is documented in the README).
    #[arg(long)]
    pub json: bool,
    /// Refresh every SECONDS (default 2) until interrupted; in place on a terminal.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "2")]
    pub watch: Option<u64>,
}

/// Options of `install` and `uninstall`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Which settings file: user (~/.claude/settings.json), project (.claude/settings.json)
    /// or local (.claude/settings.local.json, not committed).
    #[arg(long, value_enum, default_value_t = Scope::User)]
    pub scope: Scope,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// A Claude Code settings scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`.
    User,
    /// `.claude/settings.json` in the current directory (shared with the team).
    Project,
    /// `.claude/settings.local.json` in the current directory (yours only).
    Local,
}

/// Options of `explain`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("call").required(true).args(["command", "tool"]))]
pub struct ExplainArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The session's working directory (default: the current one); it is also the project root.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<std::path::PathBuf>,
    /// A tool other than Bash, e.g. `Write`, `Read`, `mcp__github__delete_repo`.
    #[arg(long, requires = "input")]
    pub tool: Option<String>,
    /// The tool's input as JSON, e.g. '{"file_path": ".env"}'.
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,
    /// A shell command, judged as the Bash tool would run it (put it after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Options of `decisions`.
#[derive(Debug, Args)]
pub struct DecisionsArgs {
    /// Only this session (a prefix of its id is enough).
    #[arg(long)]
    pub session: Option<String>,
    /// How many to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `logs`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pcc-hooks logs 3f2a                 (session 3f2a…)
  pcc-hooks logs 3f2a --follow        (as it runs, until it ends or Ctrl-C)
  pcc-hooks logs 3f2a --json | jq 'select(.type == \"tool_use\")'")]
pub struct LogsArgs {
    /// The session (a prefix of its id is enough).
    pub session: String,
    /// Read on as the session writes, until it ends (or Ctrl-C).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Print one JSON object per entry: {"type": "user"|"assistant"|"tool_use"|"tool_result"|
    /// "api_error", "at", …}; a tool_use has its "decisions".
    #[arg(long)]
    pub json: bool,
}

/// Options of `cost`.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Only messages of this day and later (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `pcc-hooks brain …`.
#[derive(Debug, Subcommand)]
pub enum BrainCommand {
    /// Ask QUESTION; prints the answer, its confidence, and whether a human must decide.
    Ask(BrainAskArgs),
}

/// Options of `brain ask`.
#[derive(Debug, Args)]
pub struct BrainAskArgs {
    /// Print JSON: {"answer": string|null, "confidence": number, "escalate": bool, "reason": string}.
    #[arg(long)]
    pub json: bool,
    /// A possible answer (repeat for several); the answer is then one of them.
    #[arg(long = "option", value_name = "LABEL")]
    pub options: Vec<String>,
    /// The project the question is about (default: the current directory); its CLAUDE.md is read.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<std::path::PathBuf>,
    /// The question.
    pub question: String,
}

/// `pcc-hooks config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The configuration in force here (global config.toml plus this project's file).
    Show(ConfigShowArgs),
    /// Choose the brain: rules (offline, the default), gemini, ollama or openai (any
    /// OpenAI-compatible server).
    Brain(ConfigBrainArgs),
}

/// Options of `config show`.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `config brain`.
#[derive(Debug, Args)]
pub struct ConfigBrainArgs {
    /// rules, gemini, ollama or openai.
    #[arg(value_parser = ["rules", "gemini", "ollama", "openai"])]
    pub kind: String,
    /// The model (default: the kind's own).
    #[arg(long)]
    pub model: Option<String>,
    /// The server's base URL (default: the kind's own; e.g. http://127.0.0.1:11434 for Ollama).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The environment variable holding the API key (the key itself is never written).
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
}

/// `pcc-hooks notify …`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test notification to every configured channel now (no throttling) and report
    /// each one; exits 1 when none delivered it.
    Test(NotifyTestArgs),
    /// The latest notifications, newest first, with each channel's outcome.
    Log(NotifyLogArgs),
    /// The detached sender a hook starts: reads one job on stdin, sends it, records the
    /// outcome. Prints nothing.
    #[command(hide = true)]
    SendJson,
}

/// `pcc-hooks webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// The latest deliveries, newest first: refused (and why), duplicate, ignored, or the work
    /// their rule caused.
    Log(WebhooksLogArgs),
}

/// Options of `webhooks log`.
#[derive(Debug, Args)]
pub struct WebhooksLogArgs {
    /// How many to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON: {"deliveries": [{"id", "received_at", "source", "event", "delivery_id",
    /// "outcome", "status", "rule", "action", "project", "work", "detail", "finished_at"}]}.
    #[arg(long)]
    pub json: bool,
}

/// Options of `notify test`.
#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// Print JSON: {"id", "state", "deliveries": [{"channel", "status", "error", "elapsed_ms"}]}.
    #[arg(long)]
    pub json: bool,
}

/// Options of `notify log`.
#[derive(Debug, Args)]
pub struct NotifyLogArgs {
    /// How many to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
