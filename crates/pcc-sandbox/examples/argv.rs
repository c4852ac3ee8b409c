//! Prints the bwrap argument vector for a project (a debugging aid).
fn main() {
    let mut args = std::env::args_os().skip(1);
    let project = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| ".".into());
    let command = args
        .next()
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|| "true".into());
    let home = std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/".into()));
    let plan = pcc_sandbox::Plan {
        project_root: project,
        data_dir: home.join(".local/share/pcc-hooks"),
        caches: pcc_sandbox::default_caches(&home),
        home,
        network: pcc_sandbox::Network::None,
    };
    for arg in pcc_sandbox::bwrap_args(&plan, &command) {
        println!("{}", arg.to_string_lossy());
    }
}
