//! `.baton.yaml`: paths and rules of a workspace, with defaults matching FORMAT.md.

use crate::error::invalid;
pub use crate::rules::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub const FILE_NAME: &str = ".baton.yaml";

/// The folder, at the root, where baton keeps its own state (lock, ledger, parse cache,
/// snapshots).
pub const STATE_DIR: &str = ".baton";

/// Whether a relative path from the root leads out of it (absolute, or `..` past the top).
fn leaves_root(p: &Path) -> bool {
    use std::path::Component;
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return true,
            Component::ParentDir if depth == 0 => return true,
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
        }
    }
    false
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The coordination file, relative to the root. Default: `TASKS.md`, else `docs/tasks/TASKS.md`.
    pub tasks_file: Option<String>,
    /// Session files, a glob with one `*` standing for the instance number, beside the tasks file.
    pub instance_pattern: String,
    pub research_dir: String,
    pub specs_dir: String,
    pub archive: ArchiveDirs,
    /// Headings whose lists are checklists to run, not work items (case-insensitive substring).
    pub template_sections: Vec<String>,
    /// The section new tasks go to when no `--section` is given.
    pub backlog_section: String,
    /// Claims one instance may hold at a time (a heading claim counts as one).
    pub max_claims: usize,
    /// Age after which a claim is stale, like `24h`, `90m`, `2d`.
    pub stale_after: String,
    /// Session entries kept in an instance file.
    pub sessions_kept: usize,
    pub ess: EssConfig,
    /// Per-rule severity for `check`: `error`, `warning` or `off`.
    pub rules: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveDirs {
    pub research: String,
    pub specs: String,
    pub sessions: String,
    pub tasks: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EssConfig {
    /// Commands run by `ess` (through `sh -c`), each with `check_timeout`.
    pub checks: Vec<String>,
    pub check_timeout: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tasks_file: None,
            instance_pattern: "instance_*.md".into(),
            research_dir: "docs/research".into(),
            specs_dir: "docs/specs".into(),
            archive: ArchiveDirs::default(),
            template_sections: vec!["Checklist".into()],
            backlog_section: "Backlog".into(),
            max_claims: 1,
            stale_after: "24h".into(),
            sessions_kept: 3,
            ess: EssConfig::default(),
            rules: BTreeMap::new(),
        }
    }
}

impl Default for ArchiveDirs {
    fn default() -> Self {
        ArchiveDirs {
            research: "archive/research".into(),
            specs: "archive/specs".into(),
            sessions: "archive/sessions".into(),
            tasks: "archive/tasks".into(),
        }
    }
}

impl Config {
    /// Load `.baton.yaml` from `root`, or the defaults when there is none.
    pub fn load(root: &Path) -> anyhow::Result<Config> {
        let path = root.join(FILE_NAME);
        let text = match std::fs::read(&path) {
            Ok(b) => crate::text::decode(b, Path::new(FILE_NAME))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {FILE_NAME}"))),
        };
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let cfg: Config = serde_norway::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            invalid(format!("{FILE_NAME}{at}: {e}")).hint(format!(
                "fix {FILE_NAME} (every key and its default: `baton config --defaults`)"
            ))
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        // A cloned repository's config must not aim baton at a file elsewhere.
        if let Some(t) = &self.tasks_file
            && leaves_root(Path::new(t))
        {
            return Err(invalid(format!(
                "{FILE_NAME}: tasks_file `{t}` is outside the workspace; baton only edits files inside its root"
            ))
            .hint(format!(
                "move the plan inside the workspace and set tasks_file to its path there, or run baton where the plan is (`baton --root DIR ...`, DIR holding TASKS.md or docs/tasks/TASKS.md); a link inside the workspace also works: `ln -s {t} TASKS.md`, then remove tasks_file"
            ))
            .into());
        }
        if self.instance_pattern.matches('*').count() != 1 {
            return Err(invalid(format!(
                "{FILE_NAME}: instance_pattern `{}` must contain exactly one `*`",
                self.instance_pattern
            ))
            .into());
        }
        parse_duration(&self.stale_after)
            .map_err(|m| invalid(format!("{FILE_NAME}: stale_after: {m}")))?;
        if let Some(t) = &self.ess.check_timeout {
            parse_duration(t)
                .map_err(|m| invalid(format!("{FILE_NAME}: ess.check_timeout: {m}")))?;
        }
        if let Some(name) = self
            .rules
            .keys()
            .find(|n| crate::rules::find_rule(n).is_none())
        {
            let known: Vec<&str> = crate::rules::RULES.iter().map(|r| r.code).collect();
            return Err(invalid(format!(
                "{FILE_NAME}: rules: `{name}` is not a rule of `baton check`"
            ))
            .hint(format!("the rules are: {}", known.join(", ")))
            .into());
        }
        if self.max_claims == 0 {
            return Err(invalid(format!("{FILE_NAME}: max_claims must be at least 1")).into());
        }
        Ok(())
    }

    pub fn stale_after(&self) -> Duration {
        parse_duration(&self.stale_after).unwrap_or(Duration::from_secs(24 * 3600))
    }

    pub fn check_timeout(&self) -> Duration {
        self.ess
            .check_timeout
            .as_deref()
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(Duration::from_secs(600))
    }

    /// Whether a heading is a checklist-template section.
    pub fn is_template_heading(&self, heading: &str) -> bool {
        let h = heading.to_lowercase();
        self.template_sections
            .iter()
            .any(|t| !t.is_empty() && h.contains(&t.to_lowercase()))
    }

    /// The documented default file, every setting shown.
    pub fn default_yaml() -> String {
        DEFAULT_YAML.to_string()
    }
}

const DEFAULT_YAML: &str = r#"# baton configuration; every setting is shown at its default.
# tasks_file: TASKS.md            # default: TASKS.md, else docs/tasks/TASKS.md
instance_pattern: "instance_*.md" # session files, beside the tasks file
research_dir: docs/research
specs_dir: docs/specs
archive:
  research: archive/research
  specs: archive/specs
  sessions: archive/sessions
  tasks: archive/tasks
template_sections: [Checklist]    # headings whose lists are checklists, not tasks
backlog_section: Backlog          # where new tasks go without --section
max_claims: 1                     # claims one instance may hold at a time
stale_after: 24h                  # a claim older than this is stale
sessions_kept: 3                  # session entries kept in an instance file
ess:
  checks: []                      # commands `baton ess` runs, e.g. ["cargo test"]
  check_timeout: 10m
rules: {}                         # per-rule severity for `baton check`: error | warning | off
"#;

/// Parse `90s`, `30m`, `24h`, `2d`, `1w` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90s, 30m, 24h or 2d"))?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("`{s}` has an unknown unit (use s, m, h, d or w)")),
    };
    Ok(Duration::from_secs(n * mult))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_match() {
        let cfg = Config::parse(&Config::default_yaml()).unwrap();
        assert_eq!(cfg.max_claims, 1);
        assert_eq!(cfg.specs_dir, "docs/specs");
        assert_eq!(cfg.stale_after(), Duration::from_secs(86400));
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = Config::parse("max_claims: 2\nfoo_bar: 1\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("foo_bar"), "{msg}");
        assert!(msg.contains(":2:"), "{msg}");
    }

    #[test]
    fn bad_yaml_names_the_line() {
        let err = Config::parse("archive:\n  specs: [\n").unwrap_err();
        assert!(err.to_string().contains(".baton.yaml:"), "{err}");
    }

    #[test]
    fn rule_names_are_checked() {
        let cfg = Config::parse("rules:\n  stale_claim: off\n  broken_link: warning\n").unwrap();
        assert_eq!(cfg.rules["stale_claim"], Severity::Off);
        let err = Config::parse("rules:\n  stale_claims: off\n").unwrap_err();
        assert!(err.to_string().contains("stale_claims"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("3 fortnights").is_err());
    }
}
