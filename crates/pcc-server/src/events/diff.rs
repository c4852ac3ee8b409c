//! Two readings of the open rows (`pcc_store::OpenRows`) → the changes between them. Pure: the
//! watcher does the reading, including how rows that left the open set ended.

use super::Change;
use pcc_core::session_state::SessionState;
use pcc_store::{
    HUMAN_ANSWER_RESUME, OpenEscalation, OpenResume, OpenRows, OpenTask, QueueTaskState,
    ResumeState, Verdict,
};
use std::collections::{BTreeMap, HashMap};

/// What the last reading showed.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The newest event id seen: the next reading asks for sessions touched after it.
    pub last_event_id: i64,
    sessions: HashMap<String, SessionState>,
    escalations: BTreeMap<i64, OpenEscalation>,
    tasks: BTreeMap<i64, OpenTask>,
    resumes: BTreeMap<i64, OpenResume>,
}

/// Rows that left the open set, to be looked up: how did they end?
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gone {
    /// Escalations no longer pending.
    pub escalations: Vec<i64>,
    /// Queue tasks no longer pending or active.
    pub tasks: Vec<i64>,
    /// Resumes no longer pending or running.
    pub resumes: Vec<i64>,
}

/// How the gone rows ended, as the store says.
#[derive(Debug, Default)]
pub struct Endings {
    /// `(escalation, verdict)`.
    pub verdicts: Vec<(i64, Verdict)>,
    /// `(task, state)`.
    pub tasks: Vec<(i64, QueueTaskState)>,
    /// `(resume, state)`.
    pub resumes: Vec<(i64, ResumeState)>,
}

impl Snapshot {
    /// The first reading: everything open is taken as known (no event for what was there
    /// before the server started).
    pub fn first(rows: OpenRows) -> Snapshot {
        Snapshot {
            last_event_id: rows.last_event_id,
            sessions: HashMap::new(),
            escalations: rows.escalations.into_iter().map(|e| (e.id, e)).collect(),
            tasks: rows.tasks.into_iter().map(|t| (t.id, t)).collect(),
            resumes: rows.resumes.into_iter().map(|r| (r.id, r)).collect(),
        }
    }

    /// The rows of the last reading that are not open in `rows`.
    pub fn gone(&self, rows: &OpenRows) -> Gone {
        fn missing<T>(before: &BTreeMap<i64, T>, now: impl Iterator<Item = i64>) -> Vec<i64> {
            let now: std::collections::BTreeSet<i64> = now.collect();
            before
                .keys()
                .filter(|id| !now.contains(id))
                .copied()
                .collect()
        }
        Gone {
            escalations: missing(&self.escalations, rows.escalations.iter().map(|e| e.id)),
            tasks: missing(&self.tasks, rows.tasks.iter().map(|t| t.id)),
            resumes: missing(&self.resumes, rows.resumes.iter().map(|r| r.id)),
        }
    }

    /// Takes in a new reading and returns what changed since the last, in this order: sessions,
    /// escalations, tasks, resumes.
    pub fn advance(&mut self, rows: OpenRows, endings: &Endings) -> Vec<Change> {
        let mut changes = Vec::new();
        for session in rows.touched_sessions {
            let previous = self
                .sessions
                .insert(session.session_id.clone(), session.state);
            if previous != Some(session.state) {
                changes.push(Change::SessionState {
                    session_id: session.session_id,
                    state: session.state.as_str().to_owned(),
                    last_event: session.last_event,
                });
            }
        }
        let escalations: BTreeMap<i64, OpenEscalation> =
            rows.escalations.into_iter().map(|e| (e.id, e)).collect();
        for (id, escalation) in &escalations {
            if !self.escalations.contains_key(id) {
                changes.push(Change::EscalationRaised {
                    id: *id,
                    session_id: escalation.session_id.clone(),
                    kind: escalation.kind.as_str().to_owned(),
                    summary: escalation.summary.clone(),
                });
            }
        }
        for (id, before) in &self.escalations {
            if !escalations.contains_key(id) {
                changes.push(Change::EscalationAnswered {
                    id: *id,
                    session_id: before.session_id.clone(),
                    verdict: endings
                        .verdicts
                        .iter()
                        .find(|(ended, _)| ended == id)
                        .map(|(_, verdict)| verdict.as_str().to_owned()),
                });
            }
        }
        let tasks: BTreeMap<i64, OpenTask> = rows.tasks.into_iter().map(|t| (t.id, t)).collect();
        for (id, task) in &tasks {
            let before = self.tasks.get(id).map(|before| before.state);
            if before.is_none() {
                changes.push(Change::TaskQueued {
                    id: *id,
                    session_id: task.session_id.clone(),
                    project_root: task.project_root.clone(),
                });
            }
            if task.state == QueueTaskState::Active && before != Some(QueueTaskState::Active) {
                changes.push(Change::TaskStarted {
                    id: *id,
                    session_id: task.session_id.clone(),
                    project_root: task.project_root.clone(),
                });
            }
        }
        for (id, before) in &self.tasks {
            if !tasks.contains_key(id) {
                changes.push(Change::TaskFinished {
                    id: *id,
                    session_id: before.session_id.clone(),
                    project_root: before.project_root.clone(),
                    state: ended_as(&endings.tasks, *id).map(|state| state.as_str().to_owned()),
                });
            }
        }
        let resumes: BTreeMap<i64, OpenResume> =
            rows.resumes.into_iter().map(|r| (r.id, r)).collect();
        for (id, resume) in &resumes {
            let before = self.resumes.get(id).map(|before| before.state);
            if before.is_none() && resume.limit_kind != HUMAN_ANSWER_RESUME {
                changes.push(Change::LimitScheduled {
                    resume_id: *id,
                    session_id: resume.session_id.clone(),
                    limit: resume.limit_kind.clone(),
                    due: crate::events::rfc3339(resume.due_ms),
                });
            }
            if resume.state == ResumeState::Running && before != Some(ResumeState::Running) {
                changes.push(Change::LimitResumed {
                    resume_id: *id,
                    session_id: resume.session_id.clone(),
                    limit: resume.limit_kind.clone(),
                });
            }
        }
        for (id, before) in &self.resumes {
            if !resumes.contains_key(id) {
                changes.push(Change::ResumeFinished {
                    resume_id: *id,
                    session_id: before.session_id.clone(),
                    state: ended_as(&endings.resumes, *id).map(|state| state.as_str().to_owned()),
                });
            }
        }
        self.last_event_id = rows.last_event_id;
        self.escalations = escalations;
        self.tasks = tasks;
        self.resumes = resumes;
        changes
    }
}

fn ended_as<T: Copy>(endings: &[(i64, T)], id: i64) -> Option<T> {
    endings
        .iter()
        .find(|(ended, _)| *ended == id)
        .map(|(_, state)| *state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcc_core::bridge::human_answer::EscalationKind;
    use pcc_store::SessionChange;

    fn escalation(id: i64) -> OpenEscalation {
        OpenEscalation {
            id,
            session_id: "s1".into(),
            kind: EscalationKind::Permission,
            summary: "git push --force".into(),
        }
    }

    fn task(id: i64, state: QueueTaskState) -> OpenTask {
        OpenTask {
            id,
            session_id: Some("s1".into()),
            project_root: "/p".into(),
            state,
        }
    }

    fn resume(id: i64, state: ResumeState, limit: &str) -> OpenResume {
        OpenResume {
            id,
            session_id: "s1".into(),
            state,
            limit_kind: limit.into(),
            due_ms: 0,
        }
    }

    fn names(changes: &[Change]) -> Vec<&'static str> {
        changes.iter().map(Change::name).collect()
    }

    #[test]
    fn each_kind_of_change_is_named_once_and_what_was_there_before_is_not() {
        let mut snapshot = Snapshot::first(OpenRows {
            last_event_id: 5,
            escalations: vec![escalation(1)],
            ..OpenRows::default()
        });
        let changes = snapshot.advance(
            OpenRows {
                last_event_id: 7,
                touched_sessions: vec![SessionChange {
                    session_id: "s1".into(),
                    state: SessionState::Working,
                    last_event: "PreToolUse".into(),
                }],
                escalations: vec![escalation(1), escalation(2)],
                tasks: vec![task(3, QueueTaskState::Pending)],
                resumes: vec![resume(4, ResumeState::Pending, "five_hour")],
            },
            &Endings::default(),
        );
        assert_eq!(
            names(&changes),
            [
                "session_state",
                "escalation_raised",
                "task_queued",
                "limit_scheduled"
            ]
        );
        assert_eq!(snapshot.last_event_id, 7);

        let rows = OpenRows {
            last_event_id: 8,
            touched_sessions: vec![SessionChange {
                session_id: "s1".into(),
                state: SessionState::Working,
                last_event: "PostToolUse".into(),
            }],
            escalations: vec![escalation(2)],
            tasks: vec![task(3, QueueTaskState::Active)],
            resumes: vec![resume(4, ResumeState::Running, "five_hour")],
        };
        assert_eq!(
            snapshot.gone(&rows),
            Gone {
                escalations: vec![1],
                tasks: vec![],
                resumes: vec![]
            }
        );
        let changes = snapshot.advance(
            rows,
            &Endings {
                verdicts: vec![(1, Verdict::Approve)],
                ..Endings::default()
            },
        );
        assert_eq!(
            names(&changes),
            ["escalation_answered", "task_started", "limit_resumed"],
            "the same state again is no change"
        );
        assert!(matches!(
            &changes[0],
            Change::EscalationAnswered { verdict: Some(verdict), .. } if verdict == "approve"
        ));

        let changes = snapshot.advance(
            OpenRows {
                last_event_id: 8,
                escalations: vec![escalation(2)],
                resumes: vec![resume(9, ResumeState::Pending, HUMAN_ANSWER_RESUME)],
                ..OpenRows::default()
            },
            &Endings {
                tasks: vec![(3, QueueTaskState::Done)],
                resumes: vec![(4, ResumeState::Done)],
                ..Endings::default()
            },
        );
        assert_eq!(
            names(&changes),
            ["task_finished", "resume_finished"],
            "a resume carrying an answer is no limit"
        );
    }
}
