//! Commands that only read or print, and shell builtins that only change the shell's
//! own state. One line per command.

use super::super::level::RiskLevel;
use super::{Invocation, Judgement, operands};

/// Commands that never modify anything by themselves. Options that make some of them
/// write (`sort -o`, `tree -o`) are checked in [`judge`].
const READ_ONLY: &[&str] = &[
    "ls",
    "ll",
    "la",
    "dir",
    "cat",
    "bat",
    "batcat",
    "head",
    "tail",
    "less",
    "more",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "ack",
    "wc",
    "echo",
    "printf",
    "pwd",
    "which",
    "whereis",
    "file",
    "stat",
    "du",
    "df",
    "tree",
    "sort",
    "uniq",
    "cut",
    "tr",
    "diff",
    "cmp",
    "comm",
    "jq",
    "yq",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "date",
    "cal",
    "whoami",
    "id",
    "groups",
    "hostname",
    "uname",
    "printenv",
    "true",
    "false",
    "test",
    "[",
    "seq",
    "nl",
    "column",
    "fold",
    "fmt",
    "rev",
    "tac",
    "shuf",
    "base64",
    "md5sum",
    "md5",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "shasum",
    "cksum",
    "b2sum",
    "xxd",
    "hexdump",
    "od",
    "strings",
    "ps",
    "pgrep",
    "pstree",
    "uptime",
    "free",
    "vmstat",
    "iostat",
    "lsof",
    "sleep",
    "wait",
    "cd",
    "pushd",
    "popd",
    "dirs",
    "export",
    "set",
    "unset",
    "read",
    "local",
    "declare",
    "typeset",
    "readonly",
    "shift",
    "return",
    "exit",
    "break",
    "continue",
    ":",
    "alias",
    "unalias",
    "shopt",
    "ulimit",
    "umask",
    "getopts",
    "let",
    "man",
    "help",
    "info",
    "tldr",
    "whatis",
    "apropos",
    "locale",
    "tput",
    "clear",
    "reset",
    "tty",
    "stty",
    "nproc",
    "lscpu",
    "lsblk",
    "lsusb",
    "lspci",
    "arch",
    "getconf",
    "diff3",
    "sdiff",
    "colordiff",
    "delta",
    "paste",
    "join",
    "expand",
    "unexpand",
    "look",
    "numfmt",
    "factor",
    "expr",
    "bc",
    "dc",
    "units",
    "iconv",
    "zcat",
    "zless",
    "zgrep",
    "bzcat",
    "xzcat",
    "lz4cat",
    "zstdcat",
    "tokei",
    "cloc",
    "scc",
    "exa",
    "eza",
    "lsd",
    "glow",
    "mdcat",
    "fzf",
    "htop",
    "btop",
    "top",
    "w",
    "who",
    "last",
    "dmesg",
    "journalctl",
    "netstat",
    "ss",
    "ping",
    "dig",
    "nslookup",
    "host",
    "traceroute",
    "whois",
    "nm",
    "objdump",
    "readelf",
    "ldd",
    "otool",
    "size",
    "c++filt",
    "addr2line",
    "hyperfine",
    "uuidgen",
    "mktemp",
    "history",
    "jobs",
    "fg",
    "bg",
    "disown",
    "times",
    "lsattr",
    "getfacl",
    "namei",
    "sum",
    "tsort",
    "ptx",
    "pr",
    "gron",
    "fx",
    "dasel",
    "xmllint",
    "shellcheck",
    "hadolint",
    "actionlint",
    "yamllint",
    "markdownlint",
    "codespell",
    "vale",
];

/// Judges read-only commands; `None` for any other command.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Judgement> {
    if !READ_ONLY.contains(&name) {
        return None;
    }
    let args = inv.args();
    // A few read-only tools gain a write option.
    let output = match name {
        "sort" => output_option(args, &["-o"], "--output"),
        "tree" => output_option(args, &["-o"], "--output"),
        "shuf" => output_option(args, &["-o"], "--output"),
        _ => None,
    };
    let mut judgement = Judgement::of(
        RiskLevel::Low,
        "readonly.command",
        format!("{name} only reads"),
    );
    let modifies = match name {
        "journalctl" => args.iter().any(|a| {
            ["--vacuum", "--rotate", "--flush", "--sync", "--relinquish"]
                .iter()
                .any(|f| a.text.starts_with(f))
        }),
        "dmesg" => args
            .iter()
            .any(|a| matches!(a.text.as_str(), "-c" | "-C" | "--clear" | "--read-clear")),
        _ => false,
    };
    if modifies {
        judgement = judgement.raise(super::super::verdict::Finding::new(
            RiskLevel::Medium,
            "system.logs",
            format!("{name} changes system logs"),
        ));
    }
    if let Some(target) = output {
        judgement = judgement.raise(inv.write_to(target));
    }
    // Reading a secret is not LOW, whatever the tool.
    if let Some(secret) = operands(args).into_iter().find(|a| inv.is_secret(a)) {
        judgement = judgement.raise(super::super::verdict::Finding::new(
            RiskLevel::High,
            "path.secret-read",
            format!("{name} reads secret file {}", secret.text),
        ));
        judgement.facts.reads_secret = true;
    }
    if matches!(name, "echo" | "printf") && args.iter().all(|a| !a.dynamic) {
        let words: Vec<&str> = args
            .iter()
            .map(|a| a.text.as_str())
            .filter(|t| !t.starts_with('-'))
            .collect();
        judgement.literal_stdout = Some(words.join(" "));
    }
    if matches!(
        name,
        "ping" | "dig" | "nslookup" | "host" | "traceroute" | "whois"
    ) {
        judgement = judgement.networked();
    }
    Some(judgement)
}

/// The argument of an output option (`-o FILE`, `--output=FILE`).
fn output_option<'a>(
    args: &'a [super::super::shell::words::Arg],
    short: &[&str],
    long: &str,
) -> Option<&'a super::super::shell::words::Arg> {
    let pos = args
        .iter()
        .position(|a| short.contains(&a.text.as_str()) || a.text == long)?;
    args.get(pos + 1)
}
