//! What every handler shares: the database's place, the credentials and sessions, the event
//! channel, and how to reach the store without blocking the async runtime.

use crate::auth::gate::Gate;
use crate::auth::limit::FailedLogins;
use crate::auth::login::LoginCodes;
use crate::auth::session::Sessions;
use crate::auth::token::ServerToken;
use crate::error::ApiError;
use crate::events::Change;
use crate::options::{ServeConfig, ServeError};
use pcc_core::paths::DataDir;
use pcc_store::Store;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many changes a slow SSE client may fall behind before it is told to resync.
const EVENT_BACKLOG: usize = 1024;

/// The shared state, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServeConfig,
    auth: Auth,
    changes: broadcast::Sender<Change>,
}

/// Credentials, sessions and the checks that use them.
#[derive(Debug)]
pub struct Auth {
    /// The server token.
    pub token: ServerToken,
    /// Logged-in browsers.
    pub sessions: Sessions,
    /// Login links not yet used.
    pub login_codes: LoginCodes,
    /// Failed logins per client address.
    pub failed_logins: FailedLogins,
    /// Which Host and Origin values are ours.
    pub gate: Gate,
}

impl AppState {
    /// The state of a server bound to `bound` (the real address, port 0 resolved).
    pub fn new(
        config: ServeConfig,
        bound: SocketAddr,
        token: ServerToken,
    ) -> Result<AppState, ServeError> {
        let gate = Gate::new(
            bound,
            config.tls.is_some(),
            config.behind_proxy,
            config.public_url.as_deref(),
        )?;
        let (changes, _) = broadcast::channel(EVENT_BACKLOG);
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                auth: Auth {
                    token,
                    sessions: Sessions::default(),
                    login_codes: LoginCodes::default(),
                    failed_logins: FailedLogins::default(),
                    gate,
                },
                changes,
            }),
        })
    }

    /// Credentials, sessions and the gate.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The data directory served.
    pub fn data(&self) -> &DataDir {
        &self.inner.config.data
    }

    /// `[server] public_url`, when set.
    pub fn public_url(&self) -> Option<&str> {
        self.inner.config.public_url.as_deref()
    }

    /// The `pcc-hooks` binary that starts schedulers.
    pub fn hooks_program(&self) -> &Path {
        &self.inner.config.hooks_program
    }

    /// The sender of database changes (the watcher's end).
    pub fn changes(&self) -> &broadcast::Sender<Change> {
        &self.inner.changes
    }

    /// Runs `read` on the database without creating it (`None` when there is none yet), on the
    /// blocking pool: SQLite calls block.
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(Option<&mut Store>) -> Result<T, ApiError> + Send + 'static,
    {
        let database = self.data().database();
        blocking(move || {
            let mut store = Store::open_existing(&database)?;
            read(store.as_mut())
        })
        .await
    }

    /// Runs `write` on the database (created and migrated when needed), on the blocking pool.
    pub async fn write<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let database = self.data().database();
        blocking(move || write(&mut Store::open(&database)?)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(format!("a database task failed: {error}")))?
}
