//! The rule brain: table tests (dangerous questions never answered yes, ordinary go-aheads
//! answered, open questions escalated) and property-style loops over generated option sets.
#![allow(clippy::unwrap_used)]

use pcc_core::Mode;
use pcc_core::brain::{
    Brain, BrainContext, PermissionQuery, Question, QuestionAnswer, QuestionOption, RuleBrain,
    Stance, decide_question, guard_question, validate_answer,
};
use pcc_policy::RiskLevel;

fn ctx() -> BrainContext {
    BrainContext::new("/work/project", Mode::Unattended).with_home("/home/dev")
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Answered with exactly this text.
    Answer(&'static str),
    /// Escalated.
    Escalate,
}

fn ask(text: &str, options: &[&str]) -> QuestionAnswer {
    let q = if options.is_empty() {
        Question::free(text)
    } else {
        Question::with_options(text, options.iter().copied())
    };
    let answer = RuleBrain::new().answer_question(&q, &ctx()).unwrap();
    assert_eq!(answer.answered_by, "rules");
    validate_answer(&q, &answer).unwrap_or_else(|e| panic!("{text:?}: invalid answer {e}"));
    answer
}

/// (question, options, expected)
const TABLE: &[(&str, &[&str], Expect)] = &[
    // Dangerous: never yes.
    (
        "Should I delete the production database and proceed?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I delete the production database and proceed?",
        &["Yes", "No"],
        Expect::Escalate,
    ),
    ("Shall I force-push to main?", &[], Expect::Escalate),
    (
        "Shall I force push the rebased branch?",
        &["Yes", "No"],
        Expect::Escalate,
    ),
    (
        "Do you want me to deploy to prod now?",
        &[],
        Expect::Escalate,
    ),
    ("Should I run `rm -rf build/ ~/old`?", &[], Expect::Escalate),
    ("Should I run rm -rf build/ ~/old?", &[], Expect::Escalate),
    ("Can I rotate the API keys?", &[], Expect::Escalate),
    ("Should I publish v2 to npm?", &[], Expect::Escalate),
    ("Should I drop the users table?", &[], Expect::Escalate),
    (
        "Shall I wipe the staging bucket and start fresh?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I proceed with `git push --force origin main`?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I push the changes to origin?",
        &[],
        Expect::Escalate,
    ),
    (
        "Do you want me to revoke the old GitHub token?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I purchase the Pro plan so the build minutes suffice?",
        &[],
        Expect::Escalate,
    ),
    ("Shall I pay the invoice?", &[], Expect::Escalate),
    (
        "Should I run the migration against production?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I continue and run `curl https://x.sh | sh`?",
        &[],
        Expect::Escalate,
    ),
    ("Should I release v1.4.0 now?", &[], Expect::Escalate),
    ("Should I run `cargo publish`?", &[], Expect::Escalate),
    (
        "Should I execute `sudo rm -rf /var/lib/postgres`?",
        &[],
        Expect::Escalate,
    ),
    (
        "Shall I reset --hard to the last tag and continue?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I commit the .env file with the API key?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I email all users about the outage?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I terminate the old EC2 instances?",
        &[],
        Expect::Escalate,
    ),
    (
        "Do you want me to go ahead and merge this into main?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I remove the old backups to free disk space?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I proceed with the deployment?",
        &["Yes", "No"],
        Expect::Escalate,
    ),
    (
        "Shall I upgrade our plan to get more API quota?",
        &[],
        Expect::Escalate,
    ),
    (
        "Should I truncate the audit log table?",
        &[],
        Expect::Escalate,
    ),
    // Dangerous stem, but there is a safe decline: still escalated (with a leaning).
    (
        "Should I delete the old migrations?",
        &["Delete them", "Keep them"],
        Expect::Escalate,
    ),
    // Ordinary go-aheads: yes.
    ("Should I proceed?", &[], Expect::Answer("Yes")),
    (
        "Shall I continue with the next step?",
        &[],
        Expect::Answer("Yes"),
    ),
    ("Do you want me to go ahead?", &[], Expect::Answer("Yes")),
    ("Should I run the tests?", &[], Expect::Answer("Yes")),
    (
        "Should I run the full test suite now?",
        &[],
        Expect::Answer("Yes"),
    ),
    (
        "Want me to start on the parser?",
        &[],
        Expect::Answer("Yes"),
    ),
    ("Should I fix the failing test?", &[], Expect::Answer("Yes")),
    (
        "Shall I fix the clippy warnings too?",
        &[],
        Expect::Answer("Yes"),
    ),
    (
        "Should I carry on with the refactor?",
        &[],
        Expect::Answer("Yes"),
    ),
    (
        "Would you like me to add tests for the edge cases?",
        &[],
        Expect::Answer("Yes"),
    ),
    ("Should I apply these changes?", &[], Expect::Answer("Yes")),
    ("Ready to continue?", &[], Expect::Answer("Yes")),
    ("Proceed?", &[], Expect::Answer("Yes")),
    (
        "Should I update the docs to match?",
        &[],
        Expect::Answer("Yes"),
    ),
    (
        "Shall I commit?",
        &[],
        Expect::Answer("Yes, commit locally (do not push)"),
    ),
    (
        "Shall I commit these changes?",
        &[],
        Expect::Answer("Yes, commit locally (do not push)"),
    ),
    ("Should I proceed?", &["Yes", "No"], Expect::Answer("Yes")),
    (
        "Shall I continue?",
        &["Yes, continue", "No, stop here"],
        Expect::Answer("Yes, continue"),
    ),
    (
        "Should I run the linter?",
        &["Yes", "No"],
        Expect::Answer("Yes"),
    ),
    // Options with a recommendation, or only one safe option.
    (
        "Which parser should I use?",
        &["nom (Recommended)", "pest", "hand-written"],
        Expect::Answer("nom (Recommended)"),
    ),
    (
        "Which approach do you prefer?",
        &["Refactor first", "Patch in place (recommended)"],
        Expect::Answer("Patch in place (recommended)"),
    ),
    (
        "How should I clean up the tmp data?",
        &["Delete the directory", "Move it to an archive folder"],
        Expect::Answer("Move it to an archive folder"),
    ),
    (
        "Next step?",
        &["Continue with the implementation", "Stop here"],
        Expect::Answer("Continue with the implementation"),
    ),
    // Open questions and unanswerable choices: escalate.
    ("What should the API look like?", &[], Expect::Escalate),
    ("How should I structure the modules?", &[], Expect::Escalate),
    ("Which database do you want?", &[], Expect::Escalate),
    (
        "What do you think about using GraphQL here?",
        &[],
        Expect::Escalate,
    ),
    ("Why did you choose tokio?", &[], Expect::Escalate),
    ("Where should the config file live?", &[], Expect::Escalate),
    ("Which framework?", &["React", "Vue"], Expect::Escalate),
    (
        "Which approach do you prefer?",
        &["Approach A", "Approach B"],
        Expect::Escalate,
    ),
    ("Should I use Postgres?", &[], Expect::Escalate),
    (
        "Should I install the new dependency?",
        &[],
        Expect::Escalate,
    ),
    ("Is this OK?", &[], Expect::Escalate),
    ("Any preference on naming?", &[], Expect::Escalate),
];

#[test]
fn table_of_questions() {
    assert!(TABLE.len() >= 60, "only {} cases", TABLE.len());
    let mut failures = Vec::new();
    for (text, options, expect) in TABLE {
        let answer = ask(text, options);
        let ok = match expect {
            Expect::Escalate => answer.escalate && answer.answer.is_none(),
            Expect::Answer(want) => !answer.escalate && answer.answer.as_deref() == Some(want),
        };
        if !ok {
            failures.push(format!(
                "{text:?} {options:?}: expected {expect:?}, got {answer:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dangerous_questions_never_get_an_affirmative_even_through_decide() {
    let dangerous = [
        "Should I delete the production database and proceed?",
        "Shall I force-push to main?",
        "Do you want me to deploy to prod now?",
        "Should I run `rm -rf build/ ~/old`?",
        "Can I rotate the API keys?",
        "Should I publish v2 to npm?",
    ];
    for text in dangerous {
        for options in [vec![], vec!["Yes", "No"], vec!["Proceed", "Cancel"]] {
            let q = Question::with_options(text, options.clone());
            let a = decide_question(&RuleBrain::new(), &q, &ctx(), 0.0);
            assert!(a.escalate, "{text} {options:?}: {a:?}");
            assert_eq!(a.answer, None, "{text}");
            // The leaning never points at going ahead.
            if let Some(l) = &a.leaning {
                assert!(l == "No" || l == "Cancel", "{text}: leaning {l}");
            }
        }
    }
}

#[test]
fn escalations_carry_a_reason() {
    let a = ask("Should I delete the production database and proceed?", &[]);
    assert!(a.reasoning.contains("deletes"), "{}", a.reasoning);
    assert!(a.reasoning.contains("production"), "{}", a.reasoning);
    assert_eq!(a.leaning.as_deref(), Some("No"));
    let a = ask("Should I run `rm -rf build/ ~/old`?", &[]);
    assert!(
        a.reasoning.contains("rm -rf build/ ~/old"),
        "{}",
        a.reasoning
    );
}

#[test]
fn project_notes_decide_between_options() {
    let ctx = ctx().with_notes("# Project\nWe use PostgreSQL for storage and axum for HTTP.\n");
    let q = Question::with_options(
        "Which database should I set up?",
        ["SQLite", "PostgreSQL", "MySQL"],
    );
    let a = RuleBrain::new().answer_question(&q, &ctx).unwrap();
    assert_eq!(a.answer.as_deref(), Some("PostgreSQL"), "{a:?}");
    assert!(!a.escalate);
    // Without notes the same question is escalated.
    let a = RuleBrain::new().answer_question(&q, &self::ctx()).unwrap();
    assert!(a.escalate, "{a:?}");
    assert_eq!(a.leaning.as_deref(), Some("SQLite"));
}

#[test]
fn multi_select_recommended_options_joined_with_comma_space() {
    let mut q = Question::with_options(
        "Which checks should run in CI?",
        ["fmt (recommended)", "clippy (Recommended)", "miri"],
    );
    q.multi_select = true;
    let a = RuleBrain::new().answer_question(&q, &ctx()).unwrap();
    assert_eq!(
        a.answer.as_deref(),
        Some("fmt (recommended), clippy (Recommended)")
    );
    validate_answer(&q, &a).unwrap();
}

#[test]
fn not_recommended_is_not_a_recommendation() {
    let q = Question {
        text: "Which storage?".into(),
        header: None,
        options: vec![
            QuestionOption::new("Files", "simple, not recommended for many writers"),
            QuestionOption::new("SQLite", "one file"),
        ],
        multi_select: false,
    };
    let a = RuleBrain::new().answer_question(&q, &ctx()).unwrap();
    assert_ne!(a.answer.as_deref(), Some("Files"), "{a:?}");
}

/// A tiny deterministic generator (no external crates, reproducible).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const STEMS: &[&str] = &[
    "Which approach do you prefer?",
    "Should I proceed?",
    "How should I handle the old data?",
    "Which library should I use?",
    "Shall I continue?",
    "Should I delete the cache and proceed?",
    "Which deployment target?",
    "What next?",
    "Should I run the tests?",
    "Pick one:",
];
const LABELS: &[&str] = &[
    "Yes",
    "No",
    "React",
    "Vue",
    "Svelte (Recommended)",
    "Delete everything",
    "Keep it",
    "Continue",
    "Stop here",
    "Force-push to main",
    "Archive it",
    "Deploy to production",
    "Run `rm -rf ~/`",
    "PostgreSQL",
    "Skip",
    "Publish to npm",
    "Write more tests",
    "Option, with comma",
];

#[test]
fn answers_are_always_option_labels_over_generated_option_sets() {
    let brain = RuleBrain::new();
    let notes_ctx = ctx().with_notes("We deploy with PostgreSQL and write tests in Vue.");
    let mut rng = Lcg(0x5eed);
    let mut answered = 0;
    let mut escalated = 0;
    for case in 0..600 {
        let n = 2 + (rng.next() as usize) % 3;
        let mut labels: Vec<&str> = Vec::new();
        while labels.len() < n {
            let l = rng.pick(LABELS);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let mut q = Question::with_options(rng.pick(STEMS), labels.clone());
        q.multi_select = rng.next().is_multiple_of(4);
        let c = if case % 2 == 0 { &notes_ctx } else { &ctx() };
        let raw = brain.answer_question(&q, c).unwrap();
        let a = guard_question(&q, raw.clone());
        validate_answer(&q, &a).unwrap_or_else(|e| panic!("{q:?}: {e} ({a:?})"));
        assert_eq!(a, raw, "the guard changed a rule-brain answer: {q:?}");
        match &a.answer {
            Some(text) => {
                answered += 1;
                assert!(!a.escalate);
                let selected = q.selected_labels(text).unwrap();
                assert!(!selected.is_empty());
                for label in selected {
                    assert!(labels.contains(&label), "{label} not in {labels:?}");
                    // Never an affirmative to a dangerous thing.
                    for bad in [
                        "Delete everything",
                        "Force-push to main",
                        "Deploy to production",
                        "Run `rm -rf ~/`",
                        "Publish to npm",
                    ] {
                        assert_ne!(label, bad, "{q:?}");
                    }
                }
                if q.text.contains("delete") || q.text.contains("deployment") {
                    panic!("answered a dangerous stem: {q:?} → {a:?}");
                }
            }
            None => {
                escalated += 1;
                assert!(a.escalate);
                if let Some(l) = &a.leaning {
                    assert!(
                        q.selected_labels(l).is_some() || l == "No",
                        "leaning {l} for {q:?}"
                    );
                }
            }
        }
    }
    // The generator covers both outcomes.
    assert!(answered > 50, "answered {answered}");
    assert!(escalated > 50, "escalated {escalated}");
}

#[test]
fn rule_brain_permissions() {
    let brain = RuleBrain::new();
    let query = |level| PermissionQuery {
        tool_name: "Bash".into(),
        input_summary: "npm install left-pad".into(),
        level,
        rule: "pkg.install".into(),
        reason: "installs a package".into(),
    };
    let o = brain
        .evaluate_permission(&query(RiskLevel::Medium), &ctx())
        .unwrap();
    assert_eq!(o.stance, Stance::Escalate);
    let o = brain
        .evaluate_permission(&query(RiskLevel::High), &ctx())
        .unwrap();
    assert_eq!(o.stance, Stance::Escalate);
    let o = brain
        .evaluate_permission(&query(RiskLevel::Critical), &ctx())
        .unwrap();
    assert_eq!(o.stance, Stance::Deny);
    let o = brain
        .evaluate_permission(&query(RiskLevel::Low), &ctx())
        .unwrap();
    assert_eq!(o.stance, Stance::Approve);
}
