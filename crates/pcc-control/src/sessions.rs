//! A session named by a prefix of its id, as `git` takes a short hash: on the command line and
//! in the API alike.

use crate::ControlError;
use pcc_core::session_state::SessionState;
use pcc_store::Store;

/// A known session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSession {
    /// Its full id.
    pub id: String,
    /// Its project.
    pub project_root: String,
    /// Its state; `None` for a session not seen yet (to be started with its id).
    pub state: Option<SessionState>,
}

/// The one session whose id starts with `prefix`; none or several is a clear error.
pub fn resolve(store: &Store, prefix: &str) -> Result<KnownSession, ControlError> {
    if prefix.is_empty() {
        return Err(ControlError::Invalid("the session id is empty".into()));
    }
    let mut matches = store.sessions_matching(prefix)?;
    match matches.len() {
        0 => Err(ControlError::NotFound(format!(
            "no session matches '{prefix}'; `pcc-hooks status` lists the known sessions"
        ))),
        1 => {
            let (id, project_root, state) = matches.remove(0);
            Ok(KnownSession {
                id,
                project_root,
                state: Some(state),
            })
        }
        _ => Err(ControlError::Invalid(format!(
            "'{prefix}' matches {} sessions ({}); give more of the id",
            matches.len(),
            matches
                .iter()
                .map(|(id, _, _)| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The first 8 characters of a session id: enough to tell sessions apart in a listing, and
/// accepted back as a prefix.
pub fn short_id(session_id: &str) -> &str {
    session_id.get(..8).unwrap_or(session_id)
}

/// Whether `text` is a whole Claude Code session id (a UUID, 8-4-4-4-12 hex digits).
pub fn is_full_session_id(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length && group.chars().all(|c| c.is_ascii_hexdigit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_session_ids_are_uuids() {
        assert!(is_full_session_id("3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b"));
        assert!(!is_full_session_id("3f2a9c1e"));
        assert!(!is_full_session_id("3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6"));
        assert!(!is_full_session_id("zzzzzzzz-0b7d-4e8f-9a6b-1c2d3e4f5a6b"));
    }
}
