//! Sending one notification to every configured channel, in parallel, within one bounded time.
//!
//! Each channel (desktop, bell, each webhook) runs on its own thread; webhooks get a reqwest
//! timeout equal to the time left before the deadline (`timeout_ms` after the start), the
//! desktop notifier is killed at the deadline, and [`send`] itself stops waiting a short grace
//! after it — a channel that has not reported by then is a failed [`Delivery`] and its thread is
//! left to finish on its own. Nothing here panics on a channel failure or returns an error:
//! every outcome, good or bad, is a [`Delivery`] the caller may record.
//!
//! Error texts never contain a webhook URL (Slack and Discord URLs are credentials): reqwest
//! errors are stripped of their URL and channels are named by format and host only.

use crate::bell::{self, BellOutcome};
use crate::config::{NotifyConfig, WebhookConfig};
use crate::desktop::{self, DesktopOutcome, Platform};
use crate::format;
use crate::message::Notification;
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long [`send`] waits past the deadline for channels to report their own timeout.
pub const REPORT_GRACE: Duration = Duration::from_millis(250);

/// The outcome of one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// `"desktop"`, `"bell"` or `"webhook[<i>] <format> <host>"`.
    pub channel: String,
    /// Delivered (desktop notifier exited 0, BEL written, HTTP 2xx).
    pub ok: bool,
    /// Not attempted because the channel is unavailable here (no notifier on `PATH`, no
    /// terminal); `ok` is false and `error` says why. Not a failure worth alarming anyone.
    pub skipped: bool,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// Time from the start of [`send`] to this channel's outcome.
    pub elapsed: Duration,
}

impl Delivery {
    fn delivered(channel: String, elapsed: Duration) -> Self {
        Self {
            channel,
            ok: true,
            skipped: false,
            error: None,
            elapsed,
        }
    }

    fn failed(channel: String, error: String, elapsed: Duration) -> Self {
        Self {
            channel,
            ok: false,
            skipped: false,
            error: Some(error),
            elapsed,
        }
    }

    fn skipped(channel: String, reason: String, elapsed: Duration) -> Self {
        Self {
            channel,
            ok: false,
            skipped: true,
            error: Some(reason),
            elapsed,
        }
    }
}

/// What [`send`] takes from the process environment, explicit so tests can replace it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendEnv {
    /// Which desktop notifier.
    pub platform: Platform,
    /// The `PATH` the notifier is looked up in.
    pub path: Option<OsString>,
    /// The terminal the bell rings in.
    pub tty: PathBuf,
}

impl SendEnv {
    /// This process: its platform, `$PATH`, and `/dev/tty`.
    pub fn from_process() -> Self {
        Self {
            platform: Platform::current(),
            path: std::env::var_os("PATH"),
            tty: PathBuf::from(bell::TTY),
        }
    }
}

impl SendEnv {
    /// `config` without the channels that cannot work here, and why each was left out: a
    /// desktop channel without a notifier on `PATH` (a server, a container) is not a failure to
    /// record at every escalation. `pcc-hooks doctor` and `notify test` report it instead.
    pub fn usable(&self, config: &NotifyConfig) -> (NotifyConfig, Vec<String>) {
        let mut usable = config.clone();
        let mut left_out = Vec::new();
        if config.desktop
            && let Some(why) = desktop::unavailable(self.platform, self.path.as_deref())
        {
            usable.desktop = false;
            left_out.push(format!("desktop: {why}"));
        }
        (usable, left_out)
    }
}

/// The channels `config` enables, in the order [`send`] reports them.
pub fn channel_names(config: &NotifyConfig) -> Vec<String> {
    let mut names = Vec::new();
    if config.desktop {
        names.push("desktop".to_owned());
    }
    if config.bell {
        names.push("bell".to_owned());
    }
    for (index, hook) in config.webhooks.iter().enumerate() {
        names.push(webhook_channel(index, hook));
    }
    names
}

fn webhook_channel(index: usize, hook: &WebhookConfig) -> String {
    format!("webhook[{index}] {} {}", hook.format.as_str(), hook.host())
}

/// Sends `message` to every channel of `config`, returning within `config.timeout_ms` plus
/// [`REPORT_GRACE`], one [`Delivery`] per enabled channel in [`channel_names`] order. No
/// throttling here: ask [`crate::throttle::decide`] first. What is sent is
/// [`Notification::redacted`]: no channel ever gets a secret, whatever the caller put in.
pub fn send(config: &NotifyConfig, message: &Notification, env: &SendEnv) -> Vec<Delivery> {
    let start = Instant::now();
    let timeout = config.timeout();
    let deadline = start + timeout;
    let message = Arc::new(message.redacted());
    let names = channel_names(config);
    let (tx, rx) = mpsc::channel::<(usize, Delivery)>();

    let mut jobs: Vec<Box<dyn FnOnce() -> Delivery + Send>> = Vec::new();
    if config.desktop {
        let (message, env) = (Arc::clone(&message), env.clone());
        jobs.push(Box::new(move || {
            let outcome = desktop::show(env.platform, env.path.as_deref(), &message, timeout);
            let elapsed = start.elapsed();
            match outcome {
                DesktopOutcome::Shown => Delivery::delivered("desktop".to_owned(), elapsed),
                DesktopOutcome::Skipped(why) => {
                    Delivery::skipped("desktop".to_owned(), why, elapsed)
                }
                DesktopOutcome::Failed(why) => Delivery::failed("desktop".to_owned(), why, elapsed),
            }
        }));
    }
    if config.bell {
        let tty = env.tty.clone();
        jobs.push(Box::new(move || {
            let outcome = bell::ring(&tty);
            let elapsed = start.elapsed();
            match outcome {
                BellOutcome::Rung => Delivery::delivered("bell".to_owned(), elapsed),
                BellOutcome::Skipped(why) => Delivery::skipped("bell".to_owned(), why, elapsed),
                BellOutcome::Failed(why) => Delivery::failed("bell".to_owned(), why, elapsed),
            }
        }));
    }
    for (index, hook) in config.webhooks.iter().enumerate() {
        let (message, hook) = (Arc::clone(&message), hook.clone());
        jobs.push(Box::new(move || {
            let channel = webhook_channel(index, &hook);
            match post_webhook(&hook, &message, deadline) {
                Ok(()) => Delivery::delivered(channel, start.elapsed()),
                Err(error) => Delivery::failed(channel, error, start.elapsed()),
            }
        }));
    }

    let mut results: Vec<Option<Delivery>> = vec![None; jobs.len()];
    for (index, job) in jobs.into_iter().enumerate() {
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("pcc-notify-{index}"))
            .spawn(move || {
                let _ = tx.send((index, job()));
            });
        if let Err(e) = spawned {
            results[index] = Some(Delivery::failed(
                names[index].clone(),
                format!("cannot start a thread: {e}"),
                start.elapsed(),
            ));
        }
    }
    drop(tx);

    let give_up = deadline + REPORT_GRACE;
    while results.iter().any(Option::is_none) {
        let left = give_up.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((index, delivery)) => results[index] = Some(delivery),
            Err(_) => break,
        }
    }
    results
        .into_iter()
        .zip(names)
        .map(|(result, name)| {
            result.unwrap_or_else(|| {
                Delivery::failed(
                    name,
                    format!("no outcome within {} ms", timeout.as_millis()),
                    start.elapsed(),
                )
            })
        })
        .collect()
}

/// POSTs `message` to `hook` in its format; `Err` is a one-line reason without the URL.
fn post_webhook(
    hook: &WebhookConfig,
    message: &Notification,
    deadline: Instant,
) -> Result<(), String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err("no time left".to_owned());
    }
    let url = reqwest::Url::parse(&hook.url).map_err(|e| format!("invalid URL: {e}"))?;
    let loopback = url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    let mut builder = reqwest::blocking::Client::builder()
        .connect_timeout(left)
        .timeout(left)
        .user_agent(concat!("pcc-hooks/", env!("CARGO_PKG_VERSION")));
    if loopback {
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", describe(e)))?;

    let request = format::render(hook.format, &url, message);
    let mut call = client
        .post(request.url)
        .header(reqwest::header::CONTENT_TYPE, request.content_type);
    for (name, value) in &request.headers {
        call = call.header(*name, value);
    }
    for (name, value) in &hook.headers {
        call = call.header(name.as_str(), value.as_str());
    }
    let response = call
        .body(request.body)
        .timeout(deadline.saturating_duration_since(Instant::now()))
        .send()
        .map_err(describe)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let mut snippet = String::new();
    let _ = response.take(512).read_to_string(&mut snippet);
    let snippet: String = snippet
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    Err(if snippet.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {snippet}")
    })
}

/// A reqwest error as one line, its URL removed, its causes appended.
fn describe(error: reqwest::Error) -> String {
    let timeout = error.is_timeout();
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if timeout && !text.contains("timed out") {
        text.push_str(" (timed out)");
    }
    text
}
