//! The redactor against every secret form of `tests/data/secrets.tsv`: each secret is gone,
//! each ordinary text is unchanged, and redacting twice changes nothing more.

use pcc_core::redact::redact;

/// `(form, text, secret)`; `secret` is `None` for a text that must come out unchanged.
fn cases() -> Vec<(String, String, Option<String>)> {
    include_str!("data/secrets.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "three fields: {line:?}");
            let text = fields[1].replace("\\n", "\n");
            let secret = (fields[2] != "-").then(|| fields[2].to_owned());
            (fields[0].to_owned(), text, secret)
        })
        .collect()
}

#[test]
fn every_secret_form_is_removed() {
    let cases = cases();
    let forms = cases
        .iter()
        .filter(|(_, _, secret)| secret.is_some())
        .count();
    assert!(forms >= 50, "at least 50 secret forms, found {forms}");
    let mut leaks = Vec::new();
    for (form, text, secret) in &cases {
        let Some(secret) = secret else { continue };
        assert!(
            text.contains(secret.as_str()),
            "{form}: the secret is in its text"
        );
        let redacted = redact(text);
        if redacted.contains(secret.as_str()) || !redacted.contains("[REDACTED") {
            leaks.push(format!("{form}: {redacted:?}"));
        }
    }
    assert!(leaks.is_empty(), "secrets survived:\n{}", leaks.join("\n"));
}

#[test]
fn ordinary_texts_are_not_mangled() {
    let mangled: Vec<String> = cases()
        .into_iter()
        .filter(|(_, _, secret)| secret.is_none())
        .filter_map(|(form, text, _)| {
            let redacted = redact(&text);
            (redacted != text).then(|| format!("{form}: {text:?} became {redacted:?}"))
        })
        .collect();
    assert!(mangled.is_empty(), "{}", mangled.join("\n"));
}

#[test]
fn redacting_twice_changes_nothing_more() {
    for (form, text, _) in cases() {
        let once = redact(&text);
        assert_eq!(redact(&once), once, "{form}");
    }
}
