//! The session-start briefing's rule checks: what the instance is doing wrong right now.

use crate::model::Document;
use crate::model::session::InstanceDoc;
use crate::model::tasks::ClaimUnit;
use crate::workspace::Workspace;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RuleBreak {
    pub rule: &'static str,
    pub message: String,
    /// The command (or edit) that fixes it.
    pub hint: String,
}

/// The rules instance `n` breaks now, in TASKS.md and in its own file.
pub fn rule_breaks(
    ws: &Workspace,
    doc: &Document,
    own: Option<&InstanceDoc>,
    n: u32,
) -> Vec<RuleBreak> {
    let mut out = Vec::new();
    let units = doc.claim_units(n);
    let open: Vec<String> = units
        .iter()
        .filter_map(|u| match *u {
            ClaimUnit::Task(i) if !doc.tasks[i].done => Some(doc.tasks[i].reference.to_string()),
            ClaimUnit::Section(s) => Some(doc.sections[s].reference.to_string()),
            _ => None,
        })
        .collect();
    let max = ws.config.max_claims;
    if open.len() > max {
        out.push(RuleBreak {
            rule: "max_claims",
            message: format!(
                "Instance {n} holds {} claims (max_claims is {max}): {}",
                open.len(),
                open.join(", ")
            ),
            hint: format!(
                "release what you are not working on: `baton release {} --instance {n}`",
                open[open.len() - 1]
            ),
        });
    }
    for u in &units {
        if let ClaimUnit::Task(i) = *u
            && doc.tasks[i].done
        {
            out.push(RuleBreak {
                rule: "claim_on_done_task",
                message: format!(
                    "task {} `{}` is done but still tagged [Instance {n}]",
                    doc.tasks[i].reference,
                    doc.label(i)
                ),
                hint: format!(
                    "`baton release {} --instance {n}` (or `ess` releases it at the end of the session)",
                    doc.tasks[i].reference
                ),
            });
        }
    }
    let rel = crate::text::slash_path(&ws.instance_rel(n));
    match own {
        None => out.push(RuleBreak {
            rule: "no_instance_file",
            message: format!("{rel} does not exist"),
            hint: format!("`baton ess --instance {n} --title T --summary S` creates it at the end of the session"),
        }),
        Some(d) => {
            for s in &d.next_steps {
                out.push(RuleBreak {
                    rule: "next_steps_in_session_file",
                    message: format!("{rel}:{}: `{}`: next steps belong in TASKS.md, not in the session file", s.line, s.text.trim()),
                    hint: "move the items to TASKS.md as tasks and delete the section (TASKS.md is the single source of truth)".into(),
                });
            }
            let kept = d.parsed_entries().count();
            if kept > ws.config.sessions_kept {
                out.push(RuleBreak {
                    rule: "too_many_sessions",
                    message: format!("{rel} keeps {kept} session entries (sessions_kept is {})", ws.config.sessions_kept),
                    hint: "`ess` archives the oldest at the end of this session (or `baton check --fix` now)".into(),
                });
            }
            for e in d.entries.iter().filter(|e| !e.parsed()) {
                out.push(RuleBreak {
                    rule: "unparsed_entry",
                    message: format!(
                        "{rel}:{}: `{}` does not parse ({}); it is kept as written",
                        e.line,
                        &d.text[e.heading.clone()],
                        e.problem.as_deref().unwrap_or("")
                    ),
                    hint: "rewrite its heading as `### YYYY-MM-DD (Session S - Title)`".into(),
                });
            }
        }
    }
    out
}
