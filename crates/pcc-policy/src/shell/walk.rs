//! Walks a parsed shell program and judges every simple command that would run,
//! following substitutions, nested shells and command wrappers recursively.

use std::path::{Path, PathBuf};

use brush_parser::ParserOptions;
use brush_parser::ast::{
    AndOr, AssignmentValue, BinaryPredicate, Command, CommandPrefixOrSuffixItem, CompoundCommand,
    CompoundList, ExtendedTestExpr, FunctionDefinition, IoFileRedirectKind, IoFileRedirectTarget,
    IoRedirect, Pipeline, Program, SeparatorOperator, SimpleCommand, UnaryPredicate, Word,
};

use super::super::PolicyContext;
use super::super::commands::{
    self, Facts, Invocation, Nested, STDIN_SCRIPT_RULE, YES_RULE, harmless_variable, spec,
};
use super::super::level::RiskLevel;
use super::super::paths::{PlaceKind, place_kind, resolve, through_links, write_finding};
use super::super::verdict::{Finding, SimpleCommandSummary};
use super::limits::{MAX_NESTING, Refusal, precheck};
use super::words::{Arg, brace_expand, expand, heredoc_scripts};

/// Substrings that make an unparseable command HIGH rather than MEDIUM.
const DANGER_MARKERS: &[&str] = &[
    "rm ", "rm\t", "push", "reset", "mkfs", "dd ", "curl", "wget", "sudo", "chmod", "chown", "> /",
    "publish", "delete", "destroy", "eval", "kill", ".env", ".ssh", "|sh", "| sh", "bash",
];

/// What the walker knows of a shell variable set earlier in the same command.
#[derive(Debug, Clone)]
enum Binding {
    /// Set once, to these known words (`x=build`, `for f in src/*.rs`).
    Values(Vec<Arg>),
    /// Set from what judged commands printed or what `read` read: harmless to print, but
    /// unknown as a path or a command.
    Data,
    /// Set more than once, or to something unknown: nothing is known of it.
    Unknown,
}

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
    /// A command may have made a symlink (or unpacked an archive that holds one): from
    /// then on no path can be placed.
    paths_untrusted: bool,
    /// A command wrote into the project: a build or test run after it may run what was
    /// just written.
    wrote_project: bool,
    /// How many loops enclose the command being walked.
    loop_depth: usize,
    /// A `cd`, `pushd` or `popd` ran in the current list item: whether it worked is not known.
    cd_seen: bool,
    /// Symlinks made earlier in the command (link, target), followed by later paths.
    links: Vec<(PathBuf, PathBuf)>,
    /// Every path placed while judging (see [`Invocation::touched`]).
    pub(crate) touched: std::cell::RefCell<Vec<PathBuf>>,
    /// Variables set earlier in the same command.
    bindings: std::collections::HashMap<String, Binding>,
    /// How many subshells, pipeline stages, branches or later parts of an `&&`/`||` list
    /// enclose the command: an assignment there may not happen, or may not last.
    conditional: usize,
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
            paths_untrusted: false,
            wrote_project: false,
            loop_depth: 0,
            cd_seen: false,
            links: Vec::new(),
            touched: std::cell::RefCell::new(Vec::new()),
            bindings: std::collections::HashMap::new(),
            conditional: 0,
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
            if matches!(item.1, SeparatorOperator::Async) && self.loop_depth > 0 {
                self.record(
                    "… & (in a loop)".to_owned(),
                    Finding::new(
                        RiskLevel::High,
                        "shell.fork-loop",
                        "starts background processes in a loop: a fork bomb in the making",
                    ),
                );
            }
            let outer_cd = std::mem::replace(&mut self.cd_seen, false);
            facts.merge(self.walk_pipeline(&item.0.first, depth));
            for next in &item.0.additional {
                // After `||` the left side may have failed, `cd` included: where we are is
                // no longer known if a `cd` ran.
                if matches!(next, AndOr::Or(_)) && self.cd_seen {
                    self.cwd = None;
                }
                let (AndOr::And(pipeline) | AndOr::Or(pipeline)) = next;
                self.conditional += 1;
                facts.merge(self.walk_pipeline(pipeline, depth));
                self.conditional -= 1;
            }
            // The next item runs whether or not a `cd` of this one worked (`cd a b` fails,
            // `cd x/missing/..` fails), even one that seemed to lead back where we were.
            if self.cd_seen {
                self.cwd = None;
            }
            self.cd_seen |= outer_cd;
        }
        facts
    }

    fn walk_pipeline(&mut self, pipeline: &Pipeline, depth: usize) -> Facts {
        let mut facts = Facts::default();
        let mut upstream_network = false;
        let mut upstream_literal: Option<String> = None;
        let stages = pipeline.seq.len();
        for (index, command) in pipeline.seq.iter().enumerate() {
            let first_summary = self.summaries.len();
            // Each stage of a real pipeline runs in a subshell: its `cd` moves nobody else.
            let saved_cwd = (stages > 1).then(|| self.cwd.clone());
            self.conditional += usize::from(stages > 1);
            let stage = self.walk_command(command, depth);
            self.conditional -= usize::from(stages > 1);
            // `yes | head`: head ends what yes would print forever.
            if simple_name(command) == Some("yes")
                && pipeline.seq.get(index + 1).and_then(simple_name) == Some("head")
            {
                self.lower(first_summary, YES_RULE, "yes.bounded", "yes, ended by head");
            }
            if let Some(cwd) = saved_cwd {
                self.cwd = cwd;
            }
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
                } else if let Some(script) = upstream_literal.take().filter(|_| {
                    simple_name(command)
                        .is_some_and(|n| commands::is_shell(commands::command_name(n)))
                }) {
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
                if collect_test_words(&test.expr, &mut words) {
                    self.record(
                        "[[ … ]]".to_owned(),
                        Finding::new(
                            RiskLevel::Medium,
                            "shell.evaluates-data",
                            "[[ -v ]] and arithmetic comparisons evaluate their operands",
                        ),
                    );
                }
                let mut scripts = Vec::new();
                for word in words {
                    match expand(&word.value, &self.opts, &mut scripts) {
                        Some(arg) if arg.secret_var => self.record(
                            word.value.clone(),
                            Finding::new(
                                RiskLevel::High,
                                "secrets.variable",
                                "a test on a secret-named variable",
                            ),
                        ),
                        Some(arg) if arg.evaluates => self.record(
                            word.value.clone(),
                            Finding::new(
                                RiskLevel::Medium,
                                "shell.evaluates-data",
                                format!("{} evaluates data as code", arg.text),
                            ),
                        ),
                        Some(_) => {}
                        None => self.parse_error(&word.value),
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
        } else {
            self.record(
                format!("{name}() {{ … }}"),
                Finding::new(
                    RiskLevel::Medium,
                    "shell.changes-commands",
                    format!("defines a function {name}, which changes what later commands run"),
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
                self.conditional += 1;
                let facts = self.walk_list(&subshell.list, depth);
                self.conditional -= 1;
                self.cwd = saved;
                facts
            }
            CompoundCommand::ForClause(clause) => {
                let mut scripts = Vec::new();
                let mut values = Vec::new();
                for word in clause.values.iter().flatten() {
                    match expand(&word.value, &self.opts, &mut scripts) {
                        Some(arg) => values.push(arg),
                        None => {
                            self.parse_error(&word.value);
                            values.push(Arg::unknown(word.value.clone()));
                        }
                    }
                }
                let binding = if clause.values.is_none() {
                    Binding::Unknown
                } else {
                    binding_of(values)
                };
                self.bind(&clause.variable_name, binding);
                if !harmless_variable(&clause.variable_name) {
                    self.record(
                        format!("for {} in …", clause.variable_name),
                        Finding::new(
                            RiskLevel::Medium,
                            "env.hijack",
                            format!(
                                "the loop sets {}, which may change what later commands run",
                                clause.variable_name
                            ),
                        ),
                    );
                }
                self.conditional += 1;
                let mut facts = self.walk_scripts(&scripts, depth);
                facts.merge(self.walk_loop_body(&clause.body.list, depth));
                self.conditional -= 1;
                // After the loop the variable holds the last value, or none at all.
                self.bindings
                    .insert(clause.variable_name.clone(), Binding::Unknown);
                facts
            }
            CompoundCommand::CaseClause(clause) => {
                let mut scripts = Vec::new();
                if expand(&clause.value.value, &self.opts, &mut scripts).is_none() {
                    self.parse_error(&clause.value.value);
                }
                // Patterns are expanded too: `case x in $(rm -rf ~)) ;; esac` runs `rm`.
                for pattern in clause.cases.iter().flat_map(|c| c.patterns.iter()) {
                    self.expand_only(&pattern.value, &mut scripts);
                }
                let mut facts = self.walk_scripts(&scripts, depth);
                self.conditional += 1;
                for item in &clause.cases {
                    if let Some(list) = &item.cmd {
                        facts.merge(self.walk_list(list, depth));
                    }
                }
                self.conditional -= 1;
                facts
            }
            CompoundCommand::IfClause(clause) => {
                let mut facts = self.walk_list(&clause.condition, depth);
                self.conditional += 1;
                facts.merge(self.walk_list(&clause.then, depth));
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        facts.merge(self.walk_list(condition, depth));
                    }
                    facts.merge(self.walk_list(&branch.body, depth));
                }
                self.conditional -= 1;
                facts
            }
            CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
                let condition = clause.0.to_string();
                let body = clause.1.list.to_string();
                let condition = condition.trim().trim_end_matches(';').trim();
                let forever = match compound {
                    CompoundCommand::WhileClause(_) => {
                        matches!(condition, "true" | ":" | "[ 1 ]" | "((1))" | "(( 1 ))")
                    }
                    _ => matches!(condition, "false" | "! true" | "! :"),
                };
                let leaves = ["break", "exit", "return"].iter().any(|w| {
                    body.split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|t| t == *w)
                });
                if forever && !leaves {
                    self.record(
                        "while true; …".to_owned(),
                        Finding::new(
                            RiskLevel::Medium,
                            "resource.endless-loop",
                            "a loop that never ends",
                        ),
                    );
                }
                let mut facts = self.walk_list(&clause.0, depth);
                facts.merge(self.walk_loop_body(&clause.1.list, depth));
                facts
            }
            CompoundCommand::ArithmeticForClause(clause) => {
                let exprs = [&clause.initializer, &clause.condition, &clause.updater];
                let mut facts = Facts::default();
                for expr in exprs.into_iter().flatten() {
                    facts.merge(self.judge_arithmetic(&expr.value, depth));
                }
                facts.merge(self.walk_loop_body(&clause.body.list, depth));
                facts
            }
            CompoundCommand::Arithmetic(arithmetic) => {
                // The parser reads `( ( cmd ) )` as `(( expr ))`; bash runs it as nested
                // subshells. If the text is not arithmetic, judge it as commands too.
                if brush_parser::arithmetic::parse(&arithmetic.expr.value).is_err() {
                    return self.walk_script(&arithmetic.expr.value, depth + 1);
                }
                self.judge_arithmetic(&arithmetic.expr.value, depth)
            }
            CompoundCommand::Coprocess(coprocess) => {
                self.walk_command(&coprocess.body, depth).facts
            }
        }
    }

    /// Records a variable's value; a second assignment makes it unknown, since we cannot
    /// tell which one a later use sees.
    fn bind(&mut self, name: &str, binding: Binding) {
        // A value set where it may not happen (or not last) says nothing of later uses:
        // `(x=build); rm -rf "$x/"` removes `/`. Data stays data either way.
        let binding = match binding {
            Binding::Values(_) if self.conditional > 0 => Binding::Unknown,
            other => other,
        };
        let next = if self.bindings.contains_key(name) {
            Binding::Unknown
        } else {
            binding
        };
        self.bindings.insert(name.to_owned(), next);
    }

    /// The words a bare `$name`, `${name}`, `"$name"` or `"${name}"` stands for, when the
    /// variable was set earlier in the same command.
    fn bound_words(&self, raw: &str) -> Option<Vec<Arg>> {
        let quoted = raw.starts_with('"') && raw.ends_with('"') && raw.len() > 1;
        let inner = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let name = inner
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .or_else(|| inner.strip_prefix('$'))?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return special_parameter(name);
        }
        let Some(binding) = self.bindings.get(name) else {
            // Variables the shell sets to facts about itself: printable, not placeable.
            return PRINTABLE_VARIABLES
                .contains(&name)
                .then(|| vec![data_arg(raw)]);
        };
        match binding {
            // Unquoted, bash splits the value on blanks and globs it: a value with either is
            // not the word it looks like (`x='.e*'; cat $x` reads `.env`).
            Binding::Values(values)
                if !quoted
                    && values.iter().any(|v| {
                        v.text.is_empty()
                            || (!v.glob && v.text.contains(['*', '?', '[', ' ', '\t', '\n']))
                    }) =>
            {
                None
            }
            Binding::Values(values) => Some(values.clone()),
            Binding::Data => Some(vec![data_arg(raw)]),
            Binding::Unknown => None,
        }
    }

    /// Notes the variables a builtin sets (`read line`, `export X=1`, `unset X`).
    fn track_assignments(&mut self, argv: &[Arg]) {
        let Some(first) = argv.first() else {
            return;
        };
        let rest = &argv[1..];
        match first.text.as_str() {
            "read" | "mapfile" | "readarray" => {
                for name in assigned_names(&first.text, rest) {
                    self.bind(&name, Binding::Data);
                }
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for arg in rest.iter().filter(|a| !a.text.starts_with('-')) {
                    match arg.text.split_once('=') {
                        Some((name, value)) => {
                            let value = arg.part(value);
                            self.bind(name, binding_of(vec![value]));
                        }
                        None => self.bind(&arg.text, Binding::Unknown),
                    }
                }
            }
            "unset" | "getopts" | "printf" => {
                for arg in rest.iter().filter(|a| !a.text.starts_with('-')) {
                    self.bind(&arg.text, Binding::Unknown);
                }
            }
            _ => {}
        }
    }

    /// `ln [-s] [-f] [-n] TARGET LINK` with known words: later paths through LINK are judged
    /// at TARGET. Returns false when the link cannot be followed (then no path is trusted).
    fn record_link(&mut self, argv: &[Arg]) -> bool {
        let Some(cwd) = self.cwd.clone() else {
            return false;
        };
        if argv
            .first()
            .is_none_or(|a| commands::command_name(&a.text) != "ln")
        {
            return false;
        }
        let mut symbolic = false;
        let mut ops = Vec::new();
        for arg in &argv[1..] {
            if arg.dynamic || arg.glob {
                return false;
            }
            match arg.text.as_str() {
                "-s" | "--symbolic" => symbolic = true,
                "-f" | "--force" | "-n" | "--no-dereference" | "-v" | "--verbose" => {}
                text if text.starts_with('-') => {
                    if text[1..].chars().all(|c| "sfnv".contains(c)) {
                        symbolic |= text.contains('s');
                    } else {
                        return false;
                    }
                }
                _ => ops.push(arg.text.clone()),
            }
        }
        let [target, link] = ops.as_slice() else {
            return false;
        };
        let home = self.ctx.home.clone();
        let link_path = through_links(resolve(link, &cwd, &home), &self.links);
        let target_path = if symbolic && !target.starts_with('/') && !target.starts_with('~') {
            // A relative target is relative to the link's directory.
            let dir = link_path.parent().map_or(cwd.clone(), Path::to_path_buf);
            resolve(target, &dir, &home)
        } else {
            resolve(target, &cwd, &home)
        };
        let target_path = through_links(target_path, &self.links);
        // When LINK is an existing directory the link lands inside it.
        if let Some(name) = target_path.file_name() {
            self.links.push((link_path.join(name), target_path.clone()));
        }
        self.links.push((link_path, target_path));
        true
    }

    /// A loop body: background jobs in it multiply without bound, and it may run no time.
    fn walk_loop_body(&mut self, list: &CompoundList, depth: usize) -> Facts {
        self.loop_depth += 1;
        self.conditional += 1;
        let mut facts = self.walk_list(list, depth);
        // The second time round, the body runs after itself: a `cd` or an assignment at its
        // end changes its beginning. Walked twice (a few levels deep; deeper, paths are
        // given up on rather than walked exponentially often).
        if self.loop_depth <= 3 {
            facts.merge(self.walk_list(list, depth));
        } else {
            self.paths_untrusted = true;
        }
        self.conditional -= 1;
        self.loop_depth -= 1;
        facts
    }

    /// `(( expr ))` and the parts of `for (( … ))`: substitutions run, and names are
    /// evaluated as expressions, subscripts and all.
    fn judge_arithmetic(&mut self, expr: &str, depth: usize) -> Facts {
        let mut scripts = Vec::new();
        let text = format!("$(({expr}))");
        match expand(&text, &self.opts, &mut scripts) {
            Some(arg) if arg.evaluates => self.record(
                shorten(&format!("(( {expr} ))")),
                Finding::new(
                    RiskLevel::Medium,
                    "shell.evaluates-data",
                    "arithmetic evaluates the values of the variables it names",
                ),
            ),
            Some(_) => {}
            None => self.parse_error(&text),
        }
        self.walk_scripts(&scripts, depth)
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
        let mut assign_notes: Vec<Finding> = Vec::new();
        let mut assigned_vars: Vec<(String, Vec<Arg>)> = Vec::new();
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
                    let name = assignment.name.to_string();
                    if name.contains('[') {
                        assign_notes.push(Finding::new(
                            RiskLevel::Medium,
                            "shell.evaluates-data",
                            "assigns to a subscript, which bash evaluates",
                        ));
                    }
                    env.push(name);
                    let values: Vec<&Word> = match &assignment.value {
                        AssignmentValue::Scalar(value) => vec![value],
                        AssignmentValue::Array(values) => values.iter().map(|(_, v)| v).collect(),
                    };
                    let mut known = Vec::new();
                    for value in values {
                        match expand(&value.value, &self.opts, &mut scripts) {
                            Some(arg) if arg.evaluates => {
                                assign_notes.push(Finding::new(
                                    RiskLevel::Medium,
                                    "shell.evaluates-data",
                                    format!("{} evaluates data as code", arg.text),
                                ));
                                known.push(Arg::unknown(arg.text));
                            }
                            Some(arg) => known.push(arg),
                            None => {
                                self.parse_error(&value.value);
                                known.push(Arg::unknown(value.value.clone()));
                            }
                        }
                    }
                    assigned_vars.push((env.last().cloned().unwrap_or_default(), known));
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

        let assigned = assign_notes.into_iter().fold(
            Finding::new(RiskLevel::Low, "shell.assignment", "sets variables only"),
            Finding::max,
        );
        if argv.is_empty() {
            // Assignments with no command persist: later words may use them.
            for (name, values) in assigned_vars {
                let binding = if values.len() == 1 {
                    binding_of(values)
                } else {
                    Binding::Unknown
                };
                self.bind(&name, binding);
            }
            let shown = format!("{}{}", env.join(" "), notes.shown);
            let mut finding = assigned.max(notes.finding);
            if let Some(var) = env.iter().find(|v| !harmless_variable(v)) {
                finding = finding.max(Finding::new(
                    RiskLevel::Medium,
                    "env.hijack",
                    format!("sets {var}, which may change what later commands run"),
                ));
            }
            self.record(shown, finding);
            return Stage {
                facts: subst_facts,
                literal_stdout: None,
            };
        }
        if assigned.level > RiskLevel::Low {
            self.record(env.join(" "), assigned);
        }
        self.track_cd(&argv);
        self.track_assignments(&argv);
        // Only a shell's script on stdin is shell text; Python's is Python.
        let shell_stdin = argv
            .first()
            .is_some_and(|a| commands::is_shell(commands::command_name(&a.text)));
        let first_summary = self.summaries.len();
        let (mut facts, literal_stdout) =
            self.judge_argv(argv, &env, subst_facts.network, notes, depth);
        if facts.runs_stdin
            && shell_stdin
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
    fn lower(&mut self, from: usize, rule: &str, to_rule: &'static str, reason: &str) {
        if let Some(summary) = self.summaries[from..].iter_mut().find(|s| s.rule == rule) {
            summary.level = RiskLevel::Low;
            summary.rule = to_rule;
            summary.reason = reason.to_owned();
        }
    }

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
        if word.value.contains('$')
            && let Some(words) = self.bound_words(&word.value)
        {
            argv.extend(words);
            return;
        }
        if word.value.contains('{')
            && let Some(words) = brace_expand(&word.value)
            && words.len() > 1
        {
            for expanded in words {
                match expand(&expanded, &self.opts, scripts) {
                    Some(arg) => argv.push(arg),
                    None => argv.push(Arg::unknown(expanded)),
                }
            }
            return;
        }
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
        if argv.first().is_some_and(|a| a.text == "popd") {
            // Back to a directory of the stack, which we do not keep.
            self.cd_seen = true;
            self.cwd = None;
            return;
        }
        if argv
            .first()
            .is_none_or(|a| !matches!(a.text.as_str(), "cd" | "pushd") || a.dynamic)
        {
            return;
        }
        self.cd_seen = true;
        let operands = argv[1..]
            .iter()
            .filter(|a| !a.text.starts_with('-') || a.text == "-")
            .count();
        if argv[0].text == "pushd"
            && argv[1..]
                .iter()
                .any(|a| a.text.starts_with('-') || a.text.starts_with('+'))
            || operands > 1
        {
            // `pushd`, `pushd +1`, `pushd -n DIR` (no move), `cd a b` (an error): where we are
            // is not what the words say.
            self.cwd = None;
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
            paths_untrusted: self.paths_untrusted,
            links: &self.links,
            touched: &self.touched,
        };
        let mut judgement = commands::judge(&invocation);
        if argv.first().is_some_and(|a| a.text == "yes") && redirections.facts.writes_files {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "resource.disk-fill",
                "yes into a file fills the disk",
            ));
        }
        if self.wrote_project
            && judgement.finding.level == RiskLevel::Low
            && (judgement.finding.rule.starts_with("build.")
                || judgement.finding.rule == "shell.venv")
        {
            judgement = judgement.raise(Finding::new(
                RiskLevel::Medium,
                "build.after-write",
                "runs project code that this same command just wrote",
            ));
        }
        if judgement.facts.writes_files || redirections.facts.writes_files {
            self.wrote_project = true;
        }
        if judgement.facts.makes_links && !self.record_link(&argv) {
            self.paths_untrusted = true;
        }
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
        let placeable = !arg.dynamic && !arg.glob && !self.paths_untrusted;
        let finding = match (&self.cwd, placeable) {
            (Some(cwd), true) => {
                let path = through_links(resolve(&arg.text, cwd, &self.ctx.home), &self.links);
                let kind = place_kind(&path, self.ctx);
                self.touched.borrow_mut().push(path.clone());
                if kind == PlaceKind::NetworkDevice {
                    notes.facts.network = true;
                }
                if writes {
                    if !matches!(kind, PlaceKind::NullDevice) {
                        notes.facts.writes_files = true;
                    }
                    write_finding(kind, &arg.text)
                } else {
                    let finding = spec::read_finding_for(kind, "<", &arg.text, false);
                    if finding.rule == "path.secret-read" {
                        notes.facts.reads_secret = true;
                    }
                    finding
                }
            }
            _ if writes => Finding::new(
                RiskLevel::Medium,
                "redirect.dynamic",
                "redirects to a path known only at run time",
            ),
            _ => Finding::new(
                RiskLevel::Medium,
                "redirect.dynamic",
                "reads a path known only at run time",
            ),
        };
        notes.finding = std::mem::replace(&mut notes.finding, Finding::new(RiskLevel::Low, "", ""))
            .max(finding);
    }
}

/// The command word of a simple command, as written.
fn simple_name(command: &Command) -> Option<&str> {
    match command {
        Command::Simple(simple) => simple.word_or_name.as_ref().map(|w| w.value.as_str()),
        _ => None,
    }
}

/// The names `read`, `mapfile` or `readarray` assigns: the operands, and `read -a NAME`.
pub(crate) fn assigned_names(builtin: &str, args: &[Arg]) -> Vec<String> {
    // Options that take a value (`-a NAME` is a name, not a value).
    let with_value = if builtin == "read" {
        "dinNptu"
    } else {
        "dnOsuCc"
    };
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let text = args[i].text.as_str();
        i += 1;
        if let Some(cluster) = text.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (at, letter) in cluster.char_indices() {
                let glued = &cluster[at + letter.len_utf8()..];
                if letter == 'a' && builtin == "read" {
                    match glued {
                        "" => {
                            if let Some(name) = args.get(i) {
                                names.push(name.text.clone());
                                i += 1;
                            }
                        }
                        name => names.push(name.to_owned()),
                    }
                    break;
                }
                if with_value.contains(letter) {
                    if glued.is_empty() {
                        i += 1;
                    }
                    break;
                }
            }
            continue;
        }
        names.push(text.to_owned());
    }
    names
}

/// What is known of a variable set to `values`.
fn binding_of(values: Vec<Arg>) -> Binding {
    if let [only] = values.as_slice()
        && only.text == "$!"
    {
        // The last background job of this shell: its own child.
        return Binding::Values(vec![data_arg("$!")]);
    }
    if values.iter().all(|v| !v.dynamic && !v.evaluates) {
        Binding::Values(values)
    } else if values.iter().all(|v| !v.var && !v.evaluates && !v.glob) {
        Binding::Data
    } else {
        Binding::Unknown
    }
}

/// A word whose value came from judged output or input: printable, not placeable.
fn data_arg(raw: &str) -> Arg {
    Arg {
        dynamic: true,
        ..Arg::literal(raw)
    }
}

/// Variables that only describe the shell and the machine.
const PRINTABLE_VARIABLES: &[&str] = &[
    "PWD",
    "OLDPWD",
    "USER",
    "LOGNAME",
    "SHELL",
    "HOSTNAME",
    "UID",
    "EUID",
    "PPID",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "BASH_VERSION",
    "OSTYPE",
    "HOSTTYPE",
    "MACHTYPE",
    "SHLVL",
    "TERM",
    "LANG",
    "PATH",
    "VIRTUAL_ENV",
    "CONDA_DEFAULT_ENV",
    "GOPATH",
    "CARGO_HOME",
    "NODE_ENV",
];

/// `$?`, `$$`, `$!`, `$#` are numbers the shell sets.
fn special_parameter(name: &str) -> Option<Vec<Arg>> {
    matches!(name, "?" | "$" | "!" | "#").then(|| vec![data_arg(&format!("${name}"))])
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

/// Collects the words of a `[[ … ]]` test; true when the test evaluates an operand as a
/// name or an arithmetic expression (`-v`, `-R`, `-eq` and kin on anything but digits).
fn collect_test_words<'a>(expr: &'a ExtendedTestExpr, out: &mut Vec<&'a Word>) -> bool {
    match expr {
        ExtendedTestExpr::And(a, b) | ExtendedTestExpr::Or(a, b) => {
            let left = collect_test_words(a, out);
            collect_test_words(b, out) || left
        }
        ExtendedTestExpr::Not(a) | ExtendedTestExpr::Parenthesized(a) => collect_test_words(a, out),
        ExtendedTestExpr::UnaryTest(predicate, w) => {
            out.push(w);
            matches!(
                predicate,
                UnaryPredicate::ShellVariableIsSetAndAssigned
                    | UnaryPredicate::ShellVariableIsSetAndNameRef
            )
        }
        ExtendedTestExpr::BinaryTest(predicate, a, b) => {
            out.push(a);
            out.push(b);
            let arithmetic = matches!(
                predicate,
                BinaryPredicate::ArithmeticEqualTo
                    | BinaryPredicate::ArithmeticNotEqualTo
                    | BinaryPredicate::ArithmeticLessThan
                    | BinaryPredicate::ArithmeticLessThanOrEqualTo
                    | BinaryPredicate::ArithmeticGreaterThan
                    | BinaryPredicate::ArithmeticGreaterThanOrEqualTo
            );
            let number = |w: &Word| {
                let t = w.value.trim_start_matches('-');
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
            };
            arithmetic && !(number(a) && number(b))
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
