//! `baton init`: the files of a new workspace, in the layout of FORMAT.md.

use crate::config::{self, Config};
use crate::txn::Changeset;
use std::path::{Path, PathBuf};

/// TASKS.md for a new workspace with instances `1..=count`.
pub fn tasks_file(count: u32, cfg: &Config, date: &str) -> String {
    let rows: String = (1..=count)
        .map(|n| format!("| {n} | Available |\n"))
        .collect();
    format!(
        "# Tasks

**Rules**: this file is the single source of truth for tasks. Claim a task before you start \
(`baton claim REF --instance N` puts `[Instance N]` after its box), hold one claim at a time, \
link every implementation task to its spec (`(spec: [NNN_NAME.md](docs/specs/NNN_NAME.md))`), \
tick it when done (`- [x]`), and end every session with `baton ess --instance N --title T --summary S`. \
Research lives in `{research}/`, specs in `{specs}/`, finished ones move to `archive/`.

---

## Instance Coordination

| Instance | Current Task |
|----------|--------------|
{rows}
---

## {backlog}

---

**Last Updated**: {date}
",
        research = cfg.research_dir,
        specs = cfg.specs_dir,
        backlog = cfg.backlog_section,
    )
}

/// An instance file: the workflow rules written for baton, then an empty session history.
pub fn instance_file(n: u32, all: &[u32], cfg: &Config) -> String {
    let name = |m: u32| cfg.instance_pattern.replacen('*', &format!("{m:03}"), 1);
    let others: Vec<String> = all.iter().filter(|&&m| m != n).map(|&m| name(m)).collect();
    let others = if others.is_empty() {
        "other instances' files".to_string()
    } else {
        others.join(" or ")
    };
    format!(
        "# Instance {n} Session

**You are Instance {n}.** Work independently; coordinate through [TASKS.md](TASKS.md).

---

## Workflow: Research → Specs → Code

```
{research}/  →  {specs}/  →  TASKS.md  →  code
(discovery)       (blueprint)   (tracking)    (truth)
```

1. Research done → create spec + task → archive research
2. Spec done → implement code → archive spec
3. Code is the source of truth (specs become historical)
4. New features = new specs (don't update archived ones)

---

## How to Work

1. `baton start --instance {n}`: your claims, what the others did, the next ready tasks
2. `baton next --claim --instance {n}`: claim the next ready task (or `baton claim REF --instance {n}`)
3. Research goes in `{research}/`, a spec in `{specs}/NNN_NAME.md`, linked from the task
4. Implement the code following the spec
5. `baton done REF --instance {n}`: tick the task and release it
6. `baton ess --instance {n} --title \"TITLE\" --summary \"WHAT HAPPENED\"`: end the session \
(updates TASKS.md, archives, runs the checks, writes the entry below)

---

## Rules

1. **Never write \"next steps\" in this file**: TASKS.md is the single source of truth for tasks
2. **This file is for session history only**: `ess` keeps the last {kept} sessions
3. **One task at a time**: finish or release before claiming another
4. **Link specs**: every implementation task links its spec
5. **Don't touch {others}**: other instances' files are off-limits

---

## Session History
",
        research = cfg.research_dir,
        specs = cfg.specs_dir,
        kept = cfg.sessions_kept,
    )
}

/// The files `init` creates, relative to the root (before checking what exists).
pub fn plan(
    root: &Path,
    count: u32,
    cfg: &Config,
    date: &str,
) -> anyhow::Result<(Changeset, Vec<PathBuf>)> {
    let mut cs = Changeset::default();
    let all: Vec<u32> = (1..=count).collect();
    cs.create(Path::new("TASKS.md"), tasks_file(count, cfg, date));
    for &n in &all {
        let rel = PathBuf::from(cfg.instance_pattern.replacen('*', &format!("{n:03}"), 1));
        cs.create(&rel, instance_file(n, &all, cfg));
    }
    for d in [
        &cfg.research_dir,
        &cfg.specs_dir,
        &cfg.archive.research,
        &cfg.archive.specs,
        &cfg.archive.sessions,
        &cfg.archive.tasks,
    ] {
        cs.create(&Path::new(d).join(".gitkeep"), String::new());
    }
    cs.create(Path::new(config::FILE_NAME), Config::default_yaml());
    let existing: Vec<PathBuf> = cs
        .touched()
        .into_iter()
        .filter(|p| root.join(p).exists())
        .collect();
    // `.baton/` in .gitignore: appended, or the file created.
    let gi = Path::new(".gitignore");
    match std::fs::read(root.join(gi)) {
        Ok(b) => {
            let t = crate::text::decode(b, gi)?;
            if !t
                .lines()
                .any(|l| matches!(l.trim(), ".baton/" | ".baton" | "/.baton/" | "/.baton"))
            {
                let nl = crate::text::newline_of(&t);
                let lead = if t.is_empty() || t.ends_with('\n') {
                    ""
                } else {
                    nl
                };
                cs.edit(
                    gi,
                    &std::rc::Rc::new(t.clone()),
                    vec![crate::edit::Edit::insert(
                        t.len(),
                        format!("{lead}.baton/{nl}"),
                    )],
                )?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => cs.create(gi, ".baton/\n".into()),
        Err(e) => return Err(anyhow::Error::new(e).context("reading .gitignore")),
    }
    Ok((cs, existing))
}
