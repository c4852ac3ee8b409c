//! Turns a raw shell word into the text the command would see, and collects the
//! command substitutions hidden inside it so the walker can judge them too.

use brush_parser::ParserOptions;
use brush_parser::word::{TildeExpr, WordPiece, WordPieceWithSource};

/// One argument after quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Arg {
    /// The literal text; expansions we cannot know are kept as their raw source.
    pub text: String,
    /// True when part of the text is only known at run time (`$X`, `$(...)`, `~+`, a brace
    /// expansion): nothing about its value is proven.
    pub dynamic: bool,
    /// True when the word has unquoted glob characters (`*`, `?`, `[`): bash replaces it
    /// with the matching paths, so `text` is a pattern, not a name.
    pub glob: bool,
    /// True when expanding the word evaluates data as code (`${x@P}`, indirection,
    /// arithmetic on variables, subscripts): bash may run a command hidden in a value.
    pub evaluates: bool,
    /// True when the word expands a variable whose name says it holds a secret
    /// (`$GITHUB_TOKEN`, `${AWS_SECRET_ACCESS_KEY}`).
    pub secret_var: bool,
    /// True when a variable's value is part of the word: unlike a command substitution,
    /// whose commands are judged, a variable may hold anything (a token, a path).
    pub var: bool,
}

impl Arg {
    /// A literal argument, known before running.
    pub(crate) fn literal(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// An argument whose value only exists at run time (e.g. what `xargs` feeds in).
    pub(crate) fn unknown(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            dynamic: true,
            ..Self::default()
        }
    }

    /// A part of this argument (an option's value, `of=FILE`), with the same provenance.
    pub(crate) fn part(&self, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..self.clone()
        }
    }
}

/// Words in a variable name that say it holds a secret.
const SECRET_NAME_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD_",
    "APIKEY",
    "API_KEY",
    "PRIVATE",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "COOKIE",
    "KEY",
    "DSN",
    "DATABASE_URL",
    "CONN",
];

/// True when a variable's name says it holds a secret (`GITHUB_TOKEN`, `db_password`).
pub(crate) fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if matches!(upper.as_str(), "PWD" | "OLDPWD" | "KEYMAP" | "XAUTHORITY") {
        return false;
    }
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| SECRET_NAME_WORDS.contains(&part))
        || SECRET_NAME_WORDS
            .iter()
            .filter(|w| w.len() > 4)
            .any(|w| upper.contains(w))
}

/// Characters that make a word more than literal text.
fn needs_parsing(raw: &str) -> bool {
    raw.bytes()
        .any(|b| matches!(b, b'\'' | b'"' | b'\\' | b'$' | b'`' | b'~'))
}

/// Expands `raw` into an [`Arg`], pushing every command substitution's script onto
/// `scripts`. Returns `None` when the word does not parse (the caller treats that as a
/// parse error, never LOW).
pub(crate) fn expand(raw: &str, opts: &ParserOptions, scripts: &mut Vec<String>) -> Option<Arg> {
    if !needs_parsing(raw) {
        return Some(literal_word(raw));
    }
    let pieces = brush_parser::word::parse(raw, opts).ok()?;
    let mut arg = Arg::literal(String::with_capacity(raw.len()));
    fold_pieces(raw, &pieces, opts, scripts, &mut arg)?;
    let mut skeleton = String::new();
    unquoted_skeleton(&pieces, &mut skeleton);
    mark_patterns(&skeleton, &mut arg);
    Some(arg)
}

/// A word with nothing to parse: only unquoted glob and brace characters can make it more
/// than its text.
fn literal_word(raw: &str) -> Arg {
    let mut arg = Arg::literal(raw);
    mark_patterns(raw, &mut arg);
    arg
}

/// Marks globs and brace expansions found in the unquoted parts of a word.
fn mark_patterns(unquoted: &str, arg: &mut Arg) {
    if unquoted.contains(['*', '?', '[']) {
        arg.glob = true;
    }
    if ["@(", "!(", "+(", "*(", "?("]
        .iter()
        .any(|p| unquoted.contains(p))
    {
        // An extended glob (`.@(env)`): bash may match it when extglob is on.
        arg.glob = true;
        arg.dynamic = true;
    }
    if has_brace_expansion(unquoted) {
        // `{a,b}` and `{1..3}` become several words: the text is none of them.
        arg.dynamic = true;
    }
}

/// True when unquoted text holds `{…,…}` or `{x..y}`, which bash expands into several words.
fn has_brace_expansion(text: &str) -> bool {
    let bytes = text.as_bytes();
    for (start, _) in text.match_indices('{') {
        let mut depth = 0usize;
        for (offset, &b) in bytes[start..].iter().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = &text[start + 1..start + offset];
                        if inner.contains(',') || inner.contains("..") {
                            return true;
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// The unquoted text of a word, with each quoted or expanded part replaced by one `x`, so
/// globs and braces are only seen where bash would act on them.
fn unquoted_skeleton(pieces: &[WordPieceWithSource], out: &mut String) {
    for piece in pieces {
        match &piece.piece {
            WordPiece::Text(s) => out.push_str(s),
            _ => out.push('x'),
        }
    }
}

/// Collects the command substitutions of a here-document body that undergoes expansion.
pub(crate) fn heredoc_scripts(
    body: &str,
    opts: &ParserOptions,
    scripts: &mut Vec<String>,
) -> Option<()> {
    if !body.contains("$(") && !body.contains('`') {
        return Some(());
    }
    let pieces = brush_parser::word::parse_heredoc(body, opts).ok()?;
    let mut ignored = Arg::literal(String::new());
    fold_pieces(body, &pieces, opts, scripts, &mut ignored)
}

fn fold_pieces(
    source: &str,
    pieces: &[WordPieceWithSource],
    opts: &ParserOptions,
    scripts: &mut Vec<String>,
    arg: &mut Arg,
) -> Option<()> {
    for piece in pieces {
        match &piece.piece {
            WordPiece::Text(s) | WordPiece::SingleQuotedText(s) => arg.text.push_str(s),
            WordPiece::AnsiCQuotedText(s) => match decode_ansi_c(s) {
                Some(decoded) => arg.text.push_str(&decoded),
                None => {
                    arg.text.push_str(s);
                    arg.dynamic = true;
                }
            },
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                fold_pieces(source, inner, opts, scripts, arg)?;
            }
            WordPiece::TildeExpansion(TildeExpr::Home) => arg.text.push('~'),
            WordPiece::TildeExpansion(TildeExpr::UserHome(user)) => {
                arg.text.push('~');
                arg.text.push_str(user);
            }
            WordPiece::TildeExpansion(_) => {
                arg.text.push_str("~+");
                arg.dynamic = true;
                arg.var = true;
            }
            WordPiece::EscapeSequence(s) => {
                let unescaped = s.strip_prefix('\\').unwrap_or(s);
                if unescaped != "\n" {
                    arg.text.push_str(unescaped);
                }
            }
            WordPiece::CommandSubstitution(script) => {
                scripts.push(script.clone());
                arg.text.push_str("$(…)");
                arg.dynamic = true;
            }
            WordPiece::BackquotedCommandSubstitution(script) => {
                scripts.push(unescape_backquoted(script));
                arg.text.push_str("$(…)");
                arg.dynamic = true;
            }
            WordPiece::ArithmeticExpression(expr)
                if brush_parser::arithmetic::parse(&expr.value).is_err() =>
            {
                // Bash falls back to a command substitution of a subshell when `$(( … ))`
                // is not arithmetic: `$(( rm -rf / ))` runs `rm`.
                scripts.push(format!("( {} )", expr.value));
                arg.text.push_str("$(…)");
                arg.dynamic = true;
            }
            WordPiece::ParameterExpansion(_) | WordPiece::ArithmeticExpression(_) => {
                let raw = source
                    .get(piece.start_index..piece.end_index)
                    .unwrap_or(source);
                if matches!(piece.piece, WordPiece::ArithmeticExpression(_)) {
                    // Arithmetic evaluates the values of the variables it names as
                    // expressions, subscripts and all: `x='a[$(id)]'; echo $((x))` runs `id`.
                    if raw.bytes().any(|b| b.is_ascii_alphabetic() || b == b'_') {
                        arg.evaluates = true;
                    }
                } else {
                    let name = parameter_name(raw);
                    let at_start = arg.text.is_empty() || arg.text.ends_with('=');
                    if at_start && name == "HOME" && is_plain_parameter(raw) {
                        // `$HOME` is the home we are given: resolve it, do not guess.
                        arg.text.push('~');
                        continue;
                    }
                    arg.var = true;
                    if is_secret_name(name) {
                        arg.secret_var = true;
                    }
                    if evaluates_data(raw) {
                        arg.evaluates = true;
                    }
                }
                // `${X:-$(cmd)}` and `$(( $(cmd) ))` hide substitutions inside; find them
                // by parsing the piece's inner text as a word of its own.
                if raw.contains("$(") || raw.contains('`') {
                    let inner = strip_expansion_delimiters(raw);
                    let inner_pieces = brush_parser::word::parse(inner, opts).ok()?;
                    let mut ignored = Arg::literal(String::new());
                    fold_pieces(inner, &inner_pieces, opts, scripts, &mut ignored)?;
                }
                arg.text.push_str(raw);
                arg.dynamic = true;
            }
        }
    }
    Some(())
}

/// The variable a parameter expansion reads: `HOME` in `$HOME`, `${HOME:-x}`, `${#HOME}`.
fn parameter_name(raw: &str) -> &str {
    let inner = raw
        .strip_prefix("${")
        .or_else(|| raw.strip_prefix('$'))
        .unwrap_or(raw);
    let inner = inner.trim_start_matches(['#', '!']);
    let end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    &inner[..end]
}

/// `$NAME` or `${NAME}`, with no operator.
fn is_plain_parameter(raw: &str) -> bool {
    let name = parameter_name(raw);
    raw == format!("${name}") || raw == format!("${{{name}}}")
}

/// Expansions that evaluate a value as code or as a name: prompt expansion (`${x@P}`),
/// indirection (`${!x}`) and subscripts (`${a[$i]}`, evaluated as arithmetic).
fn evaluates_data(raw: &str) -> bool {
    // `${x:offset:length}`: both are arithmetic, evaluated with the values they name.
    let substring = raw
        .strip_prefix("${")
        .and_then(|inner| inner.split_once(':'))
        .is_some_and(|(_, rest)| {
            !rest.starts_with(['-', '=', '?', '+'])
                && rest
                    .bytes()
                    .any(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        });
    substring
        || raw.starts_with("${!")
        || raw.contains("@P")
        || raw.contains("@A")
        || raw.find('[').is_some_and(|open| {
            raw[open + 1..]
                .bytes()
                .any(|b| !b.is_ascii_digit() && b != b']' && b != b'@' && b != b'*')
        })
}

/// The text between `$((`/`))` or `${`/`}`.
fn strip_expansion_delimiters(raw: &str) -> &str {
    if let Some(inner) = raw.strip_prefix("$((").and_then(|r| r.strip_suffix("))")) {
        return inner;
    }
    raw.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(raw)
}

/// Inside backquotes, `\\`, `` \` `` and `\$` stand for the escaped character.
fn unescape_backquoted(script: &str) -> String {
    script
        .replace("\\\\", "\u{0}")
        .replace("\\`", "`")
        .replace("\\$", "$")
        .replace('\u{0}', "\\")
}

/// Decodes the escapes of `$'...'` that spell characters; `None` for anything unusual,
/// which the caller treats as unknowable.
fn decode_ansi_c(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next()?;
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '\\' | '\'' | '"' | '?' => out.push(escaped),
            'x' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) else {
                        break;
                    };
                    value = value * 16 + d;
                    chars.next();
                    digits += 1;
                }
                out.push(char::from_u32(value).filter(|_| digits > 0)?);
            }
            '0'..='7' => {
                let mut value = escaped.to_digit(8)?;
                for _ in 0..2 {
                    let Some(d) = chars.peek().and_then(|c| c.to_digit(8)) else {
                        break;
                    };
                    value = value * 8 + d;
                    chars.next();
                }
                out.push(char::from_u32(value)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Most words one brace expansion may produce before we stop expanding and call it unknown.
const MAX_BRACE_WORDS: usize = 64;

/// Bash's brace expansion of a word whose braces are all unquoted (`~/.ss{h,x}/id_rsa`,
/// `{src,~}`, `f{1..3}`): the words it becomes, so each is judged. `None` when the word has
/// quotes or expansions, or expands to too many words; the caller then keeps it unknown.
pub(crate) fn brace_expand(raw: &str) -> Option<Vec<String>> {
    if raw
        .bytes()
        .any(|b| matches!(b, b'\'' | b'"' | b'\\' | b'$' | b'`'))
    {
        return None;
    }
    let mut words = vec![raw.to_owned()];
    loop {
        let mut changed = false;
        let mut next = Vec::new();
        for word in &words {
            match expand_first_brace(word) {
                Expansion::Words(parts) => {
                    changed = true;
                    next.extend(parts);
                }
                Expansion::NoBrace => next.push(word.clone()),
                Expansion::TooMany => return None,
            }
            if next.len() > MAX_BRACE_WORDS {
                return None;
            }
        }
        words = next;
        if !changed {
            return Some(words);
        }
    }
}

/// What expanding one brace gave.
enum Expansion {
    Words(Vec<String>),
    NoBrace,
    TooMany,
}

/// Expands the first `{…}` of `word` that has a top-level `,` or is a `x..y` sequence.
fn expand_first_brace(word: &str) -> Expansion {
    let bytes = word.as_bytes();
    for (start, _) in word.match_indices('{') {
        let mut depth = 0usize;
        let mut commas = Vec::new();
        for (offset, &b) in bytes[start..].iter().enumerate() {
            let at = start + offset;
            match b {
                b'{' => depth += 1,
                b',' if depth == 1 => commas.push(at),
                b'}' => {
                    depth -= 1;
                    if depth > 0 {
                        continue;
                    }
                    let (prefix, suffix) = (&word[..start], &word[at + 1..]);
                    let inner = &word[start + 1..at];
                    let items: Vec<String> = if commas.is_empty() {
                        match sequence(inner) {
                            Sequence::Items(items) => items,
                            Sequence::TooMany => return Expansion::TooMany,
                            Sequence::NotOne => break,
                        }
                    } else {
                        let mut items = Vec::new();
                        let mut from = start + 1;
                        for &comma in &commas {
                            items.push(word[from..comma].to_owned());
                            from = comma + 1;
                        }
                        items.push(word[from..at].to_owned());
                        items
                    };
                    if items.len() > MAX_BRACE_WORDS {
                        return Expansion::TooMany;
                    }
                    return Expansion::Words(
                        items
                            .into_iter()
                            .map(|item| format!("{prefix}{item}{suffix}"))
                            .collect(),
                    );
                }
                _ => {}
            }
        }
    }
    Expansion::NoBrace
}

/// What the inside of `{…}` with no comma is.
enum Sequence {
    Items(Vec<String>),
    TooMany,
    NotOne,
}

/// `1..3` or `a..c` (a step is not supported: then the braces stay as they are, which
/// `expand` already marks unknown).
fn sequence(inner: &str) -> Sequence {
    let Some((from, to)) = inner.split_once("..") else {
        return Sequence::NotOne;
    };
    if let (Ok(a), Ok(b)) = (from.parse::<i64>(), to.parse::<i64>()) {
        let (lo, hi) = (a.min(b), a.max(b));
        if hi.saturating_sub(lo) >= MAX_BRACE_WORDS as i64 {
            return Sequence::TooMany;
        }
        return Sequence::Items((lo..=hi).map(|n| n.to_string()).collect());
    }
    let (mut a, mut b) = (from.chars(), to.chars());
    match (a.next(), a.next(), b.next(), b.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (lo, hi) = (x.min(y), x.max(y));
            Sequence::Items((lo..=hi).map(String::from).collect())
        }
        _ => Sequence::NotOne,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_as_bash_does() {
        assert_eq!(
            brace_expand("~/.ss{h,x}/id_rsa"),
            Some(vec!["~/.ssh/id_rsa".to_owned(), "~/.ssx/id_rsa".to_owned()])
        );
        assert_eq!(
            brace_expand("{src,~}"),
            Some(vec!["src".to_owned(), "~".to_owned()])
        );
        assert_eq!(
            brace_expand("f{1..3}"),
            Some(vec!["f1".to_owned(), "f2".to_owned(), "f3".to_owned()])
        );
        assert_eq!(
            brace_expand("{a,{b,c}}x"),
            Some(vec!["ax".to_owned(), "bx".to_owned(), "cx".to_owned()])
        );
        assert_eq!(brace_expand("{}"), Some(vec!["{}".to_owned()]));
        assert_eq!(brace_expand("'{a,b}'"), None);
        assert_eq!(brace_expand("{1..100000}"), None);
    }

    #[test]
    fn secret_names_are_recognised() {
        for name in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "db_password",
            "API_KEY",
            "DATABASE_URL",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["PWD", "HOME", "PATH", "f", "dir", "COUNT"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
