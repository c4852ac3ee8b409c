//! The server token: 256 random bits in `<data>/server.token`, mode 0600, made on first serve.
//!
//! It is the one long-lived credential: scripts send it as `Authorization: Bearer …` and a
//! human pastes it into the login form. A token file others could read may already be copied,
//! so one found looser than 0600 is refused rather than quietly tightened.

use crate::secret::new_secret;
use pcc_core::paths::DataDir;
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq as _;

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "server.token";

/// The server token, kept only in memory and in its 0600 file.
#[derive(Clone)]
pub struct ServerToken(String);

impl std::fmt::Debug for ServerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerToken(…)")
    }
}

/// Why the token cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Group or others may read it.
    #[error(
        "{} is readable by others (mode {mode:04o}), so the token may be known: delete it \
         (a new one is made on the next start) and log in again",
        path.display()
    )]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Its content is not a token of ours.
    #[error("{} does not hold a token (delete it and a new one is made)", .0.display())]
    Malformed(PathBuf),
    /// Reading or writing it failed.
    #[error("cannot use {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The OS gave no randomness for a new token.
    #[error("cannot draw random bytes for the token: {0}")]
    Random(#[from] getrandom::Error),
}

/// The token file of `data`.
pub fn token_path(data: &DataDir) -> PathBuf {
    data.root().join(TOKEN_FILE)
}

impl ServerToken {
    /// Reads the token, or makes one (created 0600) when there is none yet.
    pub fn load_or_create(data: &DataDir) -> Result<ServerToken, TokenError> {
        let path = token_path(data);
        let io = |source| TokenError::Io {
            path: path.clone(),
            source,
        };
        if let Ok(metadata) = std::fs::symlink_metadata(&path) {
            let mode = metadata.mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(TokenError::Exposed { path, mode });
            }
        }
        let (mut file, _) =
            pcc_store::private::open_file(&path, pcc_store::private::Access::ReadWrite)
                .map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let text = text.trim();
        if !text.is_empty() {
            return Self::parse(text, &path);
        }
        let token = new_secret()?;
        file.rewind().map_err(io)?;
        file.write_all(format!("{token}\n").as_bytes())
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(ServerToken(token))
    }

    fn parse(text: &str, path: &Path) -> Result<ServerToken, TokenError> {
        let plausible = text.len() >= 43
            && text
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if plausible {
            Ok(ServerToken(text.to_owned()))
        } else {
            Err(TokenError::Malformed(path.to_path_buf()))
        }
    }

    /// Whether `candidate` is the token, in time that does not depend on where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn the_token_is_made_once_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::at(dir.path());
        let made = ServerToken::load_or_create(&data).expect("made");
        let mode = std::fs::metadata(token_path(&data)).expect("file").mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = ServerToken::load_or_create(&data).expect("read");
        assert!(again.matches(&made.0));
        assert!(!again.matches("guess"));
        assert!(!again.matches(&made.0[..42]));
    }

    #[test]
    fn a_token_file_others_can_read_is_refused_not_tightened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::at(dir.path());
        ServerToken::load_or_create(&data).expect("made");
        let path = token_path(&data);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = ServerToken::load_or_create(&data);
        assert!(
            matches!(refused, Err(TokenError::Exposed { mode: 0o644, .. })),
            "{refused:?}"
        );
        let mode = std::fs::metadata(&path).expect("file").mode() & 0o777;
        assert_eq!(mode, 0o644, "left for the human to see");
    }
}
