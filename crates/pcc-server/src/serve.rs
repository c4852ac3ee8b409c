//! Starting one server: check the exposure, take the database's server lock, load the TLS
//! files and the token, bind, then watch the database and serve until told to stop.

use crate::auth::token::ServerToken;
use crate::listen::{Peer, TlsListener, tls_config};
use crate::options::{ServeConfig, ServeError};
use crate::state::AppState;
use pcc_control::server_lock::ServerLock;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A bound server, not yet serving: its address and login links are known, so the caller can
/// print them (or a test can use them) before [`Server::run`].
pub struct Server {
    state: AppState,
    lock: ServerLock,
    tcp: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    local: SocketAddr,
}

impl Server {
    /// Checks `config` and binds its address. Nothing is served yet.
    pub async fn bind(config: ServeConfig) -> Result<Server, ServeError> {
        config.check_exposure()?;
        let lock = ServerLock::acquire(&config.data)?;
        let tls = config.tls.as_ref().map(tls_config).transpose()?;
        let token = ServerToken::load_or_create(&config.data)?;
        let tcp = TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServeError::Io {
                what: format!("cannot listen on {}", config.listen),
                source,
            })?;
        let local = tcp.local_addr().map_err(|source| ServeError::Io {
            what: "cannot read the bound address".into(),
            source,
        })?;
        let state = AppState::new(config, local, token)?;
        let mut server = Server {
            state,
            lock,
            tcp,
            tls,
            local,
        };
        let url = server.base_url();
        server
            .lock
            .announce(&url)
            .map_err(|source| ServeError::Io {
                what: "cannot write the server lock file".into(),
                source,
            })?;
        Ok(server)
    }

    /// The address bound (with the port chosen when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The shared state (tests use it to reach the sessions and the change channel).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The URL a human opens: `[server] public_url` when set, else this address (an address
    /// meaning every interface is shown as `localhost`).
    pub fn base_url(&self) -> String {
        if let Some(public) = self.state.public_url() {
            return public.trim_end_matches('/').to_owned();
        }
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let host = if self.local.ip().is_unspecified() {
            format!("localhost:{}", self.local.port())
        } else {
            self.local.to_string()
        };
        format!("{scheme}://{host}")
    }

    /// A new one-time login link.
    pub fn login_link(&self) -> Result<String, ServeError> {
        let code = self.state.auth().login_codes.issue()?;
        Ok(format!("{}/login?code={code}", self.base_url()))
    }

    /// Serves until `shutdown` completes, then lets open requests finish. The database is
    /// watched for the event stream meanwhile; the server lock is held throughout.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let _watcher =
            crate::events::watch::start(self.state.data().database(), self.state.changes().clone())
                .map_err(|source| ServeError::Io {
                    what: "cannot start the database watcher".into(),
                    source,
                })?;
        let _lock = self.lock;
        // Holding the lock, this is the database's one server: webhook work the last one
        // recorded and never began is done now.
        crate::webhooks::recover(self.state.clone());
        let app = crate::router(self.state.clone()).into_make_service_with_connect_info::<Peer>();
        let served = match self.tls {
            Some(config) => {
                let listener =
                    TlsListener::new(self.tcp, config).map_err(|source| ServeError::Io {
                        what: "cannot start TLS".into(),
                        source,
                    })?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            None => {
                axum::serve(self.tcp, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        served.map_err(|source| ServeError::Io {
            what: "the server stopped".into(),
            source,
        })
    }
}
