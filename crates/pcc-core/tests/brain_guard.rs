//! Enforcement outside any brain (ARCHITECTURE.md invariant 2), the fallback wrapper, the Stop-hook
//! question helper, AskUserQuestion answers and the LLM reply parser.
#![allow(clippy::unwrap_used)]

use pcc_core::Mode;
use pcc_core::brain::{
    Brain, BrainContext, BrainError, FallbackBrain, PermissionOpinion, PermissionQuery, Question,
    QuestionAnswer, RuleBrain, Stance, answer_ask_user_question, answer_stop_question,
    decide_permission, decide_question, guard_permission, guard_question, prompt,
    question_from_message,
};
use pcc_policy::RiskLevel;
use serde_json::json;

fn ctx() -> BrainContext {
    BrainContext::new("/work/project", Mode::Unattended)
}

/// A brain that says yes to everything, as confidently as it can.
struct Reckless;
impl Brain for Reckless {
    fn name(&self) -> &str {
        "reckless"
    }
    fn answer_question(
        &self,
        q: &Question,
        _: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        let answer = q
            .options
            .iter()
            .find(|o| !o.label.starts_with("No") && !o.label.starts_with("Keep"))
            .map(|o| o.label.clone())
            .unwrap_or_else(|| "Yes".into());
        Ok(QuestionAnswer {
            leaning: Some(answer.clone()),
            ..QuestionAnswer::answered(answer, 1.0, "yolo").by("reckless")
        })
    }
    fn evaluate_permission(
        &self,
        _: &PermissionQuery,
        _: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        Ok(PermissionOpinion::new(Stance::Approve, 1.0, "looks fine").by("reckless"))
    }
}

/// A brain that always fails.
struct Broken;
impl Brain for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn answer_question(
        &self,
        _: &Question,
        _: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        Err(BrainError::Timeout(8000))
    }
    fn evaluate_permission(
        &self,
        _: &PermissionQuery,
        _: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        Err(BrainError::Status {
            status: 500,
            body: "boom".into(),
        })
    }
}

/// A brain that answers with a label that does not exist.
struct Liar;
impl Brain for Liar {
    fn name(&self) -> &str {
        "liar"
    }
    fn answer_question(
        &self,
        _: &Question,
        _: &BrainContext,
    ) -> Result<QuestionAnswer, BrainError> {
        Ok(QuestionAnswer::answered("Angular", 0.99, "made up"))
    }
    fn evaluate_permission(
        &self,
        _: &PermissionQuery,
        _: &BrainContext,
    ) -> Result<PermissionOpinion, BrainError> {
        Ok(PermissionOpinion::new(Stance::Deny, 0.9, "no"))
    }
}

fn query(level: RiskLevel) -> PermissionQuery {
    PermissionQuery {
        tool_name: "Bash".into(),
        input_summary: "git push --force origin main".into(),
        level,
        rule: "git.force-push".into(),
        reason: "force push".into(),
    }
}

const DANGEROUS: &[&str] = &[
    "Should I delete the production database and proceed?",
    "Shall I force-push to main?",
    "Do you want me to deploy to prod now?",
    "Should I run `rm -rf build/ ~/old`?",
    "Can I rotate the API keys?",
    "Should I publish v2 to npm?",
    "Should I drop the sessions table?",
    "Shall I pay for the upgrade?",
    "Should I run `git push origin --delete feature`?",
];

#[test]
fn invariant_2_an_approving_brain_never_approves_high_or_critical() {
    for level in [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ] {
        let opinion = decide_permission(&Reckless, &query(level), &ctx(), 0.0);
        if level >= RiskLevel::High {
            assert_eq!(opinion.stance, Stance::Escalate, "{level}: {opinion:?}");
            assert!(
                opinion.reasoning.contains("may not approve"),
                "{}",
                opinion.reasoning
            );
        } else {
            assert_eq!(opinion.stance, Stance::Approve, "{level}");
        }
        // The bare guard too.
        let guarded = guard_permission(level, PermissionOpinion::new(Stance::Approve, 1.0, "ok"));
        assert_eq!(
            guarded.stance == Stance::Approve,
            level < RiskLevel::High,
            "{level}"
        );
    }
    // Deny and escalate pass through the guard unchanged.
    let deny = PermissionOpinion::new(Stance::Deny, 0.9, "no");
    assert_eq!(guard_permission(RiskLevel::High, deny.clone()), deny);
}

#[test]
fn invariant_2_a_yes_brain_never_answers_dangerous_questions_yes() {
    for text in DANGEROUS {
        for options in [vec![], vec!["Yes", "No"], vec!["Go ahead", "Keep it"]] {
            let q = Question::with_options(*text, options.clone());
            let a = decide_question(&Reckless, &q, &ctx(), 0.0);
            assert!(a.escalate, "{text} {options:?}: {a:?}");
            assert_eq!(a.answer, None);
            assert_ne!(a.leaning.as_deref(), Some("Yes"), "{text}");
            assert_ne!(a.leaning.as_deref(), Some("Go ahead"), "{text}");
            assert_eq!(a.answered_by, "reckless");
        }
    }
    // A dangerous option is not picked even when the question is harmless.
    let q = Question::with_options(
        "How should I free disk space?",
        ["Delete the backups", "Compress the logs"],
    );
    let a = guard_question(&q, QuestionAnswer::answered("Delete the backups", 1.0, "x"));
    assert!(a.escalate);
    assert_eq!(a.leaning, None);
    // The same guard lets the safe pick through.
    let ok = QuestionAnswer::answered("Compress the logs", 1.0, "x");
    assert_eq!(guard_question(&q, ok.clone()), ok);
}

#[test]
fn guard_allows_a_clean_decline_but_not_a_dirty_one() {
    let q = Question::free("Should I delete the production database?");
    let no = QuestionAnswer::answered("No", 0.9, "too risky");
    assert_eq!(guard_question(&q, no.clone()), no);
    let dirty = QuestionAnswer::answered("No, drop the staging one instead", 0.9, "x");
    assert!(guard_question(&q, dirty).escalate);
    let harmless = Question::free("Should I proceed?");
    let sneaky = QuestionAnswer::answered("Yes, and force-push to main", 0.9, "x");
    assert!(guard_question(&harmless, sneaky).escalate);
}

#[test]
fn thresholds_turn_unsure_answers_into_escalations() {
    let q = Question::free("Should I proceed?");
    let a = decide_question(&RuleBrain::new(), &q, &ctx(), 0.99);
    assert!(a.escalate);
    assert_eq!(a.leaning.as_deref(), Some("Yes"));
    let a = decide_question(&RuleBrain::new(), &q, &ctx(), 0.5);
    assert_eq!(a.answer.as_deref(), Some("Yes"));
    let o = decide_permission(&Liar, &query(RiskLevel::Medium), &ctx(), 0.95);
    assert_eq!(o.stance, Stance::Escalate);
    let o = decide_permission(&Liar, &query(RiskLevel::Medium), &ctx(), 0.8);
    assert_eq!(o.stance, Stance::Deny);
}

#[test]
fn brain_errors_escalate_with_the_reason() {
    let q = Question::free("Should I proceed?");
    let a = decide_question(&Broken, &q, &ctx(), 0.5);
    assert!(a.escalate);
    assert_eq!(
        a.fallback_reason.as_deref(),
        Some("timed out after 8000 ms")
    );
    let o = decide_permission(&Broken, &query(RiskLevel::Medium), &ctx(), 0.5);
    assert_eq!(o.stance, Stance::Escalate);
    assert!(o.fallback_reason.unwrap().contains("500"));
    // An invalid label from a brain is never passed on.
    let q = Question::with_options("Which framework?", ["React", "Vue"]);
    let a = decide_question(&Liar, &q, &ctx(), 0.5);
    assert!(a.escalate, "{a:?}");
}

#[test]
fn fallback_brain_uses_rules_and_says_why() {
    let brain = FallbackBrain::new(Box::new(Broken));
    assert_eq!(brain.name(), "broken");
    let a = brain
        .answer_question(&Question::free("Should I run the tests?"), &ctx())
        .unwrap();
    assert_eq!(a.answer.as_deref(), Some("Yes"));
    assert_eq!(a.answered_by, "rules");
    assert_eq!(
        a.fallback_reason.as_deref(),
        Some("broken: timed out after 8000 ms")
    );
    let o = brain
        .evaluate_permission(&query(RiskLevel::Medium), &ctx())
        .unwrap();
    assert_eq!(o.answered_by, "rules");
    assert_eq!(o.fallback_reason.as_deref(), Some("broken: HTTP 500: boom"));

    let liar = FallbackBrain::new(Box::new(Liar));
    let q = Question::with_options(
        "Which framework? (Vue recommended)",
        ["React", "Vue (Recommended)"],
    );
    let a = liar.answer_question(&q, &ctx()).unwrap();
    assert_eq!(a.answer.as_deref(), Some("Vue (Recommended)"));
    assert!(a.fallback_reason.unwrap().contains("not among the options"));
}

#[test]
fn stop_question_detection() {
    type Case<'a> = (&'a str, Option<(&'a str, &'a [&'a str])>);
    let cases: &[Case] = &[
        (
            "I fixed the bug.\n\nShould I proceed?",
            Some(("Should I proceed?", &["Yes", "No"])),
        ),
        (
            "Done. Tests pass. Shall I commit these changes?",
            Some(("Shall I commit these changes?", &["Yes", "No"])),
        ),
        (
            "Do you want me to continue with step 3",
            Some(("Do you want me to continue with step 3", &["Yes", "No"])),
        ),
        (
            "Should I use SQLite or PostgreSQL?",
            Some((
                "Should I use SQLite or PostgreSQL?",
                &["use SQLite", "PostgreSQL"],
            )),
        ),
        (
            "Options:\n1. **Refactor** — cleaner\n2. Patch — faster\n\nWhich do you prefer?",
            Some(("Which do you prefer?", &["Refactor", "Patch"])),
        ),
        ("All done. The tests pass.", None),
        ("Here is the code:\n```rust\nfn main() {}\n```", None),
        ("", None),
        (
            "Is it done or not?",
            Some(("Is it done or not?", &["Yes", "No"])),
        ),
    ];
    for (message, expected) in cases {
        let q = question_from_message(message);
        match expected {
            None => assert!(q.is_none(), "{message:?} → {q:?}"),
            Some((text, labels)) => {
                let q = q.unwrap_or_else(|| panic!("no question in {message:?}"));
                assert_eq!(q.text, *text, "{message:?}");
                let got: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
                assert_eq!(got, *labels, "{message:?}");
            }
        }
    }
}

#[test]
fn stop_answers() {
    let brain = RuleBrain::new();
    let a = answer_stop_question(
        &brain,
        "I refactored the parser.\nShould I proceed?",
        &ctx(),
        0.7,
    )
    .unwrap();
    let reason = a.block_reason().unwrap();
    assert!(
        reason.starts_with("Yes, proceed. (answered automatically by pcc-hooks"),
        "{reason}"
    );
    let a = answer_stop_question(
        &brain,
        "Migration written. Should I delete the production database and proceed?",
        &ctx(),
        0.7,
    )
    .unwrap();
    assert_eq!(a.block_reason(), None);
    assert!(a.answer.escalate);
    assert!(a.reason.contains("could not answer"), "{}", a.reason);
    assert!(a.reason.contains("\"No\""), "{}", a.reason);
    // Reckless brain: still no yes.
    let a = answer_stop_question(&Reckless, "Shall I force-push to main?", &ctx(), 0.0).unwrap();
    assert_eq!(a.block_reason(), None);
    assert!(answer_stop_question(&brain, "Finished.", &ctx(), 0.7).is_none());
}

#[test]
fn ask_user_question_answers_build_updated_input() {
    let input = json!({"questions": [
        {"question": "Should I proceed with the plan?", "header": "Plan", "multiSelect": false,
         "options": [{"label": "Yes", "description": "go on"}, {"label": "No", "description": "stop"}]},
        {"question": "Which parser?", "header": "Parser", "multiSelect": false,
         "options": [{"label": "nom", "description": "(Recommended) fast"}, {"label": "pest", "description": ""}]}
    ]});
    let answers = answer_ask_user_question(&RuleBrain::new(), &input, &ctx(), 0.7).unwrap();
    assert!(answers.all_answered());
    let updated = answers.updated_input.unwrap();
    assert_eq!(updated["questions"], input["questions"]);
    assert_eq!(
        updated["answers"],
        json!({"Should I proceed with the plan?": "Yes", "Which parser?": "nom"})
    );

    let input = json!({"questions": [
        {"question": "Which framework?", "header": "FW", "multiSelect": false,
         "options": [{"label": "React", "description": ""}, {"label": "Vue", "description": ""}]}
    ]});
    let answers = answer_ask_user_question(&RuleBrain::new(), &input, &ctx(), 0.7).unwrap();
    assert!(!answers.all_answered());
    assert!(answers.answers[0].1.escalate);
    assert!(answer_ask_user_question(&RuleBrain::new(), &json!({}), &ctx(), 0.7).is_err());
    assert!(
        Question::from_ask_user_question(
            &json!({"question": "x", "options": [{"description": "no label"}]})
        )
        .is_err()
    );
    let q = Question::from_ask_user_question(&input["questions"][0]).unwrap();
    assert_eq!(q.header.as_deref(), Some("FW"));
    assert_eq!(q.options.len(), 2);
}

#[test]
fn llm_reply_parsing() {
    let q = Question::with_options("Which framework?", ["React", "Vue"]);
    let good = r#"{"answer":"Vue","confidence":0.9,"escalate":false,"reasoning":"the notes say Vue","leaning":""}"#;
    let a = prompt::parse_question_answer(good, &q).unwrap();
    assert_eq!(a.answer.as_deref(), Some("Vue"));
    assert_eq!(a.leaning, None);
    // Fenced JSON and case differences are tolerated.
    let fenced = "```json\n{\"answer\":\"vue\",\"confidence\":0.8,\"escalate\":false,\"reasoning\":\"r\",\"leaning\":\"\"}\n```";
    assert_eq!(
        prompt::parse_question_answer(fenced, &q)
            .unwrap()
            .answer
            .as_deref(),
        Some("Vue")
    );
    for bad in [
        "Vue",
        r#"{"answer":"Angular","confidence":0.9,"escalate":false,"reasoning":"r","leaning":""}"#,
        r#"{"answer":"Vue","confidence":1.5,"escalate":false,"reasoning":"r","leaning":""}"#,
        r#"{"answer":"Vue","escalate":false,"reasoning":"r"}"#,
        r#"{"answer":"","confidence":0.9,"escalate":false,"reasoning":"r","leaning":""}"#,
        "[1,2]",
    ] {
        assert!(prompt::parse_question_answer(bad, &q).is_err(), "{bad}");
    }
    let esc =
        r#"{"answer":"","confidence":0.3,"escalate":true,"reasoning":"taste","leaning":"React"}"#;
    let a = prompt::parse_question_answer(esc, &q).unwrap();
    assert!(a.escalate);
    assert_eq!(a.leaning.as_deref(), Some("React"));

    let o = prompt::parse_permission_opinion(
        r#"{"stance":"approve","confidence":0.9,"reasoning":"ok"}"#,
    )
    .unwrap();
    assert_eq!(o.stance, Stance::Approve);
    assert!(
        prompt::parse_permission_opinion(r#"{"stance":"maybe","confidence":0.9,"reasoning":"ok"}"#)
            .is_err()
    );
    // The Gemini schema dialect.
    let g = prompt::gemini_schema(&prompt::question_schema());
    assert_eq!(g["type"], "OBJECT");
    assert_eq!(g["properties"]["confidence"]["type"], "NUMBER");
    assert!(g.get("additionalProperties").is_none());
}

#[test]
fn context_is_bounded() {
    let long = "x".repeat(50_000);
    let events: Vec<String> = (0..100)
        .map(|i| format!("event {i} {}", "y".repeat(1000)))
        .collect();
    let c = ctx().with_notes(&long).with_recent_events(&events);
    assert!(c.project_notes.as_ref().unwrap().chars().count() <= pcc_core::brain::MAX_NOTES_CHARS);
    assert_eq!(c.recent_events.len(), pcc_core::brain::MAX_RECENT_EVENTS);
    assert!(c.recent_events[0].starts_with("event 80 "));
    assert!(
        c.recent_events
            .iter()
            .all(|e| e.chars().count() <= pcc_core::brain::MAX_EVENT_CHARS)
    );
    let prompt_text = prompt::question_prompt(&Question::free("Should I proceed?"), &c);
    assert!(prompt_text.len() < 20_000, "{}", prompt_text.len());
}

#[test]
fn brain_config_defaults_are_offline() {
    use pcc_core::brain::{BrainConfig, BrainKind};
    let c: BrainConfig = toml::from_str("").unwrap();
    assert_eq!(c.kind, BrainKind::Rules);
    assert_eq!(c.timeout_ms, 8000);
    assert!(c.validate().is_ok());
    let c: BrainConfig =
        toml::from_str("kind = \"ollama\"\nmodel = \"qwen3\"\nmin_confidence_question = 0.9")
            .unwrap();
    assert_eq!(c.kind, BrainKind::Ollama);
    assert_eq!(c.model.as_deref(), Some("qwen3"));
    assert!(toml::from_str::<BrainConfig>("kind = \"skynet\"").is_err());
    assert!(
        toml::from_str::<BrainConfig>("min_confidence_question = 2.0")
            .unwrap()
            .validate()
            .is_err()
    );
}
