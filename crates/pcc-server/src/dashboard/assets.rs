//! The dashboard's style sheet and script, compiled into the binary (`include_str!`): no CDN,
//! nothing to install beside the binary, and it works offline.
//!
//! Each is served with an `ETag` (its SHA-256) and `Cache-Control: no-cache`, so a browser keeps
//! it but asks again after an upgrade; a matching `If-None-Match` gets 304.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;
use std::sync::LazyLock;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "dashboard.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/dashboard.css"),
    },
    Asset {
        name: "dashboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/dashboard.js"),
    },
];

/// Each asset's ETag, in the order of [`ASSETS`].
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body.as_bytes());
            let mut tag = String::from("\"");
            for byte in &digest[..12] {
                let _ = write!(tag, "{byte:02x}");
            }
            tag.push('"');
            tag
        })
        .collect()
});

/// The style sheet's URL.
pub const STYLE: &str = "/assets/dashboard.css";
/// The script's URL.
pub const SCRIPT: &str = "/assets/dashboard.js";

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>, request: HeaderMap) -> Response {
    let Some((index, asset)) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, asset)| asset.name == name)
    else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = &ETAGS[index];
    let cached = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    response
}
