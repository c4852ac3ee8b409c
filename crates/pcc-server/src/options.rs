//! What `pcc-hooks serve` is told: where to listen, how (TLS or behind a proxy), for which
//! database; and the rule that keeps a plain-HTTP server off the open network.

use pcc_core::paths::DataDir;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The address `serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// A certificate chain and its private key, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Everything one server needs to start.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The data directory whose database is served.
    pub data: DataDir,
    /// The address to bind (port 0: any free port, as tests use).
    pub listen: SocketAddr,
    /// Serve HTTPS with these files.
    pub tls: Option<TlsFiles>,
    /// A reverse proxy (Tailscale Serve, Caddy) terminates TLS in front of us: its
    /// `X-Forwarded-For` and `X-Forwarded-Proto` are believed, and only then.
    pub behind_proxy: bool,
    /// The URL humans reach the server by (`[server] public_url`), when it is not the listen
    /// address: its host is one we serve and its origin one we accept.
    pub public_url: Option<String>,
    /// The `pcc-hooks` binary, run as `pcc-hooks scheduler` when an answer schedules a resume.
    pub hooks_program: PathBuf,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a non-loopback address would send the token and cookies in clear.
    #[error(
        "refusing to listen on {0} without TLS: anyone on that network could read the login \
         cookie; give --tls-cert and --tls-key, put a TLS proxy in front and pass \
         --behind-proxy, or listen on 127.0.0.1"
    )]
    PlainOnOpenNetwork(SocketAddr),
    /// A TLS certificate or key that cannot be used.
    #[error("cannot use the TLS {what} {path}: {reason}")]
    Tls {
        /// "certificate" or "key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The public URL is not a URL we can take a host from.
    #[error("[server] public_url {0:?} is not an http(s) URL with a host; fix it in config.toml")]
    PublicUrl(String),
    /// Another server already serves this database, or its lock file is unusable.
    #[error(transparent)]
    Lock(#[from] pcc_control::server_lock::LockError),
    /// The token file is unusable.
    #[error(transparent)]
    Token(#[from] crate::auth::token::TokenError),
    /// Binding or another OS call failed.
    #[error("{what}: {source}")]
    Io {
        /// What failed.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The OS gave no randomness.
    #[error("cannot draw random bytes for a secret: {0}")]
    Random(#[from] getrandom::Error),
}

impl ServeConfig {
    /// Refuses plain HTTP beyond loopback: the token, login link and cookies would cross the
    /// network in clear. TLS or an explicit `--behind-proxy` lifts it.
    pub fn check_exposure(&self) -> Result<(), ServeError> {
        if self.listen.ip().is_loopback() || self.tls.is_some() || self.behind_proxy {
            Ok(())
        } else {
            Err(ServeError::PlainOnOpenNetwork(self.listen))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: &str, tls: bool, behind_proxy: bool) -> ServeConfig {
        ServeConfig {
            data: DataDir::at("/nonexistent"),
            listen: listen.parse().expect("address"),
            tls: tls.then(|| TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into(),
            }),
            behind_proxy,
            public_url: None,
            hooks_program: "pcc-hooks".into(),
        }
    }

    #[test]
    fn plain_http_is_refused_beyond_loopback_unless_tls_or_a_proxy_is_declared() {
        assert!(
            config("127.0.0.1:7878", false, false)
                .check_exposure()
                .is_ok()
        );
        assert!(config("[::1]:7878", false, false).check_exposure().is_ok());
        for open in ["0.0.0.0:7878", "[::]:7878", "192.0.2.7:7878"] {
            let refused = config(open, false, false).check_exposure();
            assert!(
                matches!(refused, Err(ServeError::PlainOnOpenNetwork(_))),
                "{open}: {refused:?}"
            );
            assert!(config(open, true, false).check_exposure().is_ok());
            assert!(config(open, false, true).check_exposure().is_ok());
        }
    }
}
