//! Turns a raw shell word into the text the command would see, and collects the
//! command substitutions hidden inside it so the walker can judge them too.

use brush_parser::ParserOptions;
use brush_parser::word::{TildeExpr, WordPiece, WordPieceWithSource};

/// One argument after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arg {
    /// The literal text; expansions we cannot know are kept as their raw source.
    pub text: String,
    /// True when part of the text is only known at run time (`$X`, `$(...)`, `~+`).
    pub dynamic: bool,
}

impl Arg {
    /// A literal argument, known before running.
    pub(crate) fn literal(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            dynamic: false,
        }
    }

    /// An argument whose value only exists at run time (e.g. what `xargs` feeds in).
    pub(crate) fn unknown(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            dynamic: true,
        }
    }
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
        return Some(Arg::literal(raw));
    }
    let pieces = brush_parser::word::parse(raw, opts).ok()?;
    let mut arg = Arg::literal(String::with_capacity(raw.len()));
    fold_pieces(raw, &pieces, opts, scripts, &mut arg)?;
    Some(arg)
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
                // `${X:-$(cmd)}` and `$(( $(cmd) ))` hide substitutions inside; find them
                // by parsing the piece's inner text as a word of its own.
                let raw = source
                    .get(piece.start_index..piece.end_index)
                    .unwrap_or(source);
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
