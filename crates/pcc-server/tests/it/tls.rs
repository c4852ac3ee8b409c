//! TLS with a certificate made here by rcgen: a client that trusts that certificate alone gets
//! through, the session cookie is Secure and `__Host-` prefixed, and a client that does not
//! trust it is refused by the handshake.

use crate::common::{Options, Running};
use pcc_server::TlsFiles;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_trusting_only_the_test_certificate_is_served_over_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("certificate");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("key");
    let server = Running::with(Options {
        tls: Some(TlsFiles { cert, key }),
    })
    .await;
    assert!(server.base.starts_with("https://127.0.0.1:"));

    let trusted = reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).expect("pem");
    let client = reqwest::Client::builder()
        .tls_certs_only([trusted])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let health = client
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("TLS works");
    assert_eq!(health.status(), 200);
    let login = client.get(&server.login_link).send().await.expect("login");
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        cookie.starts_with("__Host-pcc-session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    let pending = client
        .get(server.url("/api/pending"))
        .header("authorization", server.bearer())
        .send()
        .await
        .expect("pending");
    assert_eq!(pending.status(), 200);

    let untrusting = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .expect("client");
    let refused = untrusting.get(server.url("/api/health")).send().await;
    assert!(
        refused.is_err(),
        "an unknown certificate is refused by the client"
    );
    let plain = reqwest::Client::new()
        .get(server.url("/api/health").replacen("https://", "http://", 1))
        .send()
        .await;
    assert!(
        plain.map_or(true, |response| !response.status().is_success()),
        "no plain HTTP on the TLS port"
    );
}
