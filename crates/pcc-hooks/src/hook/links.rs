//! Links that already exist on disk. The policy judges paths from the parse alone, so a
//! symlink planted by an earlier call (`ln -s ~/.ssh k`, made in the sandbox, where it is
//! an ordinary write) would make a later LOW `cat k/id_rsa` read the key. Before a LOW
//! call is allowed, each path it relies on is followed on disk; one that leads somewhere
//! LOW may not go makes the call MEDIUM.

use pcc_core::policy::{Containment, PolicyContext, RiskLevel, Verdict, harmless_place};
use std::path::{Path, PathBuf};

/// Raises a LOW `verdict` to MEDIUM when one of its paths leads, through a link on disk,
/// outside what LOW may touch.
pub fn check(verdict: &mut Verdict, context: &PolicyContext) {
    if verdict.level != RiskLevel::Low {
        return;
    }
    let Some((path, real)) = verdict.paths.iter().find_map(|path| {
        let real = real_path(path)?;
        (real != *path && !harmless_place(&real, context, true)).then(|| (path.clone(), real))
    }) else {
        return;
    };
    verdict.level = RiskLevel::Medium;
    verdict.rule = "path.through-link";
    verdict.reason = format!(
        "{} leads through a link to {}, outside what a LOW call may touch",
        path.display(),
        real.display()
    );
    verdict.containment = Containment::Offline;
}

/// The path with every link on its way followed: the longest part that exists, made
/// canonical, then the rest. `None` when nothing of it can be looked at.
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&existing) {
            let mut full = real;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return Some(full);
        }
        rest.push(existing.file_name()?.to_owned());
        if !existing.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcc_core::policy::classify;
    use serde_json::json;

    #[test]
    fn a_link_planted_in_the_project_makes_a_low_read_through_it_medium() {
        let root = tempfile::tempdir().expect("tempdir");
        let home = root.path().join("home");
        let project = home.join("proj");
        std::fs::create_dir_all(project.join("src")).expect("project");
        std::fs::write(home.join("notes.txt"), "private").expect("notes");
        std::os::unix::fs::symlink(&home, project.join("k")).expect("link");
        let context = PolicyContext {
            cwd: project.clone(),
            project_root: project.clone(),
            home: home.clone(),
        };
        let mut through = classify("Bash", &json!({"command": "cat k/notes.txt"}), &context);
        assert_eq!(
            through.level,
            RiskLevel::Low,
            "the parse alone cannot see the link"
        );
        check(&mut through, &context);
        assert_eq!(through.level, RiskLevel::Medium);
        assert_eq!(through.rule, "path.through-link");
        let mut read = classify(
            "Read",
            &json!({"file_path": project.join("k/notes.txt")}),
            &context,
        );
        check(&mut read, &context);
        assert_eq!(read.level, RiskLevel::Medium, "the Read tool too");
        let mut plain = classify("Bash", &json!({"command": "cat src/main.rs"}), &context);
        check(&mut plain, &context);
        assert_eq!(plain.level, RiskLevel::Low, "no link, no change");
    }
}
