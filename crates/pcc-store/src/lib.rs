//! The one SQLite file every pcc-hooks process shares, and every SQL statement run against it.
//!
//! Claude Code runs matching hooks in parallel and users run many sessions at once, so the file is
//! opened in WAL mode with a busy timeout, and every write is one short `BEGIN IMMEDIATE`
//! transaction (ARCHITECTURE.md invariant 3). The schema is versioned by `PRAGMA user_version`.

mod brain_answers;
mod capabilities;
mod changes;
mod dashboard;
mod decisions;
mod deferral_marks;
mod error;
mod escalations;
mod events;
mod failure_log;
mod list_worker;
mod notifications;
mod open;
pub mod private;
mod queue;
mod resumes;
mod schema;
mod sessions;
mod spool;
mod sql_enum;
mod started_sessions;
mod task_lists;
mod webhooks;

pub use brain_answers::BrainAnswerRecord;
pub use capabilities::{
    Capability, CapabilityAnswer, CapabilityClaim, CapabilityRefusal, CapabilityToken, Inspection,
    MintedCapability, Redemption, TOKEN_PREFIX,
};
pub use changes::{OpenEscalation, OpenResume, OpenRows, OpenTask, SessionChange};
pub use dashboard::{SessionDecision, SessionRow, TimelineEvent};
pub use decisions::{DecisionCounts, DecisionRecord, RecordedDecision, StoredDecision};
pub use error::StoreError;
pub use escalations::{
    AnswerOutcome, Answered, Answerer, DeferredCall, EscalatedCall, Escalation, EscalationState,
    HUMAN_ANSWER_RESUME, NewEscalation, Provenance, Verdict,
};
pub use events::{EventRecord, HookErrorKind};
pub use failure_log::{FAILURE_LOG_MAX_BYTES, FailureLog, FailureSummary, UnrecordedFailure};
pub use list_worker::{ListWorkerLock, worker_alive};
pub use notifications::{
    DeliveryRecord, NewNotification, NotificationState, RECENT_SENDS_LIMIT, RecentNotification,
    StoredNotification,
};
pub use open::{BUSY_TIMEOUT, Store, WAL_CHECKPOINT_BYTES};
pub use queue::{
    Added, HandedTask, NewQueueTask, QueueTask, QueueTaskState, Removal, StopOutcome, StopRecord,
};
pub use resumes::{
    LIVE_SESSION_QUIET_MS, NewResume, ProcessStamp, Resume, ResumeResult, ResumeState,
};
pub use schema::SCHEMA_VERSION;
pub use sessions::SessionOverview;
pub use started_sessions::{NewStartedSession, StartTask, StartedSession, StartedState};
pub use task_lists::{
    NewTask, NewTaskList, RunningTaskList, TaskFinish, TaskList, TaskListState, TaskRow, TaskState,
    TaskStatus,
};
pub use webhooks::{
    Acceptance, ClaimedWork, DeliveryWork, REFUSED_KEPT, ReceivedDelivery, WebhookDelivery,
    WebhookOutcome,
};
