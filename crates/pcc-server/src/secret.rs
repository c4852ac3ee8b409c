//! Random secrets (the server token, session ids, CSRF tokens, login codes) and their digests.
//!
//! Every secret is 256 bits from the operating system's generator, written as unpadded
//! base64url so it fits a URL, a cookie and a header unchanged. What the server keeps to
//! recognise one later is its SHA-256 digest, never the secret itself.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// Bytes in every secret: 256 bits.
const SECRET_BYTES: usize = 32;

/// A new random secret, as text. Fails only when the OS has no randomness to give, which no
/// request may paper over.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a secret: what a map of live secrets is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretDigest([u8; 32]);

impl SecretDigest {
    /// The digest of `secret`.
    pub fn of(secret: &str) -> SecretDigest {
        SecretDigest(Sha256::digest(secret.as_bytes()).into())
    }

    /// The first 8 hex digits: names a session in an audit (`session 3fa2c1d0`) without
    /// giving anything usable away.
    pub fn short(&self) -> String {
        self.0[..4]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bits_of_url_safe_text_and_never_repeat() {
        let first = new_secret().expect("randomness");
        let second = new_secret().expect("randomness");
        assert_eq!(first.len(), 43, "32 bytes in unpadded base64");
        assert!(
            first
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        );
        assert_ne!(first, second);
        assert_ne!(SecretDigest::of(&first), SecretDigest::of(&second));
        assert_eq!(SecretDigest::of(&first), SecretDigest::of(&first.clone()));
    }
}
