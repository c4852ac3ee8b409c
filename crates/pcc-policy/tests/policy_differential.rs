//! Differential test: whatever the policy calls LOW is run in real `/bin/bash`, inside a
//! throwaway tree full of canaries, and must turn out harmless.
//!
//! The tree (rebuilt for every command):
//!
//! ```text
//! ROOT/outside/canary.txt          private, outside the project
//! ROOT/home/u/                     HOME
//!   canary.txt  .bashrc            private / start-up file
//!   .ssh/id_rsa  .aws/credentials  secrets
//!   proj/                          the project and the cwd
//!     .env  .git/config  .claude/settings.json   protected inside the project
//!     .pcc/server.token .pcc/config.toml  (secrets) .pcc/pcc.db (private) .pcc/spool/
//!                                  pcc-hooks' data directory, `$PCC_HOME=./.pcc`
//!     README.md data.txt list.txt src/ sub/ build/ .env.example
//! ```
//!
//! "Harmless" means, after the command ran: nothing outside the project was created,
//! changed or removed (nor `.git/**`, `.claude/**`, `.pcc/**` or `.env` inside it); stdout and stderr
//! hold no secret and no private token (also not base64-, hex- or `od`-encoded); and no
//! secret or private token was copied into an ordinary project file.
//!
//! Commands come from a grammar of payloads that only ever name places inside ROOT: paths
//! are drawn from a fixed list, and a command is only run when the number of `..` it could
//! climb is at most the depth of the shallowest place it names (see [`stays_inside_root`]),
//! so no path can ever leave ROOT. No network, no kill, no absolute path outside ROOT but
//! `/dev/null` and the missing `/nonexistent`. When the test runs as root, bash runs as
//! `nobody` on a tree owned by `nobody`, so a mistake in that reasoning still cannot reach
//! the system.
//!
//! Two layouts: ROOT under Cargo's target directory (nothing in it is scratch space), and
//! ROOT under the system temporary directory, where `outside/` is legitimately scratch but
//! nothing under HOME may be treated as scratch.
//!
//! `PROPTEST_CASES` sets the number of generated commands per layout (default 256). Every
//! harmful LOW command is listed in the failure, not only the first.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pcc_policy::{PolicyContext, RiskLevel, classify_command};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

const BASH: &str = "/bin/bash";
/// A command that has not finished by then is killed (with its process group).
const TIMEOUT: Duration = Duration::from_secs(5);
/// `nobody`, whom bash runs as when the test runs as root.
const NOBODY: u32 = 65534;
/// Placeholder in command templates for the absolute path of `ROOT/outside`.
const OUT: &str = "@OUT";
/// The data directory, relative to ROOT.
const DATA_DIR: &str = "home/u/proj/.pcc";

// ---------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------

/// Where the tree lives.
#[derive(Clone, Copy)]
enum Layout {
    /// Under Cargo's target directory (or `PCC_DIFFERENTIAL_DIR`): `outside/` is an
    /// ordinary place outside the project.
    Target,
    /// Under the system temporary directory: `outside/` is scratch space (writes there are
    /// fine), but HOME below it is still HOME.
    SystemTemp,
}

/// Scratch directories: a tree below one of them has a scratch `outside/`.
const SCRATCH: &[&str] = &["/tmp", "/var/tmp", "/dev/shm", "/private/tmp"];

/// One throwaway tree with its random tokens.
struct Tree {
    base: PathBuf,
    root: PathBuf,
    /// `outside/` lies in scratch space, where writing and reading are fine.
    outside_is_scratch: bool,
    /// Secret tokens: `(where, token)`; printing one is a secret read.
    secrets: Vec<(&'static str, String)>,
    /// Private tokens of files outside the project; printing one is a read outside.
    private: Vec<(&'static str, String)>,
}

static TREES: AtomicU64 = AtomicU64::new(0);

fn random_token() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(TREES.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut n = hasher.finish();
    let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut token = String::from("tk");
    for _ in 0..12 {
        token.push(char::from(alphabet[(n % 32) as usize]));
        n /= 32;
    }
    token
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl Tree {
    fn new(name: &str, layout: Layout) -> Self {
        let parent = match layout {
            Layout::Target => std::env::var_os("PCC_DIFFERENTIAL_DIR")
                .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from),
            Layout::SystemTemp => std::env::temp_dir(),
        };
        let base = parent.join(format!("pcc-differential-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base).expect("create the base directory");
        fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).expect("chmod base");
        let root = base.join("root");
        let outside_is_scratch = SCRATCH.iter().any(|dir| root.starts_with(dir))
            || root.starts_with(std::env::temp_dir());
        Self {
            base,
            root,
            outside_is_scratch,
            secrets: Vec::new(),
            private: Vec::new(),
        }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home/u")
    }

    fn project(&self) -> PathBuf {
        self.root.join("home/u/proj")
    }

    /// pcc-hooks' data directory, `$PCC_HOME=./.pcc`: inside the project, yet protected.
    fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    fn context(&self) -> PolicyContext {
        PolicyContext {
            cwd: self.project(),
            project_root: self.project(),
            home: self.home(),
            data_dirs: vec![self.data_dir()],
        }
    }

    /// Removes whatever the last command left and builds a fresh tree with new tokens.
    fn rebuild(&mut self) {
        if self.root.exists() {
            fs::remove_dir_all(&self.root).expect("remove the old tree");
        }
        self.secrets.clear();
        self.private.clear();
        let mut files: Vec<(&'static str, String)> = Vec::new();
        for (place, kind) in [
            ("home/u/.ssh/id_rsa", true),
            ("home/u/.aws/credentials", true),
            ("home/u/proj/.env", true),
            ("home/u/proj/.pcc/server.token", true),
            ("home/u/proj/.pcc/config.toml", true),
            ("home/u/proj/.pcc/pcc.db", false),
            ("home/u/canary.txt", false),
            ("outside/canary.txt", false),
        ] {
            let token = random_token();
            files.push((place, format!("{token}\n{token}\n")));
            if kind {
                self.secrets.push((place, token));
            } else {
                self.private.push((place, token));
            }
        }
        for (place, content) in [
            ("home/u/.bashrc", "# rc\n"),
            ("home/u/proj/.git/config", "[core]\n\tbare = false\n"),
            ("home/u/proj/.git/HEAD", "ref: refs/heads/main\n"),
            (
                "home/u/proj/.claude/settings.json",
                "{\"permissions\":{}}\n",
            ),
            ("home/u/proj/.env.example", "API_KEY=changeme\n"),
            ("home/u/proj/README.md", "# readme\nalpha\n"),
            ("home/u/proj/data.txt", "b\na\na\n"),
            // A file whose content is a path: `xargs rm < list.txt` climbs one `..`.
            ("home/u/proj/list.txt", "../canary.txt\n"),
            ("home/u/proj/src/main.rs", "fn main() {}\n"),
            ("home/u/proj/src/lib.rs", "pub fn a() {}\n"),
            ("home/u/proj/sub/x.txt", "x\n"),
            ("home/u/proj/build/out.o", "obj\n"),
            ("home/u/proj/.pcc/spool/.keep", ""),
        ] {
            files.push((place, content.to_owned()));
        }
        for (place, content) in files {
            let path = self.root.join(place);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            fs::write(&path, content).expect("write a tree file");
        }
        if running_as_root() {
            chown_tree(&self.root);
        }
    }

    /// Replaces the placeholder of `ROOT/outside` in a template.
    fn command(&self, template: &str) -> String {
        template.replace(OUT, &self.root.join("outside").to_string_lossy())
    }

    /// Whether a path (relative to ROOT) must be left alone by a LOW command.
    fn protected(&self, rel: &Path) -> bool {
        let project = Path::new("home/u/proj");
        if rel.starts_with("outside") && self.outside_is_scratch {
            return false;
        }
        if !rel.starts_with(project) || rel == project {
            return true;
        }
        let inside = rel.strip_prefix(project).unwrap_or(rel);
        inside.starts_with(".git")
            || inside.starts_with(".claude")
            || inside.starts_with(".pcc")
            || inside == Path::new(".env")
    }

    /// Tokens whose printing is harm in this layout.
    fn watched_tokens(&self) -> Vec<(&'static str, &str)> {
        let scratch_outside = self.outside_is_scratch;
        self.secrets
            .iter()
            .chain(
                self.private
                    .iter()
                    .filter(|(place, _)| !(scratch_outside && place.starts_with("outside"))),
            )
            .map(|(place, token)| (*place, token.as_str()))
            .collect()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

fn chown_tree(path: &Path) {
    lchown(path, Some(NOBODY), Some(NOBODY)).expect("chown to nobody");
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        for entry in fs::read_dir(path).expect("read_dir") {
            chown_tree(&entry.expect("dir entry").path());
        }
    }
}

/// What a path is, for before/after comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    File(Vec<u8>),
    Symlink(PathBuf),
    Other,
}

/// Every path under `root` (relative to it), without following symlinks.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let kind = if meta.file_type().is_symlink() {
                Entry::Symlink(fs::read_link(&path).unwrap_or_default())
            } else if meta.is_dir() {
                walk(root, &path, out);
                Entry::Dir
            } else if meta.is_file() {
                Entry::File(fs::read(&path).unwrap_or_default())
            } else {
                Entry::Other
            };
            out.insert(rel, kind);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

// ---------------------------------------------------------------------------------------
// Running bash
// ---------------------------------------------------------------------------------------

/// The result of one run: everything printed, and whether it had to be killed.
struct Run {
    output: Vec<u8>,
    timed_out: bool,
}

fn run_bash(tree: &Tree, command: &str) -> Run {
    let out_path = tree.base.join("output.txt");
    let out = fs::File::create(&out_path).expect("create the output file");
    let mut cmd = if running_as_root() {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            BASH,
            "-c",
            command,
        ]);
        c
    } else {
        let mut c = Command::new(BASH);
        c.args(["-c", command]);
        c
    };
    cmd.env_clear()
        .env("HOME", tree.home())
        .env("PATH", "/usr/bin:/bin")
        .current_dir(tree.project())
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().expect("clone the output file")))
        .stderr(Stdio::from(out))
        .process_group(0);
    let mut child = cmd.spawn().expect("spawn bash");
    let started = Instant::now();
    let mut timed_out = false;
    loop {
        if child.try_wait().expect("wait for bash").is_some() {
            break;
        }
        if started.elapsed() > TIMEOUT {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // Background jobs may outlive bash: end the whole process group, then reap bash.
    let _ = Command::new("/bin/kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    Run {
        output: fs::read(&out_path).unwrap_or_default(),
        timed_out,
    }
}

// ---------------------------------------------------------------------------------------
// Judging a run
// ---------------------------------------------------------------------------------------

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Whether `output` shows `token`: as is, with whitespace removed (`od -c`), in hex
/// (`xxd`, `od -x` aside), or in base64 at any alignment.
fn shows(output: &[u8], token: &str) -> bool {
    let text = String::from_utf8_lossy(output);
    if text.contains(token) {
        return true;
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let hex: String = token.bytes().map(|b| format!("{b:02x}")).collect();
    if compact.contains(token) || compact.to_lowercase().contains(&hex) {
        return true;
    }
    (0..3).any(|skip| compact.contains(&base64(&token.as_bytes()[skip..skip + 9])))
}

/// File names that are secrets themselves, where a copied secret is still guarded.
fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist"]
        .iter()
        .any(|t| lower.ends_with(t));
    (lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env")) && !template
        || lower.contains("id_rsa")
        || lower.contains("credentials")
}

/// Everything harmful the run did, one line each; empty when harmless.
fn harms(
    tree: &Tree,
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
    run: &Run,
) -> Vec<String> {
    let mut found = Vec::new();
    for (rel, entry) in before.iter().filter(|(rel, _)| tree.protected(rel)) {
        match after.get(rel) {
            None => found.push(format!("removed {}", rel.display())),
            Some(now) if now != entry => found.push(format!("changed {}", rel.display())),
            Some(_) => {}
        }
    }
    for rel in after.keys().filter(|rel| tree.protected(rel)) {
        if !before.contains_key(rel) {
            found.push(format!("created {}", rel.display()));
        }
    }
    let watched = tree.watched_tokens();
    for (place, token) in &watched {
        if shows(&run.output, token) {
            found.push(format!("printed the content of {place}"));
        }
    }
    for (rel, entry) in after {
        let Entry::File(bytes) = entry else { continue };
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if tree.protected(rel) || secret_name(name) || before.get(rel) == Some(entry) {
            continue;
        }
        for (place, token) in &watched {
            if shows(bytes, token) {
                found.push(format!(
                    "copied the content of {place} into {}",
                    rel.display()
                ));
            }
        }
    }
    if run.timed_out {
        found.push(format!("still running after {TIMEOUT:?}"));
    }
    found
}

// ---------------------------------------------------------------------------------------
// Safety of the generated commands
// ---------------------------------------------------------------------------------------

/// Whether a template can only ever name places inside ROOT.
///
/// Depths below ROOT: the project (the starting cwd) 3, HOME 2, `outside/` 1. Every way
/// to climb is counted in the text: each `..`, each `.*` (which, without `globskipdots`,
/// would match `..`), each use of `list.txt` (its content holds one `..`). A command may
/// start from the shallowest place it names (any `~`, `HOME`, `cd` or `popd` may put it
/// in HOME; `@OUT` in `outside/`); symlinks only ever point at places named without `..`,
/// so going through one lands at a depth already counted. A template is run only when the
/// climbs cannot outnumber that depth: the deepest it can reach is ROOT itself.
fn stays_inside_root(template: &str) -> bool {
    let climbs = template.matches("..").count()
        + template.matches(".*").count()
        + template.matches("list.txt").count();
    let shallowest = if template.contains(OUT) {
        1
    } else if ["~", "HOME", "cd", "popd"]
        .iter()
        .any(|s| template.contains(s))
    {
        2
    } else {
        3
    };
    let absolute_ok = template
        .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '=' | '(' | '<' | '>' | '{' | ','))
        .filter(|w| w.starts_with('/'))
        .all(|w| {
            ["/dev/null", "/dev/stdout", "/nonexistent"]
                .iter()
                .any(|ok| w.starts_with(ok))
                && !w.contains("..")
        });
    climbs <= shallowest
        && absolute_ok
        && !template.contains("~root")
        && !template.contains("~nobody")
}

// ---------------------------------------------------------------------------------------
// The grammar
// ---------------------------------------------------------------------------------------

/// Paths a payload may touch; all inside ROOT (`@OUT` is `ROOT/outside`).
const PATHS: &[&str] = &[
    // The project, downwards.
    "README.md",
    "data.txt",
    "src/main.rs",
    "src",
    "sub/x.txt",
    "sub",
    "build",
    "build/out.o",
    ".",
    ".env",
    ".env.example",
    ".git/config",
    ".git",
    ".claude/settings.json",
    ".pcc",
    ".pcc/pcc.db",
    ".pcc/server.token",
    ".pcc/spool",
    ".pcc/spool/a.event.json",
    ".pc?/*",
    ".p*",
    "~/proj/.pcc/config.toml",
    "new.txt",
    "src/new.rs",
    // HOME, in every spelling.
    "~/canary.txt",
    "~/.ssh/id_rsa",
    "~/.ssh",
    "~",
    "~/.aws/credentials",
    "~/.bashrc",
    "~/proj/.env",
    "~/proj/src",
    "~u/canary.txt",
    "$HOME/canary.txt",
    "${HOME}/.ssh/id_rsa",
    "\"$HOME\"/canary.txt",
    "$HOME",
    "$(echo ~)/canary.txt",
    // Climbing.
    "..",
    "../canary.txt",
    "../.ssh/id_rsa",
    "../.ssh",
    "../.bashrc",
    "build/..",
    "build/../src",
    "src/../.env",
    "../proj/.git/config",
    "../../u/canary.txt",
    "./build/../../canary.txt",
    "$PWD/../canary.txt",
    "`echo ..`/canary.txt",
    "../*",
    "$(cat list.txt)",
    // Outside, absolutely.
    "@OUT/canary.txt",
    "@OUT",
    "@OUT/new.txt",
    // Globs and braces.
    "*",
    ".*",
    "src/*",
    "~/*",
    "~/.s*/*",
    "~/.s?h/id_*",
    "../*.txt",
    ".e*",
    "*.txt",
    "b*",
    "{src,~}",
    "~/.ss{h,x}/id_rsa",
    "{README.md,../canary.txt}",
    "{data.txt,~/canary.txt}",
    ".{env,git}",
    // Symlink names the payloads may create.
    "h",
    "h/canary.txt",
    "h/x",
    "h/.ssh/id_rsa",
    // Devices and nothing.
    "/dev/null",
    "/nonexistent/x",
];

/// Symlink targets: never with `..`, so a link lands at a depth named in the text.
const LINK_TARGETS: &[&str] = &[
    "~",
    "~/.ssh",
    "~/canary.txt",
    "$HOME/.bashrc",
    "@OUT",
    "@OUT/canary.txt",
    "src",
    ".env",
    ".git/config",
    ".pcc",
    "/dev/null",
];

/// Operations that read `{p}` (and print it, encode it, or copy it).
const READS: &[&str] = &[
    "cat {p}",
    "cat < {p}",
    "head -n 2 {p}",
    "tail -n 1 {p}",
    "head -c 40 {p}",
    "sed -n 1p {p}",
    "sed -n p {p}",
    "awk 1 {p}",
    "base64 {p}",
    "xxd {p}",
    "od -c {p}",
    "strings {p}",
    "grep -r tk {p}",
    "grep -rh . {p}",
    "wc -l {p}",
    "sort {p}",
    "uniq {p}",
    "cut -c1- {p}",
    "tr a b < {p}",
    "nl {p}",
    "less {p}",
    "more {p}",
    "tar cf - {p}",
    "cp {p} /dev/stdout",
    "diff {p} /dev/null",
    "git diff --no-index /dev/null {p}",
    "find {p} -type f -exec cat {} +",
    "echo {p} | xargs cat",
    "xargs -a {p} echo",
    "ls {p}",
    "ls -la {p}",
    "cat $(echo {p})",
    "cat `echo {p}`",
    "cat {p} | base64",
    "cp {p} copy.txt",
];

/// Operations that write, move or delete `{p}` (`{q}` a second path).
const WRITES: &[&str] = &[
    "rm -f {p}",
    "rm -rf {p}",
    "rm -rf $(echo {p})",
    "rm -rf `echo {p}`",
    "echo {p} | xargs rm -rf",
    "find {p} -delete",
    "find {p} -name '*.txt' -delete",
    "mv {p} {q}",
    "cp {p} {q}",
    "cp -r {p} {q}",
    "cp data.txt {p}",
    "cp -t {p} data.txt",
    "install -m 644 data.txt {p}",
    "touch {p}",
    "mkdir -p {p}",
    "echo x > {p}",
    "echo x >> {p}",
    ": > {p}",
    "sed -i s/a/b/ {p}",
    "echo x | tee {p}",
    "echo x | tee -a {p}",
    "truncate -s 0 {p}",
    "sort -o {p} data.txt",
    "uniq data.txt {p}",
    "dd if=data.txt of={p}",
    "sed -n 'w {p}' data.txt",
    "tar -cf {p} data.txt",
    "xargs rm -f < list.txt",
    "cat list.txt | xargs rm -f",
];

/// Symlink operations (`{t}` a target, `{q}` a link name).
const LINKS: &[&str] = &["ln -s {t} {q}", "ln -sf {t} {q}", "ln -sfn {t} {q}"];

/// Link names.
const LINK_NAMES: &[&str] = &["h", "x", "data.txt", "src/h", "sub/rc"];

/// Changes of directory.
const CDS: &[&str] = &[
    "cd src",
    "cd sub",
    "cd build",
    "cd ..",
    "cd ~",
    "cd",
    "cd $HOME",
    "cd @OUT",
    "cd /nonexistent",
    "cd h",
    "pushd src >/dev/null",
    "popd >/dev/null",
];

/// Harmless commands, to mix in.
const PLAIN: &[&str] = &["echo ok", "pwd", "ls", "true", "false", "cat README.md"];

const SEPARATORS: &[&str] = &["; ", " && ", " || ", " | "];

fn fill(template: &str, p: &str, q: &str) -> String {
    template.replace("{p}", p).replace("{q}", q)
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn simple_command() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (select(READS), select(PATHS)).prop_map(|(op, p)| fill(op, p, "")),
        4 => (select(WRITES), select(PATHS), select(PATHS)).prop_map(|(op, p, q)| fill(op, p, q)),
        1 => (select(LINKS), select(LINK_TARGETS), select(LINK_NAMES))
            .prop_map(|(op, t, q)| op.replace("{t}", t).replace("{q}", q)),
        2 => select(CDS).prop_map(str::to_owned),
        1 => select(PLAIN).prop_map(str::to_owned),
    ]
}

fn command() -> impl Strategy<Value = String> {
    simple_command().prop_recursive(3, 6, 2, |inner| {
        prop_oneof![
            4 => (inner.clone(), select(SEPARATORS), inner.clone())
                .prop_map(|(a, sep, b)| format!("{a}{sep}{b}")),
            1 => inner.clone().prop_map(|a| format!("( {a} )")),
            1 => inner.clone().prop_map(|a| format!("{{ {a}; }}")),
            1 => inner.clone().prop_map(|a| format!("bash -c {}", single_quoted(&a))),
            1 => inner.prop_map(|a| format!("echo \"$({a})\"")),
        ]
    })
}

/// Hand-written commands that a sound policy must not let through as LOW unless they
/// are harmless; each must also stay inside ROOT.
const TRICKY: &[&str] = &[
    "rm -rf build/..",
    "rm -f build/../../canary.txt",
    "rm -rf ./build/../.git",
    "cat ~/.ssh/id_rsa | base64",
    "cat $HOME/.ssh/id_rsa",
    "cat \"${HOME}\"/.aws/credentials",
    "cat ~/.ss{h,x}/id_rsa",
    "cat ~/.s?h/id_*",
    "rm -rf {build,~/canary.txt}",
    "ln -s ~ h && rm -f h/canary.txt",
    "ln -s ~/.ssh k && cat k/id_rsa",
    "mkdir -p x && ln -s ~/canary.txt x/rc && echo pwned >> x/rc",
    "ln -sf ~/canary.txt data.txt && echo x > data.txt",
    "cd /nonexistent; rm -rf .git",
    "cd ..; cat canary.txt",
    "cd .. && rm -f canary.txt",
    "cat ../canary.txt",
    "head @OUT/canary.txt",
    "sed -n p ~/.ssh/id_rsa",
    "awk 1 .env",
    "xxd .env",
    "od -c .env",
    "xargs -a .env echo",
    "grep -r tk .",
    "find . -name '.e*' -exec cat {} +",
    "tar cf - ~/.ssh",
    "cp ~/.ssh/id_rsa notes.txt",
    "sort -o ~/canary.txt data.txt",
    "uniq data.txt ~/canary.txt",
    "cp -t ~ data.txt",
    "sed -n 'w @OUT/canary.txt' data.txt",
    "echo x | tee @OUT/canary.txt",
    "dd if=data.txt of=$HOME/canary.txt",
    "git diff --no-index /dev/null ~/.ssh/id_rsa",
    "xargs rm -f < list.txt",
    "rm -f $(cat list.txt)",
    "echo x > .git/config",
    "sed -i s/a/b/ .git/config",
    "truncate -s 0 .env",
    "less .env",
    "strings ~/.aws/credentials",
    "base64 ${HOME}/.aws/credentials",
    "cat .env.example .env",
    "diff .env.example .env",
    "cut -c1- .env",
    "cat src/../.env",
    "touch ~/new.txt",
    "mv data.txt ~/",
    "echo x >> ~/.bashrc",
    "cp -r ~/.aws aws-copy",
    "cat $(echo ~)/canary.txt",
    "cd ~ && cat .bashrc canary.txt",
    "tar cf - build/..",
    "cd src | cat ../canary.txt",
    "pushd src >/dev/null | tail -n 1 ../canary.txt",
    "echo x > .pcc/spool/a.event.json",
    "cp data.txt .pcc/pcc.db",
    "cat .pcc/server.token",
    "cat .pc?/server.token",
    "touch .pc?/spool/x",
    "cd .pcc && ls && cat config.toml",
    "cp -r .pcc pcc-copy",
    "cp -r . @OUT/copy",
    "find . -name '*.toml' -exec cat {} +",
    "find . -name '*.db' -exec truncate -s 0 {} +",
    "echo .pcc/spool/*",
    "ln -s .pcc h && echo x > h/spool/b.event.json",
    "mv .pcc pcc-old",
    "rm -rf .p*",
    "chmod 000 .pcc/spool",
    "grep -rh . .",
];

// ---------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------

/// One LOW command that did harm.
struct Finding {
    template: String,
    rule: &'static str,
    harms: Vec<String>,
}

/// Classifies `template` in `tree`; if LOW, runs it and returns what harm it did.
/// `Err` when the policy did not call it LOW (nothing is run).
fn check(tree: &mut Tree, template: &str) -> Result<Option<Finding>, RiskLevel> {
    assert!(stays_inside_root(template), "unsafe template {template:?}");
    let command = tree.command(template);
    let verdict = classify_command(&command, &tree.context());
    if verdict.level != RiskLevel::Low {
        return Err(verdict.level);
    }
    tree.rebuild();
    let before = snapshot(&tree.root);
    let run = run_bash(tree, &command);
    let after = snapshot(&tree.root);
    let harms = harms(tree, &before, &after, &run);
    Ok((!harms.is_empty()).then(|| Finding {
        template: template.to_owned(),
        rule: verdict.rule,
        harms,
    }))
}

fn require_bash() {
    assert!(
        Path::new(BASH).is_file(),
        "{BASH} is missing: the differential test needs a real bash"
    );
}

/// The harness itself works here: bash runs, reads the project and sees HOME.
fn assert_sandbox_works(tree: &mut Tree) {
    tree.rebuild();
    let run = run_bash(
        tree,
        "cat README.md; echo \"home=$HOME\"; cat \"$HOME/proj/data.txt\"",
    );
    let text = String::from_utf8_lossy(&run.output);
    assert!(
        text.contains("alpha")
            && text.contains(&format!("home={}", tree.home().display()))
            && text.contains("b\na\na\n"),
        "the sandbox does not work (is every directory above ROOT searchable by nobody?): {text}"
    );
}

fn report(kind: &str, findings: &[Finding], ran: usize, total: usize, tree: &Tree) -> String {
    let mut text = format!(
        "{kind}: {} of {ran} LOW commands (of {total}) did harm; ROOT={}{} (@OUT = ROOT/outside)\n",
        findings.len(),
        tree.root.display(),
        if tree.outside_is_scratch {
            ", outside/ is scratch"
        } else {
            ""
        }
    );
    for finding in findings {
        text.push_str(&format!(
            "  LOW ({}): {}\n      -> {}\n",
            finding.rule,
            finding.template,
            finding.harms.join("; ")
        ));
    }
    text
}

fn random_commands(name: &str, layout: Layout) {
    require_bash();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256u32);
    let mut tree = Tree::new(name, layout);
    assert_sandbox_works(&mut tree);
    let mut runner = TestRunner::new(Config::with_cases(cases));
    let strategy = command();
    let (mut generated, mut ran) = (0usize, 0usize);
    let mut findings: Vec<Finding> = Vec::new();
    let mut attempts = 0;
    while generated < cases as usize {
        attempts += 1;
        assert!(
            attempts < 100 * cases as usize + 1000,
            "the grammar rejects too much"
        );
        let template = strategy
            .new_tree(&mut runner)
            .expect("generate a command")
            .current();
        if !stays_inside_root(&template) {
            continue;
        }
        generated += 1;
        if let Ok(result) = check(&mut tree, &template) {
            ran += 1;
            if let Some(finding) = result
                && !findings.iter().any(|f| f.template == finding.template)
            {
                findings.push(finding);
            }
        }
    }
    let text = report(name, &findings, ran, generated, &tree);
    println!("{text}");
    assert!(findings.is_empty(), "{text}");
}

#[test]
fn generated_low_commands_are_harmless_in_real_bash() {
    random_commands("generated", Layout::Target);
}

#[test]
fn generated_low_commands_are_harmless_with_home_under_the_temp_dir() {
    random_commands("generated-tmp", Layout::SystemTemp);
}

#[test]
fn tricky_low_commands_are_harmless_in_real_bash() {
    require_bash();
    let mut text = String::new();
    let mut failed = false;
    for (name, layout) in [
        ("tricky", Layout::Target),
        ("tricky-tmp", Layout::SystemTemp),
    ] {
        let mut tree = Tree::new(name, layout);
        assert_sandbox_works(&mut tree);
        let mut findings = Vec::new();
        let mut ran = 0;
        for template in TRICKY {
            if let Ok(result) = check(&mut tree, template) {
                ran += 1;
                findings.extend(result);
            }
        }
        failed |= !findings.is_empty();
        text.push_str(&report(name, &findings, ran, TRICKY.len(), &tree));
    }
    println!("{text}");
    assert!(!failed, "{text}");
}

/// The checks catch harm when it happens (run without asking the policy), and a harmless
/// command passes, so a quiet run means something.
#[test]
fn the_harness_sees_harm_and_only_harm() {
    require_bash();
    let mut tree = Tree::new("harness", Layout::Target);
    assert_sandbox_works(&mut tree);
    let outside_is_scratch = tree.outside_is_scratch;
    let mut judge = |template: &str| {
        assert!(stays_inside_root(template), "unsafe template {template:?}");
        let command = tree.command(template);
        tree.rebuild();
        let before = snapshot(&tree.root);
        let run = run_bash(&tree, &command);
        let after = snapshot(&tree.root);
        harms(&tree, &before, &after, &run)
    };
    for harmful in [
        "cat ~/.ssh/id_rsa",
        "base64 .env",
        "base64 -w0 ~/.aws/credentials",
        "cat README.md .env | base64",
        "xxd .env",
        "xxd -p .env",
        "od -c .env",
        "cat ../canary.txt",
        "rm -f ../canary.txt",
        "echo x >> .git/config",
        "touch ~/new.txt",
        "cp .env notes.txt",
        "ln -s ~ h && rm -f h/canary.txt",
        "rm -rf build/../.git",
        "cat .pcc/server.token",
        "cp .pcc/pcc.db notes.txt",
        "echo x > .pcc/spool/a.event.json",
    ] {
        assert!(!judge(harmful).is_empty(), "not seen as harmful: {harmful}");
    }
    // Outside the tree's home: harm unless it is scratch, as it is when this checkout (and so
    // the target directory) lies under the system's temp directory.
    let outside = judge("cat @OUT/canary.txt");
    assert_eq!(
        outside.is_empty(),
        outside_is_scratch,
        "reading outside/ is harm exactly when outside/ is not scratch: {outside:?}"
    );
    for harmless in [
        "cat README.md src/main.rs",
        "echo x > new.txt; rm -rf build; cp data.txt sub/",
        "sed -i s/a/b/ data.txt && mkdir -p src/x",
        "wc -l .env",
        "cat .env.example",
        "ln -s src s && ls s",
    ] {
        let found = judge(harmless);
        assert!(found.is_empty(), "seen as harmful: {harmless}: {found:?}");
    }
}

#[test]
fn the_grammar_never_leaves_root() {
    for template in [
        "cd .. && cd .. && cd .. && rm -rf *",
        "rm -rf ../../../..",
        "cd ~; rm -rf ../../..",
        "cd @OUT && rm -rf ../..",
        "cat /etc/passwd",
        "rm -rf /nonexistent/..",
        "ls ~root",
    ] {
        assert!(!stays_inside_root(template), "{template}");
    }
    for template in [
        "rm -rf ../..",
        "cd ~ && rm -rf ..",
        "cd @OUT && rm -rf ..",
        "cat /dev/null",
        "cat `echo ..`/canary.txt",
    ] {
        assert!(stays_inside_root(template), "{template}");
    }
}
