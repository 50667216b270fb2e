//! The store on a git remote (issue 15): clones racing through a real `git daemon` on
//! 127.0.0.1 and through a plain path remote, and the faults: the daemon killed mid-run,
//! pushes rejected by the server, a process killed between deciding and pushing, and a
//! damaged ref or store.

use crate::store::{baton, drain, event_kinds, git_in, numbered, parse};
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// A bare repository holding a committed TASKS.md, served by `git daemon` when started.
struct Server {
    dir: tempfile::TempDir,
    port: u16,
    daemon: Option<Child>,
}

impl Server {
    fn new(tasks: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("srv/plan.git");
        std::fs::create_dir_all(&bare).unwrap();
        git_in(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let seed = dir.path().join("seed");
        std::fs::create_dir(&seed).unwrap();
        git_in(&seed, &["init", "-q", "-b", "main"]);
        std::fs::write(seed.join("TASKS.md"), tasks).unwrap();
        git_in(&seed, &["add", "TASKS.md"]);
        git_in(&seed, &["commit", "-q", "-m", "plan"]);
        git_in(&seed, &["push", "-q", bare.to_str().unwrap(), "main"]);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Server {
            dir,
            port,
            daemon: None,
        }
    }

    fn bare(&self) -> PathBuf {
        self.dir.path().join("srv/plan.git")
    }

    fn url(&self) -> String {
        format!("git://127.0.0.1:{}/plan.git", self.port)
    }

    /// Start `git daemon` on the port and wait until it accepts connections.
    fn start(&mut self) {
        let base = self.dir.path().join("srv");
        // `git daemon` runs `git-daemon` as a child: start that one, so that killing it
        // stops the server.
        let exec_path = String::from_utf8(
            Command::new("git")
                .arg("--exec-path")
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let child = Command::new(Path::new(exec_path.trim()).join("git-daemon"))
            .args([
                "--enable=receive-pack",
                "--export-all",
                &format!("--base-path={}", base.display()),
                "--listen=127.0.0.1",
                &format!("--port={}", self.port),
                "--reuseaddr",
                base.to_str().unwrap(),
            ])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        self.daemon = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "git daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A clone of the served (or plain path) repository, named `name`.
    fn clone(&self, name: &str, url: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        git_in(self.dir.path(), &["clone", "-q", url, p.to_str().unwrap()]);
        p
    }

    /// The remote's baton refs and their tips.
    fn refs(&self) -> BTreeMap<String, String> {
        git_in(
            &self.bare(),
            &[
                "for-each-ref",
                "--format=%(refname) %(objectname)",
                "refs/baton/",
            ],
        )
        .lines()
        .map(|l| {
            let (r, s) = l.split_once(' ').unwrap();
            (r.to_string(), s.to_string())
        })
        .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// baton with the remote `origin`.
fn rb(root: &Path, args: &[&str]) -> Command {
    let mut a = vec!["--remote", "origin"];
    a.extend_from_slice(args);
    baton(root, &a)
}

fn rrun(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    parse(rb(root, args).output().expect("spawn baton"))
}

fn tagged_numbers(root: &Path) -> Vec<(String, u32)> {
    std::fs::read_to_string(root.join("TASKS.md"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let r = l.strip_prefix("- [ ] [Instance ")?;
            let (n, rest) = r.split_once("] ")?;
            Some((rest.split_whitespace().next()?.to_string(), n.parse().ok()?))
        })
        .collect()
}

/// 4 clones x 4 processes drain the plan with `next --claim --also` through a real
/// `git daemon`: every task claimed exactly once across the clones, and `log` holds every
/// claim. A process told exit 4 (the remote kept changing under it) runs again, as its
/// hint says.
#[test]
fn four_clones_drain_the_plan_through_git_daemon() {
    const TASKS: usize = 200;
    const CLONES: usize = 4;
    const PER: usize = 4;
    let mut server = Server::new(&numbered(TASKS));
    server.start();
    let clones: Vec<PathBuf> = (0..CLONES)
        .map(|k| server.clone(&format!("c{k}"), &server.url()))
        .collect();
    drain(&clones, PER, &["--remote", "origin"], TASKS);
    let mut tagged = BTreeMap::new();
    for c in &clones {
        for (t, who) in tagged_numbers(c) {
            assert!(
                tagged.insert(t.clone(), who).is_none(),
                "{t} tagged in two clones"
            );
        }
    }
    assert_eq!(tagged.len(), TASKS);
    assert_eq!(server.refs().len(), TASKS, "one ref per task on the remote");
    let (code, doc) = rrun(&clones[0], &["log"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["data"]["source"], "remote");
    let claimed = doc["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "claimed")
        .count();
    assert_eq!(claimed, TASKS, "log holds every claim");
}

/// Through a plain path remote: two clones race one claim (one winner, the other refused
/// naming the winner's checkout); after a release the other takes it.
#[test]
fn path_remote_one_winner_then_release() {
    let server = Server::new(&numbered(3));
    let url = server.bare().to_str().unwrap().to_string();
    let (a, b) = (server.clone("a", &url), server.clone("b", &url));
    let barrier = Arc::new(Barrier::new(2));
    let hs: Vec<_> = [(a.clone(), "1"), (b.clone(), "2")]
        .into_iter()
        .map(|(root, n)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut cmd = rb(&root, &["claim", "1.1", "--instance", n]);
                barrier.wait();
                parse(cmd.output().unwrap())
            })
        })
        .collect();
    let codes: Vec<(i32, serde_json::Value)> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    let winners = codes.iter().filter(|(c, _)| *c == 0).count();
    assert_eq!(winners, 1, "{codes:?}");
    let (lc, ldoc) = codes.iter().find(|(c, _)| *c != 0).unwrap();
    assert_eq!(*lc, 3, "{ldoc}");
    assert!(
        ldoc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("in another checkout"),
        "{ldoc}"
    );
    let (winner, loser, wn, ln) = if codes[0].0 == 0 {
        (&a, &b, "1", "2")
    } else {
        (&b, &a, "2", "1")
    };
    let (code, doc) = rrun(winner, &["release", "1.1", "--instance", wn]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc) = rrun(loser, &["claim", "1.1", "--instance", ln]);
    assert_eq!(code, 0, "{doc}");
    let (_, doc) = rrun(winner, &["log", "--task", "1.1"]);
    let kinds = event_kinds(&doc);
    assert_eq!(kinds, ["claimed", "released", "claimed"]);
}

/// The daemon dies mid-run: claims fail with exit 4 and change nothing, read-only commands
/// answer from the last state read and say so; after a restart everything converges.
#[test]
fn daemon_killed_mid_run_then_converges() {
    let mut server = Server::new(&numbered(3));
    server.start();
    let (a, b) = (
        server.clone("a", &server.url()),
        server.clone("b", &server.url()),
    );
    let (code, doc) = rrun(&a, &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let (code, _) = rrun(&b, &["status"]);
    assert_eq!(code, 0);
    server.stop();
    let before = std::fs::read(b.join("TASKS.md")).unwrap();
    let (code, doc) = rrun(&b, &["claim", "1.2", "--instance", "2"]);
    assert_eq!(code, 4, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{doc}"
    );
    assert_eq!(
        std::fs::read(b.join("TASKS.md")).unwrap(),
        before,
        "nothing claimed locally"
    );
    let (code, doc) = rrun(&b, &["status"]);
    assert_eq!(code, 0, "{doc}");
    let warn = doc["warnings"][0].as_str().unwrap();
    assert!(
        warn.contains("cannot be reached") && warn.contains("as last read"),
        "{warn}"
    );
    // The last state read still knows Instance 1's claim in the other clone.
    let held = doc["data"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instance"] == 1)
        .expect("instance 1 listed");
    assert!(held["claims"][0]["elsewhere"]["path"].is_string(), "{held}");
    server.start();
    let (code, doc) = rrun(&b, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3, "still held by Instance 1: {doc}");
    let (code, doc) = rrun(&b, &["claim", "1.2", "--instance", "2"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(server.refs().len(), 2);
}

/// A server that declines every push to refs/baton/*: bounded retries, then exit 4 with a
/// hint, and nothing written.
#[test]
fn pushes_rejected_repeatedly_exit_four() {
    let server = Server::new(&numbered(2));
    let hook = server.bare().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho no baton refs here >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let a = server.clone("a", server.bare().to_str().unwrap());
    let before = std::fs::read(a.join("TASKS.md")).unwrap();
    let (code, doc) = rrun(&a, &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 4, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rejected the change"),
        "{doc}"
    );
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("run the command again")
    );
    assert_eq!(std::fs::read(a.join("TASKS.md")).unwrap(), before);
    assert!(server.refs().is_empty());
}

/// Killed before the push: nothing happened anywhere. Killed after the push, before
/// TASKS.md: the next command in that clone takes the claim back (no phantom), and the
/// other clone can then claim it (no lost claim, never two holders).
#[test]
fn killed_between_deciding_and_pushing_converges() {
    let server = Server::new(&numbered(3));
    let url = server.bare().to_str().unwrap().to_string();
    let (a, b) = (server.clone("a", &url), server.clone("b", &url));
    let before = std::fs::read(a.join("TASKS.md")).unwrap();
    let out = rb(&a, &["claim", "1.1", "--instance", "1"])
        .env("BATON_TEST_ABORT_AT", "before-push")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(server.refs().is_empty(), "nothing pushed");
    assert_eq!(std::fs::read(a.join("TASKS.md")).unwrap(), before);
    let out = rb(&a, &["claim", "1.1", "--instance", "1"])
        .env("BATON_TEST_ABORT_AT", "after-push")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(server.refs().len(), 1, "the claim reached the remote");
    assert_eq!(
        std::fs::read(a.join("TASKS.md")).unwrap(),
        before,
        "but not TASKS.md"
    );
    // The next command in that clone converges first.
    let (code, doc) = rrun(&a, &["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc) = rrun(&b, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "the phantom claim is gone: {doc}");
    assert_eq!(tagged_numbers(&a), [("1.2".to_string(), 1)]);
    assert_eq!(tagged_numbers(&b), [("1.1".to_string(), 2)]);
}

/// A damaged ref on the remote: a clear error naming it, and nothing overwritten. A
/// damaged store file: the same.
#[test]
fn damaged_ref_or_store_is_a_clear_error() {
    let server = Server::new(&numbered(2));
    let url = server.bare().to_str().unwrap().to_string();
    let a = server.clone("a", &url);
    let junk = git_in(
        &a,
        &[
            "commit-tree",
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "-m",
            "not an event",
        ],
    );
    let junk = junk.trim();
    git_in(
        &a,
        &[
            "push",
            "-q",
            "origin",
            &format!("{junk}:refs/baton/claims/n-1.1"),
        ],
    );
    let before = server.refs();
    let (code, doc) = rrun(&a, &["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("damaged") && msg.contains("refs/baton/claims/n-1.1"),
        "{msg}"
    );
    assert_eq!(server.refs(), before, "nothing overwritten");
    // A damaged local store (no remote): refused, left as it is.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("TASKS.md"), numbered(1)).unwrap();
    std::fs::create_dir_all(dir.path().join(".baton")).unwrap();
    std::fs::write(dir.path().join(".baton/claims.json"), "{ torn").unwrap();
    let (code, doc) = crate::store::run(dir.path(), &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 1, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("damaged"),
        "{doc}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".baton/claims.json")).unwrap(),
        "{ torn"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("TASKS.md")).unwrap(),
        numbered(1)
    );
}

/// `ess` gives its claims back on the remote too: another clone can then take them.
#[test]
fn ess_releases_on_the_remote() {
    let server = Server::new(&numbered(2));
    let url = server.bare().to_str().unwrap().to_string();
    let (a, b) = (server.clone("a", &url), server.clone("b", &url));
    let (code, doc) = rrun(&a, &["claim", "1.1", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    let (code, _) = rrun(&b, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3);
    let (code, doc) = rrun(
        &a,
        &["ess", "--instance", "1", "--title", "T", "--summary", "S."],
    );
    assert!(code == 0 || code == 1, "{doc}");
    assert_eq!(doc["data"]["tasks"][0]["released"], true, "{doc}");
    let (code, doc) = rrun(&b, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "released on the remote: {doc}");
}

/// A tag written by hand in one clone reaches the remote with that clone's next change,
/// so that no claim stays local-only: the other clone is then refused.
#[test]
fn a_hand_written_tag_is_published() {
    let server = Server::new(&numbered(3));
    let url = server.bare().to_str().unwrap().to_string();
    let (a, b) = (server.clone("a", &url), server.clone("b", &url));
    let text = std::fs::read_to_string(a.join("TASKS.md")).unwrap();
    std::fs::write(
        a.join("TASKS.md"),
        text.replace("- [ ] 1.1", "- [ ] [Instance 4] 1.1"),
    )
    .unwrap();
    let (code, doc) = rrun(&a, &["claim", "1.2", "--instance", "1"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(server.refs().len(), 2, "1.1 and 1.2 on the remote");
    let (code, doc) = rrun(&b, &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 3, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Instance 4"),
        "{doc}"
    );
}

/// Two plans in one repository keep their claims in separate ref namespaces on the remote.
#[test]
fn each_plan_has_its_own_refs_on_the_remote() {
    let server = Server::new(&numbered(2));
    let url = server.bare().to_str().unwrap().to_string();
    let a = server.clone("a", &url);
    std::fs::create_dir(a.join("sub")).unwrap();
    std::fs::write(a.join("sub/TASKS.md"), numbered(2)).unwrap();
    git_in(&a, &["add", "sub"]);
    git_in(&a, &["commit", "-q", "-m", "a second plan"]);
    git_in(&a, &["push", "-q", "origin", "main"]);
    let b = server.clone("b", &url);
    assert_eq!(rrun(&a, &["claim", "1.1", "--instance", "1"]).0, 0);
    let (code, doc) = rrun(&b.join("sub"), &["claim", "1.1", "--instance", "2"]);
    assert_eq!(code, 0, "another plan's 1.1: {doc}");
    let (code, _) = rrun(&a.join("sub"), &["claim", "1.1", "--instance", "3"]);
    assert_eq!(code, 3);
    let refs: Vec<String> = server.refs().into_keys().collect();
    assert_eq!(
        refs,
        ["refs/baton/claims/n-1.1", "refs/baton/in/sub/claims/n-1.1"]
    );
}
