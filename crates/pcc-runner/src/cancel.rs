//! A cloneable cancellation flag that can be awaited.

use std::sync::Arc;
use tokio::sync::watch;

/// Cancels a running child (and a pause of [`crate::run_until_done`]) from anywhere: every clone
/// shares one flag, and once cancelled it stays cancelled.
#[derive(Clone, Debug)]
pub struct CancelToken {
    flag: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken {
            flag: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Cancels every clone of this token; waking all tasks awaiting [`CancelToken::cancelled`].
    pub fn cancel(&self) {
        self.flag.send_replace(true);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.flag.borrow()
    }

    /// Completes once the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let mut receiver = self.flag.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}
