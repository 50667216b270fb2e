//! The claim rules: what claiming or releasing a task or a heading changes in TASKS.md
//! and in the coordination store, decided on a document and the store read under the
//! store lock. Commands run these in a transaction (`commands/claim.rs`).
//!
//! A task is held if this file tags it (or a heading above it) or if the store records a
//! claim of it (by its identity, `store::TaskId::key`) made in another checkout.

pub mod blocked;

use crate::edit::Edit;
use crate::error::{BatonError, refused};
use crate::model::Document;
use crate::model::edits;
use crate::model::refs::Target;
use crate::model::tasks::ClaimUnit;
use crate::store::{ClaimStore, Entry, TaskId};
use crate::workspace::Workspace;
use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimOpts {
    pub also: bool,
    pub steal: bool,
    pub force: bool,
}

/// What the rules need besides the document and the store.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub now: DateTime<FixedOffset>,
    pub stale_after_secs: i64,
    pub max_claims: usize,
}

impl Rules {
    pub fn of(ws: &Workspace, now: DateTime<FixedOffset>) -> Rules {
        Rules {
            now,
            stale_after_secs: ws.config.stale_after().as_secs() as i64,
            max_claims: ws.config.max_claims,
        }
    }

    /// Seconds since `t`.
    pub fn age(&self, t: DateTime<FixedOffset>) -> i64 {
        self.now.timestamp() - t.timestamp()
    }

    /// Whether a claim held for `age` seconds is stale (`--steal` may take it).
    pub fn is_stale(&self, age: i64) -> bool {
        age > self.stale_after_secs
    }
}

/// The result of planning a claim or a release on one document.
pub struct Plan {
    pub action: &'static str,
    pub target: Option<Target>,
    pub edits: Vec<Edit>,
    /// Instances whose tags in this file the plan takes over or removes.
    pub took_over: Vec<u32>,
    /// Instances whose claims in other checkouts the plan takes over or releases.
    pub took_over_elsewhere: Vec<u32>,
    /// Tasks (or headings) whose claims this adds for the instance.
    pub recorded: Vec<TaskId>,
    /// Keys whose claims made in other checkouts this takes over or releases.
    pub taken_elsewhere: Vec<String>,
    /// The journal's name for what happened (`claimed`, `stolen`, `forced`, `released`).
    pub event: Option<&'static str>,
    /// The task or heading the event is about.
    pub subject: Option<TaskId>,
}

impl Plan {
    /// Already as asked: nothing to write.
    pub fn unchanged(target: Target) -> Plan {
        Plan {
            action: "unchanged",
            target: Some(target),
            edits: Vec::new(),
            took_over: Vec::new(),
            took_over_elsewhere: Vec::new(),
            recorded: Vec::new(),
            taken_elsewhere: Vec::new(),
            event: None,
            subject: None,
        }
    }

    /// `next --claim` found no ready task.
    pub fn none() -> Plan {
        Plan {
            action: "none",
            target: None,
            ..Plan::unchanged(Target::Task(0))
        }
    }
}

/// The identity of task `i` in the store.
pub fn task_id(doc: &Document, i: usize) -> TaskId {
    let t = &doc.tasks[i];
    TaskId::new(t.number.as_deref(), &t.reference, &t.title)
}

/// The identity of heading `s` in the store.
pub fn section_id(doc: &Document, s: usize) -> TaskId {
    let sec = &doc.sections[s];
    TaskId::new(None, &sec.reference, &sec.title)
}

/// The identity of a target.
pub fn target_id(doc: &Document, target: Target) -> TaskId {
    match target {
        Target::Task(i) => task_id(doc, i),
        Target::Section(s) => section_id(doc, s),
    }
}

/// The claims made in other checkouts, by task identity: built once per command, empty
/// (and free) when every claim is this checkout's.
pub struct Elsewhere<'a> {
    by_key: HashMap<&'a str, Vec<&'a Entry>>,
}

impl<'a> Elsewhere<'a> {
    pub fn new(store: &'a ClaimStore) -> Elsewhere<'a> {
        let mut by_key: HashMap<&str, Vec<&Entry>> = HashMap::new();
        for e in store.all_elsewhere() {
            by_key.entry(e.key()).or_default().push(e);
        }
        Elsewhere { by_key }
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Claims elsewhere of task `i` itself, then of the headings above it.
    pub fn of_task(&self, doc: &Document, i: usize) -> Vec<&'a Entry> {
        if self.by_key.is_empty() {
            return Vec::new();
        }
        let t = &doc.tasks[i];
        let mut out: Vec<&Entry> = self
            .by_key
            .get(crate::store::key(t.number.as_deref(), &t.reference).as_str())
            .cloned()
            .unwrap_or_default();
        if !t.done {
            let mut s = t.section;
            while let Some(si) = s {
                out.extend(self.of_key(&doc.sections[si].reference));
                s = doc.sections[si].parent;
            }
        }
        out
    }

    pub fn of_key(&self, key: &str) -> Vec<&'a Entry> {
        self.by_key.get(key).cloned().unwrap_or_default()
    }

    /// Whether task `i` is held in another checkout.
    pub fn holds_task(&self, doc: &Document, i: usize) -> bool {
        !self.by_key.is_empty() && !self.of_task(doc, i).is_empty()
    }
}

/// Task `i` is ready for `instance` here (open, unclaimed, waiting for nothing unfinished)
/// and not held in another checkout.
pub fn is_ready(
    doc: &Document,
    deps: &crate::model::deps::Deps,
    elsewhere: &Elsewhere,
    i: usize,
    instance: Option<u32>,
) -> bool {
    deps.is_ready(doc, i, instance) && !elsewhere.holds_task(doc, i)
}

/// Drop this checkout's store entries whose tag is gone from the document.
pub fn reconcile(ledger: &mut ClaimStore, doc: &Document) {
    let tagged = doc
        .tasks
        .iter()
        .map(|t| (&t.claims, &t.reference))
        .chain(doc.sections.iter().map(|s| (&s.claims, &s.reference)));
    let held: std::collections::HashSet<(u32, &str)> = tagged
        .flat_map(|(claims, key)| claims.iter().map(move |c| (c.instance, key.as_str())))
        .collect();
    ledger.reconcile(|inst, key| held.contains(&(inst, key)));
    // Tags with no entry become claims of unknown age that other checkouts see. Outside
    // git no other checkout reads the store, and a tag with no entry is already a claim
    // of unknown age here: recording it would only grow the file every command reads.
    if !ledger.shared() {
        return;
    }
    let tasks: std::collections::HashMap<&str, usize> = doc
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.claims.is_empty())
        .map(|(i, t)| (t.reference.as_str(), i))
        .collect();
    let sections: std::collections::HashMap<&str, usize> = doc
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.claims.is_empty())
        .map(|(i, s)| (s.reference.as_str(), i))
        .collect();
    let open: Vec<(u32, &str)> = held
        .iter()
        .copied()
        .filter(|(_, r)| tasks.get(r).is_none_or(|&i| !doc.tasks[i].done))
        .collect();
    ledger.adopt_tags(
        open.into_iter(),
        |r| {
            tasks
                .get(r)
                .map(|&i| task_id(doc, i))
                .or_else(|| sections.get(r).map(|&s| section_id(doc, s)))
        },
        chrono::DateTime::UNIX_EPOCH.fixed_offset(),
    );
}

fn since_text(rules: &Rules, since: Option<DateTime<FixedOffset>>) -> String {
    match since {
        Some(t) => format!(
            " since {} ({} ago)",
            t.format("%Y-%m-%d %H:%M"),
            crate::clock::age(rules.age(t))
        ),
        None => " (since an unknown time: the tag was not written by baton)".into(),
    }
}

/// Who holds a claim: an instance here (by its tag) or in another checkout (by the store).
struct Holder<'a> {
    instance: u32,
    since: Option<DateTime<FixedOffset>>,
    elsewhere: Option<&'a Entry>,
}

impl Holder<'_> {
    fn describe(&self, rules: &Rules) -> String {
        match self.elsewhere {
            None => format!(
                "Instance {}{}",
                self.instance,
                since_text(rules, self.since)
            ),
            Some(e) => format!(
                "Instance {} in another checkout, {}{}",
                self.instance,
                e.checkout().map(|c| c.describe()).unwrap_or_default(),
                since_text(rules, self.since)
            ),
        }
    }

    fn stale(&self, rules: &Rules) -> bool {
        self.since.is_some_and(|t| rules.is_stale(rules.age(t)))
    }
}

/// A refusal naming a task held elsewhere, for commands other than `claim` (`done`).
pub fn refuse_if_elsewhere(
    rules: &Rules,
    store: &ClaimStore,
    doc: &Document,
    i: usize,
    n: u32,
    force: bool,
) -> anyhow::Result<Vec<String>> {
    let elsewhere = Elsewhere::new(store);
    let held = elsewhere.of_task(doc, i);
    if held.is_empty() {
        return Ok(Vec::new());
    }
    if !force {
        let who: Vec<String> = held
            .iter()
            .map(|e| {
                Holder {
                    instance: e.instance,
                    since: e.since(),
                    elsewhere: Some(e),
                }
                .describe(rules)
            })
            .collect();
        return Err(refused(format!(
            "`{}` is held by {}",
            doc.label(i),
            who.join(" and ")
        ))
        .hint(format!(
            "that checkout finishes it; to override, run `baton done {} --instance {n} --force`",
            doc.tasks[i].reference
        ))
        .into());
    }
    Ok(held.iter().map(|e| e.key().to_string()).collect())
}

/// Plan claiming `target` for instance `n`.
pub fn plan_claim(
    rules: &Rules,
    doc: &Document,
    ledger: &ClaimStore,
    target: Target,
    n: u32,
    opts: ClaimOpts,
) -> anyhow::Result<Plan> {
    let elsewhere = Elsewhere::new(ledger);
    let id = target_id(doc, target);
    let (label, mut holders) = match target {
        Target::Task(i) => {
            let t = &doc.tasks[i];
            if t.done {
                return Err(refused(format!(
                    "task {} `{}` is already done",
                    t.reference,
                    doc.label(i)
                ))
                .hint(format!(
                    "pick another with `baton next`, or `baton reopen {}` first",
                    t.reference
                ))
                .into());
            }
            let heading = doc.heading_claims(i);
            if doc.claimants(i).contains(&n) {
                return Ok(Plan::unchanged(target));
            }
            if let Some(&m) = heading.iter().find(|&&m| m != n) {
                return Err(refused(format!(
                    "task {} `{}` is claimed by Instance {m} through its section heading",
                    t.reference,
                    doc.label(i)
                ))
                .hint("pick another task with `baton next`, or ask that instance to release the section")
                .into());
            }
            let holders: Vec<Holder> = t
                .claims
                .iter()
                .map(|c| Holder {
                    instance: c.instance,
                    since: ledger.since(c.instance, &t.reference),
                    elsewhere: None,
                })
                .collect();
            (doc.label(i), holders)
        }
        Target::Section(s) => {
            let sec = &doc.sections[s];
            if sec.claims.iter().any(|c| c.instance == n) {
                return Ok(Plan::unchanged(target));
            }
            // Open tasks inside held by someone else (by tag, a nested heading, or in
            // another checkout) block a heading claim.
            let within = |off: usize| off > sec.range.start && off < sec.end;
            let mut inside: Vec<String> = (0..doc.tasks.len())
                .filter(|&i| !doc.tasks[i].done && within(doc.tasks[i].item.start))
                .filter_map(|i| {
                    let t = &doc.tasks[i];
                    let by = t
                        .claims
                        .iter()
                        .find(|c| c.instance != n)
                        .map(|c| format!("Instance {}", c.instance))
                        .or_else(|| {
                            elsewhere
                                .of_key(&task_id(doc, i).key)
                                .first()
                                .map(|e| format!("Instance {} in another checkout", e.instance))
                        })?;
                    Some(format!("{} `{}` ({by})", t.reference, doc.label(i)))
                })
                .collect();
            inside.extend(
                doc.sections
                    .iter()
                    .filter(|k| within(k.range.start))
                    .filter_map(|k| {
                        k.claims.iter().find(|c| c.instance != n).map(|c| {
                            format!(
                                "section {} `{}` (Instance {})",
                                k.reference, k.title, c.instance
                            )
                        })
                    }),
            );
            if !inside.is_empty() {
                return Err(refused(format!(
                    "cannot claim the section `{}`: tasks in it are held by other instances: {}",
                    sec.title,
                    inside.join(", ")
                ))
                .hint("claim a single task instead, or wait until they are released")
                .into());
            }
            let holders = sec
                .claims
                .iter()
                .map(|c| Holder {
                    instance: c.instance,
                    since: ledger.since(c.instance, &sec.reference),
                    elsewhere: None,
                })
                .collect();
            (sec.title.to_string(), holders)
        }
    };
    // Claims made in other checkouts (the store's), of this task or a heading above it.
    let far = match target {
        Target::Task(i) => elsewhere.of_task(doc, i),
        Target::Section(_) => elsewhere.of_key(&id.key),
    };
    holders.extend(far.iter().map(|e| Holder {
        instance: e.instance,
        since: e.since(),
        elsewhere: Some(e),
    }));
    let others: Vec<&Holder> = holders
        .iter()
        .filter(|h| h.instance != n || h.elsewhere.is_some())
        .collect();
    let all_stale = others.iter().all(|h| h.stale(rules));
    if !others.is_empty() {
        let allowed = opts.force || (opts.steal && all_stale);
        if !allowed {
            let who: Vec<String> = others.iter().map(|h| h.describe(rules)).collect();
            let hint = if opts.steal {
                "the claim is not stale yet: take it anyway with `--force`, or pick another task with `baton next`".to_string()
            } else if all_stale {
                "the claim is stale: take it over with `--steal`".to_string()
            } else {
                "pick another task with `baton next`; take over a stale claim with `--steal`, any claim with `--force`".to_string()
            };
            return Err(BatonError::new(
                crate::error::Kind::Refused,
                format!("`{label}` is held by {}", who.join(" and ")),
            )
            .hint(hint)
            .detail(serde_json::json!({
                "holders": others.iter().map(|h| serde_json::json!({
                    "instance": h.instance,
                    "since": h.since.map(|t| t.to_rfc3339()),
                    "checkout": h.elsewhere.and_then(|e| e.checkout()),
                })).collect::<Vec<_>>()
            }))
            .into());
        }
    }
    // max_claims
    if !opts.also {
        let held: Vec<ClaimUnit> = doc
            .claim_units(n)
            .into_iter()
            .filter(|u| match u {
                ClaimUnit::Task(i) => !doc.tasks[*i].done,
                ClaimUnit::Section(_) => true,
            })
            .collect();
        let max = rules.max_claims;
        if held.len() >= max {
            let names: Vec<String> = held
                .iter()
                .map(|u| match u {
                    ClaimUnit::Task(i) => {
                        format!("{} `{}`", doc.tasks[*i].reference, doc.label(*i))
                    }
                    ClaimUnit::Section(s) => format!(
                        "{} `{}`",
                        doc.sections[*s].reference, doc.sections[*s].title
                    ),
                })
                .collect();
            // A heading claim is finished by finishing its tasks: `done` on the last open
            // one releases the heading too.
            let (first, finish) = match held[0] {
                ClaimUnit::Task(i) => {
                    let r = &doc.tasks[i].reference;
                    (
                        r.clone(),
                        format!("finish it with `baton done {r} --instance {n}`"),
                    )
                }
                ClaimUnit::Section(s) => {
                    let r = &doc.sections[s].reference;
                    let under = |i: usize| {
                        std::iter::successors(doc.tasks[i].section, |&c| doc.sections[c].parent)
                            .any(|c| c == s)
                    };
                    let open = (0..doc.tasks.len()).find(|&i| !doc.tasks[i].done && under(i));
                    let finish = match open {
                        Some(i) => format!(
                            "finish its tasks, starting with `baton done {} --instance {n}` (the heading is released with the last one)",
                            doc.tasks[i].reference
                        ),
                        None => format!(
                            "every task under it is done: release it with `baton release {r} --instance {n}`"
                        ),
                    };
                    (r.clone(), finish)
                }
            };
            return Err(refused(format!(
                "Instance {n} already holds {} claim{} (max_claims is {max}): {}",
                held.len(),
                if held.len() == 1 { "" } else { "s" },
                names.join(", ")
            ))
            .hint(format!(
                "{finish}, or release it with `baton release {first} --instance {n}`; `--also` holds both"
            ))
            .into());
        }
    }
    // A takeover turns the first holder's tag into ours and drops the rest; otherwise insert.
    let tags = match target {
        Target::Task(i) => &doc.tasks[i].claims,
        Target::Section(s) => &doc.sections[s].claims,
    };
    let mut edit_list = Vec::new();
    let mut others_tags = tags.iter().filter(|c| c.instance != n);
    match others_tags.next() {
        Some(first) => {
            edit_list.push(Edit::replace(first.range.clone(), edits::tag(n)));
            edit_list.extend(others_tags.map(|c| edits::remove_tag(&doc.text, c.range.clone())));
        }
        None => edit_list.push(match target {
            Target::Task(i) => edits::claim_task(doc, i, n),
            Target::Section(s) => edits::claim_section(doc, s, n),
        }),
    }
    let mut took_over: Vec<u32> = Vec::new();
    let mut took_over_elsewhere: Vec<u32> = Vec::new();
    for h in &others {
        let list = if h.elsewhere.is_some() {
            &mut took_over_elsewhere
        } else {
            &mut took_over
        };
        if !list.contains(&h.instance) {
            list.push(h.instance);
        }
    }
    let event = if others.is_empty() {
        "claimed"
    } else if opts.steal && all_stale {
        "stolen"
    } else {
        "forced"
    };
    let mut taken_elsewhere: Vec<String> = far.iter().map(|e| e.key().to_string()).collect();
    taken_elsewhere.dedup();
    Ok(Plan {
        action: "claimed",
        target: Some(target),
        edits: edit_list,
        took_over,
        took_over_elsewhere,
        recorded: vec![id.clone()],
        taken_elsewhere,
        event: Some(event),
        subject: Some(id),
    })
}
