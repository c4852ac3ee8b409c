//! Per-test isolated directories for a Claude Code run.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tempfile::TempDir;

/// `ANTHROPIC_API_KEY` given to the CLI. Any value works against the mock.
pub const TEST_API_KEY: &str = "test-key";

/// `CLAUDE_CODE_OAUTH_TOKEN` given to the CLI by
/// [`ClaudeSession::oauth`](crate::ClaudeSession::oauth). Any string works against the mock; it
/// has the shape of a real token so nothing treats it as malformed.
pub const TEST_OAUTH_TOKEN: &str = "sk-ant-oat01-test-token";

/// Base URL used when no mock is given: port 9 (discard) on loopback refuses connections, so a
/// stray model request fails fast instead of reaching the real API.
const NOWHERE_URL: &str = "http://127.0.0.1:9";

/// A temporary directory holding an isolated `HOME`, `CLAUDE_CONFIG_DIR` and a default project
/// directory, deleted when the last clone is dropped.
///
/// Every test gets its own so runs never share settings, sessions or plugins; share one clone
/// between runs that must see each other's state (e.g. `--resume`, which needs the same config
/// dir and cwd).
#[derive(Clone, Debug)]
pub struct Sandbox {
    dir: Arc<TempDir>,
    root: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// Creates the directories (`home/`, `claude-config/`, `project/`) in a fresh temp dir.
    ///
    /// # Panics
    /// If the temp dir cannot be created.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pcc-e2e-")
            .tempdir()
            .expect("cannot create a sandbox temp dir");
        // Canonical so paths compare equal to the `cwd` the CLI reports.
        let root = dir
            .path()
            .canonicalize()
            .expect("cannot canonicalize the sandbox temp dir");
        let sb = Self {
            dir: Arc::new(dir),
            root,
        };
        for d in [sb.home(), sb.config_dir(), sb.project_dir()] {
            fs::create_dir_all(&d).unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
        }
        sb
    }

    /// Root of the sandbox; free space for test files (settings, hook scripts, databases).
    pub fn root(&self) -> &Path {
        debug_assert!(self.dir.path().exists());
        &self.root
    }

    /// Our data directory for this sandbox (`PCC_HOME` of the hooks it runs).
    pub fn pcc_home(&self) -> PathBuf {
        self.root().join("pcc-home")
    }

    /// The isolated `HOME`.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The isolated `CLAUDE_CONFIG_DIR` (settings, sessions, transcripts, plugins).
    pub fn config_dir(&self) -> PathBuf {
        self.root.join("claude-config")
    }

    /// Logs this sandbox in as a claude.ai subscriber the way `/login` does: OAuth credentials
    /// in `<config dir>/.credentials.json` holding [`TEST_OAUTH_TOKEN`], valid for a day. Use it
    /// with `ANTHROPIC_API_KEY` removed from the session.
    ///
    /// Unlike [`ClaudeSession::oauth`](crate::ClaudeSession::oauth) (a token in the environment),
    /// this also logs in every `claude` a hook starts: Claude Code removes
    /// `CLAUDE_CODE_OAUTH_TOKEN` from hook environments but keeps `CLAUDE_CONFIG_DIR`. Checked
    /// offline with 2.1.329: the CLI sends `Authorization: Bearer <token>` and nothing else.
    pub fn log_in_with_claude_ai(&self) {
        let expires_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis())
            + 86_400_000;
        let credentials = serde_json::json!({"claudeAiOauth": {
            "accessToken": TEST_OAUTH_TOKEN,
            "refreshToken": "test-refresh-token",
            "expiresAt": expires_ms,
            "scopes": ["user:inference", "user:profile"],
            "subscriptionType": "max",
        }});
        std::fs::create_dir_all(self.config_dir()).expect("create the config dir");
        std::fs::write(
            self.config_dir().join(".credentials.json"),
            credentials.to_string(),
        )
        .expect("write .credentials.json");
    }

    /// The default working directory of a session.
    pub fn project_dir(&self) -> PathBuf {
        self.root.join("project")
    }

    /// Writes `contents` to `rel` under [`Sandbox::root`] (creating parent dirs) and returns the
    /// absolute path — for settings files, plugin manifests and the like.
    ///
    /// # Panics
    /// If the file cannot be written.
    pub fn write_file(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Like [`Sandbox::write_file`] but makes the file executable (mode 0755) — for hook
    /// scripts.
    ///
    /// # Panics
    /// If the file cannot be written or chmod-ed.
    pub fn write_executable(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write_file(rel, contents);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", path.display()));
        path
    }

    /// Transcript file of a session (`<config>/projects/<mangled cwd>/<id>.jsonl`), if written.
    pub fn transcript_path(&self, session_id: &str) -> Option<PathBuf> {
        let projects = self.config_dir().join("projects");
        let file = format!("{session_id}.jsonl");
        fs::read_dir(&projects)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join(&file))
            .find(|p| p.is_file())
    }

    /// A `Command` for `program` with the hermetic environment of this sandbox: inherited
    /// `CLAUDE*`/`ANTHROPIC*`/`XDG_*` variables removed (the tests may themselves run under
    /// Claude Code), `HOME` and `CLAUDE_CONFIG_DIR` isolated, the API pointed at `base_url` (or
    /// at a refusing port when `None`), retries, telemetry and non-essential traffic off.
    ///
    /// Use it for non-session CLI calls such as `claude plugin validate`.
    pub fn command(&self, program: impl AsRef<OsStr>, base_url: Option<&str>) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CLAUDE") || k.starts_with("ANTHROPIC") || k.starts_with("XDG_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.home())
            .env("CLAUDE_CONFIG_DIR", self.config_dir())
            .env("ANTHROPIC_BASE_URL", base_url.unwrap_or(NOWHERE_URL))
            .env("ANTHROPIC_API_KEY", TEST_API_KEY)
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("CLAUDE_CODE_MAX_RETRIES", "0")
            // Our hooks never pop up a desktop notification during a test.
            .env("PCC_NOTIFY", "off")
            .current_dir(self.project_dir());
        cmd
    }
}
