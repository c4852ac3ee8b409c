//! Commands that create, change or move files: judged by the paths they write.

use super::super::level::RiskLevel;
use super::super::paths::PlaceKind;
use super::super::verdict::Finding;
use super::{Invocation, Ruling, has_flag, operands, spec};

/// Commands whose every operand is a path they write; one line per command.
const WRITE_ALL_OPERANDS: &[&str] = &[
    "touch",
    "mkdir",
    "truncate",
    "fallocate",
    "tee",
    "gzip",
    "gunzip",
    "bzip2",
    "bunzip2",
    "xz",
    "unxz",
    "lzma",
    "unlzma",
    "zstd",
    "unzstd",
    "chattr",
];

/// Commands whose last operand is the destination and others are sources (read).
const COPY_LIKE: &[&str] = &["cp", "ln", "install"];

/// Judges file-writing commands; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let args = inv.args();
    // Options first: an option we do not know may name a destination we would not see.
    let known = super::file_specs::FILE_SPECS
        .iter()
        .find(|spec| spec.names.contains(&name))
        .map(|spec| spec::judge(spec, inv));
    let file_operands: Vec<&super::Arg> = match &known {
        Some((_, parsed)) => parsed.operands.clone(),
        None => operands(args),
    };
    let mut judgement = match name {
        "gzip" | "gunzip" | "bzip2" | "bunzip2" | "xz" | "unxz" | "lzma" | "unlzma" | "zstd"
        | "unzstd"
            if has_flag(args, &["--stdout", "--to-stdout"], &['c']) =>
        {
            // To stdout: the files are read and their (de)compressed bytes printed.
            let mut j = Ruling::of(RiskLevel::Low, "files.read", format!("{name} prints"));
            for file in &file_operands {
                j = spec::judge_use(j, name, inv, spec::Role::Read, file);
            }
            j
        }
        // `gunzip -N` names its output after what the archive says: a name not seen.
        "gzip" | "gunzip" if has_flag(args, &["--name"], &['N']) => {
            write_all(name, inv, &file_operands).raise(Finding::new(
                RiskLevel::Medium,
                "files.extract",
                format!("{name} -N names its output after the archive, unseen"),
            ))
        }
        _ if WRITE_ALL_OPERANDS.contains(&name) => write_all(name, inv, &file_operands),
        // `-T` lands a source's contents in the destination itself and `--parents` below it
        // under the source's path as written: neither lands where the parse places it.
        "cp" | "mv" | "ln" | "install"
            if has_flag(args, &["--no-target-directory", "--parents"], &['T']) =>
        {
            write_all(name, inv, &file_operands).raise(Finding::new(
                RiskLevel::Medium,
                "files.copy-unplaced",
                format!("{name} -T or --parents writes where the parse does not place it"),
            ))
        }
        "mv" => {
            let mut j = write_all(name, inv, &file_operands);
            let (dest, sources) = destination(known.as_ref().map(|(_, p)| p), &file_operands);
            if let Some(dest) = dest {
                for source in sources {
                    if let Some(landing) = landing(&dest, source) {
                        j = j.raise(inv.write_to(&landing));
                    }
                }
            }
            j
        }
        "cp" if has_flag(args, &["--dereference"], &['L', 'H']) => {
            copy(name, inv, &file_operands, known.as_ref().map(|(_, p)| p))
                .raise(follows_links("cp -L"))
        }
        _ if COPY_LIKE.contains(&name) => {
            copy(name, inv, &file_operands, known.as_ref().map(|(_, p)| p))
        }
        "sed" | "gsed" => super::sed::judge(inv),
        "awk" | "gawk" | "mawk" | "nawk" => awk(inv),
        "chmod" => chmod(inv),
        "chown" | "chgrp" => chown(name, inv),
        "tar" | "bsdtar" => tar(inv),
        // The names of an archive's members are not seen: extracting may plant
        // `.claude/settings.json`, a git hook or a symlink out of the project.
        "unzip"
            if args.iter().any(|a| {
                a.text.starts_with('-')
                    && !a.text.starts_with("--")
                    && (a.text.contains('l') || a.text.contains('Z') || a.text == "-v")
            }) =>
        {
            let mut j = Ruling::of(RiskLevel::Low, "files.archive", "unzip lists an archive");
            for archive in operands(args) {
                j = spec::judge_use(j, "unzip", inv, spec::Role::Meta, archive);
            }
            j
        }
        "unzip" => {
            let mut j = Ruling::of(
                RiskLevel::Medium,
                "files.extract",
                "unzip extracts members whose names are not seen",
            );
            // Where it extracts to (`-d DIR`, `-dDIR`) is a write like any other.
            for (i, arg) in args.iter().enumerate() {
                let dir = match arg.text.as_str() {
                    "-d" => args.get(i + 1).cloned(),
                    text => text
                        .strip_prefix("-d")
                        .filter(|d| !d.is_empty())
                        .map(|d| arg.part(d)),
                };
                if let Some(dir) = dir {
                    j = j.raise(inv.write_to(&dir));
                }
            }
            j
        }
        "zip" => {
            // Known flags only: `-T`/`-TT` run a test command, `-@` reads names from stdin.
            let known = args.iter().all(|a| {
                !a.text.starts_with('-')
                    || (a.text.len() > 1
                        && a.text[1..].chars().all(|c| "rqjDXy0123456789".contains(c)))
            });
            let ops = operands(args);
            // `zip -r` follows links unless `-y` keeps them as links.
            let has = |c: char| {
                args.iter()
                    .any(|a| a.text.starts_with('-') && a.text[1..].contains(c))
            };
            let mut j = if known && (!has('r') || has('y')) {
                Ruling::of(
                    RiskLevel::Low,
                    "files.archive",
                    "zip archives project files",
                )
            } else if known {
                Ruling::from(follows_links("zip -r without -y"))
            } else {
                Ruling::of(
                    RiskLevel::Medium,
                    "option.unknown",
                    "zip: options not known to be harmless",
                )
            };
            if let Some((archive, members)) = ops.split_first() {
                j = j.raise(inv.write_to(archive));
                for member in members {
                    j = spec::judge_use(j, "zip", inv, spec::Role::Read, member);
                }
            }
            j
        }
        "patch" => patch(inv),
        "sqlite3" | "sqlite" => sqlite(inv),
        "ssh-keygen" => ssh_keygen(inv),
        "openssl" => openssl(inv),
        "7z" | "7za" if args.first().is_some_and(|a| a.text == "l") => {
            let mut j = Ruling::of(
                RiskLevel::Low,
                "files.archive",
                format!("{name} lists an archive"),
            );
            for archive in operands(&args[1..]) {
                j = spec::judge_use(j, name, inv, spec::Role::Meta, archive);
            }
            j
        }
        "7z" | "7za" => Ruling::of(
            RiskLevel::Medium,
            "files.archive",
            format!("{name} archives are not judged"),
        ),
        _ => return None,
    };
    if let Some((options, _)) = known {
        judgement = judgement.raise(options.finding);
    }
    if matches!(name, "truncate" | "fallocate") && huge_size(args) {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "resource.disk-fill",
            format!("{name} makes a file of a gigabyte or more"),
        ));
    }
    // Only what can write content counts: an empty file or a directory runs nothing.
    judgement.facts.writes_files =
        !matches!(name, "awk" | "gawk" | "mawk" | "nawk" | "mkdir" | "touch")
            || judgement.finding.level > RiskLevel::Low;
    // A link (hard or symbolic) or an unpacked archive can point a later path anywhere.
    let extracts = match name {
        "tar" | "bsdtar" => {
            args.first()
                .is_some_and(|a| !a.text.starts_with("--") && a.text.contains('x'))
                || args
                    .iter()
                    .any(|a| a.text == "--extract" || a.text == "--get")
        }
        "unzip" | "7z" | "7za" | "patch" => true,
        "truncate" => false,
        _ => false,
    };
    if name == "ln"
        || extracts
        || (name == "cp" && has_flag(args, &["--symbolic-link", "--link"], &['s', 'l']))
    {
        judgement.facts.makes_links = true;
    }
    Some(judgement)
}

/// A `-s`/`-l`/`--size`/`--length` value of a gigabyte or more (or not known).
fn huge_size(args: &[super::Arg]) -> bool {
    args.iter().enumerate().any(|(i, arg)| {
        let value = match arg.text.as_str() {
            "-s" | "-l" | "--size" | "--length" => args.get(i + 1).cloned(),
            text => text
                .strip_prefix("--size=")
                .or_else(|| text.strip_prefix("--length="))
                .or_else(|| text.strip_prefix("-s").filter(|v| !v.is_empty()))
                .or_else(|| text.strip_prefix("-l").filter(|v| !v.is_empty()))
                .map(|v| arg.part(v)),
        };
        value.is_some_and(|v| {
            v.dynamic
                || super::size_in_bytes(v.text.trim_start_matches(['+', '-', '<', '>', '/', '%']))
                    .is_none_or(|bytes| bytes >= super::GIGABYTE)
        })
    })
}

fn write_all(name: &str, inv: &Invocation<'_>, targets: &[&super::Arg]) -> Ruling {
    let mut finding = Finding::new(
        RiskLevel::Low,
        "files.write",
        format!("{name} inside the project"),
    );
    for target in targets {
        finding = finding.max(inv.write_to(target));
    }
    Ruling::from(finding)
}

/// The value of `-t DIR` / `--target-directory` (the spec judged it as a write).
fn target_directory(parsed: Option<&spec::Parsed<'_>>) -> Option<super::Arg> {
    parsed.and_then(|p| {
        p.values
            .iter()
            .find(|(option, _)| option == "-t" || option == "--target-directory")
            .map(|(_, dir)| dir.clone())
    })
}

/// The destination of a copy or move and its sources: `-t DIR` and every operand, or the last
/// operand and the others.
fn destination<'a>(
    parsed: Option<&spec::Parsed<'_>>,
    targets: &'a [&'a super::Arg],
) -> (Option<super::Arg>, &'a [&'a super::Arg]) {
    match target_directory(parsed) {
        Some(dir) => (Some(dir), targets),
        None => match targets.split_last() {
            Some((dest, sources)) => (Some((*dest).clone()), sources),
            None => (None, &[]),
        },
    }
}

/// Where a copy or move of `source` into the directory `dest` lands: `DEST/NAME`
/// (`cp -r /tmp/x/.git .` writes `./.git`, `mv /tmp/x/.pcc .` the data directory), or
/// anything under `DEST` when the source is a directory's contents (`cp -r SRC/. .`).
fn landing(dest: &super::Arg, source: &super::Arg) -> Option<super::Arg> {
    if dest.dynamic || source.dynamic {
        return None;
    }
    let name = source
        .text
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let dir = dest.text.trim_end_matches('/');
    let (text, glob) = match name {
        "" | "." | ".." => (format!("{dir}/**"), true),
        name => (format!("{dir}/{name}"), source.glob || dest.glob),
    };
    Some(super::Arg {
        text,
        glob,
        ..dest.clone()
    })
}

fn copy(
    name: &str,
    inv: &Invocation<'_>,
    targets: &[&super::Arg],
    parsed: Option<&spec::Parsed<'_>>,
) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "files.write",
        format!("{name} inside the project"),
    );
    let target_dir = target_directory(parsed);
    let (dest, sources) = destination(parsed, targets);
    let Some(dest) = dest else {
        return judgement;
    };
    let dest = &dest;
    judgement = judgement.raise(inv.write_to(dest));
    for source in sources {
        if let Some(landing) = landing(dest, source) {
            judgement = judgement.raise(inv.write_to(&landing));
        }
        if name == "ln" {
            // A link's target is not read; but it is where writes through the link go, and
            // a relative target is relative to the link's directory.
            let symbolic = has_flag(args, &["--symbolic"], &['s']);
            let relative = !source.text.starts_with('/') && !source.text.starts_with('~');
            let located = if symbolic && relative {
                let dir = if dest.text.ends_with('/') || target_dir.is_some() {
                    dest.text.trim_end_matches('/').to_owned()
                } else {
                    dest.text
                        .rsplit_once('/')
                        .map_or(".".to_owned(), |(d, _)| d.to_owned())
                };
                source.part(format!("{dir}/{}", source.text))
            } else {
                (*source).clone()
            };
            let source = &located;
            if inv.place(source).is_none_or(|kind| {
                !matches!(
                    kind,
                    PlaceKind::Project
                        | PlaceKind::ProjectDisposable
                        | PlaceKind::Temp
                        | PlaceKind::ProjectRoot
                )
            }) {
                judgement = judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "files.link-outside",
                    format!("links to {} outside the project", source.text),
                ));
            }
            continue;
        }
        judgement = spec::judge_use(judgement, name, inv, spec::Role::Read, source);
    }
    judgement
}

/// `sqlite3 DB [SQL]`: changes the database it is given, unless the SQL only reads.
fn sqlite(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    // An allow-list: one plain SELECT on a database in the project, no options (`-cmd`,
    // `-init`), no dot-commands (`.shell`, `.sh`, `.load`, `.save`), none of the functions
    // that read, write or run (`readfile`, `writefile`, `edit`, `load_extension`).
    let reads = match args {
        [db, sql] if !db.text.starts_with('-') && !sql.dynamic => {
            let sql = sql.text.trim().to_ascii_lowercase();
            sql.starts_with("select ")
                && !sql.contains(';')
                && [
                    "readfile",
                    "writefile",
                    "edit",
                    "load_extension",
                    "fts",
                    "zipfile",
                    "sqlar",
                    "attach",
                    "fsdir",
                ]
                .iter()
                .all(|w| !sql.contains(w))
        }
        _ => false,
    };
    match args.first() {
        Some(db) if reads => spec::judge_use(
            Ruling::of(RiskLevel::Low, "files.database", "sqlite3 reads a database"),
            "sqlite3",
            inv,
            spec::Role::Read,
            db,
        ),
        db => {
            let outside = db.filter(|db| !db.text.starts_with('-')).is_some_and(|db| {
                !matches!(
                    inv.place(db),
                    Some(PlaceKind::Project | PlaceKind::ProjectDisposable | PlaceKind::Temp)
                )
            });
            if outside {
                Ruling::of(
                    RiskLevel::High,
                    "files.database-outside",
                    "sqlite3 may change a database outside the project",
                )
            } else {
                Ruling::of(
                    RiskLevel::Medium,
                    "files.database",
                    "sqlite3 with options, dot-commands or SQL other than one plain SELECT",
                )
            }
        }
    }
}

/// `ssh-keygen`: `-l` and `-y` read keys (`-y` prints a private key's public half);
/// anything else writes the key file named by `-f`.
fn ssh_keygen(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let file = args
        .iter()
        .position(|a| a.text == "-f")
        .and_then(|i| args.get(i + 1));
    let fingerprint = args.iter().any(|a| a.text == "-l" || a.text == "-lf");
    let mut judgement = Ruling::of(
        RiskLevel::Medium,
        "files.keys",
        "ssh-keygen makes or changes keys",
    );
    if fingerprint {
        judgement = Ruling::of(
            RiskLevel::Low,
            "files.keys",
            "ssh-keygen shows a fingerprint",
        );
        if let Some(file) = file {
            judgement = spec::judge_use(judgement, "ssh-keygen", inv, spec::Role::Meta, file);
        }
        return judgement;
    }
    if let Some(file) = file {
        judgement = judgement.raise(inv.write_to(file));
    }
    judgement
}

/// `openssl`: `version` prints; `-out FILE` writes.
fn openssl(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    if matches!(
        args.first().map(|a| a.text.as_str()),
        Some("version" | "help" | "list")
    ) && args.len() <= 2
    {
        return Ruling::of(
            RiskLevel::Low,
            "readonly.command",
            "openssl prints its version",
        );
    }
    let mut judgement = Ruling::of(
        RiskLevel::Medium,
        "files.crypto",
        "openssl works with keys and files",
    );
    for (i, arg) in args.iter().enumerate() {
        match arg.text.as_str() {
            "-out" | "-keyout" => {
                if let Some(file) = args.get(i + 1) {
                    judgement = judgement.raise(inv.write_to(file));
                }
            }
            "-connect" | "s_client" => judgement = judgement.networked(),
            _ => {}
        }
    }
    judgement
}

/// A program told to follow symlinks while it walks a tree: what it reaches is not what
/// the parse, or a look at the named paths, can see.
fn follows_links(what: &str) -> Finding {
    Finding::new(
        RiskLevel::Medium,
        "files.follows-links",
        format!("{what} follows symlinks out of the tree it walks"),
    )
}

/// `patch [FILE [PATCHFILE]]`: without a FILE the names of the files it writes come from
/// the patch itself, which we cannot see.
fn patch(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(RiskLevel::Low, "files.patch", "patch edits project files");
    let mut explicit = false;
    let mut i = 0;
    let mut ops = Vec::new();
    while i < args.len() {
        let text = args[i].text.as_str();
        match text {
            "-i" | "--input" => {
                if let Some(file) = args.get(i + 1) {
                    judgement = spec::judge_use(judgement, "patch", inv, spec::Role::Read, file);
                }
                i += 2;
                continue;
            }
            "-o" | "--output" => {
                if let Some(file) = args.get(i + 1) {
                    judgement = judgement.raise(inv.write_to(file));
                    explicit = true;
                }
                i += 2;
                continue;
            }
            "-p" | "-d" | "--directory" | "-B" | "-z" | "--suffix" | "-D" | "-F" | "-V" | "-r" => {
                if matches!(text, "-d" | "--directory") {
                    judgement = judgement.raise(Finding::new(
                        RiskLevel::Medium,
                        "files.patch",
                        "patch in another directory",
                    ));
                }
                i += 2;
                continue;
            }
            _ if text.starts_with('-') => {}
            _ => ops.push(&args[i]),
        }
        i += 1;
    }
    if let Some(file) = ops.first() {
        judgement = judgement.raise(inv.write_to(file));
        explicit = true;
    }
    if let Some(patch_file) = ops.get(1) {
        judgement = spec::judge_use(judgement, "patch", inv, spec::Role::Read, patch_file);
    }
    if !explicit && !args.iter().any(|a| a.text == "--dry-run") {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "files.patch-targets",
            "patch writes the files its patch names, which are not seen here",
        ));
    }
    judgement
}

/// True when an awk program may run a command, write a file or read one: `system`,
/// `getline`, `close`, `@include`, and the `>`, `>>` and `|` of `print` (not `>=`, `||`).
fn awk_side_effects(program: &str) -> bool {
    if ["system", "getline", "@", "close", "fflush"]
        .iter()
        .any(|w| program.contains(w))
    {
        return true;
    }
    program
        .split(['{', '}', ';', '\n'])
        .filter_map(|statement| statement.find("print").map(|at| &statement[at..]))
        .any(|print| {
            let bytes = print.as_bytes();
            bytes.iter().enumerate().any(|(i, &b)| match b {
                b'>' => bytes.get(i + 1) != Some(&b'='),
                b'|' => bytes.get(i + 1) != Some(&b'|') && (i == 0 || bytes[i - 1] != b'|'),
                _ => false,
            })
        })
}

/// `awk` runs a program: LOW only when that program is known text that neither runs
/// commands, nor writes, nor reads the environment, and its files are harmless to read.
fn awk(inv: &Invocation<'_>) -> Ruling {
    const AWK: spec::Spec = spec::Spec {
        flags: "bcOPSMs",
        short: &[
            ('F', spec::Role::Plain),
            ('v', spec::Role::Plain),
            ('f', spec::Role::Code),
            ('i', spec::Role::Code),
            ('l', spec::Role::Code),
            ('E', spec::Role::Code),
            ('e', spec::Role::Plain),
        ],
        long: &[
            "--field-separator=",
            "--assign=",
            "--file=",
            "--include=",
            "--load=",
            "--exec=",
            "--source=",
            "--sandbox",
            "--posix",
            "--traditional",
            "--help",
            "--version",
        ],
        long_roles: &[
            ("--file=", spec::Role::Code),
            ("--include=", spec::Role::Code),
            ("--load=", spec::Role::Code),
            ("--exec=", spec::Role::Code),
        ],
        operands: spec::Operands::All(spec::Role::Inert),
        ..spec::Spec::new(&["awk"])
    };
    let (mut judgement, parsed) = spec::judge(&AWK, inv);
    let mut programs: Vec<&super::Arg> = parsed
        .values
        .iter()
        .filter(|(o, _)| o == "-e" || o == "--source")
        .map(|(_, v)| v)
        .collect();
    let mut files = parsed.operands.clone();
    let from_file = parsed.has("-f") || parsed.has("--file");
    if programs.is_empty() && !from_file && !files.is_empty() {
        programs.push(files.remove(0));
    }
    for program in programs {
        let text = program.text.as_str();
        if program.dynamic {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "awk.program-dynamic",
                "awk program known only at run time",
            ));
        } else if text.contains("ENVIRON") || text.contains("PROCINFO") {
            judgement.facts.reads_secret = true;
            judgement = judgement.raise(Finding::new(
                RiskLevel::High,
                "secrets.env-dump",
                "awk reads the environment",
            ));
        } else if awk_side_effects(text) {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "awk.side-effects",
                "awk program runs commands, writes or reads files",
            ));
        }
    }
    for file in files {
        // `var=value` operands assign; the rest are files read.
        let assignment = file.text.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        let role = if assignment {
            spec::Role::Plain
        } else {
            spec::Role::Read
        };
        judgement = spec::judge_use(judgement, "awk", inv, role, file);
    }
    judgement
}

fn chmod(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    const OPTIONS: &[&str] = &[
        "-R",
        "-v",
        "-c",
        "-f",
        "--recursive",
        "--verbose",
        "--changes",
        "--silent",
        "--quiet",
        "--preserve-root",
        "--no-preserve-root",
    ];
    // A mode may start with `-` (`chmod -x f`): anything that is not a known option is an
    // operand, the first of which is the mode.
    let ops: Vec<&super::Arg> = args
        .iter()
        .filter(|a| !OPTIONS.contains(&a.text.as_str()) && !a.text.starts_with("--reference"))
        .collect();
    if args
        .iter()
        .any(|a| a.text.starts_with("--reference") || a.dynamic)
    {
        return Ruling::of(
            RiskLevel::Medium,
            "files.chmod",
            "chmod with a mode not seen",
        );
    }
    let mode = ops.first().map(|a| a.text.as_str()).unwrap_or("");
    let octal = u32::from_str_radix(mode, 8).ok();
    let setuid = mode.contains('s') || octal.is_some_and(|bits| bits & 0o6000 != 0);
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "files.chmod",
        "changes permissions inside the project",
    );
    if setuid {
        judgement = judgement.raise(Finding::new(
            RiskLevel::High,
            "privilege.setuid",
            "sets a setuid/setgid bit",
        ));
    }
    for target in ops.iter().skip(1) {
        let finding = match inv.place(target) {
            Some(PlaceKind::Project | PlaceKind::ProjectDisposable | PlaceKind::Temp) => continue,
            Some(PlaceKind::Root) if has_flag(args, &["--recursive"], &['R']) => Finding::new(
                RiskLevel::High,
                "privilege.chmod-root",
                "recursively changes permissions of /",
            ),
            _ => inv.write_to(target).max(Finding::new(
                RiskLevel::Medium,
                "files.chmod",
                "changes permissions",
            )),
        };
        judgement = judgement.raise(finding);
    }
    if mode.ends_with("777") && judgement.finding.level == RiskLevel::Low {
        judgement = judgement.raise(Finding::new(
            RiskLevel::Medium,
            "files.chmod-777",
            "makes files world-writable",
        ));
    }
    judgement
}

fn chown(name: &str, inv: &Invocation<'_>) -> Ruling {
    let ops = operands(inv.args());
    let mut judgement = Ruling::of(
        RiskLevel::Medium,
        "files.chown",
        format!("{name} inside the project"),
    );
    for target in ops.iter().skip(1) {
        let inside = matches!(
            inv.place(target),
            Some(PlaceKind::Project | PlaceKind::ProjectDisposable | PlaceKind::Temp)
        );
        if !inside {
            judgement = judgement.raise(Finding::new(
                RiskLevel::High,
                "privilege.chown",
                format!("{name} outside the project"),
            ));
        }
    }
    judgement
}

/// Long options of GNU tar that change only how it reads, writes or shows the archive.
const TAR_HARMLESS_LONG: &[&str] = &[
    "--gzip",
    "--gunzip",
    "--bzip2",
    "--xz",
    "--zstd",
    "--lzma",
    "--auto-compress",
    "--verbose",
    "--exclude",
    "--exclude-vcs",
    "--exclude-vcs-ignores",
    "--wildcards",
    "--no-wildcards",
    "--anchored",
    "--no-anchored",
    "--strip-components",
    "--no-same-owner",
    "--same-owner",
    "--no-same-permissions",
    "--preserve-permissions",
    "--same-permissions",
    "--keep-old-files",
    "--skip-old-files",
    "--keep-newer-files",
    "--overwrite",
    "--owner",
    "--group",
    "--mode",
    "--mtime",
    "--numeric-owner",
    "--sort",
    "--format",
    "--show-transformed-names",
    "--totals",
    "--one-file-system",
    "--sparse",
    "--recursion",
    "--no-recursion",
    "--null",
    "--warning",
    "--checkpoint",
    "--touch",
    "--delay-directory-restore",
    "--ignore-zeros",
    "--help",
    "--version",
];

fn tar(inv: &Invocation<'_>) -> Ruling {
    const CODE: &[&str] = &[
        "--to-command",
        "--use-compress-program",
        "--checkpoint-action",
        "--rsh-command",
        "--info-script",
        "--new-volume-script",
        "--rmt-command",
    ];
    let args = inv.args();
    let mut judgement = Ruling::of(RiskLevel::Low, "files.archive", "tar inside the project");
    let mut mode = ' ';
    let mut archive: Option<super::Arg> = None;
    let mut directory: Option<super::Arg> = None;
    let mut members = Vec::new();
    let mut i = 0;
    let code = |j: Ruling, what: &str| {
        j.raise(Finding::new(
            RiskLevel::Medium,
            "option.runs-code",
            format!("tar {what} runs a command"),
        ))
    };
    while i < args.len() {
        let arg = &args[i];
        let text = arg.text.as_str();
        i += 1;
        if let Some(long) = text.strip_prefix("--") {
            let (name, inline) = long
                .split_once('=')
                .map_or((long, None), |(n, v)| (n, Some(v)));
            let option = format!("--{name}");
            let mut value = || {
                inline.map(|v| arg.part(v)).or_else(|| {
                    i += 1;
                    args.get(i - 1).cloned()
                })
            };
            match option.as_str() {
                "--create" => mode = 'c',
                "--extract" | "--get" => mode = 'x',
                "--list" => mode = 't',
                "--append" | "--update" => mode = 'r',
                "--file" => archive = value(),
                "--directory" => directory = value(),
                "--absolute-names" => {
                    judgement = judgement.raise(Finding::new(
                        RiskLevel::High,
                        "files.archive-absolute",
                        "tar -P writes absolute paths from the archive",
                    ));
                }
                _ if CODE.contains(&option.as_str()) => judgement = code(judgement, &option),
                "--index-file" => {
                    if let Some(file) = value() {
                        judgement = judgement.raise(inv.write_to(&file));
                    }
                }
                _ if TAR_HARMLESS_LONG.contains(&option.as_str()) => {}
                _ => {
                    // GNU tar takes any unambiguous abbreviation (`--dir=~`, `--to-com=sh`):
                    // an option we do not know exactly is not proven harmless.
                    judgement = judgement.raise(Finding::new(
                        RiskLevel::Medium,
                        "option.unknown",
                        format!("tar: {option} is not an option known to be harmless"),
                    ));
                }
            }
            continue;
        }
        let bundled = i == 1 && !text.starts_with('-');
        if bundled || (text.starts_with('-') && text.len() > 1) {
            let letters = if bundled { text } else { &text[1..] };
            let mut taken = 0;
            for (offset, letter) in letters.char_indices() {
                match letter {
                    'c' | 'x' | 't' | 'r' | 'u' => mode = if letter == 'u' { 'r' } else { letter },
                    'P' => {
                        judgement = judgement.raise(Finding::new(
                            RiskLevel::High,
                            "files.archive-absolute",
                            "tar -P writes absolute paths from the archive",
                        ));
                    }
                    'I' | 'F' => judgement = code(judgement, &format!("-{letter}")),
                    'h' => {
                        judgement = judgement.raise(follows_links("tar -h"));
                    }
                    'f' | 'C' | 'b' | 'g' | 'K' | 'L' | 'N' | 'T' | 'V' | 'X' => {
                        let rest = &letters[offset + 1..];
                        let value = if !bundled && !rest.is_empty() {
                            Some(arg.part(rest))
                        } else {
                            taken += 1;
                            args.get(i + taken - 1).cloned()
                        };
                        match letter {
                            'f' => archive = value,
                            'C' => directory = value,
                            'g' => {
                                if let Some(file) = value {
                                    judgement = judgement.raise(inv.write_to(&file));
                                }
                            }
                            'T' | 'X' => {
                                if let Some(file) = value {
                                    judgement = spec::judge_use(
                                        judgement,
                                        "tar",
                                        inv,
                                        spec::Role::Read,
                                        &file,
                                    );
                                }
                            }
                            _ => {}
                        }
                        if !bundled && !rest.is_empty() {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            i += taken;
            continue;
        }
        members.push(arg);
    }
    let archive_is_stream = archive.as_ref().is_none_or(|a| a.text == "-");
    match mode {
        'c' | 'r' => {
            if let Some(file) = archive.as_ref().filter(|_| !archive_is_stream) {
                judgement = judgement.raise(inv.write_to(file));
            } else if !members.is_empty() {
                // To stdout: every file under the members reaches the transcript, `.env`
                // included.
                judgement = judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "files.archive-to-output",
                    "tar prints an archive of whole directories, secrets included",
                ));
            }
            for member in members {
                judgement = spec::judge_use(judgement, "tar", inv, spec::Role::Read, member);
            }
            if let Some(dir) = &directory {
                judgement = spec::judge_use(judgement, "tar", inv, spec::Role::Read, dir);
            }
        }
        'x' => {
            if let Some(file) = archive.as_ref().filter(|_| !archive_is_stream) {
                judgement = spec::judge_use(judgement, "tar", inv, spec::Role::Read, file);
            }
            let dot = super::Arg::literal(".");
            judgement = judgement.raise(inv.write_to(directory.as_ref().unwrap_or(&dot)));
            // The members' names are not seen: `.claude/settings.json`, a git hook, a link.
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "files.extract",
                "tar extracts members whose names are not seen",
            ));
        }
        _ => {
            if let Some(file) = archive.as_ref().filter(|_| !archive_is_stream) {
                judgement = spec::judge_use(judgement, "tar", inv, spec::Role::Meta, file);
            }
        }
    }
    judgement
}

/// Values of options given as `-X VALUE` or `--long=VALUE`.
pub(crate) fn option_values<'a>(args: &'a [super::Arg], names: &[&str]) -> Vec<&'a super::Arg> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if names.contains(&arg.text.as_str())
            && let Some(value) = args.get(i + 1)
        {
            out.push(value);
        }
    }
    out
}
