//! `sed`: a stream editor whose script can run commands (`e`, the `e` flag of `s`), write
//! files (`w`, `W`, the `w` flag) and read them (`r`, `R`). The script is scanned command
//! by command; anything it cannot place is not LOW.

use super::super::level::RiskLevel;
use super::super::shell::words::Arg;
use super::super::verdict::Finding;
use super::spec::{self, Operands, Role, Spec};
use super::{Invocation, Ruling};

const SED: Spec = Spec {
    flags: "nErsuz",
    optional: "i",
    short: &[('e', Role::Plain), ('f', Role::Code), ('l', Role::Plain)],
    long: &[
        "--quiet",
        "--silent",
        "--regexp-extended",
        "--separate",
        "--unbuffered",
        "--null-data",
        "--posix",
        "--sandbox",
        "--debug",
        "--follow-symlinks",
        "--in-place",
        "--in-place=",
        "--expression=",
        "--file=",
        "--line-length=",
        "--help",
        "--version",
    ],
    long_roles: &[("--file=", Role::Code)],
    operands: Operands::All(Role::Inert),
    ..Spec::new(&["sed", "gsed"])
};

/// What a script does besides editing the stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptEffects {
    /// Files it writes (`w FILE`, `s///w FILE`).
    pub writes: Vec<String>,
    /// Files it reads (`r FILE`, `R FILE`).
    pub reads: Vec<String>,
    /// It runs commands, or has something we could not read.
    pub unsafe_reason: Option<&'static str>,
}

/// Judges `sed` (and `gsed`).
pub(crate) fn judge(inv: &Invocation<'_>) -> Ruling {
    let (mut judgement, parsed) = spec::judge(&SED, inv);
    // `-i` takes an optional suffix glued to it (`-i.bak`), which the spec reads as flags.
    let in_place = parsed.has("-i") || parsed.has("--in-place");
    let mut scripts: Vec<&Arg> = parsed
        .values
        .iter()
        .filter(|(option, _)| option == "-e" || option == "--expression")
        .map(|(_, value)| value)
        .collect();
    let mut files: Vec<&Arg> = parsed.operands.clone();
    let explicit =
        parsed.has("-e") || parsed.has("--expression") || parsed.has("-f") || parsed.has("--file");
    if !explicit && !files.is_empty() {
        scripts.push(files.remove(0));
    }
    let name = "sed";
    for script in scripts {
        if script.dynamic {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "sed.script-dynamic",
                "sed script known only at run time",
            ));
            continue;
        }
        let effects = scan(&script.text);
        if let Some(reason) = effects.unsafe_reason {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "sed.script-runs-code",
                reason,
            ));
        }
        for target in &effects.writes {
            judgement = judgement.raise(inv.write_to(&script.part(target.as_str())));
            judgement.facts.writes_files = true;
        }
        for source in &effects.reads {
            judgement = spec::judge_use(
                judgement,
                name,
                inv,
                Role::Read,
                &script.part(source.as_str()),
            );
        }
    }
    for file in files {
        judgement = spec::judge_use(judgement, name, inv, Role::Read, file);
        if in_place {
            judgement = judgement.raise(inv.write_to(file));
            judgement.facts.writes_files = true;
        }
    }
    judgement
}

/// Scans a sed script; conservative: any construct it does not know is unsafe.
pub(crate) fn scan(script: &str) -> ScriptEffects {
    let mut effects = ScriptEffects::default();
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let unsafe_at = |effects: &mut ScriptEffects, reason: &'static str| {
        effects.unsafe_reason.get_or_insert(reason);
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ';' {
            i += 1;
            continue;
        }
        if c == '#' {
            i = skip_line(&chars, i);
            continue;
        }
        // Addresses: `N`, `$`, `/re/`, `\cREc`, `first~step`, `addr1,addr2`, `addr,+N`, then `!`.
        let mut guard = 0;
        loop {
            guard += 1;
            if guard > 4 || i >= chars.len() {
                break;
            }
            match chars[i] {
                '0'..='9' | '$' | '+' | '~' => {
                    while i < chars.len() && matches!(chars[i], '0'..='9' | '$' | '+' | '~') {
                        i += 1;
                    }
                }
                '/' => match skip_delimited(&chars, i + 1, '/') {
                    Some(end) => {
                        i = end + 1;
                        while i < chars.len() && matches!(chars[i], 'I' | 'M') {
                            i += 1;
                        }
                    }
                    None => {
                        unsafe_at(&mut effects, "sed address does not end");
                        return effects;
                    }
                },
                '\\' if i + 1 < chars.len() => match skip_delimited(&chars, i + 2, chars[i + 1]) {
                    Some(end) => i = end + 1,
                    None => {
                        unsafe_at(&mut effects, "sed address does not end");
                        return effects;
                    }
                },
                _ => break,
            }
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            if i < chars.len() && chars[i] == ',' {
                i += 1;
                continue;
            }
            break;
        }
        while i < chars.len() && (chars[i] == '!' || chars[i] == ' ') {
            i += 1;
        }
        let Some(&command) = chars.get(i) else {
            break;
        };
        i += 1;
        match command {
            '{' | '}' | '=' | 'd' | 'D' | 'g' | 'G' | 'h' | 'H' | 'n' | 'N' | 'p' | 'P' | 'x'
            | 'z' | 'F' => {}
            'l' | 'q' | 'Q' | 'L' => {
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ' ') {
                    i += 1;
                }
            }
            'b' | 't' | 'T' | ':' => {
                while i < chars.len() && !matches!(chars[i], ';' | '\n' | '}') {
                    i += 1;
                }
            }
            'a' | 'i' | 'c' => i = skip_line(&chars, i),
            'y' => {
                let Some(&delim) = chars.get(i) else {
                    unsafe_at(&mut effects, "sed y without operands");
                    return effects;
                };
                let Some(mid) = skip_delimited(&chars, i + 1, delim) else {
                    unsafe_at(&mut effects, "sed y does not end");
                    return effects;
                };
                let Some(end) = skip_delimited(&chars, mid + 1, delim) else {
                    unsafe_at(&mut effects, "sed y does not end");
                    return effects;
                };
                i = end + 1;
            }
            's' => {
                let Some(&delim) = chars.get(i) else {
                    unsafe_at(&mut effects, "sed s without operands");
                    return effects;
                };
                if delim == '\n' || delim == '\\' {
                    unsafe_at(&mut effects, "sed s with an unusual delimiter");
                    return effects;
                }
                let Some(mid) = skip_delimited(&chars, i + 1, delim) else {
                    unsafe_at(&mut effects, "sed s does not end");
                    return effects;
                };
                let Some(end) = skip_delimited(&chars, mid + 1, delim) else {
                    unsafe_at(&mut effects, "sed s does not end");
                    return effects;
                };
                i = end + 1;
                while i < chars.len()
                    && matches!(chars[i], 'g' | 'p' | 'i' | 'I' | 'm' | 'M' | '0'..='9')
                {
                    i += 1;
                }
                match chars.get(i) {
                    Some('e') => {
                        unsafe_at(&mut effects, "sed s///e runs the result as a command");
                        return effects;
                    }
                    Some('w') => {
                        let (file, next) = rest_of_line(&chars, i + 1);
                        effects.writes.push(file);
                        i = next;
                    }
                    _ => {}
                }
            }
            'w' | 'W' => {
                let (file, next) = rest_of_line(&chars, i);
                effects.writes.push(file);
                i = next;
            }
            'r' | 'R' => {
                let (file, next) = rest_of_line(&chars, i);
                effects.reads.push(file);
                i = next;
            }
            'e' => {
                unsafe_at(&mut effects, "sed e runs a command");
                return effects;
            }
            _ => {
                unsafe_at(&mut effects, "sed script has a command we do not know");
                return effects;
            }
        }
    }
    effects
}

/// Index of the unescaped `delim` at or after `from`.
fn skip_delimited(chars: &[char], from: usize, delim: char) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == delim {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn skip_line(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |p| from + p + 1)
}

/// A file name after `w`/`r`: the rest of the line, leading blanks skipped.
fn rest_of_line(chars: &[char], from: usize) -> (String, usize) {
    let end = skip_line(chars, from);
    let text: String = chars[from..end].iter().collect();
    (text.trim().to_owned(), end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_and_substituting_scripts_are_safe() {
        for script in [
            "1,20p",
            "s/a/b/g",
            "/^#/d",
            "s|x|y|2",
            "$d",
            "10q",
            "/a/,/b/{s/x/y/;p}",
            "y/abc/xyz/",
            "1!G;h;$!d",
        ] {
            let effects = scan(script);
            assert_eq!(effects, ScriptEffects::default(), "{script}");
        }
    }

    #[test]
    fn scripts_that_run_write_or_read_are_seen() {
        assert!(scan("s/x/y/e").unsafe_reason.is_some());
        assert!(scan("1e id").unsafe_reason.is_some());
        assert!(scan("s/a/b/;e").unsafe_reason.is_some());
        assert_eq!(scan("w /tmp/out").writes, vec!["/tmp/out".to_owned()]);
        assert_eq!(
            scan("s/a/b/w ~/.bashrc").writes,
            vec!["~/.bashrc".to_owned()]
        );
        assert_eq!(scan("1r /etc/shadow").reads, vec!["/etc/shadow".to_owned()]);
        assert!(scan("s/a/b").unsafe_reason.is_some());
        assert!(scan("k").unsafe_reason.is_some());
    }
}
