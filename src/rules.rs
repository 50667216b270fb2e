//! The workflow rules `baton check` knows: their stable codes, default severities and
//! summaries. A plain table at the bottom of the crate, so that the configuration can
//! validate rule names without reaching up into `check`, which implements the rules.

use serde::{Deserialize, Serialize};

/// How a rule's findings count: an error fails `check`, a warning only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Off,
}

/// One rule: its stable code, default severity, and what it checks.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub default: Severity,
    pub summary: &'static str,
}

const fn rule(code: &'static str, default: Severity, summary: &'static str) -> Rule {
    Rule {
        code,
        default,
        summary,
    }
}

use Severity::{Error as E, Warning as W};

/// Every rule `check` knows, in the order they are reported.
pub const RULES: &[Rule] = &[
    rule(
        "duplicate_claim",
        E,
        "a task claimed by two instances, directly or through a heading",
    ),
    rule(
        "too_many_claims",
        W,
        "an instance holds more open claims than max_claims allows",
    ),
    rule(
        "done_but_claimed",
        E,
        "a ticked task still carries an [Instance N] tag",
    ),
    rule(
        "unknown_instance",
        W,
        "a claim names an instance with no instance file",
    ),
    rule("stale_claim", W, "a claim older than stale_after"),
    rule(
        "coordination_drift",
        E,
        "the coordination table disagrees with the claims in the file",
    ),
    rule(
        "coordination_unknown_instance",
        W,
        "a coordination row for an instance with no instance file",
    ),
    rule(
        "implementation_without_spec",
        W,
        "an open implementation task with no spec link of its own or from its section",
    ),
    rule(
        "broken_link",
        E,
        "a relative link whose target does not exist",
    ),
    rule(
        "unsafe_link",
        E,
        "a link that resolves outside the workspace or through a symlink",
    ),
    rule(
        "done_links_active_spec",
        W,
        "a completed task or fully-done section still links a spec in the specs folder",
    ),
    rule(
        "open_task_links_archive",
        W,
        "an open task links an archived spec or research",
    ),
    rule("orphan_spec", W, "a spec that no task or section links"),
    rule(
        "orphan_research",
        W,
        "a research file that no task or section links",
    ),
    rule(
        "research_without_spec",
        W,
        "research linked only by done tasks, older than two sessions, never turned into a spec",
    ),
    rule(
        "duplicate_number",
        W,
        "two tasks with the same number in one section",
    ),
    rule(
        "unknown_mark",
        W,
        "a checkbox mark other than space, x or X",
    ),
    rule(
        "checkbox_in_code",
        W,
        "checkbox lines inside fenced code are not tasks",
    ),
    rule(
        "next_steps_in_session_file",
        E,
        "an instance file holds a next-steps section",
    ),
    rule(
        "too_many_sessions",
        W,
        "an instance file holds more than sessions_kept entries",
    ),
    rule(
        "session_numbering",
        W,
        "duplicate or decreasing session numbers across instance files",
    ),
    rule(
        "interrupted_transaction",
        E,
        "a multi-file command was killed part way; the next command under the lock settles it",
    ),
    rule(
        "missing_session_history",
        W,
        "an instance file has no `## Session History` section",
    ),
];

/// The rule with this code.
pub fn find_rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}
