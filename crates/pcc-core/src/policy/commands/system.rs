//! Operating-system administration: disks, power, services, users, processes.

use super::super::level::RiskLevel::{self, Critical, High, Low, Medium};
use super::super::paths::PlaceKind;
use super::{Invocation, Judgement, operands};

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
pub(crate) fn judge(name: &str, inv: &Invocation<'_>) -> Option<Judgement> {
    let args = inv.args();
    if name.starts_with("mkfs") || name == "newfs" {
        return Some(Judgement::of(
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
            return Some(Judgement::of(
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
            return Some(Judgement::of(level, "system.cron", "crontab"));
        }
        "kill"
            if args.iter().any(|a| a.text == "-1")
                && args.iter().any(|a| a.text == "-9" || a.text == "-KILL") =>
        {
            return Some(Judgement::of(
                High,
                "process.kill-all",
                "kills every process of the user",
            ));
        }
        _ => {}
    }
    let (_, level, rule) = FIXED.iter().find(|(n, _, _)| *n == name)?;
    Some(Judgement::of(
        *level,
        rule,
        format!("{name} administers the system"),
    ))
}

/// `dd of=DEVICE` destroys a disk; other `dd` writes are judged by their path.
fn dd(inv: &Invocation<'_>) -> Judgement {
    let mut judgement = Judgement::of(Medium, "disk.dd", "dd copies raw data");
    for arg in inv.args() {
        if let Some(target) = arg.text.strip_prefix("of=") {
            let out = super::Arg {
                text: target.to_owned(),
                dynamic: arg.dynamic,
            };
            if inv.place(&out) == Some(PlaceKind::BlockDevice) {
                return Judgement::of(
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
