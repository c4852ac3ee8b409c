//! What the sandbox sees and may touch, as bubblewrap's argument vector.
//!
//! bwrap applies its mount options in order and a later mount wins over an earlier one at the
//! same place or above it. The order here is therefore the policy:
//!
//! 1. the whole host filesystem read-only (`--ro-bind / /`), a fresh `/dev`, a `/proc` of the
//!    new pid namespace, private `/tmp`, `/var/tmp` and `/run` (tmpfs);
//! 2. the package caches, read-write;
//! 3. the hidden places that contain the project (a project under `~/.local/share/pcc-hooks` or
//!    another user's home), so that the project bind below still shows through;
//! 4. the project, read-write;
//! 5. the protected paths inside the project, read-only (or, when absent, an empty read-only
//!    mount point so they cannot be created);
//! 6. every other hidden place, last, so it wins over the project and the caches (a project that
//!    contains `.ssh` or the data directory does not expose them); the data directory is hidden
//!    read-only there, and when it is absent from a place the command may write (the project, a
//!    cache) an empty read-only directory stands in for it, so it cannot be planted either.
//!
//! Every path is resolved (symlinks followed) before it is mounted: bwrap mounts on whatever a
//! destination path resolves to, and a hidden symlink would otherwise be "hidden" somewhere else.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Everything a contained command is allowed, as paths: built by the caller (the CLI, from
/// `$HOME`, the data directory and the configuration) and turned into bwrap's arguments by
/// [`bwrap_args`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The one place the command may change (less [`PROTECTED_IN_PROJECT`]).
    pub project_root: PathBuf,
    /// The invoking user's home: read-only, its secrets ([`HIDDEN_IN_HOME`]) hidden; every other
    /// home is hidden.
    pub home: PathBuf,
    /// pcc-hooks' own data directory (database, config, logs): hidden, since contained code must
    /// neither read tool inputs nor approve itself; read-only and empty wherever it is (in the
    /// project too, `$PCC_HOME=./.pcc`), so nothing can be written into it, a forged spool row
    /// or database included, nor can it be created where it is still absent.
    pub data_dir: PathBuf,
    /// Directories the command may write besides the project (package caches); those that do
    /// not exist are skipped. [`default_caches`] gives the default.
    pub caches: Vec<PathBuf>,
    /// Whether the command gets the host network.
    pub network: Network,
}

/// The network a contained command gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// A network namespace of its own (`--unshare-net`): only its own loopback, so nothing on the
    /// host or beyond, not even the host's `127.0.0.1`.
    None,
    /// The host network. bwrap cannot restrict hosts, so this is only for installing declared
    /// dependencies, where the registry must be reachable.
    Full,
}

/// Package caches under the home that installs and builds write to, so that `cargo build`,
/// `npm install`, `pip install` and friends work contained. Only the existing ones are bound.
pub const DEFAULT_CACHES: &[&str] = &[
    ".cargo/registry",
    ".cargo/git",
    ".npm",
    ".cache/pip",
    ".cache/uv",
    ".cache/yarn",
    ".local/share/pnpm",
    "go/pkg/mod",
    ".cache/go-build",
    ".m2/repository",
    ".gradle/caches",
];

/// [`DEFAULT_CACHES`] under `home`.
pub fn default_caches(home: &Path) -> Vec<PathBuf> {
    DEFAULT_CACHES
        .iter()
        .map(|cache| home.join(cache))
        .collect()
}

/// Credentials under the home, hidden from contained code: a directory becomes an empty tmpfs,
/// a file `/dev/null` (which cannot even be opened: bwrap mounts it `nodev`). Every entry of the home whose name starts with `.claude` is hidden too
/// (Claude Code's `.claude.json` and its backups). The last entries are not in the brief's list
/// but hold the same kind of secret (database passwords, Vault and Terraform tokens, keyrings,
/// shell histories with pasted tokens).
pub const HIDDEN_IN_HOME: &[&str] = &[
    ".ssh",
    ".aws",
    ".config/gcloud",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".gnupg",
    ".claude",
    ".claude.json",
    ".codex",
    ".config/gh",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    ".config/git/credentials",
    ".pgpass",
    ".vault-token",
    ".terraform.d",
    ".password-store",
    ".local/share/keyrings",
    ".bash_history",
    ".zsh_history",
    ".config/op",
    ".op",
    ".oci",
    ".mozilla",
    ".config/google-chrome",
    ".config/chromium",
    ".pki",
    ".config/rclone",
    ".vercel",
    ".fly",
    ".config/heroku",
    ".config/netlify",
    ".config/doctl",
    ".config/hub",
    ".config/github-copilot",
    ".gem/credentials",
    ".boto",
    ".s3cfg",
    ".my.cnf",
    ".mylogin.cnf",
    ".dockercfg",
    ".m2/settings.xml",
    ".gradle/gradle.properties",
    ".yarnrc.yml",
    ".cache/huggingface/token",
    ".config/sops",
    ".Xauthority",
    ".python_history",
    ".psql_history",
    ".mysql_history",
    ".node_repl_history",
    ".local/share/fish/fish_history",
    ".gemini",
    ".cursor",
];

/// Names of files in the project that hold secrets (`.env` and its copies, keys, registry
/// and cloud credentials): hidden from contained code, which could otherwise copy one to an
/// innocent name a later uncontained read prints, or send it when the network is on.
fn is_project_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let template = [
        ".example",
        ".sample",
        ".template",
        ".dist",
        ".defaults",
        ".schema",
        ".tmpl",
    ]
    .iter()
    .any(|t| lower.ends_with(t));
    let env = lower.starts_with(".env") && lower != ".envrc" && !template;
    let key = ["pem", "key", "p12", "pfx", "jks", "keystore", "ppk"]
        .iter()
        .any(|ext| lower.ends_with(&format!(".{ext}")))
        && !["cert", "chain", "ca.", "public", "pub."]
            .iter()
            .any(|w| lower.contains(w));
    env || key
        || lower.starts_with("id_rsa")
        || lower.starts_with("id_ed25519")
        || lower.starts_with("id_ecdsa")
        || lower.starts_with("credentials")
        || lower.starts_with(".credentials")
        || lower.starts_with("terraform.tfstate")
        || (lower.starts_with("service-account") && lower.ends_with(".json"))
        || matches!(
            lower.as_str(),
            ".npmrc"
                | ".pypirc"
                | ".netrc"
                | ".pgpass"
                | ".git-credentials"
                | ".htpasswd"
                | "master.key"
        )
}

/// Directories of the project not searched for secrets: build outputs, dependencies and
/// version control, which are large and regenerated.
const NOT_SEARCHED: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "dist",
    "build",
    ".venv",
    "venv",
    "__pycache__",
    ".next",
    ".cache",
    ".tox",
    "vendor",
];

/// The secret files of the project, to a depth of four directories; not those in the data
/// directory, which is hidden whole (and read-only: nothing can be mounted inside it).
fn project_secrets(dir: &Path, data_dir: &Path, depth: usize, found: &mut Vec<Mount>) {
    if dir.starts_with(data_dir) {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_file() && is_project_secret(&name) {
            found.push(Mount::DevNull(entry.path()));
        } else if kind.is_dir() && depth < 4 && !NOT_SEARCHED.contains(&name.as_str()) {
            project_secrets(&entry.path(), data_dir, depth + 1, found);
        }
    }
}

/// System files only root can read, hidden because we may run as root (this is what
/// `--cap-drop ALL` cannot take away: root still owns them). SSH host keys are found by name.
const SYSTEM_SECRETS: &[&str] = &[
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
];

/// Kernel settings in the new `/proc` that uid 0 may write without any capability: the
/// sysctls (`kernel.core_pattern` names a program the kernel runs as real root at the next
/// crash; `kernel.modprobe` likewise), `sysrq-trigger` (reboots the machine), IRQ affinities,
/// PSI triggers. bwrap means to make `sys`, `sysrq-trigger`, `irq` and `bus` read-only itself,
/// but 0.8 skips them when run as real root: it asks `access(W_OK)` without `CAP_DAC_OVERRIDE`,
/// reads the 0555 directory as "already read-only" and moves on (measured: `echo x >
/// /proc/sys/kernel/core_pattern` succeeded inside, with every capability dropped). So they are
/// bound read-only here, from the host's `/proc` (the same kernel settings; per-namespace ones
/// such as `net.*` follow the reading process, not the mount).
const PROC_READ_ONLY: &[&str] = &[
    "/proc/sys",
    "/proc/sysrq-trigger",
    "/proc/irq",
    "/proc/bus",
    "/proc/fs",
    "/proc/pressure",
    "/proc/mtrr",
    "/proc/acpi",
    "/proc/scsi",
];

/// Paths in the project that other programs execute or obey later, outside the sandbox: git's
/// config (`core.fsmonitor`, `core.hooksPath`, aliases…) and hooks, Claude Code's project
/// settings (hooks, permissions) and MCP servers, husky's hooks. Read-only inside.
///
/// When one is absent it must not be created either, which needs something mounted at its
/// place: an empty read-only directory, also for the files (`.mcp.json`, `.git/config`), since
/// nothing can open a directory for writing and git ignores empty directories (a `/dev/null`
/// there, tried first, made `git add -A` fail: "can only add regular files"). bwrap creates
/// that mount point in the real project, so for the duration of the command the host sees an
/// empty directory there; [`run`] removes it afterwards if it is still empty. `.husky` is protected only when it exists: a
/// new one does nothing unless `core.hooksPath` (in the protected config) names it.
///
/// `.git` itself: when it is a directory it is bound onto itself so that it is a mount point,
/// which cannot be renamed or removed (`mv .git .git-old && mkdir .git` would otherwise replace
/// the protected config and hooks with writable ones; measured: without the bind the `mv`
/// succeeds). When it is absent an empty read-only directory stands there, so contained code
/// cannot `git init` a repository with its own config and hooks (host git ignores an empty
/// `.git` and looks further up, as without one). When it is a file (a worktree or submodule
/// pointing elsewhere) the file is read-only.
///
/// [`run`]: crate::run
pub const PROTECTED_IN_PROJECT: &[&str] = &[
    ".git",
    ".claude",
    ".mcp.json",
    ".husky",
    ".githooks",
    ".envrc",
    ".vscode",
    ".devcontainer",
    ".pre-commit-config.yaml",
    "lefthook.yml",
    ".lefthook.yml",
    "mise.toml",
    ".mise.toml",
];

/// Files in `.git` that, once written, make a later git on the host read another
/// configuration (`commondir` points the repository's common dir elsewhere, with its own
/// `config` and `core.fsmonitor`; `config.worktree` adds config). A directory cannot stand in
/// for them while the command runs (git on the host would fail), so [`run`] removes any that
/// the command created.
///
/// [`run`]: crate::run
pub const MUST_NOT_APPEAR_IN_GIT: &[&str] = &["commondir", "config.worktree", "gitdir"];

/// Why a plan cannot be contained as asked; [`bwrap_args`] then leaves the project read-only
/// and [`run`](crate::run) refuses to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The project root does not exist or cannot be resolved.
    NoProject(PathBuf, String),
    /// The project is `/` or contains the home: the home cannot stay read-only.
    ProjectContainsHome(PathBuf),
    /// A protected path is a symlink: bwrap would protect its target, and the link itself could
    /// be replaced by a writable directory.
    SymlinkedProtection(PathBuf),
    /// A protected path cannot be examined.
    Unreadable(PathBuf, String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoProject(path, error) => {
                write!(f, "the project {} cannot be used: {error}", path.display())
            }
            Refusal::ProjectContainsHome(path) => write!(
                f,
                "the project {} contains the home directory, which must stay read-only",
                path.display()
            ),
            Refusal::SymlinkedProtection(path) => write!(
                f,
                "{} is a symlink, so it cannot be kept read-only",
                path.display()
            ),
            Refusal::Unreadable(path, error) => {
                write!(f, "cannot examine {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// One mount, in bwrap's terms; source and destination are the same path except for
/// `/dev/null`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mount {
    Bind(PathBuf),
    RoBind(PathBuf),
    Tmpfs(PathBuf),
    /// A devtmpfs-like `/dev` of bwrap's own: null, zero, random, tty, a private devpts.
    Dev(PathBuf),
    /// A procfs of the new pid namespace.
    Proc(PathBuf),
    /// An empty directory nothing can be created in.
    EmptyReadOnlyDir(PathBuf),
    /// `/dev/null` bound read-only: bwrap's binds are `nodev`, so opening it fails with
    /// EACCES, for reading and for writing alike.
    DevNull(PathBuf),
}

impl Mount {
    fn path(&self) -> &Path {
        match self {
            Mount::Bind(path)
            | Mount::RoBind(path)
            | Mount::Tmpfs(path)
            | Mount::Dev(path)
            | Mount::Proc(path)
            | Mount::EmptyReadOnlyDir(path)
            | Mount::DevNull(path) => path,
        }
    }

    fn push_args(&self, args: &mut Vec<OsString>) {
        let path = self.path().as_os_str();
        let words: Vec<&OsStr> = match self {
            Mount::Bind(_) => vec!["--bind".as_ref(), path, path],
            Mount::RoBind(_) => vec!["--ro-bind".as_ref(), path, path],
            Mount::Tmpfs(_) => vec!["--tmpfs".as_ref(), path],
            Mount::Dev(_) => vec!["--dev".as_ref(), path],
            Mount::Proc(_) => vec!["--proc".as_ref(), path],
            Mount::EmptyReadOnlyDir(_) => {
                vec!["--tmpfs".as_ref(), path, "--remount-ro".as_ref(), path]
            }
            Mount::DevNull(_) => vec!["--ro-bind".as_ref(), "/dev/null".as_ref(), path],
        };
        args.extend(words.into_iter().map(OsString::from));
    }
}

/// The mounts of a plan, in order, with what they create and where the command starts.
#[derive(Debug)]
pub(crate) struct Layout {
    mounts: Vec<Mount>,
    /// Empty directories bwrap creates in the real project as mount points for absent
    /// protected paths.
    pub(crate) created: Vec<PathBuf>,
    cwd: PathBuf,
}

/// The argument vector after `bwrap` that runs `/bin/bash --noprofile --norc -c COMMAND` as
/// [`Plan`] allows, starting in the current directory when it is inside the project, else in
/// the project root.
///
/// When the plan cannot be honoured ([`Refusal`]) the project is left read-only like everything
/// else, so these arguments are never less safe than asked; [`run`](crate::run) refuses such a
/// plan instead.
pub fn bwrap_args(plan: &Plan, command: &str) -> Vec<OsString> {
    let layout = Layout::new(plan).unwrap_or_else(|_| Layout::read_only(plan));
    layout.args(plan, command)
}

impl Layout {
    /// The full layout, or why the plan cannot be contained.
    pub(crate) fn new(plan: &Plan) -> Result<Layout, Refusal> {
        let project = fs::canonicalize(&plan.project_root)
            .map_err(|error| Refusal::NoProject(plan.project_root.clone(), error.to_string()))?;
        let home = resolved(&plan.home);
        if home.starts_with(&project) {
            return Err(Refusal::ProjectContainsHome(project));
        }
        let mut mounts = system_mounts();
        mounts.extend(under_private_temp(&project, &home));
        mounts.extend(cache_mounts(plan, &home));
        let (early, mut late): (Vec<Mount>, Vec<Mount>) = hidden_mounts(plan, &home)
            .into_iter()
            .partition(|mount| project.starts_with(mount.path()));
        mounts.extend(early);
        mounts.push(Mount::Bind(project.clone()));
        let mut created = Vec::new();
        protect(&project, &mut mounts, &mut created)?;
        let data = resolved_in_full(&plan.data_dir);
        late.retain(|mount| mount.path() != data);
        mounts.extend(late);
        mounts.extend(data_dir_mount(&data, &project, &mounts, &mut created));
        project_secrets(&project, &data, 0, &mut mounts);
        Ok(Layout {
            mounts,
            created,
            cwd: start_dir(&project),
        })
    }

    /// Everything read-only, the project included: what [`bwrap_args`] falls back to. The
    /// hiding is the same (the project is bound read-only where the writable bind would be).
    fn read_only(plan: &Plan) -> Layout {
        let project = resolved(&plan.project_root);
        let home = resolved(&plan.home);
        let mut mounts = system_mounts();
        mounts.extend(under_private_temp(&project, &home));
        mounts.extend(cache_mounts(plan, &home));
        let (early, late): (Vec<Mount>, Vec<Mount>) = hidden_mounts(plan, &home)
            .into_iter()
            .partition(|mount| project.starts_with(mount.path()));
        mounts.extend(early);
        mounts.push(Mount::RoBind(project.clone()));
        mounts.extend(late);
        Layout {
            mounts,
            created: Vec::new(),
            cwd: start_dir(&project),
        }
    }

    pub(crate) fn args(&self, plan: &Plan, command: &str) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "--die-with-parent",
            // setsid: no controlling terminal, so no TIOCSTI into the user's shell.
            "--new-session",
            // We may run as root, where bwrap keeps every capability unless told otherwise (and
            // root could then unmount what hides a secret, or remount `/` read-write). Without
            // capabilities, root is held by the read-only mounts like anyone (but for what uid
            // 0 may write without any: see PROC_READ_ONLY); no_new_privs (always set by bwrap)
            // keeps setuid binaries from giving capabilities back.
            "--cap-drop",
            "ALL",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        if plan.network == Network::None {
            args.push("--unshare-net".into());
        }
        for mount in &self.mounts {
            mount.push_args(&mut args);
        }
        args.extend(
            [
                OsStr::new("--chdir"),
                self.cwd.as_os_str(),
                // The plan's home is the home inside, whatever the caller's environment says.
                OsStr::new("--setenv"),
                OsStr::new("HOME"),
                plan.home.as_os_str(),
                OsStr::new("--setenv"),
                OsStr::new("TMPDIR"),
                OsStr::new("/tmp"),
                // Read by every non-interactive bash before the command: never inherited.
                OsStr::new("--unsetenv"),
                OsStr::new("BASH_ENV"),
                OsStr::new("--unsetenv"),
                OsStr::new("ENV"),
                OsStr::new("--"),
                OsStr::new("/bin/bash"),
                OsStr::new("--noprofile"),
                OsStr::new("--norc"),
                OsStr::new("-c"),
                OsStr::new(command),
            ]
            .into_iter()
            .map(OsString::from),
        );
        args
    }
}

/// The path with symlinks resolved, or as given when it cannot be resolved.
fn resolved(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The path made absolute with the links on its way followed, also when it does not exist
/// yet: its longest existing part resolved, then the rest.
fn resolved_in_full(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while fs::symlink_metadata(existing).is_err() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return absolute,
        }
    }
    let mut full = resolved(existing);
    full.extend(rest.iter().rev());
    full
}

/// The current directory when it is inside the project, else the project root.
fn start_dir(project: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .map(|dir| resolved(&dir))
        .filter(|dir| dir.starts_with(project))
        .unwrap_or_else(|| project.to_path_buf())
}

/// The temporary directories the sandbox replaces with empty ones of its own.
const PRIVATE_TEMP: &[&str] = &["/tmp", "/var/tmp"];

/// A home or project under `/tmp` (containers and CI put them there) would vanish under the
/// private `/tmp`: what they are under is bound back, read-only, right after it (the project
/// is then bound writable on top, the secrets hidden on top of that). That is the nearest
/// directory holding both, when it is below the temporary directory itself, else the home.
fn under_private_temp(project: &Path, home: &Path) -> Vec<Mount> {
    let under_temp = |path: &Path| {
        PRIVATE_TEMP
            .iter()
            .any(|temp| path.starts_with(temp) && path != Path::new(temp))
    };
    let mut common = project.to_path_buf();
    while !home.starts_with(&common) {
        if !common.pop() {
            break;
        }
    }
    if under_temp(&common) {
        vec![Mount::RoBind(common)]
    } else if under_temp(home) {
        vec![Mount::RoBind(home.to_path_buf())]
    } else {
        Vec::new()
    }
}

fn system_mounts() -> Vec<Mount> {
    let mut mounts = vec![
        Mount::RoBind(PathBuf::from("/")),
        Mount::Dev(PathBuf::from("/dev")),
        Mount::Proc(PathBuf::from("/proc")),
    ];
    mounts.extend(
        PROC_READ_ONLY
            .iter()
            .map(Path::new)
            .filter(|path| path.exists())
            .map(|path| Mount::RoBind(path.to_path_buf())),
    );
    mounts.push(Mount::Tmpfs(PathBuf::from("/tmp")));
    if is_real_dir(Path::new("/var/tmp")) {
        mounts.push(Mount::Tmpfs(PathBuf::from("/var/tmp")));
    }
    if is_real_dir(Path::new("/run")) {
        // Unix sockets stay connectable on a read-only mount: /run holds the docker, database,
        // D-Bus and agent sockets (and $XDG_RUNTIME_DIR), so it is replaced by an empty tmpfs.
        mounts.push(Mount::Tmpfs(PathBuf::from("/run")));
        // …except the resolver configuration systemd-resolved keeps there.
        if let Ok(resolv) = fs::canonicalize("/etc/resolv.conf")
            && resolv.starts_with("/run")
        {
            mounts.push(Mount::RoBind(resolv));
        }
    }
    mounts
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
}

/// The existing caches, resolved; one that is the home or holds it (a configuration mistake)
/// is skipped, since the home's files must stay read-only.
fn cache_mounts(plan: &Plan, home: &Path) -> Vec<Mount> {
    plan.caches
        .iter()
        .filter_map(|cache| fs::canonicalize(cache).ok())
        .filter(|cache| cache.is_dir() && !home.starts_with(cache))
        .map(Mount::Bind)
        .collect()
}

/// A mount that hides `path` (after resolving it), or nothing when it does not exist.
fn hide(path: &Path) -> Option<Mount> {
    let real = fs::canonicalize(path).ok()?;
    if real == Path::new("/") {
        return None;
    }
    let metadata = fs::metadata(&real).ok()?;
    Some(if metadata.is_dir() {
        Mount::Tmpfs(real)
    } else {
        Mount::DevNull(real)
    })
}

fn hidden_mounts(plan: &Plan, home: &Path) -> Vec<Mount> {
    let mut paths: Vec<PathBuf> = HIDDEN_IN_HOME.iter().map(|name| home.join(name)).collect();
    if let Ok(entries) = fs::read_dir(home) {
        paths.extend(
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_name().to_string_lossy().starts_with(".claude"))
                .map(|entry| entry.path()),
        );
    }
    paths.push(plan.data_dir.clone());
    paths.extend(other_homes(Path::new("/home"), home, 0));
    let root = Path::new("/root");
    if !home.starts_with(root) {
        paths.push(root.to_path_buf());
    }
    paths.extend(SYSTEM_SECRETS.iter().map(PathBuf::from));
    if let Ok(entries) = fs::read_dir("/etc/ssh") {
        paths.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .map(|name| name.to_string_lossy())
                        .is_some_and(|name| name.starts_with("ssh_host_") && name.ends_with("_key"))
                }),
        );
    }
    let mut mounts: Vec<Mount> = Vec::new();
    for mount in paths.iter().filter_map(|path| hide(path)) {
        if !mounts.contains(&mount) {
            mounts.push(mount);
        }
    }
    mounts
}

/// How the data directory `data` (resolved) is hidden, after every other mount: an empty
/// read-only directory in its place, so contained code can neither read it (the server token,
/// the database of approvals) nor write into it (a forged spool row, a deferral mark) — a
/// writable tmpfs would hide it but let a command think it wrote there. When it holds the
/// project it is an empty tmpfs before the project instead (`hidden_mounts`: the project must
/// show through). When it does not exist yet, it is kept from being created only where the
/// command could create it (the project, a cache): there bwrap makes the mount point, recorded
/// in `created` (with the directories on the way) for [`run`](crate::run) to remove.
fn data_dir_mount(
    data: &Path,
    project: &Path,
    mounts: &[Mount],
    created: &mut Vec<PathBuf>,
) -> Option<Mount> {
    if project.starts_with(data) || data == Path::new("/") {
        return None;
    }
    if fs::symlink_metadata(data).is_ok() {
        return Some(if fs::metadata(data).is_ok_and(|m| m.is_dir()) {
            Mount::EmptyReadOnlyDir(data.to_path_buf())
        } else {
            Mount::DevNull(data.to_path_buf())
        });
    }
    let writable = mounts
        .iter()
        .any(|mount| matches!(mount, Mount::Bind(path) if data.starts_with(path)));
    if !writable {
        return None;
    }
    let mut missing: Vec<PathBuf> = data
        .ancestors()
        .take_while(|dir| fs::symlink_metadata(dir).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    created.extend(missing);
    Some(Mount::EmptyReadOnlyDir(data.to_path_buf()))
}

/// Every entry under `dir` (normally `/home`) that is neither the home nor on the way to it.
fn other_homes(dir: &Path, home: &Path, depth: usize) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let real = resolved(&entry.path());
        if real == home {
            continue;
        }
        if home.starts_with(&real) {
            // A directory on the way to the home (`/home/staff/alice`): its other entries are
            // other homes. A link out of `dir` on the way (to `/`) is left alone.
            if real.starts_with(dir) && depth < 4 {
                found.extend(other_homes(&real, home, depth + 1));
            }
            continue;
        }
        found.push(real);
    }
    found
}

/// Whether an absent protected path gets an empty read-only directory so it cannot be created.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WhenAbsent {
    Block,
    Allow,
}

fn protect(
    project: &Path,
    mounts: &mut Vec<Mount>,
    created: &mut Vec<PathBuf>,
) -> Result<(), Refusal> {
    let git = project.join(".git");
    match examine(&git)? {
        None => protect_path(&git, WhenAbsent::Block, mounts, created)?,
        Some(metadata) if metadata.is_dir() => {
            // A mount point cannot be renamed or removed: `.git` stays the directory whose
            // config and hooks are protected below.
            mounts.push(Mount::Bind(git.clone()));
            protect_path(&git.join("config"), WhenAbsent::Block, mounts, created)?;
            protect_path(&git.join("hooks"), WhenAbsent::Block, mounts, created)?;
            // Submodules' and worktrees' own config and hooks.
            protect_path(&git.join("modules"), WhenAbsent::Block, mounts, created)?;
            protect_path(&git.join("worktrees"), WhenAbsent::Block, mounts, created)?;
        }
        Some(_) => mounts.push(Mount::RoBind(git)),
    }
    for name in PROTECTED_IN_PROJECT.iter().filter(|n| **n != ".git") {
        // `.husky` may be created: husky's hooks run only through `core.hooksPath`, which the
        // protected config holds.
        let absent = if *name == ".husky" {
            WhenAbsent::Allow
        } else {
            WhenAbsent::Block
        };
        protect_path(&project.join(name), absent, mounts, created)?;
    }
    Ok(())
}

/// The path's own metadata (a symlink is refused), or `None` when it does not exist.
fn examine(path: &Path) -> Result<Option<fs::Metadata>, Refusal> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            Err(Refusal::SymlinkedProtection(path.to_path_buf()))
        }
        Ok(metadata) => Ok(Some(metadata)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Refusal::Unreadable(path.to_path_buf(), error.to_string())),
    }
}

fn protect_path(
    path: &Path,
    absent: WhenAbsent,
    mounts: &mut Vec<Mount>,
    created: &mut Vec<PathBuf>,
) -> Result<(), Refusal> {
    if examine(path)?.is_some() {
        mounts.push(Mount::RoBind(path.to_path_buf()));
    } else if absent == WhenAbsent::Block {
        mounts.push(Mount::EmptyReadOnlyDir(path.to_path_buf()));
        created.push(path.to_path_buf());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(project: &Path, home: &Path) -> Plan {
        Plan {
            project_root: project.to_path_buf(),
            home: home.to_path_buf(),
            data_dir: home.join(".local/share/pcc-hooks"),
            caches: default_caches(home),
            network: Network::None,
        }
    }

    fn position(args: &[OsString], option: &str, path: &Path) -> Option<usize> {
        args.windows(2)
            .position(|pair| pair[0] == option && Path::new(&pair[1]) == path)
    }

    #[test]
    fn the_argument_vector_ends_with_bash_and_the_command_as_one_argument() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = dir.path().join("p");
        fs::create_dir(&project).expect("project");
        let args = bwrap_args(&plan(&project, &dir.path().join("home")), "echo 'a b'; ls");
        let tail: Vec<&OsStr> = args
            .iter()
            .rev()
            .take(6)
            .rev()
            .map(OsString::as_os_str)
            .collect();
        assert_eq!(
            tail,
            [
                "--",
                "/bin/bash",
                "--noprofile",
                "--norc",
                "-c",
                "echo 'a b'; ls"
            ]
        );
        assert_eq!(
            args[..4],
            ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        );
        assert!(args.iter().any(|arg| arg == "--unshare-net"));
    }

    #[test]
    fn a_hidden_place_holding_the_project_comes_before_the_project_and_others_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let project = home.join(".local/share/pcc-hooks/project");
        fs::create_dir_all(&project).expect("project");
        fs::create_dir_all(home.join(".ssh")).expect("ssh");
        let home = fs::canonicalize(home).expect("home");
        let project = fs::canonicalize(project).expect("project");
        let args = bwrap_args(&plan(&project, &home), "true");
        let data = position(&args, "--tmpfs", &home.join(".local/share/pcc-hooks")).expect("data");
        let bind = position(&args, "--bind", &project).expect("project bind");
        let ssh = position(&args, "--tmpfs", &home.join(".ssh")).expect("ssh hidden");
        assert!(data < bind && bind < ssh, "{args:?}");
    }

    #[test]
    fn a_symlinked_protected_path_is_refused_and_the_project_left_read_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = dir.path().join("p");
        fs::create_dir_all(dir.path().join("elsewhere")).expect("target");
        fs::create_dir(&project).expect("project");
        std::os::unix::fs::symlink("../elsewhere", project.join(".claude")).expect("link");
        let plan = plan(&project, &dir.path().join("home"));
        assert!(matches!(
            Layout::new(&plan),
            Err(Refusal::SymlinkedProtection(_))
        ));
        let project = fs::canonicalize(project).expect("project");
        let args = bwrap_args(&plan, "true");
        assert_eq!(position(&args, "--bind", &project), None, "{args:?}");
    }

    #[test]
    fn a_cache_holding_the_home_is_never_writable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = fs::canonicalize(dir.path()).expect("dir").join("home");
        let project = home.parent().expect("parent").join("p");
        fs::create_dir_all(home.join(".npm")).expect("home");
        fs::create_dir(&project).expect("project");
        let mut plan = plan(&project, &home);
        plan.caches = vec![home.clone(), home.join(".npm"), PathBuf::from("/")];
        let args = bwrap_args(&plan, "true");
        assert_eq!(position(&args, "--bind", &home), None, "{args:?}");
        assert_eq!(position(&args, "--bind", Path::new("/")), None, "{args:?}");
        assert!(position(&args, "--bind", &home.join(".npm")).is_some());
    }

    #[test]
    fn the_read_only_fallback_hides_as_much() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = fs::canonicalize(dir.path()).expect("dir").join("home");
        let project = home.join(".ssh/project");
        fs::create_dir_all(&project).expect("project");
        std::os::unix::fs::symlink("/tmp", project.join(".mcp.json")).expect("link");
        let args = bwrap_args(&plan(&project, &home), "true");
        let ssh = position(&args, "--tmpfs", &home.join(".ssh")).expect("ssh hidden");
        let bind = position(&args, "--ro-bind", &project).expect("project read-only");
        assert!(ssh < bind, "{args:?}");
        assert_eq!(position(&args, "--bind", &project), None, "{args:?}");
    }

    #[test]
    fn a_project_holding_the_home_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        fs::create_dir(&home).expect("home");
        let plan = plan(dir.path(), &home);
        assert!(matches!(
            Layout::new(&plan),
            Err(Refusal::ProjectContainsHome(_))
        ));
    }

    #[test]
    fn other_homes_are_every_entry_off_the_way_to_the_home() {
        let dir = tempfile::tempdir().expect("tempdir");
        let homes = fs::canonicalize(dir.path()).expect("dir");
        for path in ["alice", "staff/me", "staff/bob"] {
            fs::create_dir_all(homes.join(path)).expect("home");
        }
        std::os::unix::fs::symlink("/", homes.join("root-link")).expect("link");
        let mut found = other_homes(&homes, &homes.join("staff/me"), 0);
        found.sort();
        assert_eq!(found, [homes.join("alice"), homes.join("staff/bob")]);
    }
}
