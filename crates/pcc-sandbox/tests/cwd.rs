//! Where a contained command starts: the current directory when it is inside the project, else
//! the project root. Alone in its own test binary because it changes the process's directory.
#![allow(missing_docs)]

mod common;

use common::{Tree, succeeds};

#[test]
fn the_command_starts_where_the_caller_is_if_that_is_in_the_project() {
    let tree = Tree::new();
    let sub = tree.project.join("src/deep");
    std::fs::create_dir_all(&sub).expect("subdirectory");
    std::env::set_current_dir(&sub).expect("cd into the project");
    let inside = tree.sh("pwd");
    succeeds(&inside);
    assert_eq!(
        String::from_utf8_lossy(&inside.stdout),
        format!("{}\n", sub.display())
    );
    std::env::set_current_dir(&tree.home).expect("cd out of the project");
    let outside = tree.sh("pwd");
    succeeds(&outside);
    assert_eq!(
        String::from_utf8_lossy(&outside.stdout),
        format!("{}\n", tree.project.display())
    );
}
