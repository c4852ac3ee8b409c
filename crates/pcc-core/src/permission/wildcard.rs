//! `*`, `**` and `?` patterns, as permission rules use them.
//!
//! Hand-written instead of a glob crate: a hook process matches a handful of patterns once, and
//! compiling them into regexes would cost more than the whole call. The matcher simulates the
//! pattern as a set of states, one text character at a time: time is pattern × text, memory is
//! the pattern's length, and there is no recursion, so no text can exhaust the stack.

/// Whether `text` matches `pattern`.
///
/// - `?` matches one character other than `separator`;
/// - `*` matches any run of characters without `separator`;
/// - `**` matches any run of characters, `separator` included;
/// - with `separator` `None`, `*` and `**` are the same.
pub fn wildcard_match(pattern: &str, text: &str, separator: Option<char>) -> bool {
    let tokens = tokenize(pattern);
    // `states[p]`: the text read so far can be matched by `tokens[..p]`.
    let mut states = vec![false; tokens.len() + 1];
    states[0] = true;
    close_over_stars(&tokens, &mut states);
    for c in text.chars() {
        let mut next = vec![false; tokens.len() + 1];
        for (p, token) in tokens.iter().enumerate() {
            if !states[p] {
                continue;
            }
            let crosses = Some(c) == separator;
            match token {
                Token::Literal(literal) if *literal == c => next[p + 1] = true,
                Token::AnyChar if !crosses => next[p + 1] = true,
                Token::AnyInSegment if !crosses => next[p] = true,
                Token::AnyAcrossSegments => next[p] = true,
                _ => {}
            }
        }
        close_over_stars(&tokens, &mut next);
        if !next.contains(&true) {
            return false;
        }
        states = next;
    }
    states[tokens.len()]
}

/// A star may match nothing: wherever a star can start, the token after it can too.
fn close_over_stars(tokens: &[Token], states: &mut [bool]) {
    for (p, token) in tokens.iter().enumerate() {
        if states[p] && matches!(token, Token::AnyInSegment | Token::AnyAcrossSegments) {
            states[p + 1] = true;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Literal(char),
    AnyChar,
    AnyInSegment,
    AnyAcrossSegments,
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                Token::AnyAcrossSegments
            }
            '*' => Token::AnyInSegment,
            '?' => Token::AnyChar,
            other => Token::Literal(other),
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_separators() {
        assert!(wildcard_match("src/*.rs", "src/main.rs", Some('/')));
        assert!(!wildcard_match("src/*.rs", "src/a/main.rs", Some('/')));
        assert!(wildcard_match("src/**", "src/a/b/c.rs", Some('/')));
        assert!(wildcard_match("**/.env", "/p/a/.env", Some('/')));
        assert!(wildcard_match("file?.txt", "file1.txt", Some('/')));
        assert!(!wildcard_match("file?.txt", "file12.txt", Some('/')));
        assert!(wildcard_match("git *", "git push origin main", None));
        assert!(!wildcard_match("git", "git status", None));
    }

    #[test]
    fn long_texts_stay_cheap_and_shallow() {
        let text = "a".repeat(200_000);
        assert!(!wildcard_match("*a*a*a*a*a*a*b", &text, None));
        assert!(wildcard_match("**a", &text, Some('/')));
    }
}
