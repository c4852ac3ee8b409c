//! The options of the programs that write files (`cp`, `mv`, `ln`, `install`, `touch`,
//! `mkdir`, `tee`, the compressors): known options only, so that a GNU abbreviation
//! (`--target=~`) or a glued value (`-t/home/u`) cannot slip a destination past us.

use super::spec::{Operands, Role, Spec};

use Role::{Code, Meta, Plain, Write};

const fn s(names: &'static [&'static str]) -> Spec {
    Spec::new(names)
}

/// Long options shared by `cp`, `mv`, `ln` and `install` (GNU coreutils).
const COPY_LONG: &[&str] = &[
    "--archive",
    "--attributes-only",
    "--backup",
    "--backup=",
    "--copy-contents",
    "--dereference",
    "--force",
    "--interactive",
    "--link",
    "--no-clobber",
    "--no-dereference",
    "--preserve",
    "--preserve=",
    "--no-preserve=",
    "--parents",
    "--recursive",
    "--reflink",
    "--reflink=",
    "--remove-destination",
    "--sparse=",
    "--strip-trailing-slashes",
    "--symbolic",
    "--symbolic-link",
    "--suffix=",
    "--target-directory=",
    "--no-target-directory",
    "--update",
    "--update=",
    "--verbose",
    "--one-file-system",
    "--logical",
    "--physical",
    "--relative",
    "--directory",
    "--compare",
    "--preserve-timestamps",
    "--strip",
    "--strip-program=",
    "--mode=",
    "--owner=",
    "--group=",
    "--help",
    "--version",
];

/// Roles of the long values that are not plain.
const COPY_ROLES: &[(&str, Role)] = &[("--target-directory=", Write), ("--strip-program=", Code)];

/// Programs that write files, with their options.
pub(crate) const FILE_SPECS: &[Spec] = &[
    Spec {
        flags: "abdfHilLnPpRrsTuvxZ",
        short: &[('t', Write), ('S', Plain)],
        long: COPY_LONG,
        long_roles: COPY_ROLES,
        operands: Operands::All(Role::Inert),
        ..s(&["cp"])
    },
    Spec {
        flags: "bfinTuvZ",
        short: &[('t', Write), ('S', Plain)],
        long: COPY_LONG,
        long_roles: COPY_ROLES,
        operands: Operands::All(Role::Inert),
        ..s(&["mv"])
    },
    Spec {
        flags: "bdfFinLPrsTv",
        short: &[('t', Write), ('S', Plain)],
        long: COPY_LONG,
        long_roles: COPY_ROLES,
        operands: Operands::All(Role::Inert),
        ..s(&["ln"])
    },
    Spec {
        flags: "bcCdDpsTvZ",
        short: &[
            ('t', Write),
            ('S', Plain),
            ('m', Plain),
            ('o', Plain),
            ('g', Plain),
        ],
        long: COPY_LONG,
        long_roles: COPY_ROLES,
        operands: Operands::All(Role::Inert),
        ..s(&["install"])
    },
    Spec {
        flags: "acfhm",
        short: &[('d', Plain), ('r', Meta), ('t', Plain)],
        long: &[
            "--no-create",
            "--no-dereference",
            "--date=",
            "--reference=",
            "--time=",
            "--help",
            "--version",
        ],
        long_roles: &[("--reference=", Meta)],
        operands: Operands::All(Role::Inert),
        ..s(&["touch"])
    },
    Spec {
        flags: "pv",
        short: &[('m', Plain)],
        long: &["--parents", "--verbose", "--mode=", "--help", "--version"],
        operands: Operands::All(Role::Inert),
        ..s(&["mkdir"])
    },
    Spec {
        flags: "aip",
        long: &[
            "--append",
            "--ignore-interrupts",
            "--output-error",
            "--output-error=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Role::Inert),
        ..s(&["tee"])
    },
    Spec {
        flags: "co",
        short: &[('s', Plain), ('r', Meta)],
        long: &[
            "--no-create",
            "--io-blocks",
            "--size=",
            "--reference=",
            "--help",
            "--version",
        ],
        long_roles: &[("--reference=", Meta)],
        operands: Operands::All(Role::Inert),
        ..s(&["truncate"])
    },
    Spec {
        flags: "cdinpxvz",
        short: &[('l', Plain), ('o', Plain)],
        long: &[
            "--length=",
            "--offset=",
            "--keep-size",
            "--help",
            "--version",
        ],
        operands: Operands::All(Role::Inert),
        ..s(&["fallocate"])
    },
    Spec {
        flags: "cdfhklLnNqrtvV123456789",
        short: &[('S', Plain), ('b', Plain)],
        long: &[
            "--stdout",
            "--to-stdout",
            "--decompress",
            "--uncompress",
            "--force",
            "--keep",
            "--list",
            "--no-name",
            "--name",
            "--quiet",
            "--recursive",
            "--test",
            "--verbose",
            "--fast",
            "--best",
            "--suffix=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Role::Inert),
        ..s(&[
            "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "lzma", "unlzma",
        ])
    },
    Spec {
        flags: "cdfklqrtvDV0123456789",
        short: &[('o', Write), ('T', Plain), ('M', Plain)],
        long: &[
            "--stdout",
            "--decompress",
            "--force",
            "--keep",
            "--rm",
            "--quiet",
            "--verbose",
            "--test",
            "--fast",
            "--ultra",
            "--long",
            "--long=",
            "--threads=",
            "--output-dir-flat=",
            "--output-dir-mirror=",
            "--help",
            "--version",
        ],
        long_roles: &[
            ("--output-dir-flat=", Write),
            ("--output-dir-mirror=", Write),
        ],
        operands: Operands::All(Role::Inert),
        ..s(&["zstd", "unzstd"])
    },
];
