//! What a start asks for, and the checks that refuse a request before anything is recorded.

use crate::error::Error;
use pcc_core::bridge::task_queue::unchecked_items;
use pcc_store::StartTask;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// The most a requirements file may hold: it is a list of tasks, not data.
const MAX_REQUIREMENTS_BYTES: u64 = 1024 * 1024;

/// A session to start: where, what to do, and with which model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// The project directory Claude runs in.
    pub dir: PathBuf,
    /// What it is asked to do.
    pub work: Work,
    /// `--model`, when given.
    pub model: Option<String>,
}

/// What a started session is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// One task: the prompt.
    Task(String),
    /// Every unchecked `- [ ]` item of a Markdown file, parsed as `pcc-hooks add --requirements`
    /// parses it: the first is the prompt, the rest are handed over at the session's Stops.
    Requirements(PathBuf),
}

/// A request that passed its checks.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The directory, absolute, symlinks resolved: as the session's hooks record it.
    pub(crate) dir: PathBuf,
    /// The tasks, the prompt first; never empty.
    pub(crate) tasks: Vec<StartTask>,
    /// The model.
    pub(crate) model: Option<String>,
}

impl StartRequest {
    /// Checks the request: a directory that exists, at least one task with words in it, a
    /// model that cannot be read as an option.
    pub(crate) fn check(&self) -> Result<Checked, Error> {
        let dir = std::fs::canonicalize(&self.dir).map_err(|error| {
            Error::refused(format!(
                "cannot start a session in {}: {error}",
                self.dir.display()
            ))
        })?;
        if !dir.is_dir() {
            return Err(Error::refused(format!(
                "{} is not a directory: give the project directory Claude should work in",
                dir.display()
            )));
        }
        let tasks = match &self.work {
            Work::Task(text) if text.trim().is_empty() => {
                return Err(Error::refused(
                    "the task is empty: say what Claude should do (--task 'Fix the failing test')",
                ));
            }
            Work::Task(text) => vec![StartTask {
                text: text.trim().to_owned(),
                source: "start".to_owned(),
            }],
            Work::Requirements(file) => requirements(file)?,
        };
        let model = match self.model.as_deref().map(str::trim) {
            None => None,
            Some(model) if model.is_empty() || model.starts_with('-') => {
                return Err(Error::refused(format!(
                    "{model:?} is not a model name (e.g. --model sonnet)"
                )));
            }
            Some(model) => Some(model.to_owned()),
        };
        Ok(Checked { dir, tasks, model })
    }
}

/// The unchecked items of a requirements file, each with its line as its source.
fn requirements(file: &Path) -> Result<Vec<StartTask>, Error> {
    let cannot =
        |error: std::io::Error| Error::refused(format!("cannot read {}: {error}", file.display()));
    let metadata = std::fs::metadata(file).map_err(cannot)?;
    if !metadata.is_file() {
        return Err(Error::refused(format!(
            "{} is not a file: give a Markdown file of `- [ ]` items",
            file.display()
        )));
    }
    if metadata.len() > MAX_REQUIREMENTS_BYTES {
        return Err(Error::refused(format!(
            "{} is larger than {} KiB: a requirements file lists tasks",
            file.display(),
            MAX_REQUIREMENTS_BYTES / 1024
        )));
    }
    let text = std::fs::read_to_string(file).map_err(cannot)?;
    let items = unchecked_items(&text);
    if items.is_empty() {
        return Err(Error::refused(format!(
            "{} has no unchecked `- [ ]` item: nothing to start",
            file.display()
        )));
    }
    Ok(items
        .into_iter()
        .map(|item| StartTask {
            text: item.text,
            source: format!("requirements:{}:{}", file.display(), item.line),
        })
        .collect())
}

/// The program to run: `program` itself when it names a path, else the first executable of
/// that name on `PATH`, as a shell would find it (no shell runs).
pub(crate) fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 || program.is_absolute() {
        return is_executable(program).then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dir: &Path, work: Work) -> StartRequest {
        StartRequest {
            dir: dir.to_path_buf(),
            work,
            model: None,
        }
    }

    fn refusal(result: Result<Checked, Error>) -> String {
        match result {
            Err(Error::Refused(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_task_is_trimmed_and_the_directory_resolved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checked = request(dir.path(), Work::Task("  fix it \n".into()))
            .check()
            .expect("fine");
        assert_eq!(checked.dir, dir.path().canonicalize().expect("canonical"));
        assert_eq!(
            checked.tasks,
            vec![StartTask {
                text: "fix it".into(),
                source: "start".into()
            }]
        );
    }

    #[test]
    fn an_empty_task_a_file_as_directory_and_a_missing_one_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(refusal(request(dir.path(), Work::Task(" \n".into())).check()).contains("empty"));
        let file = dir.path().join("f");
        std::fs::write(&file, "x").expect("write");
        assert!(
            refusal(request(&file, Work::Task("x".into())).check()).contains("not a directory")
        );
        assert!(
            refusal(request(&dir.path().join("nope"), Work::Task("x".into())).check())
                .contains("No such file")
        );
        let mut with_model = request(dir.path(), Work::Task("x".into()));
        with_model.model = Some("--dangerously-skip-permissions".into());
        assert!(refusal(with_model.check()).contains("not a model name"));
    }

    #[test]
    fn requirements_become_tasks_in_order_with_their_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("requirements.md");
        std::fs::write(
            &file,
            "# Plan\n- [x] done\n- [ ] first\n  more of it\n- [ ] second\n",
        )
        .expect("write");
        let checked = request(dir.path(), Work::Requirements(file.clone()))
            .check()
            .expect("fine");
        let tasks: Vec<(&str, String)> = checked
            .tasks
            .iter()
            .map(|task| (task.text.as_str(), task.source.clone()))
            .collect();
        assert_eq!(
            tasks,
            vec![
                (
                    "first\nmore of it",
                    format!("requirements:{}:3", file.display())
                ),
                ("second", format!("requirements:{}:5", file.display())),
            ]
        );
        std::fs::write(&file, "- [x] all done\n").expect("write");
        assert!(
            refusal(request(dir.path(), Work::Requirements(file)).check()).contains("no unchecked")
        );
    }
}
