//! Build tools, test runners and package managers: building and testing the project is
//! LOW, installing is MEDIUM, publishing is HIGH.

use super::super::level::RiskLevel::{self, High, Low, Medium};
use super::super::shell::words::Arg;
use super::wrappers::command_start;
use super::{Invocation, Nested, Ruling, operands};

/// Tools that build, test, lint or format the project whatever their arguments.
const PROJECT_TOOLS: &[&str] = &[
    "pytest",
    "py.test",
    "jest",
    "vitest",
    "mocha",
    "ava",
    "tap",
    "karma",
    "playwright-test",
    "tsc",
    "eslint",
    "prettier",
    "biome",
    "ruff",
    "black",
    "mypy",
    "pyright",
    "flake8",
    "pylint",
    "isort",
    "rustfmt",
    "gofmt",
    "goimports",
    "golangci-lint",
    "staticcheck",
    "cmake",
    "ninja",
    "meson",
    "rspec",
    "phpunit",
    "phpstan",
    "stylelint",
    "tslint",
    "swiftlint",
    "ktlint",
    "clang-format",
    "clang-tidy",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "rustc",
    "javac",
    "kotlinc",
    "scalac",
    "ghc",
    "zig",
    "tox",
    "nox",
    "coverage",
    "nyc",
    "c8",
    "webpack",
    "vite",
    "rollup",
    "esbuild",
    "parcel",
    "turbo",
    "nx",
    "lerna-run",
    "tsx",
    "ts-node",
    "jasmine",
    "cypress",
    "bazel",
    "bazelisk",
    "buck2",
    "pre-commit",
    "cargo-nextest",
    "nextest",
    "hatch-test",
    "sbt",
    "lein",
    "dune",
    "stack",
    "cabal",
];

/// Subcommand rows per package manager: (tool family, subcommand, level, rule).
const SUBCOMMANDS: &[(&str, &str, RiskLevel, &str)] = &[
    // npm, pnpm, yarn, bun share their vocabulary.
    ("js", "test", Low, "build.test"),
    ("js", "t", Low, "build.test"),
    ("js", "run", Low, "build.script"),
    ("js", "run-script", Low, "build.script"),
    ("js", "start", Low, "build.script"),
    ("js", "build", Low, "build.script"),
    ("js", "lint", Low, "build.script"),
    ("js", "ci", Low, "build.install-locked"),
    ("js", "list", Low, "package.read"),
    ("js", "ls", Low, "package.read"),
    ("js", "view", Low, "package.read"),
    ("js", "info", Low, "package.read"),
    ("js", "outdated", Low, "package.read"),
    ("js", "audit", Low, "package.read"),
    ("js", "why", Low, "package.read"),
    ("js", "explain", Low, "package.read"),
    ("js", "help", Low, "package.read"),
    ("js", "root", Low, "package.read"),
    ("js", "bin", Low, "package.read"),
    ("js", "prefix", Low, "package.read"),
    ("js", "search", Low, "package.read"),
    ("js", "config", Low, "package.read"),
    ("js", "--version", Low, "package.read"),
    ("js", "-v", Low, "package.read"),
    ("js", "pack", Low, "build.script"),
    ("js", "dev", Low, "build.script"),
    ("js", "exec", Medium, "package.exec"),
    ("js", "install", Medium, "package.install"),
    ("js", "i", Medium, "package.install"),
    ("js", "add", Medium, "package.install"),
    ("js", "update", Medium, "package.install"),
    ("js", "upgrade", Medium, "package.install"),
    ("js", "remove", Medium, "package.install"),
    ("js", "uninstall", Medium, "package.install"),
    ("js", "rm", Medium, "package.install"),
    ("js", "link", Medium, "package.install"),
    ("js", "init", Medium, "package.init"),
    ("js", "create", Medium, "package.init"),
    ("js", "version", Medium, "package.version"),
    ("js", "dlx", Medium, "package.exec"),
    ("js", "x", Medium, "package.exec"),
    ("js", "publish", High, "publish.package"),
    ("js", "unpublish", High, "publish.package"),
    ("js", "deprecate", High, "publish.package"),
    ("js", "dist-tag", High, "publish.package"),
    ("js", "owner", High, "publish.package"),
    ("js", "access", High, "publish.package"),
    ("js", "token", High, "publish.credentials"),
    ("js", "login", High, "publish.credentials"),
    ("js", "adduser", High, "publish.credentials"),
    ("cargo", "build", Low, "build.compile"),
    ("cargo", "b", Low, "build.compile"),
    ("cargo", "check", Low, "build.compile"),
    ("cargo", "c", Low, "build.compile"),
    ("cargo", "test", Low, "build.test"),
    ("cargo", "t", Low, "build.test"),
    ("cargo", "clippy", Low, "build.lint"),
    ("cargo", "fmt", Low, "build.format"),
    ("cargo", "doc", Low, "build.compile"),
    ("cargo", "run", Low, "build.run"),
    ("cargo", "r", Low, "build.run"),
    ("cargo", "bench", Low, "build.test"),
    ("cargo", "nextest", Low, "build.test"),
    ("cargo", "tree", Low, "package.read"),
    ("cargo", "metadata", Low, "package.read"),
    ("cargo", "search", Low, "package.read"),
    ("cargo", "locate-project", Low, "package.read"),
    ("cargo", "pkgid", Low, "package.read"),
    ("cargo", "version", Low, "package.read"),
    ("cargo", "--version", Low, "package.read"),
    ("cargo", "help", Low, "package.read"),
    ("cargo", "expand", Low, "build.compile"),
    ("cargo", "llvm-cov", Low, "build.test"),
    ("cargo", "miri", Low, "build.test"),
    ("cargo", "audit", Low, "package.read"),
    ("cargo", "deny", Low, "package.read"),
    ("cargo", "machete", Low, "package.read"),
    ("cargo", "clean", Low, "build.clean"),
    ("cargo", "verify-project", Low, "package.read"),
    ("cargo", "info", Low, "package.read"),
    ("cargo", "add", Medium, "package.install"),
    ("cargo", "remove", Medium, "package.install"),
    ("cargo", "update", Medium, "package.install"),
    ("cargo", "install", Medium, "package.install"),
    ("cargo", "uninstall", Medium, "package.install"),
    ("cargo", "fetch", Medium, "package.install"),
    ("cargo", "generate-lockfile", Medium, "package.install"),
    ("cargo", "new", Medium, "package.init"),
    ("cargo", "init", Medium, "package.init"),
    ("cargo", "vendor", Medium, "package.install"),
    ("cargo", "fix", Medium, "build.fix"),
    ("cargo", "publish", High, "publish.package"),
    ("cargo", "yank", High, "publish.package"),
    ("cargo", "owner", High, "publish.package"),
    ("cargo", "login", High, "publish.credentials"),
    ("pip", "list", Low, "package.read"),
    ("pip", "show", Low, "package.read"),
    ("pip", "freeze", Low, "package.read"),
    ("pip", "check", Low, "package.read"),
    ("pip", "--version", Low, "package.read"),
    ("pip", "help", Low, "package.read"),
    ("pip", "search", Low, "package.read"),
    ("pip", "index", Low, "package.read"),
    ("pip", "inspect", Low, "package.read"),
    ("pip", "install", Medium, "package.install"),
    ("pip", "uninstall", Medium, "package.install"),
    ("pip", "download", Medium, "package.install"),
    ("pip", "wheel", Medium, "package.install"),
    ("pip", "config", Medium, "package.install"),
    ("go", "build", Low, "build.compile"),
    ("go", "test", Low, "build.test"),
    ("go", "vet", Low, "build.lint"),
    ("go", "fmt", Low, "build.format"),
    ("go", "list", Low, "package.read"),
    ("go", "doc", Low, "package.read"),
    ("go", "env", Low, "package.read"),
    ("go", "version", Low, "package.read"),
    ("go", "run", Low, "build.run"),
    ("go", "generate", Low, "build.compile"),
    ("go", "tool", Low, "build.compile"),
    ("go", "help", Low, "package.read"),
    ("go", "mod", Medium, "package.install"),
    ("go", "get", Medium, "package.install"),
    ("go", "install", Medium, "package.install"),
    ("go", "clean", Low, "build.clean"),
    ("go", "work", Medium, "package.install"),
    ("uv", "run", Low, "wrapper.uv-run"),
    ("uv", "sync", Medium, "package.install"),
    ("uv", "add", Medium, "package.install"),
    ("uv", "remove", Medium, "package.install"),
    ("uv", "lock", Medium, "package.install"),
    ("uv", "venv", Low, "build.venv"),
    ("uv", "tree", Low, "package.read"),
    ("uv", "version", Low, "package.read"),
    ("uv", "--version", Low, "package.read"),
    ("uv", "tool", Medium, "package.install"),
    ("uv", "python", Medium, "package.install"),
    ("uv", "init", Medium, "package.init"),
    ("uv", "build", Low, "build.compile"),
    ("uv", "publish", High, "publish.package"),
    ("poetry", "run", Low, "wrapper.poetry-run"),
    ("poetry", "install", Medium, "package.install"),
    ("poetry", "add", Medium, "package.install"),
    ("poetry", "remove", Medium, "package.install"),
    ("poetry", "update", Medium, "package.install"),
    ("poetry", "lock", Medium, "package.install"),
    ("poetry", "show", Low, "package.read"),
    ("poetry", "check", Low, "package.read"),
    ("poetry", "build", Low, "build.compile"),
    ("poetry", "env", Low, "package.read"),
    ("poetry", "version", Medium, "package.version"),
    ("poetry", "publish", High, "publish.package"),
    ("pipenv", "run", Low, "wrapper.pipenv-run"),
    ("pipenv", "install", Medium, "package.install"),
    ("pipenv", "graph", Low, "package.read"),
    ("bundle", "exec", Low, "wrapper.bundle-exec"),
    ("bundle", "install", Medium, "package.install"),
    ("bundle", "update", Medium, "package.install"),
    ("bundle", "list", Low, "package.read"),
    ("gem", "list", Low, "package.read"),
    ("gem", "install", Medium, "package.install"),
    ("gem", "push", High, "publish.package"),
    ("gem", "yank", High, "publish.package"),
    ("gem", "build", Low, "build.compile"),
    ("twine", "check", Low, "package.read"),
    ("twine", "upload", High, "publish.package"),
    ("composer", "install", Medium, "package.install"),
    ("composer", "require", Medium, "package.install"),
    ("composer", "update", Medium, "package.install"),
    ("composer", "test", Low, "build.test"),
    ("composer", "show", Low, "package.read"),
    ("composer", "run-script", Low, "build.script"),
    ("dotnet", "build", Low, "build.compile"),
    ("dotnet", "test", Low, "build.test"),
    ("dotnet", "run", Low, "build.run"),
    ("dotnet", "format", Low, "build.format"),
    ("dotnet", "restore", Medium, "package.install"),
    ("dotnet", "add", Medium, "package.install"),
    ("dotnet", "nuget", High, "publish.package"),
    ("dotnet", "publish", Medium, "build.compile"),
    ("swift", "build", Low, "build.compile"),
    ("swift", "test", Low, "build.test"),
    ("swift", "run", Low, "build.run"),
    ("mix", "test", Low, "build.test"),
    ("mix", "compile", Low, "build.compile"),
    ("mix", "format", Low, "build.format"),
    ("mix", "deps.get", Medium, "package.install"),
    ("mix", "hex.publish", High, "publish.package"),
    ("deno", "test", Low, "build.test"),
    ("deno", "fmt", Low, "build.format"),
    ("deno", "lint", Low, "build.lint"),
    ("deno", "check", Low, "build.compile"),
    ("deno", "bench", Low, "build.test"),
    ("deno", "run", Medium, "interpreter.script"),
    ("deno", "task", Low, "build.script"),
    ("deno", "publish", High, "publish.package"),
    ("deno", "install", Medium, "package.install"),
    ("gradle", "build", Low, "build.compile"),
    ("gradle", "test", Low, "build.test"),
    ("gradle", "check", Low, "build.test"),
    ("gradle", "assemble", Low, "build.compile"),
    ("gradle", "clean", Low, "build.clean"),
    ("gradle", "publish", High, "publish.package"),
    ("gradle", "run", Low, "build.run"),
    ("gradle", "tasks", Low, "package.read"),
    ("gradle", "dependencies", Low, "package.read"),
    ("mvn", "test", Low, "build.test"),
    ("mvn", "compile", Low, "build.compile"),
    ("mvn", "package", Low, "build.compile"),
    ("mvn", "verify", Low, "build.test"),
    ("mvn", "clean", Low, "build.clean"),
    ("mvn", "install", Medium, "package.install"),
    ("mvn", "deploy", High, "publish.package"),
    ("rake", "test", Low, "build.test"),
    ("rake", "spec", Low, "build.test"),
    ("rake", "release", High, "publish.package"),
    ("rustup", "show", Low, "package.read"),
    ("rustup", "target", Medium, "package.install"),
    ("rustup", "component", Medium, "package.install"),
    ("rustup", "update", Medium, "package.install"),
    ("rustup", "toolchain", Medium, "package.install"),
    ("brew", "list", Low, "package.read"),
    ("brew", "info", Low, "package.read"),
    ("brew", "search", Low, "package.read"),
    ("brew", "outdated", Low, "package.read"),
    ("brew", "doctor", Low, "package.read"),
    ("brew", "config", Low, "package.read"),
    ("brew", "install", Medium, "package.install"),
    ("brew", "upgrade", Medium, "package.install"),
    ("brew", "update", Medium, "package.install"),
    ("brew", "uninstall", Medium, "package.install"),
    ("brew", "tap", Medium, "package.install"),
    ("system", "list", Low, "package.read"),
    ("system", "search", Low, "package.read"),
    ("system", "show", Low, "package.read"),
    ("system", "info", Low, "package.read"),
    ("system", "policy", Low, "package.read"),
    ("system", "install", Medium, "package.install"),
    ("system", "update", Medium, "package.install"),
    ("system", "upgrade", Medium, "package.install"),
    ("system", "remove", High, "package.system-remove"),
    ("system", "purge", High, "package.system-remove"),
    ("system", "autoremove", High, "package.system-remove"),
    ("system", "erase", High, "package.system-remove"),
    ("conda", "list", Low, "package.read"),
    ("conda", "info", Low, "package.read"),
    ("conda", "install", Medium, "package.install"),
    ("conda", "create", Medium, "package.install"),
    ("conda", "remove", Medium, "package.install"),
    ("conda", "env", Medium, "package.install"),
];

/// Script names that `yarn X`/`pnpm X` commonly run; other bare words may be built-in
/// package-manager commands we do not know.
const COMMON_SCRIPTS: &[&str] = &[
    "build",
    "test",
    "lint",
    "dev",
    "start",
    "format",
    "fmt",
    "typecheck",
    "check",
    "compile",
    "watch",
    "serve",
    "preview",
    "storybook",
    "e2e",
    "coverage",
    "tsc",
    "jest",
    "vitest",
    "eslint",
    "prettier",
];

/// Words in a make target or npm script name that mean the script reaches production.
const RELEASE_WORDS: &[&str] = &[
    "deploy",
    "publish",
    "release",
    "upload",
    "push",
    "ship",
    "prod",
    "production",
    "rollout",
    "destroy",
    "install",
    "uninstall",
    "promote",
    "submit",
];

/// Maps a command name to its family in [`SUBCOMMANDS`].
fn family(name: &str) -> Option<&'static str> {
    Some(match name {
        "npm" | "pnpm" | "yarn" | "bun" | "cnpm" => "js",
        "cargo" => "cargo",
        "pip" | "pipx" => "pip",
        "go" => "go",
        "uv" => "uv",
        "poetry" => "poetry",
        "pipenv" => "pipenv",
        "bundle" | "bundler" => "bundle",
        "gem" => "gem",
        "twine" => "twine",
        "composer" => "composer",
        "dotnet" => "dotnet",
        "swift" => "swift",
        "mix" => "mix",
        "deno" => "deno",
        "gradle" | "gradlew" | "./gradlew" => "gradle",
        "mvn" | "mvnw" | "./mvnw" => "mvn",
        "rake" => "rake",
        "rustup" => "rustup",
        "brew" => "brew",
        "apt" | "apt-get" | "yum" | "dnf" | "zypper" | "apk" | "pacman" | "port" | "snap"
        | "flatpak" => "system",
        "conda" | "mamba" | "micromamba" => "conda",
        _ => return None,
    })
}

/// Judges build tools and package managers; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    if name == "cmake"
        && let Some(pos) = inv.args().iter().position(|a| a.text == "-E")
    {
        return Some(cmake_tool(&inv.args()[pos + 1..]));
    }
    if name == "go"
        && matches!(
            inv.args().first().map(|a| a.text.as_str()),
            Some("run" | "test" | "build" | "generate")
        )
        && operands(&inv.args()[1..]).iter().any(|a| {
            a.text.contains('@')
                || a.text
                    .split('/')
                    .next()
                    .is_some_and(|host| host.contains('.') && !host.starts_with('.'))
        })
    {
        // `go run github.com/x/y@latest`: downloads and runs code that is not the project's.
        return Some(
            Ruling::of(
                Medium,
                "package.remote-run",
                "go runs a module fetched from the network",
            )
            .networked(),
        );
    }
    let words: Vec<&str> = inv.args().iter().map(|a| a.text.as_str()).collect();
    // Sub-commands that change the tool's own configuration or environments outside the
    // project: `go env -w GOFLAGS=-toolexec=…`, `poetry env use /tmp/x/python`.
    let configures = match (name, words.as_slice()) {
        ("go", ["env", rest @ ..]) => rest
            .iter()
            .any(|w| w.starts_with("-w") || w.starts_with("-u")),
        ("poetry", ["env", sub, ..]) => matches!(*sub, "use" | "remove"),
        ("poetry", ["config", ..]) | ("npm", ["config", "set", ..]) | ("pip", ["config", ..]) => {
            true
        }
        ("uv", ["venv", rest @ ..]) => rest.iter().any(|w| {
            !w.starts_with('-') && (w.starts_with('/') || w.starts_with('~') || w.starts_with(".."))
        }),
        _ => false,
    };
    if configures {
        return Some(Ruling::of(
            Medium,
            "package.configure",
            format!("{name} changes its own configuration or environments"),
        ));
    }
    if PROJECT_TOOLS.contains(&name) {
        return Some(Ruling::of(
            Low,
            "build.project-tool",
            format!("{name} builds, tests or checks the project"),
        ));
    }
    let args = inv.args();
    match name {
        "make" | "gmake" | "just" | "task" | "mage" => return Some(make(name, args)),
        "npx" | "pnpx" | "bunx" => return Some(npx(name, args)),
        "pip" | "pip3"
            if args.first().is_some_and(|a| a.text == "install")
                && args.iter().any(|a| a.text == "-e" || a.text == ".") =>
        {
            return Some(Ruling::of(
                Medium,
                "package.install",
                "pip installs the project",
            ));
        }
        _ => {}
    }
    if let Some(judgement) = declared_install(name, args) {
        return Some(judgement);
    }
    let family = family(name)?;
    let sub_index = args
        .iter()
        .position(|a| !a.text.starts_with('-') || a.text == "--version" || a.text == "-v");
    let Some(sub) = sub_index.map(|i| &args[i]) else {
        let level = if family == "js" && matches!(name, "yarn" | "bun") {
            Medium
        } else {
            Low
        };
        return Some(Ruling::of(
            level,
            "package.bare",
            format!("{name} without a subcommand"),
        ));
    };
    let rest = &args[sub_index.map_or(args.len(), |i| i + 1)..];
    let sub_text = sub.text.as_str();
    if family == "js" && matches!(sub_text, "run" | "run-script") {
        return Some(script(
            name,
            operands(rest)
                .first()
                .map(|a| a.text.as_str())
                .unwrap_or(""),
        ));
    }
    if matches!(
        (family, sub_text),
        ("uv" | "poetry" | "pipenv", "run") | ("bundle", "exec")
    ) {
        let start = command_start(
            rest,
            &[
                "--with",
                "--python",
                "-p",
                "--package",
                "--extra",
                "--group",
                "--env-file",
            ],
            0,
            false,
        );
        let judgement = Ruling::of(
            Low,
            "wrapper.run",
            format!("{name} {sub_text} runs a command in the environment"),
        );
        return Some(match rest.get(start..) {
            Some(argv) if !argv.is_empty() => judgement.with_nested(Nested::Argv(argv.to_vec())),
            _ => judgement,
        });
    }
    let row = SUBCOMMANDS
        .iter()
        .find(|(f, s, _, _)| *f == family && *s == sub_text);
    let mut judgement = match row {
        Some((_, _, level, rule)) => Ruling::of(*level, rule, format!("{name} {sub_text}")),
        // yarn/bun run package scripts by bare name (`yarn lint`).
        None if family == "js"
            && matches!(name, "yarn" | "bun" | "pnpm")
            && COMMON_SCRIPTS.contains(&sub_text) =>
        {
            script(name, sub_text)
        }
        None => Ruling::of(
            Medium,
            "package.unknown",
            format!("{name} {sub_text} is not a known subcommand"),
        ),
    };
    if family == "js"
        && matches!(sub_text, "config" | "audit")
        && rest
            .iter()
            .any(|a| matches!(a.text.as_str(), "set" | "delete" | "edit" | "fix" | "rm"))
    {
        judgement = Ruling::of(
            Medium,
            "package.config",
            format!("{name} {sub_text} changes configuration"),
        );
    }
    if judgement.finding.rule.starts_with("package.install")
        || judgement.finding.rule.starts_with("publish.")
    {
        judgement = judgement.networked();
    }
    Some(judgement)
}

/// A project script (`npm run X`, `make X`): LOW unless its name says it releases.
fn script(name: &str, target: &str) -> Ruling {
    let lower = target.to_ascii_lowercase();
    let releases = lower
        .split([':', '-', '_', '.', '/'])
        .any(|w| RELEASE_WORDS.contains(&w));
    if releases {
        Ruling::of(
            Medium,
            "build.release-script",
            format!("{name} {target} looks like a release or deploy step"),
        )
    } else {
        Ruling::of(
            Low,
            "build.script",
            format!("{name} runs project script {target}"),
        )
    }
}

/// Installs of what the project's manifests and lockfiles declare (`npm install`, `npm ci`,
/// `pip install -r requirements.txt`, `uv sync`): the network is needed, but no package
/// is named by the command. Naming one (`npm install left-pad`) adds code: a human's call.
fn declared_install(name: &str, args: &[Arg]) -> Option<Ruling> {
    let words: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
    let plain = |from: usize| {
        args[from..].iter().all(|a| {
            !a.dynamic
                && (a.text.starts_with('-')
                    && !a.text.contains("registry")
                    && !a.text.contains("index-url"))
        })
    };
    let declared = match (name, words.as_slice()) {
        ("npm" | "pnpm" | "yarn" | "bun", ["install" | "i" | "ci", ..]) => plain(1),
        ("yarn", []) => true,
        ("pip" | "pip3", ["install", "-r", file, ..]) => {
            !file.starts_with("http")
                && args[3..]
                    .iter()
                    .all(|a| a.text.starts_with('-') && !a.text.contains("index-url"))
        }
        ("uv", ["sync", ..])
        | ("poetry", ["install", ..])
        | ("pipenv", ["install", ..])
        | ("bundle", ["install", ..])
        | ("composer", ["install", ..]) => plain(1),
        ("cargo", ["fetch", ..]) => plain(1),
        ("go", ["mod", "download", ..]) => plain(2),
        _ => false,
    };
    declared.then(|| {
        Ruling::of(
            Medium,
            "package.install-declared",
            format!("{name} installs the dependencies the project declares"),
        )
        .networked()
    })
}

/// `cmake -E TOOL ARGS`: portable file commands, judged as the command each one is.
fn cmake_tool(rest: &[Arg]) -> Ruling {
    let Some(tool) = rest.first() else {
        return Ruling::of(Low, "build.project-tool", "cmake -E lists its tools");
    };
    let equivalent: Option<&[&str]> = match tool.text.as_str() {
        "rm" => Some(&["rm"]),
        "remove" => Some(&["rm", "-f"]),
        "remove_directory" | "rmdir" => Some(&["rm", "-r"]),
        "copy" | "copy_if_different" => Some(&["cp"]),
        "copy_directory" | "copy_directory_if_different" => Some(&["cp", "-r"]),
        "rename" => Some(&["mv"]),
        "make_directory" => Some(&["mkdir", "-p"]),
        "touch" | "touch_nocreate" => Some(&["touch"]),
        "create_symlink" | "create_hardlink" => Some(&["ln", "-s"]),
        "cat" => Some(&["cat"]),
        "echo" | "echo_append" => Some(&["echo"]),
        "env" => Some(&["env"]),
        "tar" => Some(&["tar"]),
        "sha256sum" | "sha1sum" | "md5sum" | "sha512sum" => Some(&["sha256sum"]),
        "true" | "false" | "capabilities" => Some(&["true"]),
        _ => None,
    };
    let Some(equivalent) = equivalent else {
        return Ruling::of(
            Medium,
            "build.cmake-tool",
            format!("cmake -E {} is not judged", tool.text),
        );
    };
    let mut argv: Vec<Arg> = equivalent.iter().map(|w| Arg::literal(*w)).collect();
    argv.extend(rest[1..].iter().cloned());
    Ruling::of(Low, "wrapper.cmake", format!("cmake -E {}", tool.text))
        .with_nested(Nested::Argv(argv))
}

fn make(name: &str, args: &[Arg]) -> Ruling {
    let mut skip = false;
    let mut judgement = Ruling::of(
        Low,
        "build.make",
        format!("{name} builds the default target"),
    );
    for arg in args {
        if skip {
            skip = false;
            continue;
        }
        let text = arg.text.as_str();
        if matches!(
            text,
            "-C" | "-f" | "--file" | "--directory" | "-j" | "-l" | "-o" | "-W" | "-I"
        ) {
            skip = text != "-j";
            continue;
        }
        if text.starts_with('-') || text.contains('=') {
            continue;
        }
        if arg.dynamic {
            return Ruling::of(
                Medium,
                "build.make",
                format!("{name} target known only at run time"),
            );
        }
        judgement = judgement.raise(script(name, text).finding);
    }
    judgement
}

/// Package runners: well-known project tools are LOW, anything else downloads and runs code.
fn npx(name: &str, args: &[Arg]) -> Ruling {
    let tool = args
        .iter()
        .find(|a| !a.text.starts_with('-'))
        .map(|a| a.text.as_str())
        .unwrap_or("");
    let base = tool.split('@').find(|s| !s.is_empty()).unwrap_or(tool);
    if PROJECT_TOOLS.contains(&base)
        || matches!(
            base,
            "prettier" | "eslint" | "tsc" | "jest" | "vitest" | "playwright"
        )
    {
        return Ruling::of(
            Low,
            "build.project-tool",
            format!("{name} {base} runs a project tool"),
        );
    }
    Ruling::of(
        Medium,
        "package.exec",
        format!("{name} {tool} may download and run a package"),
    )
    .networked()
}
