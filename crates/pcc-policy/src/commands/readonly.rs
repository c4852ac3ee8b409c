//! Programs that only read or print, each with the options it is known to accept
//! ([`Spec`]): the allow-list behind most LOW answers. An option not listed here makes the
//! command MEDIUM; a path is judged by what the program does with it.

use super::super::level::RiskLevel;
use super::super::verdict::Finding;
use super::spec::{self, Operands, Role, Spec};
use super::{Invocation, Ruling};

use Role::{Code, Inert, Meta, Plain, Read, Write};

const fn s(names: &'static [&'static str]) -> Spec {
    Spec::new(names)
}

/// Long options of GNU `ls` that take no value.
const LS_LONG: &[&str] = &[
    "--all",
    "--almost-all",
    "--author",
    "--escape",
    "--directory",
    "--dired",
    "--classify",
    "--file-type",
    "--full-time",
    "--group-directories-first",
    "--no-group",
    "--human-readable",
    "--si",
    "--dereference",
    "--dereference-command-line",
    "--inode",
    "--kibibytes",
    "--literal",
    "--numeric-uid-gid",
    "--hide-control-chars",
    "--show-control-chars",
    "--quote-name",
    "--reverse",
    "--recursive",
    "--size",
    "--context",
    "--zero",
    "--color",
    "--color=",
    "--sort=",
    "--time=",
    "--format=",
    "--indicator-style=",
    "--ignore=",
    "--hide=",
    "--width=",
    "--tabsize=",
    "--time-style=",
    "--block-size=",
    "--quoting-style=",
    "--hyperlink",
    "--hyperlink=",
    "--help",
    "--version",
];

/// Options shared by GNU `grep`, `egrep` and `fgrep`.
const GREP_LONG: &[&str] = &[
    "--extended-regexp",
    "--fixed-strings",
    "--basic-regexp",
    "--perl-regexp",
    "--ignore-case",
    "--no-ignore-case",
    "--word-regexp",
    "--line-regexp",
    "--null-data",
    "--no-messages",
    "--invert-match",
    "--version",
    "--help",
    "--byte-offset",
    "--line-number",
    "--line-buffered",
    "--with-filename",
    "--no-filename",
    "--only-matching",
    "--quiet",
    "--silent",
    "--recursive",
    "--dereference-recursive",
    "--files-without-match",
    "--files-with-matches",
    "--count",
    "--initial-tab",
    "--null",
    "--text",
    "--color",
    "--colour",
    "--color=",
    "--colour=",
    "--regexp=",
    "--file=",
    "--max-count=",
    "--label=",
    "--binary-files=",
    "--devices=",
    "--directories=",
    "--include=",
    "--exclude=",
    "--exclude-dir=",
    "--after-context=",
    "--before-context=",
    "--context=",
    "--group-separator=",
    "--no-group-separator",
];

const GREP: Spec = Spec {
    flags: "EFGPiywxzsvVbnHhoqrRLlcTZUIa",
    short: &[
        ('e', Plain),
        ('f', Read),
        ('m', Plain),
        ('A', Plain),
        ('B', Plain),
        ('C', Plain),
        ('d', Plain),
        ('D', Plain),
    ],
    long: GREP_LONG,
    long_roles: &[("--file=", Read)],
    operands: Operands::PatternThenRead,
    numeric: true,
    ..s(&["grep", "egrep", "fgrep", "zgrep"])
};

const RG: Spec = Spec {
    flags: "iSsvnNlcowxFUzHhpqabIPu0L",
    short: &[
        ('e', Plain),
        ('f', Read),
        ('g', Plain),
        ('t', Plain),
        ('T', Plain),
        ('A', Plain),
        ('B', Plain),
        ('C', Plain),
        ('m', Plain),
        ('M', Plain),
        ('j', Plain),
        ('d', Plain),
        ('E', Plain),
        ('r', Plain),
    ],
    long: &[
        "--ignore-case",
        "--smart-case",
        "--case-sensitive",
        "--invert-match",
        "--line-number",
        "--no-line-number",
        "--files-with-matches",
        "--files-without-match",
        "--count",
        "--count-matches",
        "--only-matching",
        "--word-regexp",
        "--line-regexp",
        "--fixed-strings",
        "--multiline",
        "--multiline-dotall",
        "--search-zip",
        "--with-filename",
        "--no-filename",
        "--pretty",
        "--quiet",
        "--text",
        "--binary",
        "--no-heading",
        "--heading",
        "--files",
        "--json",
        "--vimgrep",
        "--stats",
        "--column",
        "--no-column",
        "--trim",
        "--null",
        "--no-messages",
        "--no-ignore",
        "--no-ignore-vcs",
        "--no-ignore-parent",
        "--type-list",
        "--byte-offset",
        "--crlf",
        "--passthru",
        "--unrestricted",
        "--hidden",
        "--follow",
        "--help",
        "--version",
        "--color=",
        "--colors=",
        "--regexp=",
        "--file=",
        "--glob=",
        "--iglob=",
        "--type=",
        "--type-not=",
        "--after-context=",
        "--before-context=",
        "--context=",
        "--max-count=",
        "--max-columns=",
        "--max-depth=",
        "--max-filesize=",
        "--threads=",
        "--sort=",
        "--sortr=",
        "--replace=",
        "--encoding=",
        "--engine=",
        "--path-separator=",
        "--context-separator=",
        "--field-match-separator=",
        "--pre=",
        "--pre-glob=",
    ],
    long_roles: &[("--file=", Read), ("--pre=", Code)],
    operands: Operands::PatternThenRead,
    ..s(&["rg"])
};

/// The allow-list: programs that print or look, with their harmless options.
const SPECS: &[Spec] = &[
    Spec {
        flags: "aAbBcCdDfFgGhHiklLmnNopqQrRsStuUvxXZ1",
        short: &[('I', Plain), ('w', Plain), ('T', Plain)],
        long: LS_LONG,
        operands: Operands::All(Meta),
        reads_cwd: true,
        ..s(&["ls", "ll", "la", "dir", "vdir"])
    },
    Spec {
        flags: "aBdfFgGhlrRsSTx1",
        short: &[('L', Plain), ('I', Plain), ('X', Plain), ('s', Plain)],
        long: &[
            "--all",
            "--long",
            "--git",
            "--tree",
            "--icons",
            "--no-icons",
            "--group-directories-first",
            "--header",
            "--oneline",
            "--recurse",
            "--color=",
            "--level=",
            "--ignore-glob=",
            "--sort=",
            "--time-style=",
        ],
        operands: Operands::All(Meta),
        reads_cwd: true,
        ..s(&["eza", "exa", "lsd"])
    },
    Spec {
        flags: "adfilpsugDFqNQrtvcUhCnJxS",
        short: &[('L', Plain), ('I', Plain), ('P', Plain), ('o', Write)],
        long: &[
            "--noreport",
            "--dirsfirst",
            "--gitignore",
            "--prune",
            "--du",
            "--si",
            "--charset=",
            "--filelimit=",
            "--sort=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Meta),
        reads_cwd: true,
        ..s(&["tree"])
    },
    Spec {
        flags: "AbeEnstTuv",
        long: &[
            "--show-all",
            "--number-nonblank",
            "--show-ends",
            "--number",
            "--squeeze-blank",
            "--show-tabs",
            "--show-nonprinting",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&[
            "cat", "tac", "nl", "rev", "zcat", "bzcat", "xzcat", "zstdcat", "lz4cat",
        ])
    },
    Spec {
        flags: "pnAPu",
        short: &[('l', Plain), ('r', Plain), ('H', Plain), ('m', Plain)],
        long: &[
            "--plain",
            "--number",
            "--show-all",
            "--paging=",
            "--color=",
            "--style=",
            "--language=",
            "--line-range=",
            "--highlight-line=",
            "--theme=",
            "--tabs=",
            "--wrap=",
            "--decorations=",
            "--pager=",
            "--help",
            "--version",
        ],
        long_roles: &[("--pager=", Code)],
        operands: Operands::All(Read),
        ..s(&["bat", "batcat"])
    },
    Spec {
        flags: "qvzfFr",
        short: &[('n', Plain), ('c', Plain), ('s', Plain)],
        long: &[
            "--quiet",
            "--silent",
            "--verbose",
            "--zero-terminated",
            "--follow",
            "--follow=",
            "--retry",
            "--lines=",
            "--bytes=",
            "--sleep-interval=",
            "--pid=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        numeric: true,
        ..s(&["head", "tail"])
    },
    Spec {
        flags: "clLmw",
        long: &[
            "--bytes",
            "--chars",
            "--lines",
            "--words",
            "--max-line-length",
            "--files0-from=",
            "--total=",
            "--help",
            "--version",
        ],
        long_roles: &[("--files0-from=", Code)],
        operands: Operands::All(Meta),
        ..s(&["wc"])
    },
    GREP,
    RG,
    Spec {
        flags: "bdfgiMhnRrVcCmsuz",
        short: &[
            ('k', Plain),
            ('t', Plain),
            ('S', Plain),
            ('o', Write),
            ('T', Write),
        ],
        long: &[
            "--ignore-leading-blanks",
            "--dictionary-order",
            "--ignore-case",
            "--general-numeric-sort",
            "--ignore-nonprinting",
            "--month-sort",
            "--human-numeric-sort",
            "--numeric-sort",
            "--random-sort",
            "--reverse",
            "--version-sort",
            "--check",
            "--check=",
            "--merge",
            "--stable",
            "--unique",
            "--zero-terminated",
            "--debug",
            "--key=",
            "--field-separator=",
            "--buffer-size=",
            "--output=",
            "--temporary-directory=",
            "--parallel=",
            "--sort=",
            "--batch-size=",
            "--compress-program=",
            "--random-source=",
            "--files0-from=",
            "--help",
            "--version",
        ],
        long_roles: &[
            ("--output=", Write),
            ("--temporary-directory=", Write),
            ("--compress-program=", Code),
            ("--random-source=", Read),
            ("--files0-from=", Code),
        ],
        operands: Operands::All(Read),
        ..s(&["sort"])
    },
    Spec {
        flags: "cdDuiz",
        short: &[('f', Plain), ('s', Plain), ('w', Plain)],
        long: &[
            "--count",
            "--repeated",
            "--unique",
            "--ignore-case",
            "--zero-terminated",
            "--all-repeated",
            "--all-repeated=",
            "--group",
            "--group=",
            "--skip-fields=",
            "--skip-chars=",
            "--check-chars=",
            "--help",
            "--version",
        ],
        operands: Operands::InputThenOutput,
        ..s(&["uniq"])
    },
    Spec {
        flags: "snz",
        short: &[('b', Plain), ('c', Plain), ('f', Plain), ('d', Plain)],
        long: &[
            "--complement",
            "--only-delimited",
            "--zero-terminated",
            "--bytes=",
            "--characters=",
            "--fields=",
            "--delimiter=",
            "--output-delimiter=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["cut"])
    },
    Spec {
        flags: "cCdst",
        long: &[
            "--complement",
            "--delete",
            "--squeeze-repeats",
            "--truncate-set1",
            "--help",
            "--version",
        ],
        operands: Operands::All(Plain),
        ..s(&["tr"])
    },
    Spec {
        flags: "uqNaiEZbwBsyctpTlP",
        short: &[
            ('U', Plain),
            ('C', Plain),
            ('W', Plain),
            ('x', Plain),
            ('X', Read),
            ('I', Plain),
            ('F', Plain),
            ('D', Plain),
        ],
        long: &[
            "--normal",
            "--brief",
            "--report-identical-files",
            "--unified",
            "--unified=",
            "--context",
            "--context=",
            "--side-by-side",
            "--left-column",
            "--suppress-common-lines",
            "--show-c-function",
            "--expand-tabs",
            "--initial-tab",
            "--text",
            "--new-file",
            "--unidirectional-new-file",
            "--ignore-case",
            "--ignore-tab-expansion",
            "--ignore-trailing-space",
            "--ignore-space-change",
            "--ignore-all-space",
            "--ignore-blank-lines",
            "--strip-trailing-cr",
            "--minimal",
            "--speed-large-files",
            "--no-dereference",
            "--color",
            "--color=",
            "--width=",
            "--label=",
            "--ignore-matching-lines=",
            "--show-function-line=",
            "--exclude=",
            "--exclude-from=",
            "--from-file=",
            "--to-file=",
            "--tabsize=",
            "--palette=",
            "--help",
            "--version",
        ],
        long_roles: &[
            ("--exclude-from=", Read),
            ("--from-file=", Read),
            ("--to-file=", Read),
        ],
        operands: Operands::All(Read),
        ..s(&["diff", "colordiff"])
    },
    Spec {
        flags: "blsz",
        short: &[('i', Plain), ('n', Plain)],
        long: &[
            "--print-bytes",
            "--verbose",
            "--quiet",
            "--silent",
            "--ignore-initial=",
            "--bytes=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["cmp"])
    },
    Spec {
        flags: "123iz",
        long: &[
            "--check-order",
            "--nocheck-order",
            "--total",
            "--zero-terminated",
            "--output-delimiter=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["comm"])
    },
    Spec {
        flags: "rjacnsSeCMRh",
        short: &[('f', Read), ('L', Code)],
        long: &[
            "--raw-output",
            "--raw-output0",
            "--join-output",
            "--ascii-output",
            "--compact-output",
            "--null-input",
            "--slurp",
            "--sort-keys",
            "--exit-status",
            "--color-output",
            "--monochrome-output",
            "--raw-input",
            "--tab",
            "--seq",
            "--stream",
            "--stream-errors",
            "--indent=",
            "--from-file=",
            "--help",
            "--version",
        ],
        long_roles: &[("--from-file=", Read)],
        operands: Operands::PatternThenRead,
        ..s(&["jq", "gojq", "jaq"])
    },
    Spec {
        flags: "azs",
        short: &[('s', Plain)],
        long: &["--multiple", "--zero", "--suffix=", "--help", "--version"],
        operands: Operands::All(Plain),
        ..s(&["basename"])
    },
    Spec {
        flags: "z",
        long: &["--zero", "--help", "--version"],
        operands: Operands::All(Plain),
        ..s(&["dirname"])
    },
    Spec {
        flags: "efmqsvzLPn",
        long: &[
            "--canonicalize",
            "--canonicalize-existing",
            "--canonicalize-missing",
            "--no-newline",
            "--quiet",
            "--silent",
            "--verbose",
            "--zero",
            "--logical",
            "--physical",
            "--no-symlinks",
            "--strip",
            "--relative-to=",
            "--relative-base=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Meta),
        ..s(&["realpath", "readlink"])
    },
    Spec {
        flags: "LP",
        ..s(&["pwd"])
    },
    Spec {
        flags: "as",
        long: &["--all", "--skip-alias", "--help", "--version"],
        operands: Operands::All(Plain),
        ..s(&["which", "whereis"])
    },
    Spec {
        flags: "bciLhkNnprsSz0E",
        short: &[('F', Plain), ('e', Plain)],
        long: &[
            "--brief",
            "--mime",
            "--mime-type",
            "--mime-encoding",
            "--dereference",
            "--no-dereference",
            "--special-files",
            "--uncompress",
            "--keep-going",
            "--no-pad",
            "--separator=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Meta),
        ..s(&["file"])
    },
    Spec {
        flags: "Lft",
        short: &[('c', Plain)],
        long: &[
            "--dereference",
            "--file-system",
            "--terse",
            "--format=",
            "--printf=",
            "--cached=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Meta),
        ..s(&["stat"])
    },
    Spec {
        flags: "0abcDhHklLmsSxP",
        short: &[('d', Plain), ('B', Plain), ('t', Plain), ('X', Read)],
        long: &[
            "--null",
            "--all",
            "--apparent-size",
            "--bytes",
            "--total",
            "--dereference-args",
            "--human-readable",
            "--inodes",
            "--dereference",
            "--count-links",
            "--separate-dirs",
            "--si",
            "--summarize",
            "--one-file-system",
            "--no-dereference",
            "--time",
            "--max-depth=",
            "--block-size=",
            "--threshold=",
            "--exclude=",
            "--exclude-from=",
            "--time=",
            "--time-style=",
            "--help",
            "--version",
        ],
        long_roles: &[("--exclude-from=", Read)],
        operands: Operands::All(Meta),
        reads_cwd: true,
        ..s(&["du"])
    },
    Spec {
        flags: "ahHiklPTv",
        short: &[('t', Plain), ('x', Plain), ('B', Plain)],
        long: &[
            "--all",
            "--human-readable",
            "--si",
            "--inodes",
            "--local",
            "--portability",
            "--print-type",
            "--total",
            "--no-sync",
            "--sync",
            "--output",
            "--output=",
            "--block-size=",
            "--type=",
            "--exclude-type=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Inert),
        ..s(&["df"])
    },
    Spec {
        flags: "fsw",
        short: &[('f', Plain), ('s', Plain)],
        long: &[
            "--equal-width",
            "--format=",
            "--separator=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Inert),
        ..s(&["seq"])
    },
    Spec {
        flags: "uRI",
        short: &[('d', Plain), ('r', Meta), ('I', Plain)],
        long: &[
            "--utc",
            "--universal",
            "--rfc-email",
            "--iso-8601",
            "--iso-8601=",
            "--rfc-3339=",
            "--date=",
            "--reference=",
            "--debug",
            "--help",
            "--version",
        ],
        long_roles: &[("--reference=", Meta)],
        operands: Operands::All(Plain),
        ..s(&["date"])
    },
    Spec {
        flags: "bcCtwz",
        long: &[
            "--binary",
            "--check",
            "--tag",
            "--text",
            "--zero",
            "--ignore-missing",
            "--quiet",
            "--status",
            "--strict",
            "--warn",
            "--help",
            "--version",
        ],
        short: &[('a', Plain), ('l', Plain)],
        operands: Operands::All(Meta),
        ..s(&[
            "md5sum",
            "md5",
            "sha1sum",
            "sha224sum",
            "sha256sum",
            "sha384sum",
            "sha512sum",
            "shasum",
            "b2sum",
            "cksum",
            "sum",
        ])
    },
    Spec {
        flags: "di",
        short: &[('w', Plain)],
        long: &[
            "--decode",
            "--ignore-garbage",
            "--wrap=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["base64", "base32", "basenc"])
    },
    Spec {
        flags: "pirubEeaC",
        short: &[
            ('c', Plain),
            ('g', Plain),
            ('l', Plain),
            ('s', Plain),
            ('o', Plain),
            ('n', Plain),
        ],
        long: &["--help", "--version"],
        operands: Operands::InputThenOutput,
        ..s(&["xxd"])
    },
    Spec {
        flags: "bcCdoxv",
        short: &[('n', Plain), ('s', Plain), ('e', Plain), ('L', Plain)],
        long: &["--help", "--version", "--canonical"],
        operands: Operands::All(Read),
        ..s(&["hexdump", "hd"])
    },
    Spec {
        flags: "bcdfilosxv",
        short: &[
            ('A', Plain),
            ('j', Plain),
            ('N', Plain),
            ('t', Plain),
            ('w', Plain),
        ],
        long: &[
            "--address-radix=",
            "--skip-bytes=",
            "--read-bytes=",
            "--format=",
            "--output-duplicates",
            "--width=",
            "--width",
            "--endian=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["od"])
    },
    Spec {
        flags: "afdw",
        short: &[('n', Plain), ('t', Plain), ('e', Plain), ('s', Plain)],
        long: &[
            "--all",
            "--print-file-name",
            "--include-all-whitespace",
            "--bytes=",
            "--radix=",
            "--encoding=",
            "--output-separator=",
            "--help",
            "--version",
        ],
        numeric: true,
        operands: Operands::All(Read),
        ..s(&["strings"])
    },
    Spec {
        flags: "bsu",
        short: &[('w', Plain)],
        long: &["--bytes", "--spaces", "--width=", "--help", "--version"],
        numeric: true,
        operands: Operands::All(Read),
        ..s(&["fold"])
    },
    Spec {
        flags: "ctsu",
        short: &[('w', Plain), ('p', Plain), ('g', Plain)],
        long: &[
            "--crown-margin",
            "--tagged-paragraph",
            "--split-only",
            "--uniform-spacing",
            "--width=",
            "--prefix=",
            "--goal=",
            "--help",
            "--version",
        ],
        numeric: true,
        operands: Operands::All(Read),
        ..s(&["fmt"])
    },
    Spec {
        flags: "sz",
        short: &[('d', Plain)],
        long: &[
            "--serial",
            "--zero-terminated",
            "--delimiters=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["paste"])
    },
    Spec {
        flags: "tnxJ",
        short: &[
            ('s', Plain),
            ('o', Plain),
            ('c', Plain),
            ('N', Plain),
            ('R', Plain),
            ('H', Plain),
            ('W', Plain),
            ('l', Plain),
        ],
        long: &[
            "--table",
            "--json",
            "--fillrows",
            "--separator=",
            "--output-separator=",
            "--table-columns=",
            "--output-width=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["column"])
    },
    Spec {
        flags: "iz",
        short: &[
            ('t', Plain),
            ('a', Plain),
            ('v', Plain),
            ('e', Plain),
            ('o', Plain),
            ('j', Plain),
            ('1', Plain),
            ('2', Plain),
        ],
        long: &[
            "--ignore-case",
            "--check-order",
            "--nocheck-order",
            "--header",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["join"])
    },
    Spec {
        flags: "i",
        short: &[('t', Plain)],
        long: &[
            "--initial",
            "--first-only",
            "--all",
            "--tabs=",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["expand", "unexpand"])
    },
    Spec {
        operands: Operands::All(Plain),
        long: &["--help", "--version"],
        ..s(&[
            "factor", "expr", "numfmt", "tsort", "uuidgen", "cal", "ncal",
        ])
    },
    Spec {
        flags: "nrz",
        short: &[('i', Plain), ('o', Write), ('n', Plain)],
        long: &[
            "--echo",
            "--head-count=",
            "--input-range=",
            "--output=",
            "--random-source=",
            "--repeat",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_roles: &[("--output=", Write), ("--random-source=", Read)],
        operands: Operands::All(Read),
        ..s(&["shuf"])
    },
    Spec {
        flags: "cs",
        short: &[('f', Plain), ('t', Plain), ('o', Write)],
        long: &[
            "--from-code=",
            "--to-code=",
            "--list",
            "--silent",
            "--output=",
            "--help",
            "--version",
        ],
        long_roles: &[("--output=", Write)],
        operands: Operands::All(Read),
        ..s(&["iconv"])
    },
    Spec {
        flags: "aCDgnrsTu",
        short: &[('l', Plain), ('t', Plain), ('x', Plain)],
        long: &["--help", "--version"],
        operands: Operands::All(Read),
        ..s(&[
            "nm",
            "objdump",
            "readelf",
            "size",
            "c++filt",
            "ldd",
            "otool",
            "addr2line",
        ])
    },
    Spec {
        flags: "sSfxaVnwW",
        short: &[
            ('e', Plain),
            ('s', Plain),
            ('f', Plain),
            ('o', Plain),
            ('S', Plain),
        ],
        long: &[
            "--format=",
            "--severity=",
            "--shell=",
            "--exclude=",
            "--enable=",
            "--color=",
            "--external-sources",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        ..s(&["shellcheck"])
    },
    Spec {
        long: &["--help", "--version"],
        operands: Operands::All(Plain),
        ..s(&["man", "whatis", "apropos", "info", "help"])
    },
    Spec {
        flags: "dex",
        short: &[
            ('a', Plain),
            ('b', Plain),
            ('l', Plain),
            ('n', Plain),
            ('C', Plain),
            ('t', Plain),
        ],
        long: &[
            "--numeric-suffixes",
            "--numeric-suffixes=",
            "--hex-suffixes",
            "--elide-empty-files",
            "--verbose",
            "--suffix-length=",
            "--additional-suffix=",
            "--bytes=",
            "--lines=",
            "--number=",
            "--line-bytes=",
            "--separator=",
            "--help",
            "--version",
        ],
        operands: Operands::InputThenOutput,
        ..s(&["split"])
    },
    Spec {
        long: &["--help", "--version"],
        operands: Operands::All(Plain),
        ..s(&["yes"])
    },
    Spec {
        flags: "aAcCdeEfFgGiIJKLmMnNqQrRsSuUVwWX~",
        short: &[
            ('b', Plain),
            ('h', Plain),
            ('j', Plain),
            ('x', Plain),
            ('y', Plain),
            ('z', Plain),
            ('P', Plain),
            ('p', Plain),
            ('o', Write),
            ('O', Write),
            ('t', Plain),
            ('T', Read),
            ('k', Read),
        ],
        long: &[
            "--quit-if-one-screen",
            "--no-init",
            "--RAW-CONTROL-CHARS",
            "--chop-long-lines",
            "--LINE-NUMBERS",
            "--help",
            "--version",
        ],
        operands: Operands::All(Read),
        numeric: true,
        ..s(&["less", "more", "most", "pg"])
    },
];

/// System-information programs whose every option only changes what is shown.
const SHOW_ANYTHING: &[&str] = &[
    "uname",
    "whoami",
    "id",
    "groups",
    "nproc",
    "arch",
    "uptime",
    "free",
    "tty",
    "lscpu",
    "lsblk",
    "lsusb",
    "lspci",
    "getconf",
    "locale",
    "w",
    "who",
    "pstree",
    "pgrep",
    "lsof",
    "tput",
    "vmstat",
    "iostat",
    "clear",
    "printenv-free",
];

/// Judges the allow-listed read-only programs; `None` for any other command.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    if SHOW_ANYTHING.contains(&name) {
        return Some(show_anything(name, inv));
    }
    match name {
        "ps" => return Some(ps(inv)),
        "hostname" => return Some(hostname(inv)),
        "echo" | "printf" => return Some(print(name, inv)),
        _ => {}
    }
    let spec = SPECS.iter().find(|spec| spec.names.contains(&name))?;
    let (mut judgement, parsed) = spec::judge(spec, inv);
    match spec.names[0] {
        // `less +!cmd` and `more +cmd` run their argument as a command.
        "less" if inv.args().iter().any(|a| a.text.starts_with('+')) => {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "option.runs-code",
                "less +CMD runs a command at start",
            ));
        }
        "grep" => judgement = judgement.raise(grep_recursion(inv, &parsed)),
        "du" | "tree"
            if (spec.names[0] == "du"
                && ["-L", "-H", "--dereference", "--dereference-args"]
                    .iter()
                    .any(|o| parsed.has(o)))
                || (spec.names[0] == "tree" && parsed.has("-l")) =>
        {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "files.follows-links",
                format!("{name} follows symlinks out of the tree it walks"),
            ));
        }
        "diff" => judgement = judgement.raise(diff_directories(inv, &parsed)),
        "man" | "info" => {
            // `man ./page.1` or `man ~/.ssh/id_rsa` formats that file.
            for page in &parsed.operands {
                if page.text.contains('/') || page.text.starts_with(['.', '~']) {
                    judgement = spec::judge_use(judgement, name, inv, Read, page);
                }
            }
        }
        "split" => {
            // The files are PREFIX + generated suffixes: `.mcp.jso` + `n` is `.mcp.json`.
            if let Some(prefix) = parsed.operands.get(1) {
                let names = super::super::shell::words::Arg {
                    glob: true,
                    ..prefix.part(format!("{}*", prefix.text))
                };
                judgement = judgement.raise(inv.write_to(&names));
            }
        }
        "rg" => {
            judgement = judgement.raise(rg_visibility(&parsed));
            let from_option = ["-e", "-f", "--regexp", "--file"]
                .iter()
                .any(|o| parsed.has(o));
            if parsed.operands.len() <= usize::from(!from_option) {
                // No path: rg searches the working directory.
                let cwd = super::super::shell::words::Arg::literal(".");
                judgement = judgement.raise(spec::read_place(name, inv, &cwd, false));
            }
        }
        "jq" => judgement = judgement.raise(jq_program(inv, &parsed)),
        "seq"
            if inv.args().iter().any(|a| {
                a.text.eq_ignore_ascii_case("inf")
                    || a.text.eq_ignore_ascii_case("infinity")
                    || a.text
                        .trim_start_matches('-')
                        .split('.')
                        .next()
                        .is_some_and(|n| n.len() > 8)
            }) =>
        {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "resource.endless-output",
                "seq prints forever, or a hundred million lines",
            ));
        }
        "yes" => {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                YES_RULE,
                "yes prints forever unless head stops it",
            ));
        }
        "date"
            if parsed.has("-s")
                || parsed.has("--set")
                || parsed.operands.iter().any(|a| !a.text.starts_with('+')) =>
        {
            judgement = judgement.raise(Finding::new(
                RiskLevel::High,
                "system.clock",
                "date sets the system clock",
            ));
        }
        _ => {}
    }
    Some(judgement)
}

fn show_anything(name: &str, inv: &Invocation<'_>) -> Ruling {
    let mut judgement = Ruling::of(
        RiskLevel::Low,
        "readonly.command",
        format!("{name} only shows"),
    );
    for arg in inv.args() {
        judgement = spec::judge_use(judgement, name, inv, Plain, arg);
    }
    judgement
}

/// `ps`: BSD `e` (and macOS `-E`) prints every process's environment, tokens included; the
/// command lines of other users' and daemons' processes (`aux`, `-ef`) can hold passwords
/// (`mysql -pX`) and are a look outside the session.
fn ps(inv: &Invocation<'_>) -> Ruling {
    let dumps_env = inv.args().iter().any(|a| {
        let t = a.text.as_str();
        (!t.starts_with('-') && t.contains('e')) || t == "-E" || t.starts_with("-E")
    });
    if dumps_env {
        let mut judgement = Ruling::of(
            RiskLevel::High,
            "secrets.env-dump",
            "ps e prints the environment of processes",
        );
        judgement.facts.reads_secret = true;
        return judgement;
    }
    let others = inv.args().iter().any(|a| {
        let t = a.text.as_str();
        let bsd = !t.starts_with('-') && (t.contains('a') || t.contains('x'));
        bsd || matches!(
            t,
            "-e" | "-A" | "-ef" | "-eF" | "-ely" | "-aux" | "--everyone"
        ) || (t.starts_with('-') && (t.contains('e') || t.contains('A')))
    });
    if others {
        return Ruling::of(
            RiskLevel::Medium,
            "secrets.process-args",
            "ps shows other processes' command lines, which may hold passwords",
        );
    }
    show_anything("ps", inv)
}

/// `hostname NAME` (or `-F FILE`, `--file`) renames the machine; the other options print.
fn hostname(inv: &Invocation<'_>) -> Ruling {
    let prints = |t: &str| {
        matches!(
            t,
            "-f" | "-s"
                | "-i"
                | "-I"
                | "-d"
                | "-A"
                | "-a"
                | "--fqdn"
                | "--long"
                | "--short"
                | "--domain"
                | "--ip-address"
                | "--all-ip-addresses"
                | "--all-fqdns"
                | "--alias"
        )
    };
    if inv.args().iter().any(|a| !prints(&a.text)) {
        return Ruling::of(
            RiskLevel::High,
            "system.hostname",
            "hostname renames the machine",
        );
    }
    show_anything("hostname", inv)
}

/// `echo` and `printf` print their arguments: known text is LOW, and becomes the stdin a
/// following shell would run; `printf -v NAME` assigns instead.
fn print(name: &str, inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(RiskLevel::Low, "readonly.command", format!("{name} prints"));
    for (i, arg) in args.iter().enumerate() {
        judgement = spec::judge_use(judgement, name, inv, Plain, arg);
        if name == "printf" && arg.text == "-v" {
            let target = args.get(i + 1).map_or("", |a| a.text.as_str());
            if !super::harmless_variable(target) {
                judgement = judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "env.hijack",
                    format!("printf -v sets {target}, which may change what later commands run"),
                ));
            }
            if target.contains('[') || args.get(i + 1).is_some_and(|a| a.dynamic) {
                judgement = judgement.raise(Finding::new(
                    RiskLevel::Medium,
                    "shell.evaluates-data",
                    "printf -v assigns to a subscript, which bash evaluates",
                ));
            }
        }
    }
    if args.iter().all(|a| !a.dynamic) {
        let words: Vec<&str> = args
            .iter()
            .map(|a| a.text.as_str())
            .filter(|t| !t.starts_with('-'))
            .collect();
        let text = words.join(" ");
        let escapes = name == "printf" || args.iter().any(|a| a.text == "-e");
        // A format with conversions (`%s`) prints its arguments in ways we do not model.
        if !(name == "printf" && text.contains('%')) {
            judgement.literal_stdout = Some(if escapes { unescape(&text) } else { text });
        }
    }
    judgement
}

/// The common escapes `printf` and `echo -e` interpret; any other backslash stays.
fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\\", "\\")
}

/// Rule of `yes`; the walker lowers it when `head` reads what it prints.
pub(crate) const YES_RULE: &str = "resource.endless-output";

/// `grep -r` prints every matching line of every file below its directories, `.env`
/// included: LOW only when `--include` globs keep secrets out.
fn grep_recursion(inv: &Invocation<'_>, parsed: &spec::Parsed<'_>) -> Finding {
    let recursive = ["-r", "-R", "--recursive", "--dereference-recursive"]
        .iter()
        .any(|o| parsed.has(o))
        || parsed.values.iter().any(|(option, value)| {
            matches!(option.as_str(), "-d" | "--directories" | "-D" | "--devices")
                && value.text != "skip"
                && value.text != "read"
        });
    let low = Finding::new(RiskLevel::Low, "readonly.command", "grep only reads");
    if !recursive {
        return low;
    }
    if parsed.has("-R") || parsed.has("--dereference-recursive") {
        return Finding::new(
            RiskLevel::Medium,
            "grep.follows-links",
            "grep -R follows symlinks out of the project",
        );
    }
    let includes: Vec<&str> = inv
        .args()
        .iter()
        .filter_map(|a| a.text.strip_prefix("--include="))
        .collect();
    let safe = !includes.is_empty()
        && includes
            .iter()
            .all(|glob| !super::super::paths::glob_may_match_sensitive(glob));
    if safe {
        low
    } else {
        Finding::new(
            RiskLevel::Medium,
            "grep.recursive-secrets",
            "grep -r may print secret files (.env); use rg, or --include globs",
        )
    }
}

/// `diff` of directories prints what their files hold (`diff -N . /tmp/empty` prints every
/// file of the project, `.env` included): recursion, new-file options and operands that
/// are directories by their look are not LOW.
fn diff_directories(inv: &Invocation<'_>, parsed: &spec::Parsed<'_>) -> Finding {
    let directory_options = [
        "-r",
        "--recursive",
        "-N",
        "--new-file",
        "--unidirectional-new-file",
        "-P",
    ]
    .iter()
    .any(|o| parsed.has(o));
    let directory_operand = parsed.operands.iter().any(|a| {
        a.text.ends_with('/')
            || matches!(a.text.as_str(), "." | ".." | "~" | "/")
            || inv.locate(a).is_some_and(|(path, _)| {
                inv.ctx.project_root.starts_with(&path) || inv.ctx.home.starts_with(&path)
            })
    });
    if directory_options || directory_operand {
        Finding::new(
            RiskLevel::Medium,
            "diff.directories",
            "diff of directories prints their files, secrets included",
        )
    } else {
        Finding::new(RiskLevel::Low, "readonly.command", "diff only reads")
    }
}

/// `rg` skips hidden and ignored files, `.env` among them, unless told otherwise.
fn rg_visibility(parsed: &spec::Parsed<'_>) -> Finding {
    let unrestricted = parsed.options.iter().filter(|o| *o == "-u").count();
    let shows_hidden = parsed.has("--hidden")
        || parsed.has("-.")
        || unrestricted >= 2
        || parsed.has("--unrestricted");
    if shows_hidden {
        return Finding::new(
            RiskLevel::Medium,
            "rg.hidden",
            "rg searching hidden files may print secrets (.env)",
        );
    }
    if parsed.has("-L") || parsed.has("--follow") {
        return Finding::new(
            RiskLevel::Medium,
            "rg.follows-links",
            "rg -L follows symlinks out of the project",
        );
    }
    Finding::new(RiskLevel::Low, "readonly.command", "rg only reads")
}

/// A jq program cannot run commands, but `env` and `$ENV` print the environment.
fn jq_program(inv: &Invocation<'_>, parsed: &spec::Parsed<'_>) -> Finding {
    let from_file = parsed.has("-f") || parsed.has("--from-file");
    let program = if from_file {
        None
    } else {
        parsed.operands.first().map(|a| a.text.as_str())
    };
    let named_args = inv.args().iter().any(|a| {
        matches!(
            a.text.as_str(),
            "--arg" | "--argjson" | "--slurpfile" | "--rawfile" | "--args" | "--jsonargs"
        )
    });
    if named_args {
        return Finding::new(
            RiskLevel::Medium,
            "option.unknown",
            "jq named arguments are not judged",
        );
    }
    let modules = ["import", "include", "modulemeta", "$__prog"];
    if program.is_some_and(|p| modules.iter().any(|m| p.contains(m))) {
        return Finding::new(
            RiskLevel::Medium,
            "jq.modules",
            "jq import/include reads files from its search path (~/.jq, ..)",
        );
    }
    let reads_env = program.is_some_and(|p| {
        p.contains("$ENV")
            || p.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .any(|w| w == "env" || w == "$__prog_args" || w == "input_filename")
    });
    if reads_env {
        return Finding::new(
            RiskLevel::High,
            "secrets.env-dump",
            "jq env prints the environment",
        );
    }
    Finding::new(RiskLevel::Low, "readonly.command", "jq only reads")
}
