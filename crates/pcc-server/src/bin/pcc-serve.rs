//! `pcc-serve`: the server binary `pcc-hooks serve` execs, so the hook binary links no server.

use clap::Parser;
use pcc_core::Config;
use pcc_core::paths::DataDir;
use pcc_server::options::DEFAULT_LISTEN;
use pcc_server::{ServeConfig, Server, TlsFiles};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Serve the dashboard, the JSON API and the event stream of this machine's pcc-hooks.
#[derive(Debug, Parser)]
#[command(
    name = "pcc-hooks serve",
    bin_name = "pcc-hooks serve",
    version,
    max_term_width = 100
)]
struct Args {
    /// The address to listen on. Beyond loopback it needs --tls-cert/--tls-key or --behind-proxy.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Open the login link in the browser once listening.
    #[arg(long)]
    open: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// A TLS proxy (Tailscale Serve, Caddy) is in front: trust its X-Forwarded-For/-Proto.
    #[arg(long)]
    behind_proxy: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PCC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// `[server] public_url` of the global config.toml, so the host a phone uses (the one in the
/// notifications' links) is one this server answers to. A broken file is said loudly and, as
/// for a hook call, counts as absent: the server answers on its own address only.
fn public_url(data: &DataDir) -> Option<String> {
    let path = data.config();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            eprintln!(
                "pcc-hooks serve: warning: cannot read {}: {error}; [server] public_url is not used",
                path.display()
            );
            return None;
        }
    };
    let name = path.display().to_string();
    let found = Config::in_force(Some(Ok((name.as_str(), text.as_str()))), None);
    for problem in &found.problems {
        eprintln!("pcc-hooks serve: warning: {problem}; {}", problem.effect());
    }
    found.config.server.public_url
}

async fn serve(args: Args) -> Result<(), String> {
    let data = DataDir::from_env().map_err(|error| error.to_string())?;
    let config = ServeConfig {
        public_url: public_url(&data),
        data,
        listen: args.listen,
        tls: args
            .tls_cert
            .zip(args.tls_key)
            .map(|(cert, key)| TlsFiles { cert, key }),
        behind_proxy: args.behind_proxy,
        hooks_program: sibling("pcc-hooks"),
    };
    let server = Server::bind(config)
        .await
        .map_err(|error| error.to_string())?;
    let link = server.login_link().map_err(|error| error.to_string())?;
    announce(&format!(
        "pcc-hooks serve: listening on {}\nlog in once with (valid 10 minutes): {link}\n",
        server.base_url()
    ));
    if args.open {
        open_in_browser(&link);
    }
    server
        .run(shutdown_signal())
        .await
        .map_err(|error| error.to_string())
}

/// Prints the banner in one write. A stdout nobody reads any more (`serve | head -1`, a closed
/// journal) must not stop the server, so a failed write is only logged.
fn announce(banner: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush())
    {
        tracing::warn!("cannot print the login link ({error}); serving on");
    }
}

/// `program` beside this executable (they are installed together), else the bare name for
/// `$PATH`.
fn sibling(program: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .and_then(|exe| exe.parent().map(|dir| dir.join(program)))
        .filter(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from(program))
}

/// Ctrl-C or SIGTERM (systemd's stop).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = interrupt.await;
        }
    }
}

/// `xdg-open` (or macOS `open`) with the link as an argument, no shell; a failure only warns,
/// the link is printed anyway.
fn open_in_browser(link: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(link)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(error) = started {
        eprintln!("pcc-hooks serve: cannot run {opener} ({error}); open the link above yourself");
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {}", pcc_core::redact::redact(message));
    ExitCode::FAILURE
}
