//! The server is its own binary and the hook does not carry it; plain HTTP stays on loopback;
//! one server per database.

use crate::common::{binary, hooks};
use std::process::{Command, Stdio};

#[test]
fn the_hook_binary_links_no_server() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "pcc-hooks",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        tree.contains("pcc-control"),
        "the tree is pcc-hooks': {tree}"
    );
    // reqwest (the notifiers' HTTP client) brings tokio and hyper; the server's own crates
    // must not come along.
    for server_crate in ["axum ", "axum-core ", "matchit ", "pcc-server ", "cookie "] {
        assert!(
            !tree.lines().any(|line| line.starts_with(server_crate)),
            "pcc-hooks depends on {server_crate}"
        );
    }
}

#[test]
fn plain_http_beyond_loopback_is_refused_through_pcc_hooks_serve() {
    let dir = tempfile::tempdir().expect("tempdir");
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let output = Command::new(hooks())
            .args(["serve", "--listen", listen])
            .env("PCC_HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("pcc-hooks serve");
        assert_eq!(output.status.code(), Some(1), "{listen}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("refusing to listen") && stderr.contains("--tls-cert"),
            "{stderr}"
        );
    }
    assert!(
        !dir.path().join("server.token").exists(),
        "refused before anything was made"
    );
}

#[test]
fn serve_help_is_the_servers() {
    let output = Command::new(hooks())
        .args(["serve", "--help"])
        .output()
        .expect("help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--open",
        "--tls-cert",
        "--tls-key",
        "--behind-proxy",
    ] {
        assert!(help.contains(flag), "{help}");
    }
    assert!(help.contains("pcc-hooks serve"), "{help}");
    assert!(binary("pcc-serve").is_file());
}
