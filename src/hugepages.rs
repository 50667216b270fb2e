//! Transparent huge pages for commands on large plans.
//!
//! A command on a 100k-task plan touches some 60 MB of fresh memory, and on the VMs baton
//! runs on each 4 KiB page costs about 3 µs to fault in: 15k faults, a third of the
//! command. glibc backs its large allocations with transparent huge pages when told so at
//! startup (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, glibc 2.35+), and then the same
//! memory takes some 30 faults. The tunable is read only when a process starts, so for a
//! tasks file of `MIN_BYTES` or more baton runs itself again with it set, once (the
//! variable then marks the new process), before it has read or locked anything.
//! `BATON_HUGE_PAGES=off` keeps it from doing so; `=always` does it for any file (tests).
//! Where the system has no such pages, or gives them to every process anyway, nothing
//! happens.

use std::path::Path;

/// Below this the new process costs more than the faults it saves (10k tasks, 0.7 MB:
/// 0.5 ms saved, against about 1 ms for starting again).
const MIN_BYTES: u64 = 4 << 20;
const TUNABLE: &str = "glibc.malloc.hugetlb";
pub const ENV: &str = "BATON_HUGE_PAGES";

/// Run this command again with huge pages when `tasks_file` is large; returns when it does
/// not (or cannot).
pub fn reexec_for(tasks_file: &Path) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        let always = match std::env::var(ENV).as_deref() {
            Ok("off") | Ok("0") => return,
            Ok("always") => true,
            _ => false,
        };
        if !always && std::fs::metadata(tasks_file).map_or(true, |m| m.len() < MIN_BYTES) {
            return;
        }
        let tunables = std::env::var("GLIBC_TUNABLES").ok();
        let Some(value) = tunables_with_huge_pages(tunables.as_deref()) else {
            return; // already set: this is the process started again, or the user's choice
        };
        // Only where pages are given on request: `always` gives them anyway, `never` never.
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .unwrap_or_default();
        if !thp.contains("[madvise]") {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
        // `exec` returns only when it failed: then this process carries on as it is.
        let _ = std::process::Command::new(&exe)
            .arg0(arg0)
            .args(args)
            .env("GLIBC_TUNABLES", value)
            .exec();
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = tasks_file;
}

/// `GLIBC_TUNABLES` with huge pages for malloc added, or `None` when it already names
/// that tunable (whatever its value).
fn tunables_with_huge_pages(current: Option<&str>) -> Option<String> {
    match current {
        Some(t) if t.split(':').any(|kv| kv.split('=').next() == Some(TUNABLE)) => None,
        Some(t) if !t.is_empty() => Some(format!("{t}:{TUNABLE}=1")),
        _ => Some(format!("{TUNABLE}=1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_tunable_once() {
        assert_eq!(
            tunables_with_huge_pages(None).as_deref(),
            Some("glibc.malloc.hugetlb=1")
        );
        assert_eq!(
            tunables_with_huge_pages(Some("")).as_deref(),
            Some("glibc.malloc.hugetlb=1")
        );
        assert_eq!(
            tunables_with_huge_pages(Some("glibc.malloc.check=3")).as_deref(),
            Some("glibc.malloc.check=3:glibc.malloc.hugetlb=1")
        );
        assert_eq!(
            tunables_with_huge_pages(Some("glibc.malloc.hugetlb=0")),
            None
        );
        assert_eq!(
            tunables_with_huge_pages(Some("a=1:glibc.malloc.hugetlb=1")),
            None
        );
    }
}
