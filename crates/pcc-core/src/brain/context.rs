//! What a brain knows about the project: bounded text handed in by the caller (no I/O here).

use crate::mode::Mode;
use std::path::PathBuf;

/// At most this many characters of project notes (`CLAUDE.md`, a requirements file) are kept.
pub const MAX_NOTES_CHARS: usize = 4_000;
/// At most this many recent events are kept (the newest).
pub const MAX_RECENT_EVENTS: usize = 20;
/// Each recent event is cut to this many characters.
pub const MAX_EVENT_CHARS: usize = 300;

/// The context of one brain call. Build it with [`BrainContext::new`] and the `with_*` methods,
/// which enforce the bounds, so a prompt never grows without limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrainContext {
    /// The project root.
    pub project_root: PathBuf,
    /// The user's home directory, to judge `~` in commands; `None` when unknown.
    pub home: Option<PathBuf>,
    /// A bounded excerpt of `CLAUDE.md` / the requirements (at most [`MAX_NOTES_CHARS`]).
    pub project_notes: Option<String>,
    /// The session's recent events, oldest first, one line each (bounded).
    pub recent_events: Vec<String>,
    /// Interactive or unattended.
    pub mode: Mode,
}

impl BrainContext {
    /// A context with no notes and no events.
    pub fn new(project_root: impl Into<PathBuf>, mode: Mode) -> Self {
        Self {
            project_root: project_root.into(),
            home: None,
            project_notes: None,
            recent_events: Vec::new(),
            mode,
        }
    }

    /// Sets the home directory.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Sets the project notes, cut to [`MAX_NOTES_CHARS`] (on a character boundary, marked with
    /// `…`). Blank notes count as none.
    pub fn with_notes(mut self, notes: &str) -> Self {
        let notes = notes.trim();
        self.project_notes = (!notes.is_empty()).then(|| truncate_chars(notes, MAX_NOTES_CHARS));
        self
    }

    /// Sets the recent events, keeping the newest [`MAX_RECENT_EVENTS`], each on one line and
    /// cut to [`MAX_EVENT_CHARS`].
    pub fn with_recent_events<I, S>(mut self, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let all: Vec<String> = events
            .into_iter()
            .map(|e| {
                let one_line = e.as_ref().split_whitespace().collect::<Vec<_>>().join(" ");
                truncate_chars(&one_line, MAX_EVENT_CHARS)
            })
            .filter(|e| !e.is_empty())
            .collect();
        let skip = all.len().saturating_sub(MAX_RECENT_EVENTS);
        self.recent_events = all.into_iter().skip(skip).collect();
        self
    }

    /// The notes' words (lower case, at least 3 letters), for matching options against them.
    pub(crate) fn note_words(&self) -> Vec<String> {
        self.project_notes
            .as_deref()
            .map(significant_words)
            .unwrap_or_default()
    }
}

/// Lower-case words of at least 3 characters that are not common filler.
pub(crate) fn significant_words(text: &str) -> Vec<String> {
    const FILLER: &[&str] = &[
        "that",
        "this",
        "with",
        "from",
        "have",
        "will",
        "should",
        "would",
        "could",
        "which",
        "what",
        "when",
        "where",
        "there",
        "their",
        "them",
        "then",
        "than",
        "your",
        "into",
        "about",
        "also",
        "only",
        "more",
        "most",
        "some",
        "such",
        "each",
        "other",
        "option",
        "approach",
        "using",
        "use",
        "keep",
        "make",
        "like",
        "just",
        "does",
        "want",
        "prefer",
        "instead",
        "recommended",
        "default",
        "simple",
        "simpler",
        "better",
        "best",
        "code",
    ];
    text.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_' && c != '.')
        .map(|w| {
            w.trim_matches(|c: char| c == '.' || c == '-')
                .to_lowercase()
        })
        .filter(|w| w.chars().count() >= 3 && !FILLER.contains(&w.as_str()))
        .collect()
}

/// Cuts `text` to at most `max` characters, marking a cut with a trailing `…`.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}
