//! Operating-system administration: disks, power, services, users, processes.

use super::super::level::RiskLevel::{self, Critical, High, Low, Medium};
use super::super::paths::PlaceKind;
use super::{Invocation, Ruling, operands};

/// Commands with one fixed level; one line per command.
const FIXED: &[(&str, RiskLevel, &str)] = &[
    ("fdisk", Critical, "disk.partition"),
    ("sfdisk", Critical, "disk.partition"),
    ("cfdisk", Critical, "disk.partition"),
    ("gdisk", Critical, "disk.partition"),
    ("sgdisk", Critical, "disk.partition"),
    ("parted", Critical, "disk.partition"),
    ("wipefs", Critical, "disk.wipe"),
    ("mkswap", Critical, "disk.format"),
    ("diskutil", High, "disk.admin"),
    ("shutdown", High, "system.power"),
    ("reboot", High, "system.power"),
    ("halt", High, "system.power"),
    ("poweroff", High, "system.power"),
    ("init", High, "system.power"),
    ("mount", High, "system.mount"),
    ("umount", High, "system.mount"),
    ("useradd", High, "privilege.users"),
    ("userdel", High, "privilege.users"),
    ("usermod", High, "privilege.users"),
    ("groupadd", High, "privilege.users"),
    ("passwd", High, "privilege.users"),
    ("chpasswd", High, "privilege.users"),
    ("visudo", High, "privilege.users"),
    ("iptables", High, "system.firewall"),
    ("ufw", High, "system.firewall"),
    ("nft", High, "system.firewall"),
    ("setenforce", High, "system.security"),
    ("kill", Medium, "process.kill"),
    ("pkill", Medium, "process.kill"),
    ("killall", Medium, "process.kill"),
    ("insmod", High, "system.kernel"),
    ("rmmod", High, "system.kernel"),
    ("modprobe", High, "system.kernel"),
    ("sysctl", Medium, "system.kernel"),
    ("launchctl", Medium, "system.service"),
    ("chroot", High, "privilege.chroot"),
    ("open", Medium, "system.open"),
    ("xdg-open", Medium, "system.open"),
];

/// Judges system administration commands; `None` for other commands.
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Ruling> {
    let args = inv.args();
    if name.starts_with("mkfs") || name == "newfs" {
        return Some(Ruling::of(
            Critical,
            "disk.format",
            format!("{name} formats a filesystem"),
        ));
    }
    match name {
        "dd" => return Some(dd(inv)),
        "systemctl" | "service" => {
            let verb = operands(args)
                .first()
                .map(|a| a.text.as_str())
                .unwrap_or("");
            let level = match verb {
                "status" | "show" | "list-units" | "list-unit-files" | "is-active"
                | "is-enabled" | "cat" | "" => Low,
                "start" | "restart" | "reload" | "daemon-reload" => Medium,
                _ => High,
            };
            return Some(Ruling::of(
                level,
                "system.service",
                format!("{name} {verb}"),
            ));
        }
        "crontab" => {
            let level = if args.iter().any(|a| a.text == "-l") {
                Low
            } else if args.iter().any(|a| a.text == "-r") {
                High
            } else {
                Medium
            };
            return Some(Ruling::of(level, "system.cron", "crontab"));
        }
        "kill" => return Some(kill(inv)),
        _ => {}
    }
    let (_, level, rule) = FIXED.iter().find(|(n, _, _)| *n == name)?;
    Some(Ruling::of(
        *level,
        rule,
        format!("{name} administers the system"),
    ))
}

/// `kill`: only the session's own jobs (`%1`, `$!`) are known to be its own; `-1` is
/// every process of the user.
fn kill(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    if args
        .iter()
        .any(|a| matches!(a.text.as_str(), "-l" | "-L" | "--list"))
    {
        return Ruling::of(Low, "process.kill-list", "kill lists signal names");
    }
    let mut rest = args;
    if let Some(first) = rest.first()
        && first.text.starts_with('-')
        && first.text != "--"
        && rest.len() > 1
    {
        // The signal: `-9`, `-KILL`, `-s KILL`, `-n 9`.
        let width = if matches!(first.text.as_str(), "-s" | "-n" | "--signal") {
            2
        } else {
            1
        };
        rest = rest.get(width..).unwrap_or(&[]);
    }
    if rest.first().is_some_and(|a| a.text == "--") {
        rest = &rest[1..];
    }
    let targets: Vec<&super::Arg> = rest.iter().collect();
    if targets.iter().any(|t| t.text == "-1") {
        return Ruling::of(High, "process.kill-all", "kills every process of the user");
    }
    let own = !targets.is_empty()
        && targets
            .iter()
            .all(|t| t.text == "$!" || (t.text.starts_with('%') && !t.dynamic));
    if own {
        let mut judgement = Ruling::of(Low, "process.kill-own", "kill of this shell's own jobs");
        judgement.args_judged = true;
        return judgement;
    }
    Ruling::of(
        Medium,
        "process.kill",
        "kills processes that may not be the session's own",
    )
}

/// `dd of=DEVICE` destroys a disk; other `dd` writes are judged by their path.
fn dd(inv: &Invocation<'_>) -> Ruling {
    let args = inv.args();
    let mut judgement = Ruling::of(Low, "disk.dd", "dd copies data inside the project");
    let counted = args.iter().any(|a| a.text.starts_with("count="));
    for arg in args {
        let Some((key, value)) = arg.text.split_once('=') else {
            judgement = judgement.raise(super::super::verdict::Finding::new(
                Medium,
                "option.unknown",
                format!("dd: {} is not an operand known to be harmless", arg.text),
            ));
            continue;
        };
        match key {
            "if" => {
                let input = arg.part(value);
                let endless = ["/dev/zero", "/dev/urandom", "/dev/random"].contains(&value);
                if !(endless && counted) {
                    judgement = super::spec::judge_use(
                        judgement,
                        "dd",
                        inv,
                        super::spec::Role::Read,
                        &input,
                    );
                }
            }
            "of" | "bs" | "ibs" | "obs" | "count" | "skip" | "seek" | "status" | "conv"
            | "iflag" | "oflag" | "cbs" => {}
            _ => {
                judgement = judgement.raise(super::super::verdict::Finding::new(
                    Medium,
                    "option.unknown",
                    format!("dd: {key}= is not known to be harmless"),
                ));
            }
        }
        if arg.dynamic && key != "of" {
            judgement = judgement.raise(super::super::verdict::Finding::new(
                Medium,
                "arg.dynamic",
                format!("dd is given {}, known only at run time", arg.text),
            ));
        }
    }
    judgement.args_judged = true;
    let size = |key: &str| {
        args.iter()
            .find_map(|a| a.text.strip_prefix(key))
            .map(|v| super::size_in_bytes(v).unwrap_or(u128::MAX))
    };
    let total = size("bs=")
        .unwrap_or(512)
        .saturating_mul(size("count=").unwrap_or(1));
    if counted && total >= 1 << 30 {
        judgement = judgement.raise(super::super::verdict::Finding::new(
            Medium,
            "resource.disk-fill",
            "dd copies a gigabyte or more",
        ));
    }
    for arg in args {
        if let Some(target) = arg.text.strip_prefix("of=") {
            let out = arg.part(target);
            if inv.place(&out) == Some(PlaceKind::BlockDevice) {
                return Ruling::of(
                    Critical,
                    "disk.device-write",
                    format!("dd writes to disk device {target}"),
                );
            }
            judgement = judgement.raise(inv.write_to(&out));
        }
    }
    judgement
}
