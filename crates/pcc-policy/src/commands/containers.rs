//! Containers and clusters: docker/podman, kubectl, helm. Looking is LOW, changing is
//! MEDIUM, deleting data or publishing images is HIGH.

use super::super::level::RiskLevel::{self, High, Low, Medium};
use super::super::verdict::Finding;
use super::{Invocation, Ruling};

/// (tool family, subcommand, level, rule); unknown subcommands are MEDIUM.
const SUBCOMMANDS: &[(&str, &str, RiskLevel, &str)] = &[
    ("docker", "ps", Low, "docker.read"),
    ("docker", "images", Low, "docker.read"),
    ("docker", "logs", Low, "docker.read"),
    ("docker", "inspect", Low, "docker.read"),
    ("docker", "version", Low, "docker.read"),
    ("docker", "info", Low, "docker.read"),
    ("docker", "stats", Low, "docker.read"),
    ("docker", "top", Low, "docker.read"),
    ("docker", "port", Low, "docker.read"),
    ("docker", "diff", Low, "docker.read"),
    ("docker", "history", Low, "docker.read"),
    ("docker", "search", Low, "docker.read"),
    ("docker", "events", Low, "docker.read"),
    ("docker", "ls", Low, "docker.read"),
    ("docker", "config", Low, "docker.read"),
    ("docker", "build", Medium, "docker.change"),
    ("docker", "run", Medium, "docker.change"),
    ("docker", "exec", Medium, "docker.change"),
    ("docker", "pull", Medium, "docker.change"),
    ("docker", "start", Medium, "docker.change"),
    ("docker", "stop", Medium, "docker.change"),
    ("docker", "restart", Medium, "docker.change"),
    ("docker", "create", Medium, "docker.change"),
    ("docker", "cp", Medium, "docker.change"),
    ("docker", "tag", Medium, "docker.change"),
    ("docker", "up", Medium, "docker.change"),
    ("docker", "down", Medium, "docker.change"),
    ("docker", "rm", Medium, "docker.change"),
    ("docker", "rmi", Medium, "docker.change"),
    ("docker", "kill", Medium, "docker.change"),
    ("docker", "login", High, "publish.credentials"),
    ("docker", "push", High, "publish.image"),
    ("docker", "prune", High, "docker.prune"),
    ("docker", "volume", Medium, "docker.change"),
    ("docker", "system", Medium, "docker.change"),
    ("docker", "network", Medium, "docker.change"),
    ("docker", "image", Medium, "docker.change"),
    ("docker", "container", Medium, "docker.change"),
    ("kubectl", "get", Low, "kubectl.read"),
    ("kubectl", "describe", Low, "kubectl.read"),
    ("kubectl", "logs", Low, "kubectl.read"),
    ("kubectl", "top", Low, "kubectl.read"),
    ("kubectl", "explain", Low, "kubectl.read"),
    ("kubectl", "api-resources", Low, "kubectl.read"),
    ("kubectl", "api-versions", Low, "kubectl.read"),
    ("kubectl", "version", Low, "kubectl.read"),
    ("kubectl", "cluster-info", Low, "kubectl.read"),
    ("kubectl", "diff", Low, "kubectl.read"),
    ("kubectl", "events", Low, "kubectl.read"),
    ("kubectl", "auth", Low, "kubectl.read"),
    ("kubectl", "apply", Medium, "kubectl.change"),
    ("kubectl", "create", Medium, "kubectl.change"),
    ("kubectl", "edit", Medium, "kubectl.change"),
    ("kubectl", "patch", Medium, "kubectl.change"),
    ("kubectl", "label", Medium, "kubectl.change"),
    ("kubectl", "annotate", Medium, "kubectl.change"),
    ("kubectl", "scale", Medium, "kubectl.change"),
    ("kubectl", "rollout", Medium, "kubectl.change"),
    ("kubectl", "set", Medium, "kubectl.change"),
    ("kubectl", "expose", Medium, "kubectl.change"),
    ("kubectl", "run", Medium, "kubectl.change"),
    ("kubectl", "exec", Medium, "kubectl.change"),
    ("kubectl", "cp", Medium, "kubectl.change"),
    ("kubectl", "port-forward", Medium, "kubectl.change"),
    ("kubectl", "config", Medium, "kubectl.change"),
    ("kubectl", "delete", High, "infra.delete"),
    ("kubectl", "drain", High, "infra.delete"),
    ("kubectl", "cordon", High, "infra.delete"),
    ("kubectl", "replace", High, "infra.delete"),
    ("kubectl", "taint", High, "infra.delete"),
    ("helm", "list", Low, "helm.read"),
    ("helm", "ls", Low, "helm.read"),
    ("helm", "status", Low, "helm.read"),
    ("helm", "get", Low, "helm.read"),
    ("helm", "history", Low, "helm.read"),
    ("helm", "show", Low, "helm.read"),
    ("helm", "search", Low, "helm.read"),
    ("helm", "template", Low, "helm.read"),
    ("helm", "lint", Low, "helm.read"),
    ("helm", "version", Low, "helm.read"),
    ("helm", "env", Low, "helm.read"),
    ("helm", "install", Medium, "helm.change"),
    ("helm", "upgrade", Medium, "helm.change"),
    ("helm", "rollback", Medium, "helm.change"),
    ("helm", "repo", Medium, "helm.change"),
    ("helm", "pull", Medium, "helm.change"),
    ("helm", "package", Low, "helm.read"),
    ("helm", "dependency", Medium, "helm.change"),
    ("helm", "uninstall", High, "infra.delete"),
    ("helm", "delete", High, "infra.delete"),
    ("helm", "del", High, "infra.delete"),
    ("helm", "push", High, "publish.image"),
];

/// Options of kubectl/helm/docker that take a value before the subcommand.
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-H",
    "--host",
    "-c",
    "--config",
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--profile",
    "--env-file",
    "--log-level",
];

/// Judges container and cluster tools; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let family = match name {
        "docker" | "podman" | "nerdctl" | "docker-compose" | "podman-compose" => "docker",
        "kubectl" | "oc" | "k" | "microk8s.kubectl" => "kubectl",
        "helm" => "helm",
        _ => return None,
    };
    let args = inv.args();
    let words: Vec<&str> = non_option_words(args);
    let mut words = words.as_slice();
    if family == "docker" && matches!(words.first(), Some(&"compose")) {
        words = &words[1..];
    }
    let Some(sub) = words.first() else {
        return Some(Ruling::of(
            Low,
            "docker.read",
            format!("{name} without a subcommand prints help"),
        ));
    };
    // `docker volume ls`, `docker image prune`: the second word decides.
    let effective = match (family, *sub, words.get(1)) {
        (
            "docker",
            "volume" | "system" | "network" | "image" | "container" | "builder" | "buildx"
            | "context" | "config" | "secret",
            Some(second),
        ) => *second,
        (_, "rollout", Some(&("status" | "history"))) => "get",
        (_, "config", Some(&("view" | "get-contexts" | "current-context" | "get-clusters"))) => {
            "get"
        }
        (_, "repo", Some(&"list")) => "list",
        _ => *sub,
    };
    if family == "kubectl" && reads_secrets(words, args) {
        return Some(Ruling::of(
            High,
            "kubectl.secret-read",
            "prints Kubernetes secrets or raw credentials",
        ));
    }
    let row = SUBCOMMANDS
        .iter()
        .find(|(f, s, _, _)| *f == family && *s == effective);
    let mut judgement = match (row, effective) {
        (Some((_, _, level, rule)), _) => {
            Ruling::of(*level, rule, format!("{name} {}", words.join(" ")))
        }
        (None, "prune") => Ruling::of(
            High,
            "docker.prune",
            format!("{name} {} deletes data", words.join(" ")),
        ),
        (None, "rm" | "remove") if matches!(*sub, "volume") => Ruling::of(
            High,
            "docker.volume-delete",
            "deletes container volumes and their data",
        ),
        (None, _) => Ruling::of(
            Medium,
            "container.unknown",
            format!("{name} {}", words.join(" ")),
        ),
    };
    if *sub == "volume" && matches!(effective, "rm" | "remove") {
        judgement = judgement.raise(Finding::new(
            High,
            "docker.volume-delete",
            "deletes container volumes and their data",
        ));
    }
    if effective == "down" && args.iter().any(|a| a.text == "-v" || a.text == "--volumes") {
        judgement = judgement.raise(Finding::new(
            High,
            "docker.volume-delete",
            "compose down -v deletes volumes",
        ));
    }
    let privileged = args.iter().any(|a| {
        a.text == "--privileged" || a.text.starts_with("--pid=host") || a.text.starts_with("/:/")
    });
    if privileged {
        judgement = judgement.raise(Finding::new(
            High,
            "privilege.container",
            "container with host privileges or the host filesystem",
        ));
    }
    if effective == "delete"
        && args
            .iter()
            .any(|a| a.text == "--all" || a.text == "-A" || a.text == "--all-namespaces")
    {
        judgement = judgement.raise(Finding::new(
            High,
            "infra.delete",
            "deletes many resources at once",
        ));
    }
    Some(judgement)
}

/// `kubectl get secret -o yaml`, `kubectl config view --raw`: secrets in the output.
/// Arguments known only at run time could be such options, so they count too.
fn reads_secrets(words: &[&str], args: &[super::Arg]) -> bool {
    let raw_config =
        words.first() == Some(&"config") && args.iter().any(|a| a.text == "--raw" || a.dynamic);
    let get_secret = matches!(words.first(), Some(&("get" | "describe")))
        && words.iter().any(|w| {
            w.split([',', '/'])
                .any(|p| matches!(p, "secret" | "secrets"))
        })
        && args
            .iter()
            .any(|a| a.dynamic || a.text.starts_with("-o") || a.text.starts_with("--output"));
    let dynamic_get = words.first() == Some(&"get") && args.iter().any(|a| a.dynamic);
    raw_config || get_secret || dynamic_get
}

/// Words that are not options nor values of the global options above.
pub(crate) fn non_option_words(args: &[super::Arg]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
            continue;
        }
        let text = arg.text.as_str();
        if GLOBAL_WITH_VALUE.contains(&text) {
            skip = true;
            continue;
        }
        if text.starts_with('-') {
            continue;
        }
        out.push(text);
    }
    out
}
