//! Links that already exist on disk. The policy judges paths from the parse alone, so a
//! symlink planted by an earlier call (`ln -s ~/.ssh k`, made in the sandbox, where it is
//! an ordinary write) would make a later LOW `cat k/id_rsa` read the key. Before a LOW
//! call is allowed, each path it relies on is followed on disk; one that leads somewhere
//! LOW may not go makes the call MEDIUM.

use pcc_policy::{Containment, PolicyContext, RiskLevel, Verdict, harmless_place};
use std::path::{Path, PathBuf};

/// Raises a LOW `verdict` to MEDIUM when one of its paths leads, through a link on disk,
/// outside what LOW may touch.
pub fn check(verdict: &mut Verdict, context: &PolicyContext) {
    if verdict.level != RiskLevel::Low {
        return;
    }
    let leads_out = |path: &PathBuf| {
        let real = real_path(path)?;
        (real != *path && !harmless_place(&real, context, true)).then(|| (path.clone(), real))
    };
    // A directory's own entries too: a glob (`cat src/*.rs`) is placed by its directory,
    // and what it matches may be a link.
    let Some((path, real)) = verdict.paths.iter().find_map(|path| {
        leads_out(path).or_else(|| {
            std::fs::read_dir(path)
                .ok()?
                .filter_map(Result::ok)
                .find_map(|entry| {
                    let linked = entry.file_type().is_ok_and(|kind| kind.is_symlink());
                    linked.then(|| leads_out(&entry.path())).flatten()
                })
        })
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

/// Every name of our data directory, for [`PolicyContext::data_dirs`]: as configured, made
/// absolute the way this process opens its files (`$PCC_HOME=./.pcc` against our cwd), and
/// with the links on its way followed (`/tmp` is `/private/tmp` on macOS), so the policy knows
/// it by either name and [`check`] knows a link into it. Empty when it cannot be made
/// absolute (no cwd): the policy then knows the default places by name only.
pub fn data_dir_names(root: &Path) -> Vec<PathBuf> {
    let Ok(configured) = std::path::absolute(root) else {
        return Vec::new();
    };
    let real = real_path(&configured).filter(|real| *real != configured);
    std::iter::once(configured).chain(real).collect()
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
    use pcc_policy::classify;
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
            data_dirs: Vec::new(),
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

    #[test]
    fn a_link_into_the_data_dir_raises_the_call_and_either_name_of_it_is_known() {
        let root = tempfile::tempdir().expect("tempdir");
        let home = root.path().join("home");
        let project = home.join("proj");
        let data = root.path().join("pcc-data");
        std::fs::create_dir_all(project.join("src")).expect("project");
        std::fs::create_dir_all(data.join("spool")).expect("spool");
        std::fs::write(data.join("pcc.db"), "approvals").expect("db");
        std::os::unix::fs::symlink(&data, project.join("cache")).expect("link in the project");
        // `$PCC_HOME` names the data directory through a link of its own.
        std::os::unix::fs::symlink(&data, root.path().join("alias")).expect("alias");
        let names = data_dir_names(&root.path().join("alias"));
        let real = std::fs::canonicalize(&data).expect("canonical");
        assert_eq!(names, [root.path().join("alias"), real.clone()]);
        let context = PolicyContext {
            cwd: project.clone(),
            project_root: project.clone(),
            home: home.clone(),
            data_dirs: names,
        };
        let judged = |command: &str| {
            let mut verdict = classify("Bash", &json!({"command": command}), &context);
            check(&mut verdict, &context);
            verdict
        };
        for through in ["cat cache/pcc.db", "echo x > cache/spool/a.event.json"] {
            let verdict = judged(through);
            assert_eq!(verdict.level, RiskLevel::Medium, "{through}");
            assert_eq!(verdict.rule, "path.through-link", "{through}");
        }
        for named in [
            format!("echo x > {}/spool/a.event.json", real.display()),
            format!(
                "echo x > {}/alias/spool/a.event.json",
                root.path().display()
            ),
        ] {
            assert_eq!(judged(&named).level, RiskLevel::High, "{named}");
        }
        assert_eq!(judged("cat src/main.rs").level, RiskLevel::Low);
    }

    #[test]
    fn writes_globs_and_deletes_through_a_link_are_medium_and_run_contained() {
        let root = tempfile::tempdir().expect("tempdir");
        let home = root.path().join("home");
        let project = home.join("proj");
        std::fs::create_dir_all(project.join("src")).expect("project");
        std::fs::create_dir_all(project.join("docs")).expect("docs");
        std::fs::write(home.join(".bashrc"), "# rc").expect("rc");
        std::fs::write(project.join("docs/a.md"), "a").expect("doc");
        std::os::unix::fs::symlink(home.join(".bashrc"), project.join("src/rc.txt")).expect("link");
        std::os::unix::fs::symlink(&home, project.join("build")).expect("link");
        std::os::unix::fs::symlink(project.join("docs/a.md"), project.join("docs/b.md"))
            .expect("inner link");
        let context = PolicyContext {
            cwd: project.clone(),
            project_root: project.clone(),
            home: home.clone(),
            data_dirs: Vec::new(),
        };
        let judged = |command: &str| {
            let mut verdict = classify("Bash", &json!({"command": command}), &context);
            check(&mut verdict, &context);
            verdict
        };
        for through in [
            "echo x > src/rc.txt",
            "truncate -s 0 src/*.txt",
            "cat src/*.txt",
            "rm -rf build/",
            "cat build/notes.txt",
        ] {
            let verdict = judged(through);
            assert_eq!(verdict.level, RiskLevel::Medium, "{through}");
            assert_eq!(verdict.rule, "path.through-link", "{through}");
            assert_eq!(verdict.containment, Containment::Offline, "{through}");
        }
        for routine in [
            "cat docs/*.md",
            "cat docs/b.md",
            "echo x > src/new.rs",
            "ls docs",
        ] {
            assert_eq!(
                judged(routine).level,
                RiskLevel::Low,
                "{routine}: a link inside the project"
            );
        }
    }
}
