//! The first check of every request: is it addressed to us (Host), and does a state-changing
//! one come from our own pages (Origin)?
//!
//! **Host** defeats DNS rebinding: a page on `evil.example` whose name is re-pointed at
//! 127.0.0.1 reaches this server from the victim's browser with `Host: evil.example`. Only
//! the names we serve are accepted (421 otherwise): the listen address, the localhost forms of
//! a loopback one, any IP literal when listening on every interface (a rebinding needs a name
//! the attacker owns, never a literal), and the host of `[server] public_url`.
//!
//! **Origin** defeats cross-site requests: a POST whose `Origin` is not ours is refused (403)
//! whatever credential it carries. (A cookie-authenticated one must also carry an Origin and the
//! session's CSRF token: `auth::require`.)
//!
//! It also settles who the client is ([`RequestContext::client`]): the peer address, or, only
//! with `--behind-proxy`, the address the proxy appended to `X-Forwarded-For`.

use crate::error::ApiError;
use crate::listen::Peer;
use crate::options::ServeError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use std::net::{IpAddr, SocketAddr};

/// Which Host and Origin values are ours.
#[derive(Debug, Clone)]
pub struct Gate {
    listen: SocketAddr,
    tls: bool,
    behind_proxy: bool,
    public: Option<PublicUrl>,
}

/// `[server] public_url`, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PublicUrl {
    /// `host[:port]` as a browser sends it in `Host` (default port left out), lowercase.
    authority: String,
    /// `scheme://authority`, as a browser sends it in `Origin`.
    origin: String,
}

impl PublicUrl {
    fn parse(url: &str) -> Result<PublicUrl, ServeError> {
        let refused = || ServeError::PublicUrl(url.to_owned());
        let (scheme, rest) = url.split_once("://").ok_or_else(refused)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => ":443",
            "http" => ":80",
            _ => return Err(refused()),
        };
        let authority = rest
            .split(['/', '?', '#'])
            .next()
            .filter(|authority| !authority.is_empty() && !authority.contains('@'))
            .ok_or_else(refused)?
            .to_ascii_lowercase();
        let authority = authority
            .strip_suffix(default_port)
            .map_or(authority.clone(), str::to_owned);
        Ok(PublicUrl {
            origin: format!("{scheme}://{authority}"),
            authority,
        })
    }
}

impl Gate {
    /// The gate of a server bound to `listen`.
    pub fn new(
        listen: SocketAddr,
        tls: bool,
        behind_proxy: bool,
        public_url: Option<&str>,
    ) -> Result<Gate, ServeError> {
        Ok(Gate {
            listen,
            tls,
            behind_proxy,
            public: public_url.map(PublicUrl::parse).transpose()?,
        })
    }

    /// Whether a request's `Host` names us.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self
            .public
            .as_ref()
            .is_some_and(|public| public.authority == host)
        {
            return true;
        }
        let Some((name, port)) = split_authority(&host) else {
            return false;
        };
        if port != Some(self.listen.port()) {
            return false;
        }
        let ours = self.listen.ip();
        match name.parse::<IpAddr>() {
            Ok(ip) => {
                ip == ours || ours.is_unspecified() || (ours.is_loopback() && ip.is_loopback())
            }
            Err(_) => name == "localhost" && (ours.is_loopback() || ours.is_unspecified()),
        }
    }

    /// Whether `origin` is this server as the browser reached it (`https` when it did).
    fn origin_allowed(&self, origin: &str, host: &str, https: bool) -> bool {
        let origin = origin.to_ascii_lowercase();
        let scheme = if https { "https" } else { "http" };
        origin == format!("{scheme}://{}", host.to_ascii_lowercase())
            || self
                .public
                .as_ref()
                .is_some_and(|public| public.origin == origin)
    }

    /// Whether the client reached us over HTTPS: our own TLS, or a proxy's we were told of
    /// (its `X-Forwarded-Proto`, or an `https` public URL, for proxies that send none).
    fn https(&self, headers: &HeaderMap) -> bool {
        let forwarded_https = || {
            headers
                .get("x-forwarded-proto")
                .and_then(|value| value.to_str().ok())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
        };
        let public_https = || {
            self.public
                .as_ref()
                .is_some_and(|public| public.origin.starts_with("https://"))
        };
        self.tls || (self.behind_proxy && (forwarded_https() || public_https()))
    }

    /// The client's address: the peer's, or behind a proxy the last `X-Forwarded-For` entry
    /// (the one our proxy added; earlier entries are whatever the client claimed).
    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        if !self.behind_proxy {
            return peer.ip();
        }
        // Only the rightmost entry: one that does not parse falls back to the peer rather than
        // to an entry the client wrote.
        headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok())
            .unwrap_or(peer.ip())
    }
}

/// `(name, port)` of `host[:port]` or `[v6][:port]`.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        (name, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse().ok()?),
        None => None,
    };
    Some((name, port))
}

/// What the gate learned about a request, for the handlers after it.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who the client is (see the module doc).
    pub client: IpAddr,
    /// Whether the client reached us over HTTPS (cookies are then `Secure`).
    pub https: bool,
    /// Whether the request came with an `Origin` header (already checked to be ours).
    pub has_origin: bool,
}

/// Methods that change nothing, which need no Origin check.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware: refuses a foreign Host (421) or, on a state change, a foreign Origin (403).
pub async fn check(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    mut request: Request,
    next: Next,
) -> Response {
    let gate = &state.auth().gate;
    let headers = request.headers();
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        })
        .map(str::to_owned)
    else {
        return ApiError::bad_request("the request has no Host header").into_response();
    };
    if !gate.host_allowed(&host) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this server does not answer to the host {host:?}; open it by its own address, \
                 or set [server] public_url to the URL you use"
            ),
        )
        .into_response();
    }
    let https = gate.https(headers);
    let origin = headers
        .get(header::ORIGIN)
        .map(|value| value.to_str().unwrap_or("").to_owned());
    if !is_safe(request.method())
        && let Some(origin) = &origin
        && !gate.origin_allowed(origin, &host, https)
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!("refused a request from another site (Origin {origin:?})"),
        )
        .into_response();
    }
    let context = RequestContext {
        client: gate.client(peer.0, headers),
        https,
        has_origin: origin.is_some(),
    };
    request.extensions_mut().insert(context);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(listen: &str, public: Option<&str>) -> Gate {
        Gate::new(listen.parse().expect("addr"), false, false, public).expect("gate")
    }

    #[test]
    fn a_loopback_server_answers_to_its_address_and_localhost_only() {
        let gate = gate("127.0.0.1:7878", None);
        for ok in [
            "127.0.0.1:7878",
            "localhost:7878",
            "LOCALHOST:7878",
            "[::1]:7878",
        ] {
            assert!(gate.host_allowed(ok), "{ok}");
        }
        for refused in [
            "evil.example:7878",
            "127.0.0.1:7879",
            "127.0.0.1",
            "localhost",
            "localhost.evil.example:7878",
            "192.0.2.1:7878",
            "",
            "[::1",
        ] {
            assert!(!gate.host_allowed(refused), "{refused}");
        }
    }

    #[test]
    fn every_interface_takes_any_ip_literal_but_no_foreign_name() {
        let gate = gate("0.0.0.0:7878", Some("https://box.tail1234.ts.net/"));
        assert!(gate.host_allowed("192.0.2.1:7878"));
        assert!(gate.host_allowed("box.tail1234.ts.net"));
        assert!(!gate.host_allowed("box.tail1234.ts.net:7878"));
        assert!(!gate.host_allowed("rebind.evil.example:7878"));
    }

    #[test]
    fn the_origin_must_be_the_host_reached_or_the_public_url() {
        let gate = gate("127.0.0.1:7878", Some("https://pcc.example.org:8443/x"));
        assert!(gate.origin_allowed("http://127.0.0.1:7878", "127.0.0.1:7878", false));
        assert!(!gate.origin_allowed("https://127.0.0.1:7878", "127.0.0.1:7878", false));
        assert!(!gate.origin_allowed("http://evil.example", "127.0.0.1:7878", false));
        assert!(!gate.origin_allowed("null", "127.0.0.1:7878", false));
        assert!(gate.origin_allowed("https://pcc.example.org:8443", "x", true));
    }

    #[test]
    fn forwarded_headers_are_believed_behind_a_proxy_only() {
        let peer: SocketAddr = "127.0.0.1:50000".parse().expect("addr");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", "https".parse().expect("value"));
        headers.insert(
            "x-forwarded-for",
            "198.51.100.9, 192.0.2.44".parse().expect("value"),
        );
        let direct = gate("127.0.0.1:7878", None);
        assert!(!direct.https(&headers), "a client's own X-Forwarded-Proto");
        assert_eq!(direct.client(peer, &headers), peer.ip());
        let proxied = Gate::new(peer, false, true, None).expect("gate");
        assert!(proxied.https(&headers));
        assert_eq!(
            proxied.client(peer, &headers).to_string(),
            "192.0.2.44",
            "the entry the proxy appended, not the client's claim before it"
        );
        assert!(!proxied.https(&HeaderMap::new()));
        let public =
            Gate::new(peer, false, true, Some("https://box.tail1234.ts.net")).expect("gate");
        assert!(public.https(&HeaderMap::new()), "an https public URL");
        let mut garbage = HeaderMap::new();
        garbage.insert("x-forwarded-for", "192.0.2.1, junk".parse().expect("value"));
        assert_eq!(proxied.client(peer, &garbage), peer.ip());
    }

    #[test]
    fn a_public_url_needs_a_scheme_and_a_host() {
        for bad in [
            "pcc.example.org",
            "ftp://x",
            "https://",
            "https://user@host/",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PublicUrl::parse("HTTPS://Box.example:443/path")
                .expect("parsed")
                .origin,
            "https://box.example"
        );
    }
}
