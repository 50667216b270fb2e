//! Unit tests of the sweep, on scratch workspaces.

use super::*;
use crate::config::Config;
use crate::error::Kind;

struct Scratch {
    dir: tempfile::TempDir,
    ws: Workspace,
}

fn scratch(files: &[(&str, &str)]) -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let ws = Workspace {
        root: dir.path().to_path_buf(),
        config: Config::default(),
    };
    Scratch { dir, ws }
}

impl Scratch {
    fn doc(&self) -> Document {
        self.ws.load_tasks().unwrap()
    }
    /// The files after applying a plan's edits (not its moves), keyed by path.
    fn edited(&self, p: &SweepPlan) -> HashMap<String, String> {
        let doc = self.doc();
        let mut m = HashMap::new();
        m.insert(
            slash_path(&doc.rel_path),
            crate::edit::apply(&doc.text, &p.tasks_edits).unwrap(),
        );
        for f in &p.files {
            m.insert(
                slash_path(&f.rel),
                crate::edit::apply(&f.original, &f.edits).unwrap(),
            );
        }
        m
    }
}

fn moves(p: &SweepPlan) -> Vec<(String, String)> {
    p.archived
        .iter()
        .map(|a| (slash_path(&a.from), slash_path(&a.to)))
        .collect()
}

const SHARED: &str = "# T\n## P\n- [x] Implement part A\n  (spec: [102_S.md](docs/specs/102_S.md))\n- [ ] Implement part B (spec: [102_S.md](docs/specs/102_S.md))\n";

#[test]
fn a_shared_spec_waits_for_its_last_open_task() {
    let s = scratch(&[("TASKS.md", SHARED), ("docs/specs/102_S.md", "# S\n")]);
    let doc = s.doc();
    let p = plan(&s.ws, &doc, &SweepOptions::default()).unwrap();
    assert!(p.archived.is_empty());
    assert!(p.tasks_edits.is_empty());
    let p = plan(&s.ws, &doc, &SweepOptions::finishing(1)).unwrap();
    assert_eq!(
        moves(&p),
        vec![(
            "docs/specs/102_S.md".into(),
            "archive/specs/102_S.md".into()
        )]
    );
    let out = s.edited(&p);
    assert_eq!(
        out["TASKS.md"],
        "# T\n## P\n- [x] Implement part A\n- [ ] Implement part B\n"
    );
}

#[test]
fn research_needs_a_spec_that_links_it() {
    let tasks = "# T\n- [x] Research cache\n  (research: [c.md](docs/research/c.md))\n";
    let s = scratch(&[("TASKS.md", tasks), ("docs/research/c.md", "# C\n")]);
    let p = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap();
    assert!(p.archived.is_empty());
    std::fs::create_dir_all(s.dir.path().join("docs/specs")).unwrap();
    std::fs::write(
        s.dir.path().join("docs/specs/101_C.md"),
        "# 101\n**Research**: [c](../research/c.md)\n",
    )
    .unwrap();
    let p = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap();
    assert_eq!(
        moves(&p),
        vec![("docs/research/c.md".into(), "archive/research/c.md".into())]
    );
    let out = s.edited(&p);
    assert_eq!(
        out["TASKS.md"],
        "# T\n- [x] Research cache\n  (research: [c.md](archive/research/c.md))\n"
    );
    assert_eq!(
        out["docs/specs/101_C.md"],
        "# 101\n**Research**: [c](../../archive/research/c.md)\n"
    );
}

#[test]
fn the_research_gate_refuses_without_a_spec() {
    let tasks = "# T\n- [ ] Research cache\n  (research: [c.md](docs/research/c.md))\n";
    let s = scratch(&[("TASKS.md", tasks), ("docs/research/c.md", "# C\n")]);
    let err = research_gate(&s.ws, &s.doc(), 0, 2).unwrap_err();
    let be = crate::error::baton_error(&err).unwrap();
    assert_eq!(be.kind, Kind::Refused);
    assert!(
        be.hint
            .as_deref()
            .unwrap()
            .contains("baton spec new \"cache\" --from-research"),
        "{be:?}"
    );
}

#[test]
fn links_follow_the_move_everywhere_but_code() {
    let tasks = "# T\n- [x] Implement x\n  see [the spec](docs/specs/101_X.md#goal) for details\n";
    let spec = "# 101\n[tasks](../../TASKS.md) [notes][n]\n\n[n]: ../research/n.md\n";
    let other = "Read [x](../specs/101_X.md).\n\n```\n[x](../specs/101_X.md)\n```\n";
    let s = scratch(&[
        ("TASKS.md", tasks),
        ("docs/specs/101_X.md", spec),
        ("docs/notes/a.md", other),
        ("docs/tasks/instance_001.md", "[s](../specs/101_X.md)\r\n"),
    ]);
    let p = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap();
    assert_eq!(moves(&p).len(), 1);
    let out = s.edited(&p);
    // Not a `(spec: ..)` group: the link is rewritten, not removed.
    assert_eq!(
        out["TASKS.md"],
        "# T\n- [x] Implement x\n  see [the spec](archive/specs/101_X.md#goal) for details\n"
    );
    assert_eq!(
        out["docs/specs/101_X.md"],
        "# 101\n[tasks](../../TASKS.md) [notes][n]\n\n[n]: ../../docs/research/n.md\n"
    );
    assert_eq!(
        out["docs/notes/a.md"],
        "Read [x](../../archive/specs/101_X.md).\n\n```\n[x](../specs/101_X.md)\n```\n"
    );
    assert_eq!(
        out["docs/tasks/instance_001.md"],
        "[s](../../archive/specs/101_X.md)\r\n"
    );
}

#[test]
fn section_links_are_marked_archived() {
    let tasks = "# T\n## Cache\n> **Spec**: [116.md](docs/specs/116.md)\n\n- [x] a\n- [ ] b\n## Other\n- [ ] c\n";
    let s = scratch(&[("TASKS.md", tasks), ("docs/specs/116.md", "x")]);
    let doc = s.doc();
    assert!(
        plan(&s.ws, &doc, &SweepOptions::default())
            .unwrap()
            .archived
            .is_empty()
    );
    let p = plan(&s.ws, &doc, &SweepOptions::finishing(1)).unwrap();
    let out = s.edited(&p);
    assert_eq!(
        out["TASKS.md"],
        "# T\n## Cache\n> **Spec**: [116.md](archive/specs/116.md) (archived)\n\n- [x] a\n- [ ] b\n## Other\n- [ ] c\n"
    );
}

#[test]
fn a_taken_destination_refuses_the_whole_plan() {
    let tasks = "# T\n- [x] Implement x (spec: [a](docs/specs/101_X.md))\n";
    let s = scratch(&[
        ("TASKS.md", tasks),
        ("docs/specs/101_X.md", "new"),
        ("archive/specs/101_X.md", "old"),
    ]);
    let err = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap_err();
    let be = crate::error::baton_error(&err).unwrap();
    assert_eq!(be.kind, Kind::Refused);
    assert!(
        be.message.contains("archive/specs/101_X.md"),
        "{}",
        be.message
    );
}

#[test]
fn hostile_links_are_reported_not_followed() {
    let tasks = "# T\n- [x] Implement a (spec: [p](../../../../etc/passwd))\n- [x] Implement b (spec: [h](/etc/hosts))\n\
- [x] Implement c (spec: [e](..%2f..%2f..%2f..%2fetc%2fpasswd))\n- [x] Implement d (spec: [o](docs/architecture/X.md))\n";
    let s = scratch(&[("TASKS.md", tasks), ("docs/architecture/X.md", "x")]);
    let p = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap();
    assert!(p.archived.is_empty());
    let reasons: Vec<&str> = p.skipped.iter().map(|x| x.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].contains("leaves the workspace"));
    assert!(reasons[1].contains("absolute"));
    assert!(reasons[2].contains("leaves the workspace"));
    assert!(reasons[3].contains("not inside"));
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_moved_or_written_through() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "s").unwrap();
    let tasks = "# T\n- [x] Implement a (spec: [e](docs/specs/105_EVIL.md))\n- [x] Implement b (spec: [d](docs/specs/sub/x.md))\n\
- [x] Implement c (spec: [c](docs/specs/107_OK.md))\n";
    let s = scratch(&[("TASKS.md", tasks), ("docs/specs/107_OK.md", "ok")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        s.dir.path().join("docs/specs/105_EVIL.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), s.dir.path().join("docs/specs/sub")).unwrap();
    std::os::unix::fs::symlink(outside.path(), s.dir.path().join("archive")).unwrap();
    let p = plan(&s.ws, &s.doc(), &SweepOptions::default()).unwrap();
    assert!(p.archived.is_empty(), "{:?}", p.archived);
    let reasons: Vec<&str> = p.skipped.iter().map(|x| x.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("105_EVIL.md is a symbolic link")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("passes through the symbolic link docs/specs/sub")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("destination") && r.contains("symbolic link archive")),
        "{reasons:?}"
    );
}

#[test]
fn done_plans_tick_untag_and_refuse_others_claims() {
    let tasks = "# T\n- [ ] [Instance 2] Implement a\n- [ ] [Instance 1] Implement b\n";
    let s = scratch(&[("TASKS.md", tasks)]);
    let doc = s.doc();
    let err = plan_done(&s.ws, &doc, 0, 1, DoneOptions::default()).unwrap_err();
    assert_eq!(crate::error::kind_of(&err), Kind::Refused);
    let p = plan_done(&s.ws, &doc, 1, 1, DoneOptions::default()).unwrap();
    assert_eq!(
        crate::edit::apply(&doc.text, &p.edits).unwrap(),
        "# T\n- [ ] [Instance 2] Implement a\n- [x] Implement b\n"
    );
    let p = plan_done(
        &s.ws,
        &doc,
        0,
        1,
        DoneOptions {
            force: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.released, vec![2]);
    assert_eq!(
        crate::edit::apply(&doc.text, &p.edits).unwrap(),
        "# T\n- [x] Implement a\n- [ ] [Instance 1] Implement b\n"
    );
}

#[test]
fn spec_numbers_count_the_archive_and_suffixed_names() {
    let s = scratch(&[
        ("TASKS.md", "# T\n"),
        ("docs/specs/103_A.md", ""),
        ("archive/specs/106A_B.md", ""),
    ]);
    assert_eq!(
        new::next_spec_number(&s.ws.root, &Dirs::new(&s.ws.config)),
        107
    );
    let e = scratch(&[("TASKS.md", "# T\n")]);
    assert_eq!(
        new::next_spec_number(&e.ws.root, &Dirs::new(&e.ws.config)),
        101
    );
}
