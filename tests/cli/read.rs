//! Read-only commands: list, show, next, status.

use crate::support::Ws;

#[test]
fn list_json_has_the_documented_fields() {
    let ws = Ws::with_tasks("# T\n## P\n- [ ] [Instance 2] 1.1 Alpha\n  (spec: [101_A.md](docs/specs/101_A.md))\n- [x] 1.2 Beta\n");
    let (code, doc) = ws.json(&["list"]);
    assert_eq!(code, 0);
    let t = &doc["data"]["tasks"][0];
    for key in ["ref", "number", "title", "done", "mark", "claimed_by", "kind", "file", "line", "section", "links", "parent"] {
        assert!(t.get(key).is_some(), "missing {key}: {t}");
    }
    assert_eq!(t["claimed_by"], serde_json::json!([2]));
    assert_eq!(t["links"][0]["exists"], false);
    assert_eq!(doc["data"]["tasks"][1]["done"], true);
}
