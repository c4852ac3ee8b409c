//! Browser sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS),
//! and on the server, keyed by the id's digest, the session's CSRF token.
//!
//! Sessions live in memory: restarting the server logs every browser out, which a fresh login
//! link (printed at start) or the token undoes. A session lasts [`SESSION_LIFETIME`] from login.

use crate::secret::{SecretDigest, new_secret};
use cookie::{Cookie, SameSite};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// The cookie's name over plain HTTP (loopback only).
const PLAIN_COOKIE: &str = "pcc-session";
/// Over HTTPS: the `__Host-` prefix makes browsers refuse the cookie unless it is Secure,
/// host-only and for `/`, so no sibling domain can plant or shadow it.
const SECURE_COOKIE: &str = "__Host-pcc-session";

/// One logged-in browser.
#[derive(Clone)]
pub struct Session {
    /// The digest of its id, which names it in the map.
    pub id: SecretDigest,
    /// The token its pages carry in state-changing requests.
    pub csrf: String,
    expires: Instant,
}

impl std::fmt::Debug for Session {
    /// Without the CSRF token, which is a secret of the session's pages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Every live session.
#[derive(Debug, Default)]
pub struct Sessions {
    live: Mutex<HashMap<SecretDigest, Session>>,
}

impl Sessions {
    /// Starts a session; returns the cookie that carries its id.
    pub fn start(&self, secure: bool) -> Result<Cookie<'static>, getrandom::Error> {
        let id = new_secret()?;
        let session = Session {
            id: SecretDigest::of(&id),
            csrf: new_secret()?,
            expires: Instant::now() + SESSION_LIFETIME,
        };
        let mut live = self.lock();
        let now = Instant::now();
        live.retain(|_, session| session.expires > now);
        live.insert(session.id, session);
        Ok(session_cookie(id, secure))
    }

    /// The session a request's `Cookie` header names, if it is live.
    pub fn find(&self, cookie_header: &str) -> Option<Session> {
        let live = self.lock();
        Cookie::split_parse(cookie_header.to_owned())
            .filter_map(Result::ok)
            .filter(|cookie| matches!(cookie.name(), PLAIN_COOKIE | SECURE_COOKIE))
            .filter_map(|cookie| live.get(&SecretDigest::of(cookie.value())).cloned())
            .find(|session| session.expires > Instant::now())
    }

    /// Ends a session (logout).
    pub fn end(&self, id: SecretDigest) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretDigest, Session>> {
        // A panic while holding the lock leaves a map that is still whole: keep using it.
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn session_cookie(id: String, secure: bool) -> Cookie<'static> {
    let name = if secure { SECURE_COOKIE } else { PLAIN_COOKIE };
    Cookie::build((name, id))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(
            i64::try_from(SESSION_LIFETIME.as_secs()).unwrap_or(i64::MAX),
        ))
        .build()
}

/// A cookie that makes the browser forget the session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), secure);
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_cookie_only_and_ends_on_logout() {
        let sessions = Sessions::default();
        let cookie = sessions.start(false).expect("random");
        let text = cookie.to_string();
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Strict"),
            "{text}"
        );
        assert!(!text.contains("Secure"), "{text}");
        let header = format!("other=1; {}={}", cookie.name(), cookie.value());
        let session = sessions.find(&header).expect("found");
        assert!(sessions.find("pcc-session=forged").is_none());
        sessions.end(session.id);
        assert!(sessions.find(&header).is_none());
    }

    #[test]
    fn over_https_the_cookie_is_secure_and_host_prefixed() {
        let sessions = Sessions::default();
        let cookie = sessions.start(true).expect("random");
        assert_eq!(cookie.name(), SECURE_COOKIE);
        assert!(cookie.to_string().contains("Secure"));
    }
}
