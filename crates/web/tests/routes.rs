//! Every route of the application, with what each role gets from it.
//!
//! axum cannot list its routes, so this test reads them from the source (every `.route(` call
//! under `crates/web/src`, with the methods it serves) and holds them against [`MATRIX`]: a
//! route without a row, or a row without a route, fails the test. Then each row is requested
//! by every role of the demo partnership, by an anonymous visitor and by the business team of
//! another partnership, with real ids of Northbrook records in the address, and the answer is
//! checked against the row. Forms are sent empty (with the CSRF token), so an allowed write is
//! usually a form shown again with its errors: nothing is changed except where the route needs
//! no form at all (sign-out, cancel, issue, retire, deactivate...), and those run on records
//! made for the purpose. No answer may ever be a server error, and no answer may show words of a
//! restricted record (a case off the asker's panel, an action or a group's papers they may not
//! see, Northbrook's people to another partnership) to someone who may not see them. A few
//! requests beyond the rows follow: a case with nobody on its panel, the action plans'
//! filters, ids sent in forms, and changes to one's own roles. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{Client, TestApp, decide_lcspr, each_app_with};
use learnloop_domain::accounts::Role;
use learnloop_store::audit::Who;
use learnloop_store::{demo, query};
use learnloop_web::testing::Page;

// ---- the matrix ----

/// What one identity gets from one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// `A`: the page, a redirect after a write, or a form shown again (200, 303, 400, 409,
    /// 422...): anything but 401, 403, 404, 429 (the handler was never reached), a redirect
    /// to the sign-in page or a server error.
    Allow,
    /// `D`: 403, the policy refuses.
    Deny,
    /// `N`: 404.
    NotFound,
    /// `X`: refused either way, 403 or 404 (for records of another partnership, where either
    /// answer keeps them out).
    Refused,
    /// `S`: 303 to `/sign-in?next=...`.
    SignIn,
    /// `-`: not checked.
    Skip,
}

impl Want {
    fn of(c: char) -> Want {
        match c {
            'A' => Want::Allow,
            'D' => Want::Deny,
            'N' => Want::NotFound,
            'X' => Want::Refused,
            'S' => Want::SignIn,
            '-' => Want::Skip,
            other => panic!("unknown cell {other:?} in the matrix"),
        }
    }

    fn accepts(self, p: &Page) -> bool {
        let sign_in = p.status == 303
            && p.location
                .as_deref()
                .is_some_and(|l| l.starts_with("/sign-in?next="));
        match self {
            Want::Allow => !matches!(p.status, 401 | 403 | 404 | 429) && p.status < 500 && !sign_in,
            Want::Deny => p.status == 403,
            Want::NotFound => p.status == 404,
            Want::Refused => matches!(p.status, 403 | 404),
            Want::SignIn => sign_in,
            Want::Skip => true,
        }
    }
}

/// (method, path as written in the source, cells).
///
/// The cells are one letter (see [`Want`]) for each of the eight roles of [`Role::ALL`] in
/// order (business team, independent chair, group chair, agency lead, practitioner, trainer,
/// auditor, system administrator), then a space and one for an anonymous visitor, then a space
/// and one for the business team of another partnership. The fixtures the ids come from are described in [`Fx`]: the group is
/// the Learning and Improvement Subgroup (chaired by the demo group chair; the police, whose
/// lead is the demo agency lead, a core member; the hospital, the demo practitioner's
/// agency, invited; the auditor's agency not a member); the case is restricted, decided as a
/// practice review with the independent chair on its panel and overseen by that group; the
/// action comes from its recommendation, owned by the practitioner, led by the police.
const MATRIX: &[(&str, &str, &str)] = &[
    // Cells: BT IC GC AL Pr Tr Au SA, anonymous, another partnership's business team.
    // ---- accounts ----
    ("GET", "/", "AAAAAAAA A A"),
    ("GET", "/sign-in", "AAAAAAAA A A"),
    ("POST", "/sign-in", "AAAAAAAA A A"),
    // Without the cookie of a right password a moment ago, back to the sign-in page.
    ("GET", "/sign-in/code", "AAAAAAAA A A"),
    ("POST", "/sign-in/code", "AAAAAAAA A A"),
    ("GET", "/sign-in/set-up", "AAAAAAAA A A"),
    ("POST", "/sign-in/set-up", "AAAAAAAA A A"),
    ("POST", "/sign-out", "AAAAAAAA S A"),
    ("GET", "/forgot-password", "AAAAAAAA A A"),
    ("POST", "/forgot-password", "AAAAAAAA A A"),
    // One-time links: the secret in the address is the key, for whoever holds it.
    ("GET", "/set-password/{token}", "AAAAAAAA A A"),
    ("POST", "/set-password/{token}", "AAAAAAAA A A"),
    ("GET", "/join/{token}", "AAAAAAAA A A"),
    ("POST", "/join/{token}", "AAAAAAAA A A"),
    ("GET", "/account", "AAAAAAAA S A"),
    ("GET", "/account/password", "AAAAAAAA S A"),
    ("POST", "/account/password", "AAAAAAAA S A"),
    ("GET", "/account/two-factor", "AAAAAAAA S A"),
    ("POST", "/account/two-factor", "AAAAAAAA S A"),
    // A session of someone else (a practitioner made for the purpose): nobody ends it.
    ("POST", "/account/sessions/{handle}/end", "NNNNNNNN S X"),
    // Sent with Northbrook's id: only its own members may switch to it.
    ("POST", "/account/partnership", "AAAAAAAA S X"),
    ("GET", "/accessibility", "AAAAAAAA A A"),
    ("GET", "/privacy", "AAAAAAAA A A"),
    ("GET", "/healthz", "AAAAAAAA A A"),
    ("GET", "/readyz", "AAAAAAAA A A"),
    ("GET", "/assets/{*path}", "AAAAAAAA A A"),
    ("GET", "/home", "AAAAAAAA S A"),
    // ---- partnership set-up ----
    ("GET", "/settings", "ADDDDDDD S A"),
    ("POST", "/settings", "ADDDDDDD S A"),
    ("GET", "/agencies", "ADDDDDDD S A"),
    ("GET", "/agencies/new", "ADDDDDDD S A"),
    ("POST", "/agencies/new", "ADDDDDDD S A"),
    ("GET", "/agencies/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/agencies/{id}/edit", "ADDDDDDD S X"),
    // Links to the same organisation in another partnership: each business team on its side.
    ("GET", "/agencies/links", "ADDDDDDD S A"),
    ("POST", "/agencies/links", "ADDDDDDD S A"),
    ("POST", "/agencies/links/{id}/agree", "ADDDDDDD S X"),
    ("POST", "/agencies/links/{id}/remove", "ADDDDDDD S X"),
    ("GET", "/people", "ADDDDDDA S A"),
    ("GET", "/people/invite", "ADDDDDDA S A"),
    ("POST", "/people/invite", "ADDDDDDA S A"),
    // A practitioner made for the purpose (a fresh one for each write).
    ("GET", "/people/{id}", "ADDDDDDA S X"),
    ("POST", "/people/{id}/roles", "ADDDDDDA S X"),
    // The system administrator gives and takes away only the system administrator's role.
    ("GET", "/people/{id}/roles/{mid}/remove", "ADDDDDDD S X"),
    ("POST", "/people/{id}/roles/{mid}/remove", "ADDDDDDD S X"),
    ("GET", "/people/{id}/deactivate", "ADDDDDDA S X"),
    ("POST", "/people/{id}/deactivate", "ADDDDDDA S X"),
    ("POST", "/people/{id}/reactivate", "ADDDDDDA S X"),
    // Only a system administrator resets someone's two-step sign-in.
    ("GET", "/people/{id}/two-factor/reset", "DDDDDDDA S X"),
    ("POST", "/people/{id}/two-factor/reset", "DDDDDDDA S X"),
    ("GET", "/audit", "AADDDDDD S A"),
    // ---- deadlines and holidays ----
    ("GET", "/clocks", "AAAADDDA S A"),
    ("GET", "/clocks/holidays", "AAAADDDA S A"),
    ("POST", "/clocks/holidays", "ADDDDDDD S A"),
    ("POST", "/clocks/holidays/{id}/apply", "DDDDDDDA S X"),
    ("POST", "/clocks/holidays/{id}/reject", "DDDDDDDA S X"),
    ("GET", "/clocks/rules/new", "ADDDDDDD S A"),
    ("POST", "/clocks/rules/new", "ADDDDDDD S A"),
    ("GET", "/clocks/rules/{slug}/edit", "ADDDDDDD S X"),
    // ---- groups, meetings, escalations, papers, calendar feeds ----
    ("GET", "/groups", "AAAAAAAD S A"),
    ("GET", "/groups/new", "ADDDDDDD S A"),
    ("POST", "/groups/new", "ADDDDDDD S A"),
    ("GET", "/groups/{id}", "AAAAADDD S X"),
    ("GET", "/groups/{id}/settings", "ADDDDDDD S X"),
    ("POST", "/groups/{id}/settings", "ADDDDDDD S X"),
    ("GET", "/groups/{id}/terms", "ADDDDDDD S X"),
    ("POST", "/groups/{id}/terms", "ADDDDDDD S X"),
    ("GET", "/groups/{id}/terms/print", "AAAAADDD S X"),
    ("GET", "/groups/{id}/terms/{version}", "AAAAADDD S X"),
    ("GET", "/groups/{id}/meetings/new", "ADDDDDDD S X"),
    ("POST", "/groups/{id}/meetings/new", "ADDDDDDD S X"),
    ("GET", "/groups/{id}/escalations/new", "ADADDDDD S X"),
    ("POST", "/groups/{id}/escalations/new", "ADADDDDD S X"),
    ("GET", "/escalations", "AADDDDDD S A"),
    ("GET", "/escalations/{id}", "AAAAADDD S X"),
    ("POST", "/escalations/{id}", "AADDDDDD S X"),
    ("GET", "/meetings/{id}", "AAAAADDD S X"),
    ("GET", "/meetings/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/meetings/{id}/edit", "ADDDDDDD S X"),
    // A meeting of its own, so that cancelling it leaves the others scheduled.
    ("GET", "/meetings/{id}/cancel", "ADDDDDDD S X"),
    ("POST", "/meetings/{id}/cancel", "ADDDDDDD S X"),
    ("POST", "/meetings/{id}/agenda/items", "ADADDDDD S X"),
    ("POST", "/meetings/{id}/agenda/issue", "ADADDDDD S X"),
    (
        "POST",
        "/meetings/{id}/agenda/{item}/minutes",
        "ADADDDDD S X",
    ),
    ("POST", "/meetings/{id}/attendance", "ADADDDDD S X"),
    ("POST", "/meetings/{id}/decisions", "ADADDDDD S X"),
    ("POST", "/meetings/{id}/actions", "ADADDDDD S X"),
    ("GET", "/meetings/{id}/actions/new", "ADADDDDD S X"),
    // Every member agency submits papers.
    ("POST", "/meetings/{id}/papers", "AAAAADDD S X"),
    ("GET", "/papers/{id}", "AAAAADDD S X"),
    ("GET", "/calendar", "AAAAAAAD S A"),
    ("POST", "/calendar", "AAAAAAAD S A"),
    ("GET", "/calendar/revoke", "AAAAAAAD S A"),
    ("POST", "/calendar/revoke", "AAAAAAAD S A"),
    // The feed of a practitioner made for the purpose: the secret is the key.
    ("GET", "/feeds/{file}", "AAAAAAAA A A"),
    // ---- case reviews ----
    ("GET", "/reviews", "AAAAAAAD S A"),
    ("GET", "/reviews/export.csv", "AAAAAAAD S A"),
    ("GET", "/reviews/export.xlsx", "AAAAAAAD S A"),
    ("GET", "/reviews/new", "ADDDDDDD S A"),
    ("POST", "/reviews/new", "ADDDDDDD S A"),
    ("GET", "/reviews/refer", "AAAADDAD S A"),
    ("POST", "/reviews/refer", "AAAADDAD S A"),
    ("GET", "/reviews/record", "ADDDDDDD S A"),
    ("POST", "/reviews/record", "ADDDDDDD S A"),
    // In full for the business team and the panel; an anonymised summary for the others.
    ("GET", "/reviews/{id}", "AAAAAAAD S X"),
    ("GET", "/reviews/{id}/panel", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/panel", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/summaries", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/rapid-review", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/sign-off", "DADDDDDD S X"),
    ("POST", "/reviews/{id}/panel-outcome", "ADDDDDDD S X"),
    // The police's summary and report: the police lead writes them, the panel reads them.
    ("GET", "/reviews/{id}/summaries/{agency}", "AADADDDD S X"),
    ("GET", "/reviews/{id}/review", "AADDDDDD S X"),
    ("POST", "/reviews/{id}/terms", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/reports", "ADDDDDDD S X"),
    ("GET", "/reviews/{id}/reports/{agency}", "AADADDDD S X"),
    ("POST", "/reviews/{id}/events", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/documents", "ADDDDDDD S X"),
    ("GET", "/reviews/documents/{report}", "AADDDDDD S X"),
    ("POST", "/reviews/{id}/publication", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/findings", "ADDDDDDD S X"),
    ("POST", "/reviews/{id}/recommendations", "ADDDDDDD S X"),
    // ---- recommendations and actions ----
    ("GET", "/actions", "AAAAAAAD S A"),
    ("GET", "/actions/mine", "AAAAAAAD S A"),
    // Only an agency lead has an agency's list.
    ("GET", "/actions/agency", "NNNANNND S N"),
    ("GET", "/actions/export.csv", "AAAAAAAD S A"),
    ("GET", "/actions/export.xlsx", "AAAAAAAD S A"),
    // Sent with the case as the plan's source.
    ("POST", "/actions/plan", "ADDDDDDD S X"),
    ("GET", "/recommendations/{id}/actions", "ADDDDDDD S X"),
    ("POST", "/recommendations/{id}/actions", "ADDDDDDD S X"),
    // Asked with ?source= the case.
    ("GET", "/actions/import", "ADDDDDDD S X"),
    ("POST", "/actions/import", "ADDDDDDD S X"),
    ("POST", "/actions/import/confirm", "ADDDDDDD S X"),
    // Read by whoever sees the action plans, and by its owner (the practitioner); updated by
    // its owner, the lead agency's lead and the business team; signed off by the chair of the
    // group that owns the plan; its impact recorded by the business team.
    ("GET", "/actions/{id}", "AAAAADAD S X"),
    ("POST", "/actions/{id}/updates", "ADDAADDD S X"),
    ("POST", "/actions/{id}/due", "ADDAADDD S X"),
    ("POST", "/actions/{id}/sign-off", "DDADDDDD S X"),
    ("POST", "/actions/{id}/impact", "ADDDDDDD S X"),
    ("GET", "/evidence/{id}", "AAAAADAD S X"),
    // ---- themes ----
    // ---- audits and returns ----
    // The audit is the Learning and Improvement Subgroup's (chaired by the demo group chair);
    // its return is the police's (the demo agency lead's agency) on Child A, given to the demo
    // auditor.
    ("GET", "/audits", "AAAADDAD S A"),
    ("GET", "/audits/new", "ADADDDDD S A"),
    ("POST", "/audits/new", "ADADDDDD S A"),
    ("GET", "/audits/{id}", "AAAADDAD S X"),
    ("GET", "/audits/export.csv", "AAAADDAD S A"),
    ("GET", "/audits/export.xlsx", "AAAADDAD S A"),
    ("GET", "/audits/{id}/returns.csv", "AAADDDDD S X"),
    ("GET", "/audits/{id}/returns.xlsx", "AAADDDDD S X"),
    ("POST", "/audits/{id}/stage", "ADADDDDD S X"),
    ("POST", "/audits/{id}/cases", "ADADDDDD S X"),
    ("POST", "/audits/{id}/involvement", "ADADDDDD S X"),
    ("POST", "/audits/{id}/chase", "ADADDDDD S X"),
    ("POST", "/audits/{id}/questions", "ADADDDDD S X"),
    ("GET", "/audits/{id}/workshop", "AAADDDDD S X"),
    ("POST", "/audits/{id}/workshop", "ADADDDDD S X"),
    ("POST", "/audits/{id}/moderate", "ADADDDDD S X"),
    ("GET", "/audits/{id}/report", "AAADDDDD S X"),
    ("POST", "/audits/{id}/report", "ADADDDDD S X"),
    ("POST", "/audits/{id}/recommendations", "ADADDDDD S X"),
    ("POST", "/audits/{id}/voice", "ADADDDDD S X"),
    ("POST", "/audits/{id}/reaudit", "ADADDDDD S X"),
    // The assurance round asks every agency; the business team runs it, the independent chair
    // reads it.
    ("GET", "/assurance", "AADDDDDD S A"),
    ("POST", "/assurance", "ADDDDDDD S A"),
    ("GET", "/assurance/{id}", "AADDDDDD S X"),
    ("POST", "/assurance/{id}/judge", "ADDDDDDD S X"),
    // The single-agency training register: rounds of the same kind, run the same way.
    ("GET", "/training/register", "AADDDDDD S A"),
    ("POST", "/training/register", "ADDDDDDD S A"),
    // Section 11: the business team runs cycles; before the overview goes to the board only
    // the business team, the independent chair and each agency's lead (its own row) read a
    // cycle; only the agency's lead responds to a challenge.
    ("GET", "/section11", "AAAAAAAD S A"),
    ("POST", "/section11", "ADDDDDDD S A"),
    ("GET", "/section11/framework", "AAAAAAAD S A"),
    ("POST", "/section11/framework", "ADDDDDDD S A"),
    ("GET", "/section11/{id}", "AADADDDD S X"),
    ("POST", "/section11/{id}/board", "ADDDDDDD S X"),
    ("POST", "/section11/{id}/challenge", "ADDDDDDD S X"),
    ("POST", "/section11/{id}/respond", "DDDADDDD S X"),
    ("GET", "/section11/{id}/actions", "ADDADDDD S X"),
    ("POST", "/section11/{id}/actions", "ADDADDDD S X"),
    ("GET", "/section11/{id}/panel", "ADDDDDDD S X"),
    ("POST", "/section11/{id}/panel", "ADDDDDDD S X"),
    ("POST", "/section11/{id}/panel/remove", "ADDDDDDD S X"),
    ("POST", "/section11/{id}/event", "ADDDDDDD S X"),
    // The independent chair escalates outstanding actions at the follow-up (not yet come: 409).
    ("POST", "/section11/{id}/escalate", "DADDDDDD S X"),
    // Only the agency's own lead offers its self-assessment to a linked partnership.
    ("POST", "/section11/{id}/offer", "DDDADDDD S X"),
    // Training: everyone reads the programme; the business team and trainers add courses and
    // sessions; anyone of an agency books; the session's trainer marks attendance; a booking
    // is cancelled by its person, their agency's lead or who runs the session; the offer's
    // link is the key, for whoever holds it.
    ("GET", "/training", "AAAAAAAD S A"),
    // The year's report: who runs the programme and the independent chair.
    ("GET", "/training/report", "AADDDADD S A"),
    ("GET", "/training/report.csv", "AADDDADD S A"),
    ("GET", "/training/report.xlsx", "AADDDADD S A"),
    // The needs assessment: read like the report, added to by who runs the programme.
    ("GET", "/training/needs", "AADDDADD S A"),
    ("POST", "/training/needs", "ADDDDADD S A"),
    // An agency lead's own agency's bookings.
    ("GET", "/training/agency", "DDDADDDD S D"),
    ("GET", "/training/courses/new", "ADDDDADD S A"),
    ("POST", "/training/courses/new", "ADDDDADD S A"),
    ("GET", "/training/courses/{id}", "AAAAAAAD S X"),
    ("POST", "/training/courses/{id}/sessions", "ADDDDADD S X"),
    ("GET", "/training/sessions/{id}", "AAAAAAAD S X"),
    ("POST", "/training/sessions/{id}/book", "DDDAADAD S X"),
    ("POST", "/training/sessions/{id}/attendance", "ADDDDADD S X"),
    ("POST", "/training/bookings/{id}/cancel", "ADDDAADD S X"),
    ("GET", "/training/bookings/{id}/certificate", "ADDDDAAD S X"),
    // The participant alone evaluates a session they attended.
    ("GET", "/training/evaluations/{id}", "DDDDDDAD S X"),
    ("POST", "/training/evaluations/{id}", "DDDDDDAD S X"),
    ("GET", "/training/offers/{secret}", "AAAAAAAA A A"),
    ("POST", "/training/offers/{secret}", "AAAAAAAA A A"),
    // A line manager approves a place through the link in their mail, with no account.
    ("GET", "/training/approvals/{secret}", "AAAAAAAA A A"),
    ("POST", "/training/approvals/{secret}", "AAAAAAAA A A"),
    // A line manager answers a follow-up through the link in their mail, with no account.
    ("GET", "/respond/{secret}", "AAAAAAAA A A"),
    ("POST", "/respond/{secret}", "AAAAAAAA A A"),
    ("GET", "/section11/{id}/overview.csv", "AADDDDDD S X"),
    ("GET", "/section11/{id}/overview.xlsx", "AADDDDDD S X"),
    ("GET", "/returns/{id}", "AAAADDAD S X"),
    ("POST", "/returns/{id}", "DDDADDAD S X"),
    ("POST", "/returns/{id}/decide", "ADADDDDD S X"),
    // Evidence: added by whoever writes the return (an empty upload is a form with errors),
    // read by whoever reads it.
    ("POST", "/returns/{id}/files", "DDDADDAD S X"),
    ("GET", "/returns/{id}/files/{file}", "AAAADDAD S X"),
    // On a file of its own: the first writer takes it off, the next finds it gone (no change).
    ("POST", "/returns/{id}/files/{file}/remove", "DDDADDAD S X"),
    // Sent with the auditor it already has: the same choice again.
    ("POST", "/returns/{id}/assign", "ADAADDDD S X"),
    // Performance data: everyone reads what is published; the board, groups and agency leads
    // the rest (others find an unpublished indicator not there); the owning agency's lead and
    // the business team enter values; the business team manages the dataset.
    ("GET", "/performance", "AAAAAAAD S A"),
    ("GET", "/performance/indicators/new", "ADDDDDDD S A"),
    ("POST", "/performance/indicators/new", "ADDDDDDD S A"),
    ("GET", "/performance/indicators/{id}", "AAAANNND S X"),
    (
        "POST",
        "/performance/indicators/{id}/values",
        "ADDANNND S X",
    ),
    (
        "POST",
        "/performance/indicators/{id}/benchmarks",
        "ADDDNNND S X",
    ),
    // Last of its rows: retired, it takes no more values.
    (
        "POST",
        "/performance/indicators/{id}/retire",
        "ADDDNNND S X",
    ),
    // Values imported from a sheet by the business team and agency leads (each their own).
    ("GET", "/performance/import", "ADDADDDD S A"),
    ("POST", "/performance/import", "ADDADDDD S A"),
    ("POST", "/performance/import/confirm", "ADDADDDD S A"),
    ("GET", "/performance/import/sheet.xlsx", "ADDADDDD S A"),
    // The quarterly return: an agency lead's own agency (the business team any agency's);
    // who has sent theirs, and the chase, for the business team.
    ("GET", "/performance/return", "DDDADDDD S D"),
    ("POST", "/performance/return", "DDDADDDD S D"),
    ("GET", "/performance/returns", "ADDDDDDD S A"),
    ("POST", "/performance/returns/chase", "ADDDDDDD S A"),
    // Deep dives: read by whoever reads the whole dataset, run by the business team.
    ("GET", "/performance/deep-dives", "AAAADDDD S A"),
    ("GET", "/performance/deep-dives/new", "ADDDDDDD S A"),
    ("POST", "/performance/deep-dives/new", "ADDDDDDD S A"),
    ("GET", "/performance/deep-dives/{id}", "AAAADDDD S X"),
    (
        "POST",
        "/performance/deep-dives/{id}/discussion",
        "ADDDDDDD S X",
    ),
    (
        "POST",
        "/performance/deep-dives/{id}/recommendations",
        "ADDDDDDD S X",
    ),
    (
        "POST",
        "/performance/deep-dives/{id}/presentations",
        "ADDDDDDD S X",
    ),
    (
        "GET",
        "/performance/deep-dives/{id}/presentations/{file}",
        "AAAADDDD S X",
    ),
    ("POST", "/performance/deep-dives/{id}/chase", "ADDDDDDD S X"),
    // Inspections: read by everyone in the partnership, recorded by the business team.
    ("GET", "/inspections", "AAAAAAAD S A"),
    ("GET", "/inspections/new", "ADDDDDDD S A"),
    ("POST", "/inspections/new", "ADDDDDDD S A"),
    ("GET", "/inspections/{id}", "AAAAAAAD S X"),
    ("GET", "/inspections/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/inspections/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/inspections/{id}/reports", "ADDDDDDD S X"),
    ("GET", "/inspections/{id}/reports/{file}", "AAAAAAAD S X"),
    ("POST", "/inspections/{id}/recommendations", "ADDDDDDD S X"),
    ("POST", "/inspections/{id}/progress", "ADDDDDDD S X"),
    ("GET", "/settings/export", "ADDDDDDD S A"),
    ("POST", "/settings/export", "ADDDDDDD S A"),
    // Retention and erasure: the business team's alone. Without a record due, an erasure is
    // "not found" for it; everyone else is refused first.
    ("GET", "/retention", "ADDDDDDD S A"),
    ("POST", "/retention/rules/{kind}", "ADDDDDDD S A"),
    ("GET", "/retention/erase", "NDDDDDDD S N"),
    ("POST", "/retention/erase", "NDDDDDDD S N"),
    // Single sign-on: only the business team sets providers up, each of its own partnership.
    // (The provider removed is another fixture than the one the other rows use.)
    ("GET", "/settings/sign-in", "ADDDDDDD S A"),
    ("GET", "/settings/sign-in/new", "ADDDDDDD S A"),
    ("POST", "/settings/sign-in/new", "ADDDDDDD S A"),
    ("GET", "/settings/sign-in/{id}", "ADDDDDDD S X"),
    ("POST", "/settings/sign-in/{id}", "ADDDDDDD S X"),
    // Signing in through a provider is open to anyone, signed in or not; the fixture's
    // provider cannot be reached and a callback without a sign-in under way is refused, so
    // everyone gets the refusal page (403) and an audit entry: no role reaches more.
    ("POST", "/sign-in/sso/{id}", "DDDDDDDD D D"),
    ("GET", "/sign-in/sso/callback", "DDDDDDDD D D"),
    ("GET", "/settings/sign-in/{id}/remove", "ADDDDDDD S X"),
    ("POST", "/settings/sign-in/{id}/remove", "ADDDDDDD S X"),
    ("GET", "/child-deaths", "AAAAAAAD S A"),
    ("GET", "/child-deaths/reports/new", "ADDDDDDD S A"),
    ("POST", "/child-deaths/reports/new", "ADDDDDDD S A"),
    ("GET", "/child-deaths/reports/{id}", "AAAADDAD S X"),
    ("GET", "/child-deaths/reports/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/child-deaths/reports/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/child-deaths/reports/{id}/files", "ADDDDDDD S X"),
    (
        "GET",
        "/child-deaths/reports/{id}/files/{file}",
        "AAAADDAD S X",
    ),
    (
        "POST",
        "/child-deaths/reports/{id}/recommendations",
        "ADDDDDDD S X",
    ),
    ("GET", "/child-deaths/campaigns/new", "ADDDDDDD S A"),
    ("POST", "/child-deaths/campaigns/new", "ADDDDDDD S A"),
    ("GET", "/child-deaths/campaigns/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/child-deaths/campaigns/{id}/edit", "ADDDDDDD S X"),
    ("GET", "/voice", "AAAAAAAD S A"),
    ("GET", "/voice/you-said-we-did", "AAAAAAAD S A"),
    ("POST", "/voice/priorities", "ADDDDDDD S A"),
    ("POST", "/voice/priorities/{id}/remove", "ADDDDDDD S X"),
    ("GET", "/voice/events/new", "ADDDDDDD S A"),
    ("POST", "/voice/events/new", "ADDDDDDD S A"),
    ("GET", "/voice/events/{id}", "AAAADDAD S X"),
    ("GET", "/voice/events/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/voice/events/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/voice/events/{id}/recommendations", "ADDDDDDD S X"),
    ("POST", "/voice/events/{id}/answers/{rec}", "ADDDDDDD S X"),
    ("GET", "/themes", "AAAAAAAD S A"),
    ("GET", "/themes/new", "ADDDDDDD S A"),
    ("POST", "/themes/new", "ADDDDDDD S A"),
    ("GET", "/themes/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/themes/{id}/edit", "ADDDDDDD S X"),
    ("POST", "/themes/{id}/retire", "ADDDDDDD S X"),
    ("POST", "/themes/{id}/restore", "ADDDDDDD S X"),
    ("GET", "/themes/{id}/merge", "ADDDDDDD S X"),
    ("POST", "/themes/{id}/merge", "ADDDDDDD S X"),
    ("GET", "/themes/{id}/learning", "AAAADDAD S X"),
];

/// Cells where the application is known to differ from its row (the row says what it should
/// do): (asker as [`Asker::label`] names it, method, path). They are printed, not asserted,
/// until fixed. None is known.
const KNOWN_HOLES: &[(&str, &str, &str)] = &[];

/// Routes whose placeholders are not ids of records: a secret (whoever holds the link may use
/// it, so another partnership's people too) or a file of the application.
const NOT_RECORDS: &[&str] = &[
    "/set-password/{token}",
    "/join/{token}",
    "/training/offers/{secret}",
    "/training/approvals/{secret}",
    "/respond/{secret}",
    "/feeds/{file}",
    "/assets/{*path}",
    // A kind of record, not a record: each partnership sets its own rule for it.
    "/retention/rules/{kind}",
];

/// Routes that take a file (a multipart form); sent with no file and no fields.
const MULTIPART: &[&str] = &[
    "/meetings/{id}/papers",
    "/reviews/{id}/documents",
    "/actions/{id}/updates",
    "/actions/import",
    "/performance/import",
    "/performance/deep-dives/{id}/presentations",
    "/returns/{id}/files",
    "/inspections/{id}/reports",
    "/child-deaths/reports/{id}/files",
];

/// Words of restricted records, and who may be shown them (the eight roles, in order, then
/// the anonymous visitor and the other partnership, as in the matrix: `Y` may, `.` may not).
/// Every answer to anyone else is searched for them; the pages of one-time links and the
/// calendar feed (which belong to whoever holds the link) only for the cases' words, the last
/// field.
const WORDS: &[(&[&str], &str, bool)] = &[
    // The case (restricted: the business team and its panel, the independent chair).
    (&["Amelia Testcase", "skull fracture"], "YY...... . .", true),
    // A second restricted case with nobody on its panel: the business team alone.
    (&["Bella Offpanel", "scald injury"], "Y....... . .", true),
    // The action: whoever sees the plans, and its owner (the practitioner).
    (&["Route matrix action"], "YYYYY.Y. . .", false),
    // The group's papers, agenda and escalation: its members.
    (
        &[
            "Route matrix paper",
            "Route matrix item",
            "Route matrix escalation",
        ],
        "YYYYY... . .",
        false,
    ),
    // The panel's unpublished annual report and a youth-voice event (young people's first
    // names): whoever reads the partnership's plans.
    (
        &["Route matrix child deaths", "Route matrix youth"],
        "YYYY..Y. . .",
        false,
    ),
    // The unpublished indicator: the board, the groups and agency leads.
    (&["Route matrix indicator"], "YYYY.... . .", false),
    // Northbrook's people and agencies: nobody outside it.
    (
        &["Priya Shah", "Northbrook Constabulary"],
        "YYYYYYYY . .",
        false,
    ),
];

// ---- the routes in the source ----

/// The source with comments, character literals and raw strings blanked out (same length, line
/// breaks kept), so that only code and ordinary string literals are left to read.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for x in &mut out[from..to.min(b.len())] {
            if *x != b'\n' {
                *x = b' ';
            }
        }
    };
    let ident = |i: usize| i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'r' if !ident(i) || (b[i - 1] == b'b' && !ident(i - 1)) => {
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(j - i - 1));
                let end = src[j + 1..]
                    .find(&close)
                    .map_or(b.len(), |n| j + 1 + n + close.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'\'' => {
                if b.get(i + 1) == Some(&b'\\') {
                    let end = src
                        .get(i + 3..)
                        .and_then(|s| s.find('\''))
                        .map_or(b.len(), |n| i + 3 + n + 1);
                    blank(&mut out, i, end);
                    i = end;
                } else {
                    let width = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + width) == Some(&b'\'') {
                        blank(&mut out, i, i + 2 + width);
                        i += 2 + width;
                    } else {
                        // A lifetime.
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `args` calls `name(` as a word: after `.`, `(`, `:`, `,` or white space.
fn calls(args: &str, name: &str) -> bool {
    let needle = format!("{name}(");
    args.match_indices(&needle).any(|(at, _)| {
        at == 0
            || matches!(
                args.as_bytes()[at - 1],
                b'.' | b'(' | b':' | b',' | b' ' | b'\n' | b'\t' | b'\r'
            )
    })
}

/// The (method, path) pairs of the `.route(...)` calls in one source file.
fn routes_in(src: &str) -> Vec<(String, String)> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if !code[i..].starts_with(".route(") {
            i += 1;
            continue;
        }
        let start = i + ".route(".len();
        let (mut depth, mut j, mut in_str) = (1, start, false);
        while j < b.len() && depth > 0 {
            match (in_str, b[j]) {
                (true, b'\\') => j += 1,
                (true, b'"') => in_str = false,
                (false, b'"') => in_str = true,
                (false, b'(') => depth += 1,
                (false, b')') => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let args = &code[start..j.saturating_sub(1)];
        let open = args
            .find('"')
            .unwrap_or_else(|| panic!("a .route( call without a path: {args}"));
        let close = open
            + 1
            + args[open + 1..]
                .find('"')
                .expect("the path's closing quote");
        let path = &args[open + 1..close];
        let rest = &args[close + 1..];
        for method in [
            "get", "post", "put", "patch", "delete", "head", "options", "any",
        ] {
            if calls(rest, method) {
                found.push((method.to_uppercase(), path.to_owned()));
            }
        }
        i = j;
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every (method, path) the application serves, read from its source.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    let mut all = BTreeSet::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        all.extend(routes_in(&src));
    }
    all
}

#[test]
fn the_route_reader_finds_routes_across_lines_layers_and_paths() {
    let src = r#"
        // .route("/commented", get(nothing))
        /* .route("/blocked", post(nothing)) */
        let c = '"';
        let s = ".route(\"/in-a-string\", get(x))";
        Router::new()
            .route("/a/{id}", get(show).post(save))
            .route(
                "/b/{id}/roles/{mid}/remove",
                get(page).post(remove),
            )
            .route("/c", post(upload).layer(DefaultBodyLimit::max(10 * (1 + 2))))
            .route("/d", axum::routing::post(plan))
            .route("/e", get(post_update))
    "#;
    let got = routes_in(src);
    let want: Vec<(String, String)> = [
        ("GET", "/a/{id}"),
        ("POST", "/a/{id}"),
        ("GET", "/b/{id}/roles/{mid}/remove"),
        ("POST", "/b/{id}/roles/{mid}/remove"),
        ("POST", "/c"),
        ("POST", "/d"),
        ("GET", "/e"),
    ]
    .iter()
    .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
    .collect();
    assert_eq!(got, want);
}

// ---- fixtures ----

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const OTHER_EMAIL: &str = "sam.vale@southvale.example";
const FEED_OWNER: &str = "feed.owner@northbrook.example";

/// The Northbrook records whose ids go into the addresses.
struct Fx {
    partnership: String,
    police: String,
    hospital: String,
    group: String,
    meeting: String,
    /// A second meeting of the group, for the cancel route.
    meeting_to_cancel: String,
    item: String,
    paper: String,
    escalation: String,
    /// The calendar feed (`<secret>.ics`) of a practitioner who is none of the askers.
    feed: String,
    /// The handle of a session of that practitioner, as their account page names it.
    session_handle: String,
    /// The secret of a password link of that practitioner.
    reset_token: String,
    /// The secret of an invitation to the other partnership's business-team member.
    join_token: String,
    case: String,
    /// A second restricted case, with nobody on its panel.
    off_panel: String,
    off_panel_return: String,
    report: String,
    recommendation: String,
    action: String,
    evidence: String,
    theme: String,
    holiday_to_apply: String,
    holiday_to_reject: String,
    rule: String,
    /// That practitioner and their membership, for the people pages that only read.
    person: (String, String),
    audit: String,
    audit_return: String,
    assurance: String,
    auditor: String,
    /// A Section 11 cycle for the police and the hospital, and the police's self-assessment.
    cycle: String,
    cycle_return: String,
    /// An evidence file of the audit return, and another for the route that takes one off.
    return_file: String,
    return_file_to_remove: String,
    /// Northbrook's side of a link Southvale proposed: its hospital and Southvale's trust.
    link: String,
    /// A course and a session of it in ten days, delivered by the demo trainer; the
    /// practitioner's booking on it, the auditor's (marked attended, for the certificate) and
    /// the police lead's, offered a freed place through a link whose secret is known.
    course: String,
    course_session: String,
    booking: String,
    attended_booking: String,
    offer_secret: String,
    approval_secret: String,
    /// An indicator the police own, not published: the board, groups and agency leads read it.
    indicator: String,
    /// A line manager's link to answer a training follow-up.
    respond_secret: String,
    /// A deep dive into the indicator at the group's meeting, and its presentation.
    deep_dive: String,
    presentation: String,
    /// An inspection of the police, and its report.
    inspection: String,
    inspection_report: String,
    /// The panel's unpublished annual report and its document; a campaign; a youth-voice event.
    cdop_report: String,
    cdop_file: String,
    campaign: String,
    voice_event: String,
    /// A priority young people set, to be removed.
    voice_priority: String,
    /// What young people said at the event (a recommendation), to be answered.
    voice_said: String,
    /// A single sign-on provider that cannot be reached.
    provider: String,
    /// Another, to be removed.
    provider_to_remove: String,
}

async fn one(app: &TestApp, sql: &'static str, arg: &str) -> String {
    let rows: Vec<(String,)> = app.db.fetch_all(query(sql).bind(arg)).await.unwrap();
    rows.into_iter()
        .next()
        .unwrap_or_else(|| panic!("nothing for {sql} with {arg}"))
        .0
}

fn after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.trim_start_matches(prefix)
}

fn assert_done(p: &Page, what: &str) {
    assert_eq!(p.status, 303, "{what}: {}", p.body);
}

static PEOPLE_MADE: AtomicUsize = AtomicUsize::new(0);

/// A practitioner of Northbrook's hospital made for one request (people pages that change
/// them): their id and their one membership's id.
async fn fresh_person(app: &TestApp, fx: &Fx) -> (String, String) {
    use learnloop_store::accounts;
    let n = PEOPLE_MADE.fetch_add(1, Ordering::Relaxed);
    let who = Who::system("routes test");
    let mut tx = app.db.begin().await.unwrap();
    let p = accounts::insert_person(
        &mut tx,
        &who,
        &format!("made.{n}@northbrook.example"),
        &format!("Made Person {n}"),
        "Health visitor",
        None,
    )
    .await
    .unwrap();
    accounts::grant(
        &mut tx,
        &who,
        &p.id,
        &fx.partnership,
        Role::Practitioner,
        Some(&fx.hospital),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mid = one(app, "SELECT id FROM membership WHERE person_id = ?", &p.id).await;
    (p.id, mid)
}

/// Southvale, another partnership, with one business-team member.
async fn other_partnership(app: &TestApp, hash: &str) {
    use learnloop_store::{accounts, governance};
    let who = Who::system("routes test");
    let mut tx = app.db.begin().await.unwrap();
    let p = governance::create_partnership(
        &mut tx,
        &who,
        "southvale",
        "Southvale Safeguarding Partnership",
    )
    .await
    .unwrap();
    let person = accounts::insert_person(
        &mut tx,
        &who,
        OTHER_EMAIL,
        "Sam Vale",
        "Southvale business manager",
        Some(hash),
    )
    .await
    .unwrap();
    accounts::grant(
        &mut tx,
        &who,
        &person.id,
        &p.id,
        Role::BusinessTeam,
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A line manager's follow-up of the session, answerable through a link whose secret is known.
async fn follow_up_fixture(
    app: &TestApp,
    partnership: &str,
    session: &str,
    agency: &str,
) -> String {
    let qs = learnloop_store::new_id();
    app.db
        .execute(
            query(
                "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at) \
                 VALUES (?, ?, 'training-follow-up', 'Route matrix follow-up', 1, '[\"How has practice changed\"]', '[]', ?)",
            )
            .bind(&qs)
            .bind(partnership)
            .bind(learnloop_store::ts(chrono::Utc::now())),
        )
        .await
        .unwrap();
    let secret = "f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788".to_owned();
    let now = learnloop_store::ts(chrono::Utc::now());
    app.db
        .execute(
            query(
                "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                 question_set_id, due_on, state, answers, grade, strengths, improvements, sent_back_note, \
                 requested_at, updated_at, respondent_email, link_hash, link_expires_at) VALUES \
                 (?, ?, 'training', ?, 'manager:x', ?, ?, '2099-01-01', 'requested', '[]', '', '', '', '', ?, ?, \
                 'manager@northbrook.example', ?, ?)",
            )
            .bind(learnloop_store::new_id())
            .bind(partnership)
            .bind(session)
            .bind(agency)
            .bind(&qs)
            .bind(&now)
            .bind(&now)
            .bind(learnloop_store::accounts::secret_hash(&secret))
            .bind(learnloop_store::ts(chrono::Utc::now() + chrono::Duration::days(1))),
        )
        .await
        .unwrap();
    secret
}

/// A course, a session, and bookings on it (see [`Fx`]).
async fn training_fixtures(
    app: &TestApp,
    partnership: &str,
    police: &str,
    hospital: &str,
) -> (String, String, String, String, String, String) {
    use learnloop_domain::training::{CourseKind, Level};
    use learnloop_store::training::{self, Booker, CourseInput, Mailer, SessionInput};
    let who = Who::system("routes test");
    let course = training::add_course(
        &app.db,
        &who,
        partnership,
        &CourseInput {
            title: "Route matrix course".to_owned(),
            kind: CourseKind::Course,
            level: Level::Two,
            outcomes: vec!["Know the route matrix".to_owned()],
            audience: "Everyone".to_owned(),
            description: String::new(),
            answers: Vec::new(),
            themes: Vec::new(),
        },
    )
    .await
    .unwrap();
    let trainer = one(
        app,
        "SELECT id FROM person WHERE email = ?",
        "trainer@northbrook.example",
    )
    .await;
    let starts = chrono::Utc::now().naive_utc() + chrono::Duration::days(10);
    let session = training::add_session(
        &app.db,
        &who,
        partnership,
        &course,
        &SessionInput {
            starts_at: learnloop_store::WallTime(starts),
            length_minutes: 120,
            venue: "Civic Centre".to_owned(),
            online_link: String::new(),
            trainer_id: Some(trainer),
            trainer_name: String::new(),
            capacity: 2,
        },
    )
    .await
    .unwrap();
    let key = learnloop_web::testing::test_key();
    let mailer = Mailer {
        key: &key,
        public_url: &app.base,
    };
    let mut ids = Vec::new();
    for (email, agency) in [
        ("practitioner@northbrook.example", hospital),
        ("auditor@northbrook.example", hospital),
        ("agency.lead@northbrook.example", police),
        ("group.chair@northbrook.example", police),
    ] {
        let person = one(app, "SELECT id FROM person WHERE email = ?", email).await;
        training::book(
            &app.db,
            &who,
            partnership,
            &session,
            &Booker {
                person_id: &person,
                agency_id: agency,
                manager_email: "manager@northbrook.example",
            },
            chrono::Utc::now(),
            &mailer,
        )
        .await
        .unwrap();
        ids.push(one(app, "SELECT id FROM booking WHERE person_id = ?", &person).await);
    }
    // The auditor attended (a certificate); the lead has been offered a place by a link.
    app.db
        .execute(query("UPDATE booking SET state = 'attended' WHERE id = ?").bind(&ids[1]))
        .await
        .unwrap();
    let secret = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90".to_owned();
    app.db
        .execute(
            query("UPDATE booking SET state = 'offered', offered_until = ?, offer_hash = ? WHERE id = ?")
                .bind(learnloop_store::ts(chrono::Utc::now() + chrono::Duration::days(1)))
                .bind(learnloop_store::accounts::secret_hash(&secret))
                .bind(&ids[2]),
        )
        .await
        .unwrap();
    // The group chair's place waits for their line manager's approval, by another link.
    let approval = "f1e2d3c4b5a60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90".to_owned();
    app.db
        .execute(
            query("UPDATE booking SET state = 'approval', offered_until = ?, offer_hash = ? WHERE id = ?")
                .bind(learnloop_store::ts(chrono::Utc::now() + chrono::Duration::days(1)))
                .bind(learnloop_store::accounts::secret_hash(&approval))
                .bind(&ids[3]),
        )
        .await
        .unwrap();
    (
        course,
        session,
        ids[0].clone(),
        ids[1].clone(),
        secret,
        approval,
    )
}

fn next_year() -> String {
    use chrono::Datelike;
    (chrono::Utc::now().year() + 1).to_string()
}

/// Makes every record the matrix's addresses name, through the application where that is
/// how they are made.
async fn fixtures(app: &TestApp) -> Fx {
    use learnloop_store::{accounts, governance};
    let bt = Client::new(&app.base);
    bt.sign_in_as(Role::BusinessTeam).await;
    let hash = learnloop_domain::accounts::hash_password(demo::PASSWORD).unwrap();
    other_partnership(app, &hash).await;
    let partnership = one(app, "SELECT id FROM partnership WHERE slug = ?", demo::SLUG).await;
    let agency = |name: &'static str| one(app, "SELECT id FROM agency WHERE name = ?", name);
    let council = agency("Northbrook Borough Council Children's Services").await;
    let police = agency("Northbrook Constabulary").await;
    let icb = agency("Northbrook and Wyvern Integrated Care Board").await;
    let hospital = agency("Northbrook General Hospital NHS Foundation Trust").await;
    let person = |email: &'static str| one(app, "SELECT id FROM person WHERE email = ?", email);
    let chair = person("group.chair@northbrook.example").await;
    let practitioner = person("practitioner@northbrook.example").await;
    let group = one(
        app,
        "SELECT id FROM partnership_group WHERE name = ?",
        "Learning and Improvement Subgroup",
    )
    .await;

    // The group's terms: the police a core member, the hospital invited.
    let r = bt
        .post(
            &format!("/groups/{group}/terms"),
            &[
                ("purpose", "To act on what reviews find."),
                ("functions", "Oversee action plans"),
                ("core", &council),
                ("core", &police),
                ("core", &icb),
                ("invited", &hospital),
                ("chair", &chair),
                ("chair_appointed_by", "The lead safeguarding partners"),
                ("frequency", "monthly"),
                ("meeting_minutes", "120"),
                ("agreed-day", "1"),
                ("agreed-month", "9"),
                ("agreed-year", "2025"),
                ("review-day", "1"),
                ("review-month", "9"),
                ("review-year", &next_year()),
            ],
        )
        .await;
    assert_done(&r, "terms");
    // A year of meetings from January; the first two are used.
    let r = bt
        .post(
            &format!("/groups/{group}/meetings/new"),
            &[
                ("first-day", "12"),
                ("first-month", "1"),
                ("first-year", &next_year()),
                ("time", "10:00"),
                ("length", "120"),
                ("place", "Civic Centre"),
                ("link", ""),
            ],
        )
        .await;
    assert_done(&r, "meetings");
    let meetings: Vec<(String,)> = app
        .db
        .fetch_all(
            query("SELECT id FROM meeting WHERE group_id = ? ORDER BY starts_at").bind(&*group),
        )
        .await
        .unwrap();
    let (meeting, meeting_to_cancel) = (meetings[0].0.clone(), meetings[1].0.clone());
    let r = bt
        .post(
            &format!("/meetings/{meeting}/agenda/items"),
            &[("title", "Route matrix item"), ("detail", "")],
        )
        .await;
    assert_done(&r, "agenda item");
    let item = one(
        app,
        "SELECT id FROM agenda_item WHERE title = ?",
        "Route matrix item",
    )
    .await;
    let r = bt
        .upload(
            &format!("/meetings/{meeting}/papers"),
            &[("paper-title", "Route matrix paper"), ("paper-item", "")],
            "paper.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "paper");
    let paper = one(
        app,
        "SELECT id FROM paper WHERE title = ?",
        "Route matrix paper",
    )
    .await;
    let r = bt
        .post(
            &format!("/groups/{group}/escalations/new"),
            &[
                ("title", "Route matrix escalation"),
                ("detail", "Raised to test the routes."),
                ("on-day", "1"),
                ("on-month", "11"),
                ("on-year", "2026"),
            ],
        )
        .await;
    assert_done(&r, "escalation");
    let escalation = after(r.location.as_deref().unwrap(), "/escalations/").to_owned();

    // A practitioner who is none of the askers, for the people pages that read, a calendar
    // feed, a session and a password link; and an invitation for the other partnership's
    // person.
    let who = Who::system("routes test");
    let mut tx = app.db.begin().await.unwrap();
    let owner =
        accounts::insert_person(&mut tx, &who, FEED_OWNER, "Fay Owner", "Nurse", Some(&hash))
            .await
            .unwrap();
    accounts::grant(
        &mut tx,
        &who,
        &owner.id,
        &partnership,
        Role::Practitioner,
        Some(&hospital),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let owner_membership = one(
        app,
        "SELECT id FROM membership WHERE person_id = ?",
        &owner.id,
    )
    .await;
    let secret = governance::feeds::create(&app.db, &who, &partnership, &owner.id, None)
        .await
        .unwrap();
    let feed = format!("{secret}.ics");
    let fay = Client::new(&app.base);
    assert_done(
        &fay.sign_in(FEED_OWNER, demo::PASSWORD).await,
        "Fay's sign-in",
    );
    // Its handle, as the account page names it on the button that ends it.
    let page = fay.get("/account").await.body;
    let at = page
        .find("/account/sessions/")
        .expect("a session on the account page")
        + "/account/sessions/".len();
    let session_handle = page[at..].split('/').next().unwrap_or_default().to_owned();
    let visitor = Client::new(&app.base);
    let r = visitor
        .post("/forgot-password", &[("email", FEED_OWNER)])
        .await;
    assert_done(&r, "password reset");
    let mail = common::last_mail_to(&app.db, FEED_OWNER).await.unwrap();
    let reset_token = common::link_in(&mail, &format!("{}/set-password/", app.base))
        .expect("a password link")
        .trim_start_matches(&format!("{}/set-password/", app.base))
        .to_owned();
    let r = bt
        .post(
            "/people/invite",
            &[
                ("name", "Sam Vale"),
                ("email", OTHER_EMAIL),
                ("job_title", ""),
                ("role", "trainer"),
                ("agency", ""),
                ("group", ""),
            ],
        )
        .await;
    assert_done(&r, "invitation");
    let mail = common::last_mail_to(&app.db, OTHER_EMAIL).await.unwrap();
    let join_token = common::link_in(&mail, &format!("{}/join/", app.base))
        .expect("a join link")
        .trim_start_matches(&format!("{}/join/", app.base))
        .to_owned();

    // The case: restricted, the police and the council involved, overseen by the group,
    // decided as a practice review signed off by the independent chair (on its panel), with
    // terms, a draft report, and summaries and reports asked of the agencies.
    let r = bt
        .post(
            "/reviews/new",
            &[
                ("category", "death-or-serious-harm"),
                ("aware-day", "2"),
                ("aware-month", "11"),
                ("aware-year", "2026"),
                ("notified-day", "4"),
                ("notified-month", "11"),
                ("notified-year", "2026"),
                ("panel_reference", "CSPRP-2026-0042"),
                (
                    "summary",
                    "Child A, aged 7 weeks, was admitted with a skull fracture.",
                ),
                ("child-1-pseudonym", "Child A"),
                ("child-1-name", "Amelia Testcase"),
                ("agency", &council),
                ("agency", &police),
                ("group", &group),
            ],
        )
        .await;
    assert_done(&r, "case");
    let case = after(r.location.as_deref().unwrap(), "/reviews/").to_owned();
    // A second restricted case, with nobody on its panel: its words are the business team's.
    let r = bt
        .post(
            "/reviews/new",
            &[
                ("category", "death-or-serious-harm"),
                ("aware-day", "3"),
                ("aware-month", "11"),
                ("aware-year", "2026"),
                ("notified-day", "5"),
                ("notified-month", "11"),
                ("notified-year", "2026"),
                ("panel_reference", "CSPRP-2026-0043"),
                (
                    "summary",
                    "Child B, aged 2, was treated for a scald injury.",
                ),
                ("child-1-pseudonym", "Child B"),
                ("child-1-name", "Bella Offpanel"),
                ("agency", &council),
                ("agency", &police),
                ("group", &group),
            ],
        )
        .await;
    assert_done(&r, "second case");
    let off_panel = after(r.location.as_deref().unwrap(), "/reviews/").to_owned();
    // Read in full by the business team, so that the audit trail has the reads.
    assert_eq!(bt.get(&format!("/reviews/{off_panel}")).await.status, 200);
    let due = [("due-day", "15"), ("due-month", "1"), ("due-year", "2027")];
    let r = bt.post(&format!("/reviews/{case}/summaries"), &due).await;
    assert_done(&r, "summaries");
    // The off-panel case's agencies are asked too: its police summary is a return that only
    // the business team and the police lead may open.
    let r = bt
        .post(&format!("/reviews/{off_panel}/summaries"), &due)
        .await;
    assert_done(&r, "off-panel summaries");
    let off_panel_return = one(
        app,
        "SELECT id FROM return_request WHERE source_id = ? AND agency_id IN (SELECT id FROM agency WHERE name = 'Northbrook Constabulary')",
        &off_panel,
    )
    .await;
    decide_lcspr(app, &bt, &case).await;
    let r = bt
        .post(
            &format!("/reviews/{case}/terms"),
            &[
                ("scope-from-day", "1"),
                ("scope-from-month", "1"),
                ("scope-from-year", "2025"),
                ("scope-to-day", "1"),
                ("scope-to-month", "11"),
                ("scope-to-year", "2026"),
                ("lines", "How agencies shared information"),
                ("methodology", "systems"),
                ("proportionality", "A systems review suits the questions"),
                ("reviewer", "Dr Jane Reviewer"),
                ("independence", "No connection to any agency involved"),
                ("reviewer_reason", "Led three published reviews"),
                ("family", "Mother and grandparents met the reviewer"),
                ("agreed-day", "25"),
                ("agreed-month", "11"),
                ("agreed-year", "2026"),
            ],
        )
        .await;
    assert_done(&r, "review terms");
    let r = bt
        .upload(
            &format!("/reviews/{case}/documents"),
            &[("final", "no")],
            "draft.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "draft report");
    let report = one(
        app,
        "SELECT id FROM review_report WHERE review_id = ?",
        &case,
    )
    .await;
    let r = bt.post(&format!("/reviews/{case}/reports"), &due).await;
    assert_done(&r, "agency reports");

    // Its recommendation to the police, and an action on it owned by the practitioner, with
    // a piece of evidence.
    let r = bt
        .post(
            "/themes/new",
            &[
                ("name", "Route matrix theme"),
                ("description", "A theme to test the routes."),
            ],
        )
        .await;
    assert_done(&r, "theme");
    let theme = one(
        app,
        "SELECT id FROM theme WHERE name = ?",
        "Route matrix theme",
    )
    .await;
    let r = bt
        .post(
            &format!("/reviews/{case}/recommendations"),
            &[
                ("recommendation", "Agencies share concerns the same day"),
                ("addressed_to", "agencies"),
                ("rec_agency", &police),
                ("rec_theme", &theme),
            ],
        )
        .await;
    assert_done(&r, "recommendation");
    let recommendation = one(
        app,
        "SELECT id FROM recommendation WHERE body = ?",
        "Agencies share concerns the same day",
    )
    .await;
    let r = bt
        .post(
            &format!("/recommendations/{recommendation}/actions"),
            &[
                ("description", "Route matrix action"),
                ("lead_agency", &police),
                ("supporting", &council),
                ("owner", &practitioner),
                ("due-day", "1"),
                ("due-month", "6"),
                ("due-year", &next_year()),
                ("measure", "A re-audit finds same-day sharing"),
            ],
        )
        .await;
    assert_done(&r, "action");
    let action = after(r.location.as_deref().unwrap(), "/actions/").to_owned();
    let r = bt
        .upload(
            &format!("/actions/{action}/updates"),
            &[
                ("body", "Started"),
                ("status", "in-progress"),
                ("reason", ""),
            ],
            "evidence.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "evidence");
    let evidence = one(
        app,
        "SELECT id FROM action_evidence WHERE action_id = ?",
        &action,
    )
    .await;

    // Two holiday changes waiting for a system administrator, and a local deadline.
    for name in ["Route matrix holiday one", "Route matrix holiday two"] {
        let day = if name.ends_with("one") { "15" } else { "16" };
        let r = bt
            .post(
                "/clocks/holidays",
                &[
                    ("change", "add"),
                    ("date-day", day),
                    ("date-month", "12"),
                    ("date-year", "2099"),
                    ("name", name),
                    ("reason", "To test the routes"),
                ],
            )
            .await;
        assert_done(&r, name);
    }
    let holiday_to_apply = one(
        app,
        "SELECT id FROM holiday_change WHERE name = ?",
        "Route matrix holiday one",
    )
    .await;
    let holiday_to_reject = one(
        app,
        "SELECT id FROM holiday_change WHERE name = ?",
        "Route matrix holiday two",
    )
    .await;
    let rule = "route-matrix-local".to_owned();
    let r = bt
        .post(
            "/clocks/rules/new",
            &[
                ("from", ""),
                ("slug", &rule),
                ("name", "Route matrix deadline"),
                ("starts_on", "aware"),
                ("length", "5"),
                ("unit", "working-days"),
                ("direction", "after"),
                ("source", "Our terms of reference"),
                ("due_soon", "2"),
            ],
        )
        .await;
    assert_done(&r, "local rule");

    // An audit in fieldwork with one case, its police return given to the demo auditor.
    let (audit, audit_return, auditor) = {
        use learnloop_store::{Day, audits, returns};
        let today = chrono::Utc::now().date_naive();
        let id = audits::create(
            &app.db,
            &who,
            &partnership,
            &audits::NewAudit {
                year: 2026,
                title: "Route matrix audit".to_owned(),
                reason: "To test the routes.".to_owned(),
                prompted_by: None,
                group_id: Some(group.clone()),
                lead_person_id: None,
                lines: vec!["Quality of practice".to_owned()],
                scale: vec!["Good".to_owned(), "Inadequate".to_owned()],
                agencies: vec![police.clone()],
                fieldwork_on: Day(today),
                returns_due_on: Day(today),
                workshop_on: None,
                report_due_on: None,
                reaudit_of: None,
            },
        )
        .await
        .unwrap();
        let a = audits::get(&app.db, &partnership, &id)
            .await
            .unwrap()
            .unwrap();
        audits::add_case(
            &app.db,
            &who,
            &a,
            "Child A",
            std::slice::from_ref(&police),
            None,
        )
        .await
        .unwrap();
        audits::move_stage(
            &app.db,
            &who,
            &a,
            learnloop_domain::audits::Stage::Fieldwork,
        )
        .await
        .unwrap();
        let ret = one(
            app,
            "SELECT id FROM return_request WHERE source_id = ?",
            &id,
        )
        .await;
        let auditor = one(
            app,
            "SELECT id FROM person WHERE email = ?",
            "auditor@northbrook.example",
        )
        .await;
        returns::assign(&app.db, &who, &partnership, &ret, Some(&auditor))
            .await
            .unwrap();
        (id, ret, auditor)
    };

    let assurance = learnloop_store::assurance::start(
        &app.db,
        &who,
        &partnership,
        (learnloop_domain::assurance::RoundKind::Assurance, 2030),
        learnloop_store::Day(chrono::Utc::now().date_naive()),
    )
    .await
    .unwrap();

    let cycle = learnloop_store::section11::open(
        &app.db,
        &who,
        &partnership,
        (
            "Section 11 self-assessment 2030",
            &[police.clone(), hospital.clone()],
        ),
        (
            learnloop_store::Day(chrono::Utc::now().date_naive()),
            learnloop_store::Day(chrono::Utc::now().date_naive() + chrono::Duration::days(60)),
        ),
    )
    .await
    .unwrap();
    let cycle_return = one(
        app,
        "SELECT id FROM return_request WHERE source_kind = 'section11' AND source_id = ? \
         AND agency_id = (SELECT id FROM agency WHERE name = 'Northbrook Constabulary')",
        &cycle,
    )
    .await;

    // The police lead adds two evidence files to the audit's police return.
    let lead = Client::new(&app.base);
    lead.sign_in_as(Role::AgencyLead).await;
    for name in ["evidence.pdf", "to-remove.pdf"] {
        let r = lead
            .upload(
                &format!("/returns/{audit_return}/files"),
                &[("line", "")],
                name,
                PDF.to_vec(),
            )
            .await;
        assert_done(&r, "return evidence");
    }
    let files: Vec<(String,)> = app
        .db
        .fetch_all(
            query(
                "SELECT rf.id FROM return_file rf JOIN file_object f ON f.id = rf.file_id \
                 WHERE rf.return_id = ? ORDER BY f.name",
            )
            .bind(&audit_return),
        )
        .await
        .unwrap();
    let (return_file, return_file_to_remove) = (files[0].0.clone(), files[1].0.clone());

    // Southvale proposes that its trust is Northbrook's hospital. (A linked agency's name is
    // known to the other partnership by design: its business team chose it from the list.)
    let southvale = one(
        app,
        "SELECT id FROM partnership WHERE slug = ?",
        "southvale",
    )
    .await;
    let sv = Who {
        partnership_id: Some(southvale.clone()),
        ..Who::system("routes test")
    };
    let sv_trust = governance::create_agency(
        &app.db,
        &sv,
        &southvale,
        &governance::AgencyInput {
            name: "Southvale Hospitals Trust".to_owned(),
            sector: "acute-health".to_owned(),
            statutory_partner: true,
            active: true,
        },
    )
    .await
    .unwrap();
    learnloop_store::links::propose(
        &app.db,
        &sv,
        &southvale,
        &learnloop_store::links::Proposal {
            agency_id: &sv_trust.id,
            other_pid: &partnership,
            other_agency_id: &hospital,
        },
    )
    .await
    .unwrap();
    let link = one(
        app,
        "SELECT id FROM agency_link WHERE partnership_id = ?",
        &partnership,
    )
    .await;

    let (course, course_session, booking, attended_booking, offer_secret, approval_secret) =
        training_fixtures(app, &partnership, &police, &hospital).await;
    let respond_secret = follow_up_fixture(app, &partnership, &course_session, &hospital).await;
    let indicator = learnloop_store::performance::add(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_store::performance::IndicatorInput {
            name: "Route matrix indicator".to_owned(),
            definition: "Children seen within a day".to_owned(),
            agency_id: police.clone(),
            unit: learnloop_domain::performance::Unit::Percentage,
            polarity: learnloop_domain::performance::Polarity::HigherIsBetter,
            frequency: learnloop_domain::performance::Frequency::Quarterly,
            target: Some(90.0),
            tolerance: 5.0,
            published: false,
            themes: Vec::new(),
        },
        learnloop_store::Day(chrono::Utc::now().date_naive()),
    )
    .await
    .unwrap();

    // A deep dive into the indicator, presented at the group's meeting, asking the police for
    // their analysis, with a presentation added by the business team.
    let deep_dive = learnloop_store::performance::deep_dives::add(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_store::performance::deep_dives::DeepDiveInput {
            title: "Route matrix deep dive".to_owned(),
            question: "Why fewer children are seen within a day".to_owned(),
            indicator_id: Some(indicator.clone()),
            meeting_id: meeting.clone(),
            agency_ids: vec![police.clone()],
            due_on: learnloop_store::Day(chrono::Utc::now().date_naive()),
        },
    )
    .await
    .unwrap();
    // An inspection of the police, with its report.
    let today = chrono::Utc::now().date_naive();
    let inspection = learnloop_store::inspections::add(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_store::inspections::InspectionInput {
            checked: learnloop_domain::inspections::Checked {
                inspectorate: learnloop_domain::inspections::Inspectorate::Hmicfrs,
                other_name: String::new(),
                theme: String::new(),
                notice_on: None,
                started_on: today - chrono::Duration::days(100),
                ended_on: today - chrono::Duration::days(90),
                published_on: Some(today - chrono::Duration::days(30)),
                judgement: "Good".to_owned(),
            },
            summary: "Route matrix inspection".to_owned(),
            agency_ids: vec![police.clone()],
        },
    )
    .await
    .unwrap();
    let bt = Client::new(&app.base);
    bt.sign_in_as(Role::BusinessTeam).await;
    let r = bt
        .upload(
            &format!("/performance/deep-dives/{deep_dive}/presentations"),
            &[],
            "slides.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "deep dive presentation");
    let r = bt
        .upload(
            &format!("/inspections/{inspection}/reports"),
            &[],
            "report.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "inspection report");
    let inspection_report = one(
        app,
        "SELECT id FROM file_object WHERE owner_kind = 'inspection' AND owner_id = ?",
        &inspection,
    )
    .await;
    let presentation = one(
        app,
        "SELECT id FROM file_object WHERE owner_kind = 'deep_dive' AND owner_id = ?",
        &deep_dive,
    )
    .await;
    // The panel's annual report (not published), its document, a campaign and an event.
    let cdop_report = learnloop_store::child_deaths::add_report(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_store::child_deaths::ReportRecord {
            report: learnloop_domain::child_deaths::Report {
                year: learnloop_domain::child_deaths::year_of(today) - 1,
                deaths_reviewed: 30,
                modifiable: 9,
                themes: vec!["Safe sleep".to_owned()],
                summary: "Route matrix child deaths".to_owned(),
            },
            meeting_id: None,
            published_on: None,
        },
    )
    .await
    .unwrap();
    let r = bt
        .upload(
            &format!("/child-deaths/reports/{cdop_report}/files"),
            &[],
            "cdop.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_done(&r, "child death report");
    let cdop_file = one(
        app,
        "SELECT id FROM file_object WHERE owner_kind = 'cdop_report' AND owner_id = ?",
        &cdop_report,
    )
    .await;
    let campaign = learnloop_store::child_deaths::add_campaign(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_domain::child_deaths::Campaign {
            title: "Safe sleep".to_owned(),
            audience: "Parents".to_owned(),
            channels: "Radio".to_owned(),
            started_on: today,
            ended_on: None,
            reach: None,
            reach_note: String::new(),
        },
    )
    .await
    .unwrap();
    learnloop_store::voice::add_priority(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        (
            learnloop_domain::child_deaths::year_of(today),
            "Route matrix priority",
        ),
    )
    .await
    .unwrap();
    let voice_priority = one(
        app,
        "SELECT id FROM voice_priority WHERE partnership_id = ?",
        &partnership,
    )
    .await;
    let voice_event = learnloop_store::voice::add_event(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        &learnloop_domain::voice::Event {
            kind: learnloop_domain::voice::EventKind::Consultation,
            held_on: today,
            topic: "Feeling safe".to_owned(),
            took_part: "Route matrix youth".to_owned(),
            heard: "They want to be listened to.".to_owned(),
        },
    )
    .await
    .unwrap();
    learnloop_store::recommendations::add(
        &app.db,
        &Who::system("routes test"),
        &partnership,
        (
            learnloop_domain::sources::SourceKind::VoiceEvent,
            &voice_event,
        ),
        "Listen to us",
        &learnloop_domain::recommendations::Addressee::Partnership,
        &[],
    )
    .await
    .unwrap();
    let voice_said = one(
        app,
        "SELECT id FROM recommendation WHERE source_kind = 'voice_event' AND source_id = ?",
        &voice_event,
    )
    .await;

    let mut providers = Vec::new();
    for name in ["Route matrix council", "Route matrix police"] {
        let id = learnloop_store::sso::add(
            &app.db,
            &learnloop_web::testing::test_key(),
            &Who::system("routes test"),
            &partnership,
            &learnloop_domain::sso::Provider {
                name: name.to_owned(),
                issuer: "https://127.0.0.1:1".to_owned(),
                client_id: "route-matrix".to_owned(),
                client_secret: "route-matrix-secret".to_owned(),
                email_domains: vec!["northbrook.example".to_owned()],
                trust_second_factor: false,
            },
            &[],
        )
        .await
        .unwrap();
        providers.push(id);
    }
    let provider_to_remove = providers.pop().unwrap();
    let provider = providers.pop().unwrap();

    Fx {
        provider,
        provider_to_remove,
        inspection,
        inspection_report,
        cdop_report,
        cdop_file,
        campaign,
        voice_event,
        voice_priority,
        voice_said,
        deep_dive,
        presentation,
        course,
        course_session,
        booking,
        attended_booking,
        offer_secret,
        approval_secret,
        indicator,
        respond_secret,
        link,
        return_file,
        return_file_to_remove,
        cycle,
        cycle_return,
        assurance,
        audit,
        audit_return,
        auditor,
        partnership,
        police,
        hospital,
        group,
        meeting,
        meeting_to_cancel,
        item,
        paper,
        escalation,
        feed,
        session_handle,
        reset_token,
        join_token,
        case,
        off_panel,
        off_panel_return,
        report,
        recommendation,
        action,
        evidence,
        theme,
        holiday_to_apply,
        holiday_to_reject,
        rule,
        person: (owner.id, owner_membership),
    }
}

/// The address of a row, with real ids for its placeholders. `person` replaces the reading
/// practitioner on the people pages that change someone.
fn address(path: &str, fx: &Fx, person: Option<&(String, String)>) -> String {
    let person = person.unwrap_or(&fx.person);
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            out.push((*seg).to_owned());
            continue;
        };
        let before = if i > 0 { segments[i - 1] } else { "" };
        let value: &str = match (path, before, name) {
            ("/meetings/{id}/cancel", _, "id") => &fx.meeting_to_cancel,
            ("/clocks/holidays/{id}/apply", _, "id") => &fx.holiday_to_apply,
            ("/clocks/holidays/{id}/reject", _, "id") => &fx.holiday_to_reject,
            ("/returns/{id}/files/{file}/remove", _, "file") => &fx.return_file_to_remove,
            (_, "set-password", "token") => &fx.reset_token,
            (_, "join", "token") => &fx.join_token,
            (_, "feeds", "file") => &fx.feed,
            (_, "sessions", "handle") => &fx.session_handle,
            (_, "assets", "*path") => "app.css",
            (_, "agencies", "id") => &fx.police,
            (_, "links", "id") => &fx.link,
            (_, "courses", "id") => &fx.course,
            (_, "sessions", "id") => &fx.course_session,
            ("/training/bookings/{id}/certificate", _, "id") => &fx.attended_booking,
            (_, "evaluations", "id") => &fx.attended_booking,
            (_, "bookings", "id") => &fx.booking,
            (_, "offers", "secret") => &fx.offer_secret,
            (_, "approvals", "secret") => &fx.approval_secret,
            (_, "indicators", "id") => &fx.indicator,
            (_, "deep-dives", "id") => &fx.deep_dive,
            (_, "inspections", "id") => &fx.inspection,
            ("/child-deaths/reports/{id}/files/{file}", _, "file") => &fx.cdop_file,
            (_, "reports", "id") if path.starts_with("/child-deaths/") => &fx.cdop_report,
            (_, "campaigns", "id") => &fx.campaign,
            (_, "priorities", "id") => &fx.voice_priority,
            (_, "rules", "kind") => "case-review",
            ("/settings/sign-in/{id}/remove", _, "id") => &fx.provider_to_remove,
            (_, "sign-in", "id") | (_, "sso", "id") => &fx.provider,
            (_, "answers", "rec") => &fx.voice_said,
            (_, "events", "id") if path.starts_with("/voice/") => &fx.voice_event,
            ("/inspections/{id}/reports/{file}", _, "file") => &fx.inspection_report,
            (_, "presentations", "file") => &fx.presentation,
            (_, "respond", "secret") => &fx.respond_secret,
            (_, "people", "id") => &person.0,
            (_, "roles", "mid") => &person.1,
            (_, "groups", "id") => &fx.group,
            (_, "terms", "version") => "1",
            (_, "meetings", "id") => &fx.meeting,
            (_, "agenda", "item") => &fx.item,
            (_, "papers", "id") => &fx.paper,
            (_, "escalations", "id") => &fx.escalation,
            (_, "rules", "slug") => &fx.rule,
            (_, "reviews", "id") => &fx.case,
            (_, "summaries" | "reports", "agency") => &fx.police,
            (_, "documents", "report") => &fx.report,
            (_, "recommendations", "id") => &fx.recommendation,
            (_, "actions", "id") => &fx.action,
            (_, "evidence", "id") => &fx.evidence,
            (_, "themes", "id") => &fx.theme,
            (_, "audits", "id") => &fx.audit,
            (_, "returns", "id") => &fx.audit_return,
            (_, "assurance", "id") => &fx.assurance,
            (_, "section11", "id") => &fx.cycle,
            (_, "files", "file") => &fx.return_file,
            _ => panic!(
                "no fixture for {{{name}}} in {path}: add one to `address` in tests/routes.rs"
            ),
        };
        out.push(value.to_owned());
    }
    let mut a = out.join("/");
    if path == "/actions/import" {
        a.push_str(&format!("?source=case_review:{}", fx.case));
    }
    a
}

/// The form a row sends: empty, but for the routes that read a record's id from the form.
fn form(path: &str, fx: &Fx) -> Vec<(&'static str, String)> {
    match path {
        "/account/partnership" => vec![("partnership", fx.partnership.clone())],
        "/actions/plan" => vec![
            ("source", format!("case_review:{}", fx.case)),
            ("months", "6".to_owned()),
        ],
        "/actions/import/confirm" => vec![("source", format!("case_review:{}", fx.case))],
        "/returns/{id}/assign" => vec![("person", fx.auditor.clone())],
        "/section11/{id}/respond" => vec![("return", fx.cycle_return.clone())],
        "/section11/{id}/offer" => vec![("return", fx.cycle_return.clone())],
        "/section11/{id}/actions" => vec![("action_return", fx.cycle_return.clone())],
        _ => Vec::new(),
    }
}

// ---- who asks ----

#[derive(Clone, Copy, Debug)]
enum Asker {
    Role(usize, Role),
    Anonymous,
    OtherPartnership,
}

impl Asker {
    fn all() -> Vec<Asker> {
        let mut v: Vec<Asker> = Role::ALL
            .into_iter()
            .enumerate()
            .map(|(i, r)| Asker::Role(i, r))
            .collect();
        v.push(Asker::Anonymous);
        v.push(Asker::OtherPartnership);
        v
    }

    fn label(self) -> String {
        match self {
            Asker::Role(_, r) => format!("{r:?}"),
            Asker::Anonymous => "anonymous".to_owned(),
            Asker::OtherPartnership => "other-partnership".to_owned(),
        }
    }

    /// The cell of this asker in a row's cells.
    fn cell(self, cells: &str) -> Want {
        Want::of(cells.chars().nth(self.column()).expect("a full row"))
    }

    /// This asker's column in the matrix's cells.
    fn column(self) -> usize {
        match self {
            Asker::Role(i, _) => i,
            Asker::Anonymous => 9,
            Asker::OtherPartnership => 11,
        }
    }

    async fn sign_in(self, c: &Client) {
        match self {
            Asker::Role(_, r) => c.sign_in_as(r).await,
            Asker::Anonymous => {}
            Asker::OtherPartnership => {
                let r = c.sign_in(OTHER_EMAIL, demo::PASSWORD).await;
                assert_eq!(r.status, 303, "the other partnership's sign-in: {}", r.body);
            }
        }
    }
}

/// A client whose requests come, for the rate limits of the doors open to anyone (the app
/// trusts `X-Forwarded-For` in this test), from an address of its own: each asker knocks at
/// them a few times, all of them together more than one address may in a minute.
fn client_at(base: &str, n: usize) -> Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        format!("192.0.2.{n}").parse().expect("an address"),
    );
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    Client {
        http,
        jar,
        base: base.to_owned(),
    }
}

async fn send(c: &Client, method: &str, path: &str, url: &str, fields: &[(&str, &str)]) -> Page {
    match method {
        "GET" => c.get(url).await,
        "POST" if MULTIPART.contains(&path) => c.upload(url, fields, "", Vec::new()).await,
        "POST" => c.post(url, fields).await,
        other => {
            // Any other method: sent as a form with the CSRF token, as POST is.
            let token = c.csrf().await;
            let mut form = vec![("csrf_token", token.as_str())];
            form.extend_from_slice(fields);
            let resp = c
                .http
                .request(
                    reqwest::Method::from_bytes(other.as_bytes()).unwrap(),
                    format!("{}{url}", c.base),
                )
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Page {
                status,
                body: resp.text().await.unwrap_or_default(),
                location,
            }
        }
    }
}

/// A request beyond the rows: method, address, form, cells.
type Probe = (
    &'static str,
    String,
    Vec<(&'static str, String)>,
    &'static str,
);

/// Requests beyond the matrix's rows, with the cells they must get.
fn beyond(fx: &Fx) -> Vec<Probe> {
    let off = &fx.off_panel;
    vec![
        ("GET", format!("/reviews/{off}"), vec![], "AAAAAAAD S X"),
        (
            "GET",
            format!("/reviews/{off}/review"),
            vec![],
            "ADDDDDDD S X",
        ),
        (
            "POST",
            format!("/reviews/{off}/sign-off"),
            vec![],
            "DDDDDDDD S X",
        ),
        (
            "GET",
            format!("/returns/{}", fx.off_panel_return),
            vec![],
            "ADDADDDD S X",
        ),
        (
            "POST",
            format!("/returns/{}/decide", fx.off_panel_return),
            vec![],
            "ADDDDDDD S X",
        ),
        ("GET", "/reviews?q=Bella".to_owned(), vec![], "AAAAAAAD S A"),
        ("GET", "/reviews?q=scald".to_owned(), vec![], "AAAAAAAD S A"),
        (
            "GET",
            "/audit?action=case.notify".to_owned(),
            vec![],
            "AADDDDDD S A",
        ),
        (
            "GET",
            "/audit?action=case.read".to_owned(),
            vec![],
            "AADDDDDD S A",
        ),
        (
            "GET",
            "/actions?owner=all".to_owned(),
            vec![],
            "AAAAAAAD S A",
        ),
        (
            "GET",
            format!("/actions/export.csv?owner=all&agency={}", fx.police),
            vec![],
            "AAAAAAAD S A",
        ),
        (
            "POST",
            "/calendar".to_owned(),
            vec![("group", fx.group.clone())],
            "AAAAANND S X",
        ),
        (
            "GET",
            format!("/calendar/revoke?group={}", fx.group),
            vec![],
            "AAAAANND S X",
        ),
    ]
}

/// The words of [`WORDS`] an answer shows to someone who may not see them.
fn leaks(who: Asker, path: &str, got: &Page) -> Vec<String> {
    let mut found = Vec::new();
    for (words, may, everywhere) in WORDS {
        if may.chars().nth(who.column()) == Some('Y')
            || (!everywhere && NOT_RECORDS.contains(&path))
        {
            continue;
        }
        for word in *words {
            if got.body.contains(word) {
                found.push(format!("shows {word:?}"));
            }
        }
    }
    found
}

/// Runs every row for one asker; returns the failures and the known holes seen.
async fn ask_all(
    app: &TestApp,
    fx: &Fx,
    who: Asker,
    served: &BTreeSet<(String, String)>,
) -> (Vec<String>, Vec<String>, usize) {
    let (mut failures, mut holes, mut sent) = (Vec::new(), Vec::new(), 0);
    let c = client_at(&app.base, who.column() + 1);
    who.sign_in(&c).await;
    for (method, path, cells) in MATRIX {
        let want = who.cell(cells);
        if want == Want::Skip || !served.contains(&((*method).to_owned(), (*path).to_owned())) {
            continue;
        }
        // The people pages that change someone change someone made for this request.
        let made = if *method != "GET" && path.starts_with("/people/{id}") {
            Some(fresh_person(app, fx).await)
        } else {
            None
        };
        let url = address(path, fx, made.as_ref());
        let fields = form(path, fx);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = send(&c, method, path, &url, &fields).await;
        sent += 1;
        let at = format!(
            "{} {method} {path} ({url}): got {} {}",
            who.label(),
            got.status,
            got.location.as_deref().unwrap_or("")
        );
        if got.status >= 500 {
            failures.push(format!("{at}: a server error"));
        } else if !want.accepts(&got) {
            let known = KNOWN_HOLES
                .iter()
                .any(|(w, m, p)| *w == who.label() && m == method && p == path);
            let line = format!("{at}, want {want:?}");
            if known {
                holes.push(line);
            } else {
                failures.push(line);
            }
        }
        failures.extend(
            leaks(who, path, &got)
                .into_iter()
                .map(|w| format!("{at}: {w}")),
        );
        // Signing out ends the session: the rest of the rows need it.
        if *path == "/sign-out" && !matches!(who, Asker::Anonymous) {
            who.sign_in(&c).await;
        }
    }
    // Beyond the matrix: the case off everyone's panel (by its pages, search and the audit
    // trail), the filters of the action plans, and ids sent in forms rather than addresses.
    for (method, url, fields, cells) in beyond(fx) {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = send(&c, method, "", &url, &fields).await;
        sent += 1;
        let want = who.cell(cells);
        let at = format!("{} {method} {url}: got {}", who.label(), got.status);
        if got.status >= 500 || !want.accepts(&got) {
            failures.push(format!("{at}, want {want:?}"));
        }
        failures.extend(
            leaks(who, &url, &got)
                .into_iter()
                .map(|w| format!("{at}: {w}")),
        );
    }
    // Nobody changes their own roles or deactivates their own account, even those who manage
    // everyone else's.
    if let Asker::Role(_, role @ (Role::BusinessTeam | Role::SystemAdmin)) = who {
        failures.extend(own_account_stays(app, &c, role).await);
        sent += 5;
    }
    (failures, holes, sent)
}

/// Tries to change one's own roles and account; returns what went through.
async fn own_account_stays(app: &TestApp, c: &Client, role: Role) -> Vec<String> {
    let email = common::email_of(role);
    let me = one(app, "SELECT id FROM person WHERE email = ?", email).await;
    let mid = one(app, "SELECT id FROM membership WHERE person_id = ?", &me).await;
    let state = || async {
        let roles: Vec<(String,)> = app
            .db
            .fetch_all(
                query("SELECT role FROM membership WHERE person_id = ? ORDER BY role").bind(&*me),
            )
            .await
            .unwrap();
        let active: Vec<(bool,)> = app
            .db
            .fetch_all(query("SELECT active FROM person WHERE id = ?").bind(&*me))
            .await
            .unwrap();
        (roles, active)
    };
    let before = state().await;
    let give = if role == Role::SystemAdmin {
        "system-admin"
    } else {
        "independent-chair"
    };
    let mut failures = Vec::new();
    for (method, url, fields) in [
        ("POST", format!("/people/{me}/roles"), vec![("role", give)]),
        ("GET", format!("/people/{me}/roles/{mid}/remove"), vec![]),
        ("POST", format!("/people/{me}/roles/{mid}/remove"), vec![]),
        ("GET", format!("/people/{me}/deactivate"), vec![]),
        ("POST", format!("/people/{me}/deactivate"), vec![]),
    ] {
        let got = if method == "GET" {
            c.get(&url).await
        } else {
            c.post(&url, &fields).await
        };
        if !matches!(got.status, 403 | 422) {
            failures.push(format!(
                "{role:?} {method} {url} on their own account: got {} {}, want 403 or 422",
                got.status,
                got.location.as_deref().unwrap_or("")
            ));
        }
    }
    if state().await != before {
        failures.push(format!("{role:?} changed their own roles or account"));
    }
    failures
}

#[tokio::test]
async fn every_route_has_a_row_in_the_role_matrix_and_each_role_gets_what_its_row_says() {
    // The matrix against the source: no route without a row, no row without a route.
    let source = routes_in_source();
    let mut rows = BTreeSet::new();
    let mut problems = Vec::new();
    for (method, path, cells) in MATRIX {
        if !rows.insert(((*method).to_owned(), (*path).to_owned())) {
            problems.push(format!("two rows for {method} {path}"));
        }
        let c: Vec<char> = cells.chars().collect();
        assert!(
            c.len() == 12 && c[8] == ' ' && c[10] == ' ',
            "{method} {path}: the cells must be 8 letters, a space, 1, a space, 1: {cells:?}"
        );
        // Nobody of another partnership may reach a Northbrook record by its id.
        if path.contains('{')
            && !NOT_RECORDS.contains(path)
            && !matches!(Want::of(c[11]), Want::Deny | Want::NotFound | Want::Refused)
        {
            problems.push(format!(
                "{method} {path}: another partnership's person must be refused a Northbrook record"
            ));
        }
    }
    for (method, path) in source.difference(&rows) {
        problems.push(format!(
            "{method} {path} is served but has no row in MATRIX (tests/routes.rs): add one"
        ));
    }
    for (method, path) in rows.difference(&source) {
        problems.push(format!(
            "{method} {path} has a row in MATRIX but is no longer served: remove the row"
        ));
    }
    // Rows of routes no longer served are not requested; the mismatch fails the test at the end.
    let served = std::sync::Arc::new(source.clone());

    each_app_with(
        |config| config.behind_proxy = true,
        |app| {
            let served = served.clone();
            async move {
                let started = Instant::now();
                let fx = fixtures(&app).await;
                let made = started.elapsed();
                let (mut failures, mut holes, mut sent) = (Vec::new(), Vec::new(), 0);
                for who in Asker::all() {
                    let (f, h, n) = ask_all(&app, &fx, who, &served).await;
                    failures.extend(f);
                    holes.extend(h);
                    sent += n;
                }
                println!(
                    "{:?}: {} rows, {sent} requests in {:.1?} (fixtures {:.1?})",
                    app.engine,
                    MATRIX.len(),
                    started.elapsed(),
                    made
                );
                for h in &holes {
                    println!("KNOWN HOLE (not asserted): {h}");
                }
                assert!(
                    failures.is_empty(),
                    "{} of {sent} answers differ from the matrix on {:?}:\n{}",
                    failures.len(),
                    app.engine,
                    failures.join("\n")
                );
            }
        },
    )
    .await;
    assert!(
        problems.is_empty(),
        "the route matrix does not match the application:\n{}",
        problems.join("\n")
    );
}
