//! claim, release, next --claim through the binary.

use crate::support::Ws;

#[test]
fn claim_then_release_is_identity() {
    let src = "# T\r\n\r\n- [ ] 1.1 Alpha\r\n- [ ] 1.2 Beta\r\n";
    let ws = Ws::with_tasks(src);
    ws.ok(&["claim", "1.2", "--instance", "3"]);
    assert_eq!(ws.read("TASKS.md"), "# T\r\n\r\n- [ ] 1.1 Alpha\r\n- [ ] [Instance 3] 1.2 Beta\r\n");
    ws.ok(&["release", "1.2", "--instance", "3"]);
    assert_eq!(ws.bytes("TASKS.md"), src.as_bytes());
}
