//! What a contained command can and cannot do, each pinned by real commands in real bwrap.
#![allow(missing_docs)]

mod common;

use common::{Tree, contained, fails, succeeds, text, write};
use pcc_sandbox::Network;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn root_cannot_write_the_read_only_filesystem_nor_undo_the_mounts() {
    let tree = Tree::new();
    for attempt in [
        "touch /etc/pcc-sandbox-canary",
        "touch /usr/pcc-sandbox-canary",
        "rm -rf \"$HOME/x\"",
        "echo pwned >> ~/.bashrc",
        "touch ~/new-file",
        "mount -o remount,rw /",
        "umount ~/.ssh",
        "umount -l /tmp",
        // Rewrites the value it read: harmless even if it got through (it once did: bwrap 0.8
        // leaves /proc/sys writable for root, see plan.rs). The crash handler runs as real root.
        "v=$(cat /proc/sys/kernel/core_pattern) && printf '%s\\n' \"$v\" > /proc/sys/kernel/core_pattern",
        "printf 3 > /proc/sys/vm/drop_caches",
    ] {
        let output = tree.sh(attempt);
        assert!(!output.status.success(), "{attempt}: {}", text(&output));
        assert!(
            !Path::new("/etc/pcc-sandbox-canary").exists()
                && !Path::new("/usr/pcc-sandbox-canary").exists(),
            "{attempt}"
        );
    }
    assert_eq!(tree.read("x/canary"), "canary\n");
    assert_eq!(tree.read(".bashrc"), "# bashrc\n");
    assert!(!tree.home.join("new-file").exists());
    let caps = tree.sh("grep -E '^Cap(Prm|Eff|Amb):' /proc/self/status");
    succeeds(&caps);
    for line in String::from_utf8_lossy(&caps.stdout).lines() {
        assert!(line.ends_with("0000000000000000"), "{line}");
    }
}

#[test]
fn secrets_in_the_home_and_our_data_dir_are_hidden() {
    let tree = Tree::new();
    for attempt in [
        "cat ~/.ssh/id_rsa",
        "cat ~/.aws/credentials",
        "cat ~/.netrc",
        "cat ~/.local/share/pcc-hooks/pcc.db",
        "grep -r SECRET- ~ /root 2>/dev/null",
        "ls -la ~/.ssh ~/.aws",
    ] {
        let output = tree.sh(attempt);
        assert!(
            !text(&output).contains(&tree.token),
            "{attempt}: {}",
            text(&output)
        );
    }
    // A hidden directory is an empty directory; a hidden file cannot be opened (a /dev/null
    // on a nodev mount).
    let listing = tree.sh("ls -A ~/.ssh | wc -l; ls -A ~/.local/share/pcc-hooks | wc -l");
    succeeds(&listing);
    assert_eq!(String::from_utf8_lossy(&listing.stdout), "0\n0\n");
    let netrc = tree.sh("cat ~/.netrc");
    fails(&netrc);
    assert!(
        String::from_utf8_lossy(&netrc.stderr).contains("Permission denied"),
        "{}",
        text(&netrc)
    );
    // The real /root is not this plan's home: hidden as another user's.
    let root = tree.sh("ls -A /root | wc -l");
    assert_eq!(
        String::from_utf8_lossy(&root.stdout),
        "0\n",
        "{}",
        text(&root)
    );
    assert_eq!(tree.read(".ssh/id_rsa"), format!("{}\n", tree.token));
}

#[test]
fn other_users_homes_are_hidden() {
    let tree = Tree::new();
    // Every entry of /home but the plan's home (none here: it lives under the target dir) is
    // empty inside, and so is the real /root (not this plan's home). Creating a home in /home
    // for the test would race every other test's plan (bwrap fails on a hide target that
    // vanished between planning and mounting); `plan.rs` tests the walk itself.
    let output = tree
        .sh("for home in /home/* /root; do [ -z \"$(ls -A \"$home\")\" ] || echo \"$home\"; done");
    succeeds(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "",
        "{}",
        text(&output)
    );
}

#[test]
fn the_project_is_writable_but_not_what_runs_code_later() {
    let tree = Tree::new();
    write(&tree.project.join(".claude/settings.json"), "{}\n");
    write(&tree.project.join(".mcp.json"), "{}\n");
    succeeds(&tree.sh("mkdir -p build && echo built > build/out.txt && rm -rf build/../gone"));
    assert_eq!(
        std::fs::read_to_string(tree.project.join("build/out.txt")).expect("out"),
        "built\n"
    );
    let config = std::fs::read(tree.project.join(".git/config")).expect("config");
    for attempt in [
        "echo '[core] fsmonitor = evil' >> .git/config",
        "git config core.fsmonitor evil",
        "echo evil > .git/hooks/post-checkout",
        "rm -rf .git/hooks",
        "mv .git .git-old",
        "rm -rf .git",
        "echo '{\"hooks\":{}}' > .claude/settings.json",
        "echo x > .claude/settings.local.json",
        "mv .claude .claude-old",
        "echo '{\"mcpServers\":{}}' > .mcp.json",
        "rm -f .mcp.json",
    ] {
        fails(&tree.sh(attempt));
    }
    assert_eq!(
        std::fs::read(tree.project.join(".git/config")).expect("config"),
        config
    );
    assert!(!tree.project.join(".git/hooks/post-checkout").exists());
    assert!(!tree.project.join(".git-old").exists() && !tree.project.join(".claude-old").exists());
    assert_eq!(
        std::fs::read_to_string(tree.project.join(".claude/settings.json")).expect("settings"),
        "{}\n"
    );
    assert!(!tree.project.join(".claude/settings.local.json").exists());
    assert_eq!(
        std::fs::read_to_string(tree.project.join(".mcp.json")).expect("mcp"),
        "{}\n"
    );
    // `rm -rf .git` above removed what it could: the objects. Effects in the project are the
    // project's; git still finds its config and hooks.
    assert!(tree.project.join(".git/config").exists());
}

#[test]
fn absent_protected_paths_cannot_be_created_and_leave_nothing_behind() {
    let tree = Tree::new();
    std::fs::remove_dir_all(tree.project.join(".git/hooks")).expect("no hooks");
    for attempt in [
        "mkdir -p .claude && echo '{}' > .claude/settings.json",
        "echo '{\"mcpServers\":{}}' > .mcp.json && grep -q mcp .mcp.json",
        "echo evil > .git/hooks/post-checkout",
        "rmdir .claude && mkdir .claude",
        "rm .mcp.json",
    ] {
        fails(&tree.sh(attempt));
    }
    // git takes no notice of what stands in their place (empty directories).
    succeeds(&tree.sh("echo x > file && git add -A && git status --porcelain"));
    // What stood in their place during the command is gone after it.
    for path in [".claude", ".mcp.json", ".git/hooks"] {
        assert!(
            std::fs::symlink_metadata(tree.project.join(path)).is_err(),
            "{path} left behind"
        );
    }
}

#[test]
fn a_project_without_git_cannot_become_a_repository() {
    let tree = Tree::new();
    std::fs::remove_dir_all(tree.project.join(".git")).expect("no git");
    for attempt in [
        "git init -q .",
        "mkdir -p .git/hooks",
        "echo '[core]' > .git/config",
        "rmdir .git && mkdir .git",
    ] {
        fails(&tree.sh(attempt));
    }
    succeeds(&tree.sh("echo work > file"));
    assert!(std::fs::symlink_metadata(tree.project.join(".git")).is_err());
    assert!(tree.project.join("file").exists());
}

#[test]
fn tmp_and_var_tmp_are_private() {
    let tree = Tree::new();
    let name = format!("pcc-sandbox-{}", common::random_token());
    // Of the host's /tmp only the way to this tree shows, when the tree is under it.
    let way = std::fs::canonicalize(&tree.base)
        .ok()
        .and_then(|base| {
            base.strip_prefix("/tmp")
                .ok()
                .and_then(|rest| rest.iter().next().map(|c| c.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| name.clone());
    succeeds(&tree.sh(&format!(
        "echo x > /tmp/{name} && echo x > /var/tmp/{name} && test \"$TMPDIR\" = /tmp && \
         test -z \"$(ls -A /tmp | grep -v -x -e {name} -e {way})\""
    )));
    assert!(!Path::new("/tmp").join(&name).exists());
    assert!(!Path::new("/var/tmp").join(&name).exists());
}

#[test]
fn the_caches_are_writable_and_nothing_else_in_the_home() {
    let tree = Tree::new();
    succeeds(&tree.sh("touch ~/.npm/contained ~/.cargo/registry/contained"));
    assert!(tree.home.join(".npm/contained").exists());
    assert!(tree.home.join(".cargo/registry/contained").exists());
    fails(&tree.sh("touch ~/.cache/other/contained"));
    fails(&tree.sh("touch ~/.cargo/config.toml"));
    assert!(!tree.home.join(".cache/other/contained").exists());
}

#[test]
fn no_network_reaches_the_host_and_full_network_does() {
    let tree = Tree::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
    fails(&tree.sh(&connect));
    listener.set_nonblocking(true).expect("nonblocking");
    assert_eq!(
        listener.accept().map(|_| ()).map_err(|error| error.kind()),
        Err(ErrorKind::WouldBlock)
    );
    // Its own loopback works (a test server in the project's test suite).
    succeeds(&tree.sh(
        "python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); \
         c=socket.create_connection(s.getsockname()); print(\"ok\")'",
    ));
    succeeds(&contained(&tree.plan(Network::Full), &connect));
    listener.set_nonblocking(false).expect("blocking");
    listener.accept().expect("the contained command connected");
}

#[test]
fn processes_outside_are_invisible_and_cannot_be_signalled() {
    let tree = Tree::new();
    let mut sleeper = Command::new("sleep")
        .arg("60")
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep");
    let pid = sleeper.id();
    fails(&tree.sh(&format!("kill -9 {pid}")));
    fails(&tree.sh(&format!("kill -0 {pid}")));
    // Every process it may signal is its own.
    let _ = tree.sh("kill -9 -1");
    // Only the sandbox's own processes: bwrap's init, bash, ls and wc.
    let ps = tree.sh("ls -d /proc/[0-9]* | wc -l");
    let count: u32 = String::from_utf8_lossy(&ps.stdout)
        .trim()
        .parse()
        .expect("count");
    assert!(count < 10, "{}", text(&ps));
    assert!(
        sleeper.try_wait().expect("try_wait").is_none(),
        "sleep was killed"
    );
    sleeper.kill().expect("kill sleep");
    let _ = sleeper.wait();
}

#[test]
fn a_project_under_a_dot_directory_of_the_home_or_under_tmp_works() {
    let tree = Tree::new();
    let mut plan = tree.plan(Network::None);
    plan.project_root = tree.home.join(".local/src/project");
    std::fs::create_dir_all(&plan.project_root).expect("project");
    succeeds(&contained(&plan, "echo ok > out && pwd"));
    assert!(plan.project_root.join("out").exists());
    let in_tmp = tempfile::tempdir().expect("tmp project");
    plan.project_root = in_tmp.path().to_path_buf();
    let output = contained(&plan, "echo ok > out && pwd");
    succeeds(&output);
    assert!(in_tmp.path().join("out").exists());
    // A project inside a hidden place shows through; its siblings stay hidden.
    plan.project_root = tree.home.join(".ssh/project");
    std::fs::create_dir_all(&plan.project_root).expect("project");
    let output = contained(&plan, "echo ok > out; cat ../id_rsa");
    fails(&output);
    assert!(plan.project_root.join("out").exists());
    assert!(!text(&output).contains(&tree.token));
}

#[test]
fn exit_codes_and_output_pass_through() {
    let tree = Tree::new();
    let output = tree.sh("echo out; echo err >&2; exit 7");
    assert_eq!(output.status.code(), Some(7));
    assert_eq!(output.stdout, b"out\n");
    assert_eq!(output.stderr, b"err\n");
    let killed = tree.sh("kill -TERM $$");
    assert_eq!(killed.status.code(), Some(128 + 15), "{}", text(&killed));
    // The command is one argument: quotes, semicolons and newlines are bash's.
    let output = tree.sh("printf '%s|' \"a b\" 'c;d'\necho");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "a b|c;d|\n");
}

#[test]
fn a_symlinked_protected_path_is_refused_before_anything_runs() {
    let tree = Tree::new();
    std::fs::create_dir(tree.base.join("settings")).expect("dir");
    std::os::unix::fs::symlink("../settings", tree.project.join(".claude")).expect("link");
    let error = pcc_sandbox::output(&common::bwrap(), &tree.plan(Network::None), "touch ran")
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("symlink"), "{error}");
    assert!(!tree.project.join("ran").exists());
}

#[test]
fn the_environment_is_filtered_and_bash_env_never_runs() {
    let tree = Tree::new();
    let plan = tree.plan(Network::None);
    let evil = tree.base.join("bash_env");
    write(&evil, "echo BASH_ENV-RAN\n");
    let vars = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("LANG", "C.UTF-8"),
        ("MY_SERVICE_TOKEN", tree.token.as_str()),
        ("OPENAI_API_KEY", tree.token.as_str()),
        ("AWS_SECRET_ACCESS_KEY", tree.token.as_str()),
    ];
    let env = pcc_sandbox::filtered_env(
        vars.iter()
            .map(|(name, value)| ((*name).into(), (*value).into())),
    );
    let output = Command::new(common::bwrap())
        .args(pcc_sandbox::bwrap_args(&plan, "env"))
        .env_clear()
        .envs(env)
        // Not filtered here: bwrap's own arguments unset it.
        .env("BASH_ENV", &evil)
        .output()
        .expect("bwrap");
    succeeds(&output);
    let env = String::from_utf8_lossy(&output.stdout);
    assert!(
        !env.contains(&tree.token) && !env.contains("BASH_ENV"),
        "{env}"
    );
    assert!(
        env.contains("LANG=C.UTF-8") && env.contains("TMPDIR=/tmp"),
        "{env}"
    );
    assert!(
        env.contains(&format!("HOME={}", tree.home.display())),
        "{env}"
    );
}

#[test]
fn sockets_in_run_are_unreachable() {
    let tree = Tree::new();
    let listing = tree.sh("find /run -mindepth 1 -not -type d");
    let resolv = std::fs::canonicalize("/etc/resolv.conf").ok();
    for line in String::from_utf8_lossy(&listing.stdout).lines() {
        assert_eq!(
            Some(Path::new(line)),
            resolv.as_deref(),
            "{}",
            text(&listing)
        );
    }
    let path = Path::new("/run").join(format!("pcc-sandbox-{}.sock", common::random_token()));
    let Ok(_listener) = std::os::unix::net::UnixListener::bind(&path) else {
        eprintln!("cannot create a socket in /run: only its emptiness was checked");
        return;
    };
    let output = tree.sh(&format!(
        "python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect(\"{}\")'",
        path.display()
    ));
    let _ = std::fs::remove_file(&path);
    fails(&output);
}

#[test]
fn a_git_file_pointing_elsewhere_cannot_be_repointed() {
    let tree = Tree::new();
    std::fs::rename(tree.project.join(".git"), tree.base.join("real.git")).expect("move .git");
    write(
        &tree.project.join(".git"),
        &format!("gitdir: {}\n", tree.base.join("real.git").display()),
    );
    fails(&tree.sh("echo 'gitdir: /tmp/evil' > .git"));
    fails(&tree.sh("rm -f .git"));
    assert!(
        std::fs::read_to_string(tree.project.join(".git"))
            .expect("git file")
            .contains("real.git")
    );
}

#[test]
fn nothing_that_git_or_an_editor_runs_later_can_be_planted() {
    let tree = Tree::new();
    let fsmonitor = "[core]\n\tfsmonitor = touch /tmp/pcc-sandbox-planted\n";
    write(&tree.base.join("evil/config"), fsmonitor);
    for attempt in [
        // Submodules' and worktrees' own config and hooks.
        "mkdir -p .git/modules/m && echo '[core]' > .git/modules/m/config",
        "mkdir -p .git/worktrees/w && echo x > .git/worktrees/w/config.worktree",
        // Files editors, direnv and hook managers run.
        "mkdir -p .vscode && echo '{}' > .vscode/tasks.json",
        "echo 'rm -rf ~' > .envrc",
        "mkdir -p .githooks && echo x > .githooks/pre-commit",
        "echo 'repos: []' > .pre-commit-config.yaml",
        "echo 'pre-commit:' > lefthook.yml",
        "echo '[hooks]' > mise.toml",
    ] {
        fails(&tree.sh(attempt));
    }
    for path in [
        ".vscode",
        ".envrc",
        ".githooks",
        ".pre-commit-config.yaml",
        "lefthook.yml",
        "mise.toml",
        ".git/modules",
        ".git/worktrees",
    ] {
        assert!(
            std::fs::symlink_metadata(tree.project.join(path)).is_err(),
            "{path} left behind"
        );
    }
    // `commondir` cannot be blocked while the command runs (git would fail), so it is removed
    // after: a later git on the host never reads the config it points at.
    let planted = tree.sh(&format!(
        "printf '%s\\n' {} > .git/commondir; printf x > .git/config.worktree; echo done",
        tree.base.join("evil").display()
    ));
    succeeds(&planted);
    // (The notice that they were removed goes to our own stderr, which is the Bash tool's.)
    for path in [".git/commondir", ".git/config.worktree"] {
        assert!(
            std::fs::symlink_metadata(tree.project.join(path)).is_err(),
            "{path} stayed"
        );
    }
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(&tree.project)
        .output()
        .expect("git");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        !Path::new("/tmp/pcc-sandbox-planted").exists(),
        "fsmonitor never ran"
    );
}

#[test]
fn the_projects_own_secrets_are_hidden_too() {
    let tree = Tree::new();
    write(
        &tree.project.join(".env"),
        &format!("TOKEN={}\n", tree.token),
    );
    write(
        &tree.project.join("apps/web/.env.local"),
        &format!("TOKEN={}\n", tree.token),
    );
    write(&tree.project.join("certs/server.key"), &tree.token);
    write(&tree.project.join(".env.example"), "TOKEN=changeme\n");
    for attempt in [
        "cat .env",
        "cat apps/web/.env.local",
        "cp .env notes.txt; cat notes.txt",
        "cat certs/server.key",
        "grep -r TOKEN . 2>/dev/null",
    ] {
        let output = tree.sh(attempt);
        assert!(
            !text(&output).contains(&tree.token),
            "{attempt}: {}",
            text(&output)
        );
    }
    let example = tree.sh("cat .env.example");
    succeeds(&example);
    assert!(text(&example).contains("changeme"));
    assert!(
        !std::fs::read_to_string(tree.project.join("notes.txt"))
            .unwrap_or_default()
            .contains(&tree.token)
    );
}

/// `$PCC_HOME` anywhere the command may write (here inside the project, and in a cache): its
/// data directory is still hidden and read-only, so no contained command reads the server
/// token or forges a spool row, a deferral mark or the database of approvals.
#[test]
fn the_data_dir_is_hidden_and_read_only_wherever_it_is() {
    let tree = Tree::new();
    for data in [tree.project.join(".pcc"), tree.home.join(".npm/pcc")] {
        write(&data.join("server.token"), &format!("{}\n", tree.token));
        write(&data.join("pcc.db"), &format!("{}\n", tree.token));
        std::fs::create_dir_all(data.join("spool")).expect("spool");
        let mut plan = tree.plan(Network::None);
        plan.data_dir = data.clone();
        let home = format!("PCC_HOME='{}'; ", data.display());
        for attempt in [
            "touch $PCC_HOME/x",
            "cat $PCC_HOME/server.token",
            "printf '{}' > $PCC_HOME/spool/a.event.json",
            "mkdir $PCC_HOME/deferred",
            "cp /dev/null $PCC_HOME/pcc.db",
            "rm $PCC_HOME/pcc.db",
            "rm -rf $PCC_HOME",
            "mv $PCC_HOME $PCC_HOME-old",
            "chmod 500 $PCC_HOME",
            "grep -r SECRET- $PCC_HOME",
        ] {
            let output = contained(&plan, &format!("{home}{attempt}"));
            assert!(
                !output.status.success() && !text(&output).contains(&tree.token),
                "{attempt}: {}",
                text(&output)
            );
        }
        let listing = contained(&plan, &format!("{home}ls -A $PCC_HOME | wc -l"));
        succeeds(&listing);
        assert_eq!(String::from_utf8_lossy(&listing.stdout), "0\n");
        let mut left: Vec<String> = std::fs::read_dir(&data)
            .expect("data dir")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["pcc.db", "server.token", "spool"],
            "{}",
            data.display()
        );
        assert_eq!(
            std::fs::read_to_string(data.join("pcc.db")).expect("db"),
            format!("{}\n", tree.token)
        );
        assert_eq!(
            std::fs::read_dir(data.join("spool"))
                .expect("spool")
                .count(),
            0
        );
    }
    // The project around it is as writable as ever.
    succeeds(&tree.sh("echo ok > beside.txt"));
    assert!(tree.project.join("beside.txt").exists());
}

/// A data directory not made yet, in the project (`$PCC_HOME=./state/pcc` before the first hook
/// call): a contained command cannot make it (with a config of its choosing), and what stood in
/// for it is gone afterwards.
#[test]
fn an_absent_data_dir_in_the_project_cannot_be_planted_and_leaves_nothing_behind() {
    let tree = Tree::new();
    let mut plan = tree.plan(Network::None);
    plan.data_dir = tree.project.join("state/pcc");
    for attempt in [
        "mkdir -p state/pcc/spool",
        "printf '[permissions]\\n' > state/pcc/config.toml",
        "rm -rf state && mkdir -p state/pcc && touch state/pcc/pcc.db",
    ] {
        fails(&contained(&plan, attempt));
        assert!(!tree.project.join("state").exists(), "{attempt}");
    }
    succeeds(&contained(&plan, "mkdir -p other && touch other/x"));
    assert!(tree.project.join("other/x").exists());
}
