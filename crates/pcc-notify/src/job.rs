//! Sending from a detached child, so a hook never waits for a slow webhook.
//!
//! Intended use (the subcommand itself lives in `pcc-hooks`):
//!
//! 1. the hook builds the [`Notification`], asks [`crate::throttle::decide`], records the send,
//!    and calls [`spawn_detached_sender`] with its own executable (`std::env::current_exe()`)
//!    and a [`SendJob`]; it drops the returned `Child` without waiting and answers Claude;
//! 2. the child, `pcc-hooks notify send-json`, reads its stdin to the end, parses it with
//!    [`SendJob::from_json`], calls [`crate::send()`] with [`crate::SendEnv::from_process`], and
//!    records the [`crate::Delivery`] list (failures included) where [`SendJob::record`] says,
//!    then exits. It must print
//!    nothing on stdout and must not fail loudly: nobody reads it.
//!
//! The job travels on **stdin, never argv**: webhook URLs and header values are secrets, and
//! argv is world-readable in `ps` / `/proc/<pid>/cmdline`. The child is put in its own process
//! group so a Ctrl-C or a kill of the hook's group does not take it down, with stdout and stderr
//! to `/dev/null` (a hook's stdout is the protocol; Claude Code waits for its pipes to close).

use crate::config::NotifyConfig;
use crate::message::Notification;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The arguments of the sender subcommand.
pub const SEND_JSON_ARGS: [&str; 2] = ["notify", "send-json"];

/// Everything a detached sender needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendJob {
    /// The channels and the timeout.
    pub config: NotifyConfig,
    /// The message.
    pub notification: Notification,
    /// Where the child records the deliveries: the row the hook stored when it decided to send.
    /// `None`: nowhere (the outcome is only logged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordTarget>,
}

/// The stored row a detached sender completes with the deliveries. The database travels with
/// the job because the child must write where the parent read, whatever its own environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordTarget {
    /// The SQLite file.
    pub database: PathBuf,
    /// The notification's row id in it.
    pub id: i64,
}

impl SendJob {
    /// A job for `notification` with `config`, recorded nowhere.
    pub fn new(config: NotifyConfig, notification: Notification) -> Self {
        Self {
            config,
            notification,
            record: None,
        }
    }

    /// The same job, recording its deliveries in row `id` of `database`.
    pub fn recorded_in(mut self, database: impl Into<PathBuf>, id: i64) -> Self {
        self.record = Some(RecordTarget {
            database: database.into(),
            id,
        });
        self
    }

    /// The JSON the child reads on stdin.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Parses what [`SendJob::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// Spawns `executable notify send-json` detached (own process group, stdout and stderr null),
/// writes `job` to its stdin and closes it. Returns the running child; drop it to not wait (the
/// hook process exits soon after, and init reaps the orphan).
pub fn spawn_detached_sender(executable: &Path, job: &SendJob) -> std::io::Result<Child> {
    let json = job.to_json().map_err(std::io::Error::other)?;
    let mut child = Command::new(executable)
        .args(SEND_JSON_ARGS)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(json.as_bytes()),
        None => Err(std::io::Error::other("the child has no stdin")),
    };
    if let Err(e) = written {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NotifyKind;

    #[test]
    fn a_job_round_trips_with_and_without_its_record() -> Result<(), serde_json::Error> {
        let message = Notification::new(NotifyKind::Test, "t", "b", jiff::Timestamp::UNIX_EPOCH);
        let bare = SendJob::new(NotifyConfig::default(), message);
        assert!(!bare.to_json()?.contains("record"));
        assert_eq!(SendJob::from_json(&bare.to_json()?)?, bare);
        let recorded = bare.recorded_in("/data/pcc.db", 42);
        assert_eq!(SendJob::from_json(&recorded.to_json()?)?, recorded);
        assert_eq!(
            recorded.record.map(|r| (r.database, r.id)),
            Some((PathBuf::from("/data/pcc.db"), 42))
        );
        Ok(())
    }
}
