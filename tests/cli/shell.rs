//! `baton completions SHELL` and `baton man`: a bash script that parses and completes,
//! scripts for the other shells, and a man page with every subcommand.

use crate::support::Ws;
use std::process::Command;

fn has_bash() -> bool {
    Command::new("bash")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The subcommands `baton --help` lists.
fn subcommands(ws: &Ws) -> Vec<String> {
    let help = ws.ok(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| n != "help")
        .collect()
}

#[test]
fn bash_completions_parse_and_complete_cl_to_claim() {
    if !has_bash() {
        eprintln!("bash is missing: skipped");
        return;
    }
    let ws = Ws::new();
    let script = ws.ok(&["completions", "bash"]);
    ws.write("baton.bash", &script);
    let check = Command::new("bash")
        .arg("-n")
        .arg(ws.abs("baton.bash"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let probe = format!(
            "source {}\nCOMP_WORDS=({line})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n_baton baton {} {}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            ws.abs("baton.bash").display(),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("baton cl"), "claim\n");
    let after = complete("baton claim --dr");
    assert_eq!(after, "--dry-run\n");
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    let ws = Ws::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ws.ok(&["completions", shell]);
        for name in ["claim", "ess", "mcp", "completions"] {
            assert!(script.contains(name), "{shell}: {name}");
        }
    }
    let (code, _, err) = ws.run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn the_man_page_lists_every_subcommand() {
    let ws = Ws::new();
    let page = ws.ok(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH baton 1"),
        "{page}"
    );
    let names = subcommands(&ws);
    assert!(names.len() >= 17, "{names:?}");
    for name in &names {
        let section = format!(".SH \"BATON {}\"", name.to_uppercase());
        assert!(page.contains(&section), "no {section}");
        assert!(
            page.contains(&format!("baton\\-{name}(1)")),
            "{name} not listed"
        );
    }
    // Options are listed in each subcommand's section.
    let claim = page.split(".SH \"BATON CLAIM\"").nth(1).unwrap();
    let claim = claim.split(".SH ").next().unwrap();
    assert!(claim.contains("\\-\\-steal"), "{claim}");
}
