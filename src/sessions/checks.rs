//! The commands listed under `ess.checks`, run through `sh -c` in the workspace root with a
//! timeout; output goes to a file under `.baton/` so a chatty command cannot block.

use serde::Serialize;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    TimedOut,
    /// The command could not be started.
    Error,
    /// Not run (`--dry-run`).
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub command: String,
    pub status: CheckStatus,
    pub exit_code: Option<i32>,
    /// The last lines of its output (stdout and stderr), for failures.
    pub output_tail: Vec<String>,
}

impl CheckResult {
    pub fn failed(&self) -> bool {
        matches!(
            self.status,
            CheckStatus::Failed | CheckStatus::TimedOut | CheckStatus::Error
        )
    }

    /// One line for the session entry.
    pub fn entry_line(&self, timeout: Duration) -> String {
        let what = match self.status {
            CheckStatus::Passed => "passed".to_string(),
            CheckStatus::Failed => match self.exit_code {
                Some(c) => format!("FAILED (exit {c})"),
                None => "FAILED (killed by a signal)".into(),
            },
            CheckStatus::TimedOut => format!(
                "FAILED (timed out after {})",
                crate::clock::age(timeout.as_secs() as i64)
            ),
            CheckStatus::Error => "FAILED (could not start)".into(),
            CheckStatus::Skipped => "not run".into(),
        };
        format!("`{}` - {what}", self.command.replace('`', "'"))
    }
}

const TAIL_LINES: usize = 20;

/// Run every command in turn (not in parallel: checks such as builds compete for the CPU).
pub fn run_all(
    root: &Path,
    state_dir: &Path,
    commands: &[String],
    timeout: Duration,
) -> Vec<CheckResult> {
    commands
        .iter()
        .map(|c| run_one(root, state_dir, c, timeout))
        .collect()
}

pub fn skipped(commands: &[String]) -> Vec<CheckResult> {
    commands
        .iter()
        .map(|c| CheckResult {
            command: c.clone(),
            status: CheckStatus::Skipped,
            exit_code: None,
            output_tail: Vec::new(),
        })
        .collect()
}

fn run_one(root: &Path, state_dir: &Path, command: &str, timeout: Duration) -> CheckResult {
    let error = |msg: String| CheckResult {
        command: command.to_string(),
        status: CheckStatus::Error,
        exit_code: None,
        output_tail: vec![msg],
    };
    let dir = state_dir.join("checks");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return error(format!("creating {}: {e}", dir.display()));
    }
    let log = dir.join(format!("check-{}.log", std::process::id()));
    let file = match std::fs::File::create(&log) {
        Ok(f) => f,
        Err(e) => return error(format!("creating {}: {e}", log.display())),
    };
    let file2 = match file.try_clone() {
        Ok(f) => f,
        Err(e) => return error(e.to_string()),
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(file2));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return error(format!("starting `sh -c`: {e}")),
    };
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let (status, exit_code) = match status {
        Some(s) if s.success() => (CheckStatus::Passed, s.code()),
        Some(s) => (CheckStatus::Failed, s.code()),
        None => {
            kill_group(&mut child);
            (CheckStatus::TimedOut, None)
        }
    };
    let out = std::fs::read(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = text.lines().collect();
    let output_tail = if status == CheckStatus::Passed {
        Vec::new()
    } else {
        lines[lines.len().saturating_sub(TAIL_LINES)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    };
    CheckResult {
        command: command.to_string(),
        status,
        exit_code,
        output_tail,
    }
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group: end the whole group (the shell's children too).
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_fail_timeout() {
        let d = tempfile::tempdir().unwrap();
        let cmds = vec![
            "true".to_string(),
            "echo boom; exit 3".to_string(),
            "sleep 5".to_string(),
        ];
        let r = run_all(
            d.path(),
            &d.path().join(".baton"),
            &cmds,
            Duration::from_millis(300),
        );
        assert_eq!(r[0].status, CheckStatus::Passed);
        assert_eq!(r[1].status, CheckStatus::Failed);
        assert_eq!(r[1].exit_code, Some(3));
        assert_eq!(r[1].output_tail, vec!["boom".to_string()]);
        assert_eq!(r[2].status, CheckStatus::TimedOut);
        assert_eq!(
            r[1].entry_line(Duration::from_secs(60)),
            "`echo boom; exit 3` - FAILED (exit 3)"
        );
    }
}
