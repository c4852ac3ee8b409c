//! The headers every dashboard response carries.
//!
//! - **Content-Security-Policy**: scripts, styles and connections from this origin only, and no
//!   inline script or style at all (the pages have none: [`super::assets`]); no plugins, frames,
//!   or forms posting elsewhere. A value that escaped the templates' escaping still could not
//!   run.
//! - **`X-Frame-Options: DENY`** and `frame-ancestors 'none'`: no other site can frame a page
//!   to trick a click on Approve.
//! - **`Referrer-Policy: same-origin`**: nothing of our URLs reaches another site. Not
//!   `no-referrer`: under it a browser sends `Origin: null` with every form POST (the Fetch
//!   standard's "serializing a request origin"), and a state change from a browser must carry
//!   our own Origin (`auth::gate`); `same-origin` leaves our own requests their Origin and gives
//!   other sites nothing, which is what `no-referrer` is for.
//! - **`Cache-Control: no-store`** on pages (they show pending calls and CSRF tokens), and
//!   `nosniff`.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The policy of every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The referrer policy of every page (see the module doc for why not `no-referrer`).
pub const REFERRER_POLICY: &str = "same-origin";

/// Adds the security headers to a dashboard response; a page (not an asset, which sets its own
/// caching) is never stored.
pub async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
