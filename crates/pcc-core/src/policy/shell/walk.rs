//! Walks a parsed shell program and judges every simple command that would run,
//! following substitutions, nested shells and command wrappers recursively.

use std::path::PathBuf;

use brush_parser::ParserOptions;
use brush_parser::ast::{
    AndOr, AssignmentValue, Command, CommandPrefixOrSuffixItem, CompoundCommand, CompoundList,
    ExtendedTestExpr, FunctionDefinition, IoFileRedirectKind, IoFileRedirectTarget, IoRedirect,
    Pipeline, Program, SimpleCommand, Word,
};

use super::super::PolicyContext;
use super::super::commands::{self, Facts, Invocation, Nested, STDIN_SCRIPT_RULE};
use super::super::level::RiskLevel;
use super::super::paths::{PlaceKind, place_kind, resolve, secret_kind, write_finding};
use super::super::verdict::{Finding, SimpleCommandSummary};
use super::limits::{MAX_NESTING, Refusal, precheck};
use super::words::{Arg, expand, heredoc_scripts};

/// Substrings that make an unparseable command HIGH rather than MEDIUM.
const DANGER_MARKERS: &[&str] = &[
    "rm ", "rm\t", "push", "reset", "mkfs", "dd ", "curl", "wget", "sudo", "chmod", "chown", "> /",
    "publish", "delete", "destroy", "eval", "kill", ".env", ".ssh", "|sh", "| sh", "bash",
];

/// What a pipeline stage tells the stages after it.
#[derive(Default)]
struct Stage {
    facts: Facts,
    /// Text a stage prints when it is fully literal (`echo 'rm -rf /'`), so a shell
    /// reading it from the pipe can be judged on that text.
    literal_stdout: Option<String>,
}

/// The state of one classification: every finding so far and the facts that combine
/// across commands (a secret read anywhere plus a network send anywhere is exfiltration).
pub(crate) struct Walker<'c> {
    ctx: &'c PolicyContext,
    opts: ParserOptions,
    /// Working directory as changed by `cd`; `None` once it can no longer be known.
    cwd: Option<PathBuf>,
    /// Every judged part, in order.
    pub(crate) summaries: Vec<SimpleCommandSummary>,
    /// Facts of the whole command line.
    pub(crate) facts: Facts,
}

impl<'c> Walker<'c> {
    /// A walker for one command line run in `ctx.cwd`.
    pub(crate) fn new(ctx: &'c PolicyContext) -> Self {
        Self {
            ctx,
            opts: ParserOptions::default(),
            cwd: Some(ctx.cwd.clone()),
            summaries: Vec::new(),
            facts: Facts::default(),
        }
    }

    fn record(&mut self, command: String, finding: Finding) {
        self.summaries.push(SimpleCommandSummary {
            command,
            level: finding.level,
            rule: finding.rule,
            reason: finding.reason,
        });
    }

    /// Parses `text` and judges everything in it; returns the facts it produced.
    pub(crate) fn walk_script(&mut self, text: &str, depth: usize) -> Facts {
        let shown = shorten(text);
        // Past the nesting bound (re-parsed `bash -c` strings) or the size bound, nothing is parsed.
        let refusal = if depth > MAX_NESTING {
            Err(Refusal::TooDeep)
        } else {
            precheck(text)
        };
        if let Err(refusal) = refusal {
            self.record(shown, refusal.finding());
            return Facts::default();
        }
        let parsed = brush_parser::uncached_tokenize_str(text, &self.opts.tokenizer_options())
            .ok()
            .and_then(|tokens| brush_parser::parse_tokens(&tokens, &self.opts).ok());
        match parsed {
            Some(program) => self.walk_program(&program, depth),
            None => {
                self.parse_error(text);
                Facts::default()
            }
        }
    }

    fn parse_error(&mut self, text: &str) {
        let dangerous = DANGER_MARKERS.iter().any(|m| text.contains(m));
        let level = if dangerous {
            RiskLevel::High
        } else {
            RiskLevel::Medium
        };
        self.record(
            shorten(text),
            Finding::new(level, "shell.parse-error", "the command does not parse"),
        );
    }

    fn walk_program(&mut self, program: &Program, depth: usize) -> Facts {
        let mut facts = Facts::default();
        for list in &program.complete_commands {
            facts.merge(self.walk_list(list, depth));
        }
        facts
    }

    fn walk_list(&mut self, list: &CompoundList, depth: usize) -> Facts {
        let mut facts = Facts::default();
        for item in &list.0 {
            facts.merge(self.walk_pipeline(&item.0.first, depth));
            for next in &item.0.additional {
                let (AndOr::And(pipeline) | AndOr::Or(pipeline)) = next;
                facts.merge(self.walk_pipeline(pipeline, depth));
            }
        }
        facts
    }

    fn walk_pipeline(&mut self, pipeline: &Pipeline, depth: usize) -> Facts {
        let mut facts = Facts::default();
        let mut upstream_network = false;
        let mut upstream_literal: Option<String> = None;
        for command in &pipeline.seq {
            let first_summary = self.summaries.len();
            let stage = self.walk_command(command, depth);
            if stage.facts.runs_stdin {
                if upstream_network {
                    self.record(
                        "… | shell".to_owned(),
                        Finding::new(
                            RiskLevel::Critical,
                            "remote-code.pipe-to-shell",
                            "downloads code and pipes it into an interpreter",
                        ),
                    );
                } else if let Some(script) = upstream_literal.take() {
                    self.mark_stdin_visible(first_summary);
                    facts.merge(self.walk_script(&script, depth + 1));
                }
            }
            upstream_network |= stage.facts.network;
            upstream_literal = stage.literal_stdout;
            facts.merge(stage.facts);
        }
        facts
    }

    fn walk_command(&mut self, command: &Command, depth: usize) -> Stage {
        match command {
            Command::Simple(simple) => self.walk_simple(simple, depth),
            Command::Compound(compound, redirects) => {
                let mut facts = self.walk_compound(compound, depth);
                if let Some(list) = redirects {
                    let mut scripts = Vec::new();
                    let mut notes = Redirections::default();
                    for redirect in &list.0 {
                        self.judge_redirect(redirect, &mut scripts, &mut notes, depth);
                    }
                    facts.merge(self.walk_scripts(&scripts, depth));
                    self.record(notes.shown.trim().to_owned(), notes.finding);
                }
                Stage {
                    facts,
                    literal_stdout: None,
                }
            }
            Command::Function(function) => Stage {
                facts: self.walk_function(function, depth),
                literal_stdout: None,
            },
            Command::ExtendedTest(test, _) => {
                let mut words = Vec::new();
                collect_test_words(&test.expr, &mut words);
                let mut scripts = Vec::new();
                for word in words {
                    if expand(&word.value, &self.opts, &mut scripts).is_none() {
                        self.parse_error(&word.value);
                    }
                }
                Stage {
                    facts: self.walk_scripts(&scripts, depth),
                    literal_stdout: None,
                }
            }
        }
    }

    fn walk_function(&mut self, function: &FunctionDefinition, depth: usize) -> Facts {
        let name = function.fname.value.as_str();
        let body = function.body.0.to_string();
        // A function that calls itself twice in its own body (`:(){ :|:& };:`) grows
        // without bound: a fork bomb.
        let calls = body
            .split(|c: char| c.is_whitespace() || "|&;{}()".contains(c))
            .filter(|w| *w == name)
            .count();
        if calls >= 2 {
            self.record(
                format!("{name}() {{ … }}"),
                Finding::new(
                    RiskLevel::Critical,
                    "shell.fork-bomb",
                    "a function that spawns itself recursively",
                ),
            );
        }
        self.walk_compound(&function.body.0, depth)
    }

    fn walk_compound(&mut self, compound: &CompoundCommand, depth: usize) -> Facts {
        match compound {
            CompoundCommand::BraceGroup(group) => self.walk_list(&group.list, depth),
            CompoundCommand::Subshell(subshell) => {
                let saved = self.cwd.clone();
                let facts = self.walk_list(&subshell.list, depth);
                self.cwd = saved;
                facts
            }
            CompoundCommand::ForClause(clause) => {
                let mut scripts = Vec::new();
                for word in clause.values.iter().flatten() {
                    if expand(&word.value, &self.opts, &mut scripts).is_none() {
                        self.parse_error(&word.value);
                    }
                }
                let mut facts = self.walk_scripts(&scripts, depth);
                facts.merge(self.walk_list(&clause.body.list, depth));
                facts
            }
            CompoundCommand::CaseClause(clause) => {
                let mut scripts = Vec::new();
                if expand(&clause.value.value, &self.opts, &mut scripts).is_none() {
                    self.parse_error(&clause.value.value);
                }
                let mut facts = self.walk_scripts(&scripts, depth);
                for item in &clause.cases {
                    if let Some(list) = &item.cmd {
                        facts.merge(self.walk_list(list, depth));
                    }
                }
                facts
            }
            CompoundCommand::IfClause(clause) => {
                let mut facts = self.walk_list(&clause.condition, depth);
                facts.merge(self.walk_list(&clause.then, depth));
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        facts.merge(self.walk_list(condition, depth));
                    }
                    facts.merge(self.walk_list(&branch.body, depth));
                }
                facts
            }
            CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
                let mut facts = self.walk_list(&clause.0, depth);
                facts.merge(self.walk_list(&clause.1.list, depth));
                facts
            }
            CompoundCommand::ArithmeticForClause(clause) => {
                self.walk_list(&clause.body.list, depth)
            }
            CompoundCommand::Arithmetic(arithmetic) => {
                // The parser reads `( ( cmd ) )` as `(( expr ))`; bash runs it as nested
                // subshells. If the text is not arithmetic, judge it as commands too.
                if brush_parser::arithmetic::parse(&arithmetic.expr.value).is_err() {
                    return self.walk_script(&arithmetic.expr.value, depth + 1);
                }
                let mut scripts = Vec::new();
                let text = format!("$(({}))", arithmetic.expr.value);
                if expand(&text, &self.opts, &mut scripts).is_none() {
                    self.parse_error(&text);
                }
                self.walk_scripts(&scripts, depth)
            }
            CompoundCommand::Coprocess(coprocess) => {
                self.walk_command(&coprocess.body, depth).facts
            }
        }
    }

    fn walk_scripts(&mut self, scripts: &[String], depth: usize) -> Facts {
        let mut facts = Facts::default();
        for script in scripts {
            facts.merge(self.walk_script(script, depth + 1));
        }
        facts
    }

    fn walk_simple(&mut self, simple: &SimpleCommand, depth: usize) -> Stage {
        let mut scripts = Vec::new();
        let mut env = Vec::new();
        let mut argv = Vec::new();
        let mut redirects = Vec::new();
        let mut subst_facts = Facts::default();
        let items = simple
            .prefix
            .iter()
            .flat_map(|p| p.0.iter())
            .map(Item::Prefix)
            .chain(simple.word_or_name.iter().map(Item::Name))
            .chain(
                simple
                    .suffix
                    .iter()
                    .flat_map(|s| s.0.iter())
                    .map(Item::Suffix),
            );
        for item in items {
            match item {
                Item::Name(word) => self.push_word(word, &mut argv, &mut scripts),
                Item::Prefix(CommandPrefixOrSuffixItem::AssignmentWord(assignment, _))
                    if argv.is_empty() =>
                {
                    env.push(assignment.name.to_string());
                    match &assignment.value {
                        AssignmentValue::Scalar(value) => {
                            self.expand_only(&value.value, &mut scripts)
                        }
                        AssignmentValue::Array(values) => {
                            for (_, value) in values {
                                self.expand_only(&value.value, &mut scripts);
                            }
                        }
                    }
                }
                Item::Prefix(
                    CommandPrefixOrSuffixItem::Word(word)
                    | CommandPrefixOrSuffixItem::AssignmentWord(_, word),
                )
                | Item::Suffix(
                    CommandPrefixOrSuffixItem::Word(word)
                    | CommandPrefixOrSuffixItem::AssignmentWord(_, word),
                ) => {
                    self.push_word(word, &mut argv, &mut scripts);
                }
                Item::Prefix(CommandPrefixOrSuffixItem::IoRedirect(redirect))
                | Item::Suffix(CommandPrefixOrSuffixItem::IoRedirect(redirect)) => {
                    redirects.push(redirect)
                }
                Item::Prefix(CommandPrefixOrSuffixItem::ProcessSubstitution(_, subshell))
                | Item::Suffix(CommandPrefixOrSuffixItem::ProcessSubstitution(_, subshell)) => {
                    subst_facts.merge(self.walk_list(&subshell.list, depth + 1));
                    argv.push(Arg::literal("/dev/fd/63"));
                }
            }
        }
        subst_facts.merge(self.walk_scripts(&scripts, depth));

        let mut redirect_scripts = Vec::new();
        let mut notes = Redirections::default();
        for redirect in &redirects {
            self.judge_redirect(redirect, &mut redirect_scripts, &mut notes, depth);
        }
        subst_facts.merge(self.walk_scripts(&redirect_scripts, depth));
        self.facts.merge(notes.facts);

        if argv.is_empty() {
            let shown = format!("{}{}", env.join(" "), notes.shown);
            self.record(
                shown,
                Finding::new(RiskLevel::Low, "shell.assignment", "sets variables only")
                    .max(notes.finding),
            );
            return Stage {
                facts: subst_facts,
                literal_stdout: None,
            };
        }
        self.track_cd(&argv);
        let first_summary = self.summaries.len();
        let (mut facts, literal_stdout) =
            self.judge_argv(argv, &env, subst_facts.network, notes, depth);
        if facts.runs_stdin
            && let Some(stdin) = redirects.iter().find_map(|r| stdin_text(r))
        {
            facts.runs_stdin = false;
            self.mark_stdin_visible(first_summary);
            facts.merge(self.walk_script(&stdin, depth + 1));
        }
        facts.merge(subst_facts);
        Stage {
            facts,
            literal_stdout,
        }
    }

    /// A shell reading its script from stdin was recorded as MEDIUM because the script
    /// was unseen; once the script is known (here-document, literal `echo`), the script's
    /// own commands carry the risk and the shell itself is harmless.
    fn mark_stdin_visible(&mut self, from: usize) {
        if let Some(summary) = self.summaries[from..]
            .iter_mut()
            .find(|s| s.rule == STDIN_SCRIPT_RULE)
        {
            summary.level = RiskLevel::Low;
            summary.rule = "shell.stdin-script-visible";
            summary.reason = "runs a script whose commands are judged separately".to_owned();
        }
    }

    fn expand_only(&mut self, raw: &str, scripts: &mut Vec<String>) {
        if expand(raw, &self.opts, scripts).is_none() {
            self.parse_error(raw);
        }
    }

    fn push_word(&mut self, word: &Word, argv: &mut Vec<Arg>, scripts: &mut Vec<String>) {
        match expand(&word.value, &self.opts, scripts) {
            Some(arg) => argv.push(arg),
            None => {
                self.parse_error(&word.value);
                argv.push(Arg::unknown(word.value.clone()));
            }
        }
    }

    /// `cd DIR` changes where later relative paths point.
    fn track_cd(&mut self, argv: &[Arg]) {
        let skip = argv
            .iter()
            .take_while(|a| matches!(a.text.as_str(), "builtin" | "command"))
            .count();
        let argv = &argv[skip..];
        if argv
            .first()
            .is_none_or(|a| !matches!(a.text.as_str(), "cd" | "pushd") || a.dynamic)
        {
            return;
        }
        let target = argv[1..]
            .iter()
            .find(|a| !a.text.starts_with('-') || a.text == "-");
        self.cwd = match (target, &self.cwd) {
            (None, _) => Some(self.ctx.home.clone()),
            (Some(arg), Some(cwd)) if !arg.dynamic && arg.text != "-" => {
                Some(resolve(&arg.text, cwd, &self.ctx.home))
            }
            _ => None,
        };
    }

    /// Judges one argument vector, records it, then judges what it runs in turn
    /// (wrapped commands, `bash -c` scripts, `xargs` targets).
    fn judge_argv(
        &mut self,
        argv: Vec<Arg>,
        env: &[String],
        subst_network: bool,
        redirections: Redirections,
        depth: usize,
    ) -> (Facts, Option<String>) {
        if depth > MAX_NESTING {
            self.record(
                shorten(&join(&argv)),
                Finding::new(
                    RiskLevel::High,
                    "shell.too-deep",
                    "nested too deeply to judge",
                ),
            );
            return (Facts::default(), None);
        }
        let invocation = Invocation {
            argv: &argv,
            env,
            cwd: self.cwd.as_deref(),
            ctx: self.ctx,
            subst_network,
        };
        let judgement = commands::judge(&invocation);
        let mut shown = join(&argv);
        shown.push_str(&redirections.shown);
        self.record(shorten(&shown), judgement.finding.max(redirections.finding));
        let mut facts = judgement.facts;
        self.facts.merge(facts);
        for nested in judgement.nested {
            match nested {
                Nested::Script(script) => facts.merge(self.walk_script(&script, depth + 1)),
                Nested::Argv(inner) => {
                    let (inner_facts, _) = self.judge_argv(
                        inner,
                        env,
                        subst_network,
                        Redirections::default(),
                        depth + 1,
                    );
                    facts.merge(inner_facts);
                }
            }
        }
        (facts, judgement.literal_stdout)
    }

    fn judge_redirect(
        &mut self,
        redirect: &IoRedirect,
        scripts: &mut Vec<String>,
        notes: &mut Redirections,
        depth: usize,
    ) {
        let (target, writes) = match redirect {
            IoRedirect::File(_, kind, IoFileRedirectTarget::Filename(word)) => {
                let writes = !matches!(kind, IoFileRedirectKind::Read);
                (word, writes)
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::ProcessSubstitution(_, subshell)) => {
                let facts = self.walk_list(&subshell.list, depth + 1);
                notes.facts.merge(facts);
                return;
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::Duplicate(word)) => {
                let digits = word.value.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                if digits {
                    return;
                }
                (word, true)
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::Fd(_)) => return,
            IoRedirect::OutputAndError(word, _) => (word, true),
            IoRedirect::HereString(_, word) => {
                self.expand_only(&word.value, scripts);
                return;
            }
            IoRedirect::HereDocument(_, doc) => {
                if doc.requires_expansion
                    && heredoc_scripts(&doc.doc.value, &self.opts, scripts).is_none()
                {
                    self.parse_error(&doc.doc.value);
                }
                return;
            }
        };
        let Some(arg) = expand(&target.value, &self.opts, scripts) else {
            self.parse_error(&target.value);
            return;
        };
        notes.shown.push_str(if writes { " > " } else { " < " });
        notes.shown.push_str(&arg.text);
        let finding = match (&self.cwd, arg.dynamic) {
            (Some(cwd), false) => {
                let path = resolve(&arg.text, cwd, &self.ctx.home);
                if writes {
                    let kind = place_kind(&path, self.ctx);
                    if kind == PlaceKind::NetworkDevice {
                        notes.facts.network = true;
                    }
                    write_finding(kind, &arg.text)
                } else if secret_kind(&path, &self.ctx.home).is_some() {
                    notes.facts.reads_secret = true;
                    Finding::new(
                        RiskLevel::High,
                        "path.secret-read",
                        format!("reads secret file {}", arg.text),
                    )
                } else {
                    return;
                }
            }
            _ if writes => Finding::new(
                RiskLevel::Medium,
                "redirect.dynamic",
                "redirects to a path known only at run time",
            ),
            _ => return,
        };
        notes.finding = std::mem::replace(&mut notes.finding, Finding::new(RiskLevel::Low, "", ""))
            .max(finding);
    }
}

/// What the redirections of one command add up to.
struct Redirections {
    finding: Finding,
    facts: Facts,
    shown: String,
}

impl Default for Redirections {
    fn default() -> Self {
        Self {
            finding: Finding::new(RiskLevel::Low, "shell.redirect", "no risky redirection"),
            facts: Facts::default(),
            shown: String::new(),
        }
    }
}

/// An item of a simple command, tagged by where it appeared.
enum Item<'a> {
    Prefix(&'a CommandPrefixOrSuffixItem),
    Name(&'a Word),
    Suffix(&'a CommandPrefixOrSuffixItem),
}

/// The text a here-document or here-string feeds to standard input.
fn stdin_text(redirect: &IoRedirect) -> Option<String> {
    match redirect {
        IoRedirect::HereDocument(_, doc) => Some(doc.doc.value.clone()),
        IoRedirect::HereString(_, word) => {
            let mut ignored = Vec::new();
            expand(&word.value, &ParserOptions::default(), &mut ignored).map(|a| a.text)
        }
        _ => None,
    }
}

fn collect_test_words<'a>(expr: &'a ExtendedTestExpr, out: &mut Vec<&'a Word>) {
    match expr {
        ExtendedTestExpr::And(a, b) | ExtendedTestExpr::Or(a, b) => {
            collect_test_words(a, out);
            collect_test_words(b, out);
        }
        ExtendedTestExpr::Not(a) | ExtendedTestExpr::Parenthesized(a) => collect_test_words(a, out),
        ExtendedTestExpr::UnaryTest(_, w) => out.push(w),
        ExtendedTestExpr::BinaryTest(_, a, b) => {
            out.push(a);
            out.push(b);
        }
    }
}

fn join(argv: &[Arg]) -> String {
    argv.iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Keeps summaries readable when a command is huge.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 200;
    if text.len() <= LIMIT {
        return text.to_owned();
    }
    let mut end = LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
