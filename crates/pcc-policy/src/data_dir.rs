//! pcc-hooks' own data directory, wherever it is ([`PolicyContext::data_dirs`]).
//!
//! It holds the database of human approvals, the spool a LOW call's row waits in, the marks of
//! deferred calls, the server token and the config: an agent that writes there can forge an
//! approval or hang the hooks, one that reads there can learn the token that answers
//! escalations. The default places are known by name under the home (`paths::HOME_AGENT_DIRS`);
//! `$PCC_HOME` can put it anywhere, under `/tmp` or inside the project, so it is placed here by
//! the path the caller resolved, before any other kind of place but devices, the root, the home
//! and secrets by name: it wins over "inside the project" and "scratch".
//!
//! Names are compared without regard to ASCII case, like the rest of the policy (toward the
//! stricter kind on a file system that ignores case).

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Component, Path};

use super::PolicyContext;
use super::paths::{glob_matches, normalize};

/// Files directly in the data directory that hold credentials, HIGH to read: the server token
/// (whoever has it answers escalations through the API, its own included) and the config
/// (webhook URLs and headers, which carry tokens). The rest (the database, whose text is
/// redacted, the spool, the marks, the logs) is MEDIUM to read: other projects' calls.
const CREDENTIAL_FILES: &[&str] = &["server.token", "config.toml"];

/// How a path stands to the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Relation {
    /// Neither in it nor on the way to it.
    Apart,
    /// A directory the data directory lies under: removing, moving or recursively changing it
    /// reaches the data directory.
    Holds,
    /// The data directory or something in it; `secret` for one of [`CREDENTIAL_FILES`].
    Inside { secret: bool },
}

/// How `path` (resolved, `..` folded) stands to the nearest of the context's data directories.
pub(crate) fn relation(path: &Path, ctx: &PolicyContext) -> Relation {
    ctx.data_dirs
        .iter()
        .map(|dir| relate(path, &normal(dir, ctx)))
        .max()
        .unwrap_or(Relation::Apart)
}

/// True when every data directory under `dir` lies below a hidden directory (a name with a
/// leading dot) on the way from `dir`, which a search that skips hidden files never enters.
pub(crate) fn hidden_below(dir: &Path, ctx: &PolicyContext) -> bool {
    ctx.data_dirs.iter().all(|data| {
        let data = normal(data, ctx);
        relate(dir, &data) != Relation::Holds
            || data
                .components()
                .skip(dir.components().count())
                .any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."))
    })
}

/// What a glob may reach of the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The data directory, a directory on the way to it, or something in it.
    Some,
    /// One of its credential files, too.
    Credentials,
}

/// How a program goes through what a glob matches, for [`glob_reach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sweep {
    /// It reads what it is given, a directory to the bottom (`cat`, `cp -r`): `**` may stand
    /// for the directories on the way to the data directory (find's `{}` is `START/**`).
    Deep,
    /// It looks at the names it is given, or removes them (`ls`, `rm`): matching a directory
    /// on the way counts, `**` going down to it does not (`**/*.rs` from the root shows no more
    /// of the data directory than `find .` does, which is names).
    Names,
    /// It lists the names the pattern matches (the Glob tool): only names below the data
    /// directory count.
    Listing,
}

/// What the glob `tail` under the directory `base` (split by `paths::glob_base`, so it cannot
/// climb out of `base`) may match of a data directory, as a program that goes through its
/// matches as `sweep` says: `None` when nothing. A component matches a name as bash does (`*`
/// not a leading dot).
pub(crate) fn glob_reach(
    base: &Path,
    tail: &str,
    sweep: Sweep,
    ctx: &PolicyContext,
) -> Option<Reach> {
    let tail = tail.to_ascii_lowercase();
    let parts: Vec<&str> = tail.split('/').filter(|p| !p.is_empty()).collect();
    let any_depth = sweep == Sweep::Deep;
    let mut reach = None;
    for dir in &ctx.data_dirs {
        let dir = normal(dir, ctx);
        let below: Vec<String> = match relate(base, &dir) {
            Relation::Apart => continue,
            Relation::Holds => lowered(dir.components().skip(base.components().count())),
            Relation::Inside { .. } => Vec::new(),
        };
        let inside = base.components().count() >= dir.components().count();
        let on_top = base.components().count() == dir.components().count();
        let names: Vec<&str> = below.iter().map(String::as_str).collect();
        let credentials = (on_top || !inside)
            && CREDENTIAL_FILES.iter().any(|file| {
                let mut path = names.clone();
                path.push(file);
                matches_whole(&parts, &path, any_depth)
            });
        if credentials {
            return Some(Reach::Credentials);
        }
        let ancestors = sweep != Sweep::Listing;
        if inside || reaches(&parts, &names, any_depth, ancestors) {
            reach = Some(Reach::Some);
        }
    }
    reach
}

/// The data directory as an absolute path with `.` and `..` folded: as given when it already
/// is one (the usual case, no allocation), else taken against the session's cwd.
fn normal<'a>(dir: &'a Path, ctx: &PolicyContext) -> Cow<'a, Path> {
    if dir.is_absolute() && clean(dir.as_os_str().as_encoded_bytes()) {
        Cow::Borrowed(dir)
    } else {
        Cow::Owned(normalize(&ctx.cwd.join(dir)))
    }
}

/// True when an absolute path's text is already what `paths::normalize` makes of it: no empty,
/// `.` or `..` component and no trailing `/`, so it can be compared byte by byte.
fn clean(bytes: &[u8]) -> bool {
    if bytes == b"/" {
        return true;
    }
    bytes.first() == Some(&b'/')
        && bytes[1..]
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// How `path` stands to `dir`, both absolute; compared as text when both are clean (every
/// call of the policy places paths, so this is on its hot path), else by components.
fn relate(path: &Path, dir: &Path) -> Relation {
    let (own, data) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    if !(clean(own) && clean(data)) {
        return relate_by_components(path, dir);
    }
    let root = data == b"/";
    if own.len() >= data.len()
        && own[..data.len()].eq_ignore_ascii_case(data)
        && (own.len() == data.len() || root || own[data.len()] == b'/')
    {
        let rest = own
            .get(data.len() + usize::from(!root)..)
            .unwrap_or_default();
        return Relation::Inside {
            secret: credential_name(rest),
        };
    }
    let holds = data.len() > own.len()
        && data[..own.len()].eq_ignore_ascii_case(own)
        && (own == b"/" || data[own.len()] == b'/');
    if holds {
        Relation::Holds
    } else {
        Relation::Apart
    }
}

fn relate_by_components(path: &Path, dir: &Path) -> Relation {
    let mut rest = path.components();
    for part in dir.components() {
        match rest.next() {
            Some(own) if same(own.as_os_str(), part.as_os_str()) => {}
            Some(_) => return Relation::Apart,
            None => return Relation::Holds,
        }
    }
    let mut below = rest.map(|c| c.as_os_str());
    let secret = match (below.next(), below.next()) {
        (Some(name), None) => credential_name(name.as_encoded_bytes()),
        _ => false,
    };
    Relation::Inside { secret }
}

/// True when `name` (one component) is one of [`CREDENTIAL_FILES`].
fn credential_name(name: &[u8]) -> bool {
    CREDENTIAL_FILES
        .iter()
        .any(|file| name.eq_ignore_ascii_case(file.as_bytes()))
}

fn same(a: &OsStr, b: &OsStr) -> bool {
    a.as_encoded_bytes()
        .eq_ignore_ascii_case(b.as_encoded_bytes())
}

fn lowered<'a>(components: impl Iterator<Item = Component<'a>>) -> Vec<String> {
    components
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .collect()
}

/// Whether the pattern may match something under `names`, or (with `ancestors`) `names`
/// itself or a directory on the way to it; `**` matches none of `names` unless `any_depth`.
fn reaches(parts: &[&str], names: &[&str], any_depth: bool, ancestors: bool) -> bool {
    match (parts.split_first(), names.split_first()) {
        (None, None) => ancestors,
        (None, Some(_)) => ancestors,
        (Some(_), None) => true,
        (Some((&"**", rest)), Some((_, deeper))) => {
            reaches(rest, names, any_depth, ancestors)
                || (any_depth && reaches(parts, deeper, any_depth, ancestors))
        }
        (Some((part, rest)), Some((name, deeper))) => {
            glob_matches(part.as_bytes(), name.as_bytes())
                && reaches(rest, deeper, any_depth, ancestors)
        }
    }
}

/// Whether the pattern may match exactly the path `names`.
fn matches_whole(parts: &[&str], names: &[&str], any_depth: bool) -> bool {
    match (parts.split_first(), names.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => {
            matches_whole(rest, names, any_depth)
                || (any_depth
                    && names
                        .split_first()
                        .is_some_and(|(_, deeper)| matches_whole(parts, deeper, any_depth)))
        }
        (Some((part, rest)), Some((name, deeper))) => {
            glob_matches(part.as_bytes(), name.as_bytes()) && matches_whole(rest, deeper, any_depth)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn context(data: &str) -> PolicyContext {
        PolicyContext {
            cwd: PathBuf::from("/home/u/proj"),
            project_root: PathBuf::from("/home/u/proj"),
            home: PathBuf::from("/home/u"),
            data_dirs: vec![PathBuf::from(data)],
        }
    }

    #[test]
    fn a_path_is_inside_on_the_way_to_or_apart_from_the_data_dir() {
        let ctx = context("/home/u/proj/.pcc");
        let of = |path: &str| relation(Path::new(path), &ctx);
        assert_eq!(of("/home/u/proj/.pcc"), Relation::Inside { secret: false });
        assert_eq!(
            of("/home/u/proj/.pcc/spool/a.event.json"),
            Relation::Inside { secret: false }
        );
        assert_eq!(
            of("/home/u/proj/.PCC/Server.Token"),
            Relation::Inside { secret: true }
        );
        assert_eq!(
            of("/home/u/proj/.pcc/config.toml"),
            Relation::Inside { secret: true }
        );
        assert_eq!(
            of("/home/u/proj/.pcc/logs/config.toml"),
            Relation::Inside { secret: false }
        );
        assert_eq!(of("/home/u/proj"), Relation::Holds);
        assert_eq!(of("/"), Relation::Holds);
        assert_eq!(of("/home/u/proj/.pcc-old"), Relation::Apart);
        assert_eq!(of("/home/u/proj/src"), Relation::Apart);
        assert_eq!(
            relation(
                Path::new("/x"),
                &PolicyContext {
                    data_dirs: Vec::new(),
                    ..ctx.clone()
                }
            ),
            Relation::Apart
        );
    }

    #[test]
    fn text_and_components_agree() {
        let ctx = context("/home/u/proj/.pcc");
        for path in [
            "/home/u/proj/.pcc/server.token",
            "/home/u/proj/.pcc//server.token",
            "/home/u/proj/.pcc/./server.token",
            "/home/u/proj/.pcc/",
            "/home/u/proj/",
            "/home/u/proj/.pccx",
            "/",
        ] {
            let path = Path::new(path);
            let dir = Path::new("/home/u/proj/.pcc");
            assert_eq!(
                relate(path, dir),
                relate_by_components(path, dir),
                "{}",
                path.display()
            );
            assert_eq!(relation(path, &ctx), relate_by_components(path, dir));
        }
        let everything = context("/");
        assert_eq!(
            relation(Path::new("/config.toml"), &everything),
            Relation::Inside { secret: true }
        );
    }

    #[test]
    fn a_relative_or_unfolded_data_dir_is_taken_against_the_cwd() {
        for data in [".pcc", "./.pcc", "src/../.pcc", "/home/u/proj/x/../.pcc/"] {
            let ctx = context(data);
            assert_eq!(
                relation(Path::new("/home/u/proj/.pcc/pcc.db"), &ctx),
                Relation::Inside { secret: false },
                "{data}"
            );
        }
    }

    #[test]
    fn globs_reach_the_data_dir_by_what_they_may_match() {
        let ctx = context("/home/u/proj/.pcc");
        let root = Path::new("/home/u/proj");
        let reach = |base: &Path, tail: &str| glob_reach(base, tail, Sweep::Deep, &ctx);
        assert_eq!(reach(root, ".pc?/server.token"), Some(Reach::Credentials));
        assert_eq!(reach(root, ".p*/*"), Some(Reach::Credentials));
        assert_eq!(reach(root, "**"), Some(Reach::Credentials));
        assert_eq!(reach(root, ".pc?/spool/x"), Some(Reach::Some));
        assert_eq!(reach(root, ".p*"), Some(Reach::Some));
        assert_eq!(reach(root, "**/*.rs"), Some(Reach::Some));
        assert_eq!(reach(root, "*"), None, "a * matches no leading dot");
        assert_eq!(reach(root, "*.md"), None);
        assert_eq!(reach(root, "src/*.rs"), None);
        assert_eq!(reach(Path::new("/home/u/proj/src"), "**"), None);
        let data = Path::new("/home/u/proj/.pcc");
        assert_eq!(reach(data, "server.t*"), Some(Reach::Credentials));
        assert_eq!(reach(data, "*.db"), Some(Reach::Some));
        assert_eq!(reach(&data.join("spool"), "*"), Some(Reach::Some));
        let names = |tail: &str| glob_reach(root, tail, Sweep::Names, &ctx);
        assert_eq!(names("**/*.rs"), None, "names swept from the root");
        assert_eq!(names("**/.pcc/*"), Some(Reach::Credentials));
        assert_eq!(names(".pc?/deferred/*"), Some(Reach::Some));
        assert_eq!(names(".p*"), Some(Reach::Some), "rm -rf .p* removes it");
        let listed = |tail: &str| glob_reach(root, tail, Sweep::Listing, &ctx);
        assert_eq!(listed(".p*"), None, "lists the name .pcc only");
        assert_eq!(listed(".p*/*"), Some(Reach::Credentials));
        assert_eq!(listed(".pc?/deferred/*"), Some(Reach::Some));
    }
}
