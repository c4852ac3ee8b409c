//! Cloud and infrastructure CLIs. Their subcommands are verbs, so the shared verb
//! lexicon decides (`describe-instances` LOW, `terminate-instances` HIGH); infrastructure
//! tools and hosting CLIs have small tables.

use super::super::level::RiskLevel::{self, High, Low, Medium};
use super::super::verbs::{VerbClass, level_of_words, split_words};
use super::containers::non_option_words;
use super::{Invocation, Ruling};

/// (tool family, subcommand, level, rule) for tools whose verbs are not generic.
const SUBCOMMANDS: &[(&str, &str, RiskLevel, &str)] = &[
    ("terraform", "plan", Low, "infra.read"),
    ("terraform", "show", Low, "infra.read"),
    ("terraform", "validate", Low, "infra.read"),
    ("terraform", "fmt", Low, "infra.read"),
    ("terraform", "output", Low, "infra.read"),
    ("terraform", "graph", Low, "infra.read"),
    ("terraform", "providers", Low, "infra.read"),
    ("terraform", "version", Low, "infra.read"),
    ("terraform", "init", Medium, "infra.init"),
    ("terraform", "state", Medium, "infra.state"),
    ("terraform", "workspace", Medium, "infra.state"),
    ("terraform", "console", Low, "infra.read"),
    ("terraform", "apply", High, "infra.apply"),
    ("terraform", "destroy", High, "infra.destroy"),
    ("terraform", "import", High, "infra.apply"),
    ("terraform", "taint", High, "infra.apply"),
    ("terraform", "untaint", High, "infra.apply"),
    ("terraform", "force-unlock", High, "infra.apply"),
    ("terraform", "refresh", Medium, "infra.state"),
    ("terraform", "get", Medium, "infra.init"),
    ("terraform", "login", High, "publish.credentials"),
    ("pulumi", "preview", Low, "infra.read"),
    ("pulumi", "stack", Low, "infra.read"),
    ("pulumi", "config", Medium, "infra.state"),
    ("pulumi", "up", High, "infra.apply"),
    ("pulumi", "update", High, "infra.apply"),
    ("pulumi", "destroy", High, "infra.destroy"),
    ("pulumi", "refresh", Medium, "infra.state"),
    ("pulumi", "whoami", Low, "infra.read"),
    ("cdk", "synth", Low, "infra.read"),
    ("cdk", "diff", Low, "infra.read"),
    ("cdk", "ls", Low, "infra.read"),
    ("cdk", "list", Low, "infra.read"),
    ("cdk", "deploy", High, "infra.apply"),
    ("cdk", "destroy", High, "infra.destroy"),
    ("cdk", "bootstrap", High, "infra.apply"),
    ("hosting", "deploy", High, "publish.deploy"),
    ("hosting", "publish", High, "publish.deploy"),
    ("hosting", "release", High, "publish.deploy"),
    ("hosting", "promote", High, "publish.deploy"),
    ("hosting", "destroy", High, "infra.destroy"),
    ("hosting", "remove", High, "infra.destroy"),
    ("hosting", "rm", High, "infra.destroy"),
    ("hosting", "delete", High, "infra.destroy"),
    ("hosting", "logs", Low, "infra.read"),
    ("hosting", "status", Low, "infra.read"),
    ("hosting", "list", Low, "infra.read"),
    ("hosting", "ls", Low, "infra.read"),
    ("hosting", "info", Low, "infra.read"),
    ("hosting", "whoami", Low, "infra.read"),
    ("hosting", "dev", Low, "build.script"),
    ("hosting", "build", Low, "build.script"),
    ("hosting", "env", Medium, "infra.state"),
    ("hosting", "secrets", High, "publish.credentials"),
];

/// Judges cloud, infrastructure and hosting CLIs; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let args = inv.args();
    let words = non_option_words(args);
    let table_family = match name {
        "terraform" | "tofu" | "terragrunt" => Some("terraform"),
        "pulumi" => Some("pulumi"),
        "cdk" | "cdktf" => Some("cdk"),
        "vercel" | "netlify" | "fly" | "flyctl" | "firebase" | "heroku" | "serverless" | "sls"
        | "wrangler" | "railway" | "render" | "sam" => Some("hosting"),
        _ => None,
    };
    if let Some(family) = table_family {
        let Some(sub) = words.first() else {
            let level = if family == "hosting" && name == "vercel" {
                High
            } else {
                Low
            };
            return Some(
                Ruling::of(level, "infra.bare", format!("{name} without a subcommand")).networked(),
            );
        };
        let row = SUBCOMMANDS
            .iter()
            .find(|(f, s, _, _)| *f == family && s == sub);
        let mut judgement = match row {
            Some((_, _, level, rule)) => Ruling::of(*level, rule, format!("{name} {sub}")),
            None => Ruling::of(Medium, "infra.unknown", format!("{name} {sub}")),
        };
        if family == "terraform" && *sub == "apply" && args.iter().any(|a| a.text == "-destroy") {
            judgement = Ruling::of(High, "infra.destroy", format!("{name} apply -destroy"));
        }
        return Some(judgement.networked());
    }
    match name {
        "aws" | "gcloud" | "gsutil" | "az" | "doctl" | "oci" | "ibmcloud" | "linode-cli"
        | "hcloud" | "scw" => {
            if args.iter().any(|a| a.text == "--with-decryption") {
                return Some(
                    Ruling::of(
                        High,
                        "cloud.secret-read",
                        format!("{name} decrypts secrets"),
                    )
                    .networked(),
                );
            }
            Some(verb_cli(name, &words).networked())
        }
        "gh" | "glab" => Some(forge(name, &words, args).networked()),
        _ => None,
    }
}

/// Generic verb-driven CLIs: the riskiest verb among the subcommand words decides.
fn verb_cli(name: &str, words: &[&str]) -> Ruling {
    let shown = words.iter().take(4).copied().collect::<Vec<_>>().join(" ");
    if name == "aws"
        && words.first() == Some(&"configure")
        && words.get(1).is_none_or(|w| *w != "list")
    {
        return Ruling::of(
            High,
            "publish.credentials",
            "aws configure writes credentials",
        );
    }
    if name == "aws" && words.first() == Some(&"s3") {
        let level = match words.get(1).copied() {
            Some("ls") => Low,
            Some("rm" | "rb") => High,
            _ => Medium,
        };
        return Ruling::of(level, "cloud.s3", format!("aws {shown}"));
    }
    if name == "gsutil" {
        let level = match words.first().copied() {
            Some("ls" | "cat" | "du" | "stat") => Low,
            Some("rm" | "rb") => High,
            _ => Medium,
        };
        return Ruling::of(level, "cloud.storage", format!("gsutil {shown}"));
    }
    let split: Vec<String> = words.iter().take(5).flat_map(|w| split_words(w)).collect();
    let secretive = split.iter().any(|w| {
        matches!(
            w.as_str(),
            "secret" | "credentials" | "credential" | "decryption" | "password"
        )
    }) || words.iter().any(|w| w.contains("decryption"));
    if secretive {
        return Ruling::of(
            High,
            "cloud.secret-read",
            format!("{name} {shown} reads or writes secrets"),
        );
    }
    match level_of_words(split.iter().map(String::as_str)) {
        Some((level, class)) => {
            let rule = match class {
                VerbClass::Read => "cloud.read",
                VerbClass::Mutate => "cloud.change",
                VerbClass::Publish => "publish.deploy",
                VerbClass::Destroy => "infra.delete",
            };
            Ruling::of(level, rule, format!("{name} {shown}"))
        }
        None => Ruling::of(Medium, "cloud.unknown", format!("{name} {shown}")),
    }
}

/// `gh` / `glab`: reading PRs and issues is LOW, writing is MEDIUM, releases, deletes
/// and secrets are HIGH.
fn forge(name: &str, words: &[&str], args: &[super::Arg]) -> Ruling {
    let shown = words.iter().take(3).copied().collect::<Vec<_>>().join(" ");
    match (words.first().copied(), words.get(1).copied()) {
        (Some("release"), Some("create" | "upload" | "delete" | "edit")) => Ruling::of(
            High,
            "publish.release",
            format!("{name} {shown} publishes or removes a release"),
        ),
        (Some("repo"), Some("delete" | "archive" | "rename"))
        | (Some("secret" | "variable"), Some("set" | "delete" | "remove")) => {
            Ruling::of(High, "forge.destructive", format!("{name} {shown}"))
        }
        (Some("auth"), Some("token")) => {
            Ruling::of(High, "path.secret-read", "prints the forge token")
        }
        (Some("api"), _) => {
            let method = args.iter().enumerate().find_map(|(i, a)| {
                let t = a.text.as_str();
                if t == "-X" || t == "--method" {
                    args.get(i + 1).map(|m| m.text.clone())
                } else {
                    t.strip_prefix("--method=")
                        .or_else(|| t.strip_prefix("-X"))
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned)
                }
            });
            let writes = args.iter().any(|a| {
                ["-f", "-F", "--field", "--raw-field", "--input"]
                    .iter()
                    .any(|o| a.text == *o || a.text.starts_with(&format!("{o}=")))
            });
            match method.map(|m| m.to_ascii_uppercase()) {
                Some(m) if m == "DELETE" => Ruling::of(High, "forge.destructive", "gh api DELETE"),
                Some(m) if m != "GET" => Ruling::of(Medium, "forge.write", format!("gh api {m}")),
                _ if writes => Ruling::of(Medium, "forge.write", "gh api with fields (POST)"),
                _ => Ruling::of(Low, "forge.read", "gh api GET"),
            }
        }
        (Some(_), Some(verb)) => {
            let split = split_words(verb);
            match level_of_words(split.iter().map(String::as_str)) {
                Some((Low, _)) => Ruling::of(Low, "forge.read", format!("{name} {shown}")),
                Some((High, _)) => Ruling::of(High, "forge.destructive", format!("{name} {shown}")),
                _ if matches!(verb, "diff" | "checks" | "status") => {
                    Ruling::of(Low, "forge.read", format!("{name} {shown}"))
                }
                _ => Ruling::of(Medium, "forge.write", format!("{name} {shown}")),
            }
        }
        (Some("status" | "browse" | "search" | "version"), None) => {
            Ruling::of(Low, "forge.read", format!("{name} {shown}"))
        }
        _ => Ruling::of(Medium, "forge.write", format!("{name} {shown}")),
    }
}
