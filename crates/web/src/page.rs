//! What every page shares: the header with the service name and the person's partnership,
//! navigation by role, confirmation messages, and the CSRF token for forms.

use learnloop_domain::policy::Permission;

use crate::session::Signed;

/// A confirmation shown once after a change. Only these fixed messages can be shown, so a
/// crafted cookie cannot put words on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flash {
    SignedOut,
    PasswordChanged,
    PasswordSet,
    AgencyAdded,
    AgencyChanged,
    LinkProposed,
    LinkAgreed,
    LinkRemoved,
    SelfAssessmentOffered,
    CourseAdded,
    SessionAdded,
    PlaceBooked,
    NeedAdded,
    IndicatorAdded,
    ValueEntered,
    ValueCorrected,
    BenchmarkSaved,
    IndicatorRetired,
    PlaceAwaitsApproval,
    Waitlisted,
    BookingCancelled,
    EvaluationSent,
    PersonInvited,
    RoleGiven,
    RoleRemoved,
    AccountDeactivated,
    AccountReactivated,
    InvitationAccepted,
    InvitationDeclined,
    SessionEnded,
    SecondFactorReset,
    SettingsSaved,
    HolidayProposed,
    HolidayApplied,
    HolidayRejected,
    RuleSaved,
    ResetSent,
    ThemeAdded,
    ThemeChanged,
    ThemeRetired,
    ThemeRestored,
    ThemesMerged,
    AuditPlanned,
    AuditCaseAdded,
    AuditMoved,
    InvolvementRecorded,
    AuditorChosen,
    ReturnSaved,
    ReturnSubmitted,
    ReturnSentBack,
    ReturnAccepted,
    ReturnsChased,
    WorkshopRecorded,
    GradeModerated,
    ReportSaved,
    VoiceRecorded,
    ReauditScheduled,
    QuestionsReworded,
    QuestionsVersioned,
    AssuranceRequested,
    AssuranceRecorded,
    CycleOpened,
    BoardRecorded,
    ChallengeRecorded,
    ResponseRecorded,
    PanelSaved,
    FileAdded,
    FileRemoved,
    GroupSaved,
    TermsSaved,
    MeetingsGenerated,
    MeetingSaved,
    MeetingCancelled,
    ItemAdded,
    AgendaIssued,
    MinutesSaved,
    AttendanceSaved,
    DecisionSaved,
    ActionAdded,
    Escalated,
    EscalationUpdated,
    FeedRevoked,
    PaperSubmitted,
    CaseRecorded,
    PanelUpdated,
    SummariesRequested,
    SummarySubmitted,
    RapidReviewSaved,
    DecisionSignedOff,
    PanelOutcomeSaved,
    CaseReferred,
    ReviewRecorded,
    ReviewTermsSaved,
    ReportsRequested,
    EventRecorded,
    ReportAdded,
    PublicationSaved,
    FindingAdded,
    RecommendationAdded,
    ActionUpdated,
    DueDateRevised,
    ActionSignedOff,
    ImpactRecorded,
    PlanImported,
    ValuesImported,
    InspectionRecorded,
    InspectionChanged,
    ChildDeathReportRecorded,
    ChildDeathReportChanged,
    CampaignSaved,
    VoiceEventRecorded,
    VoiceEventChanged,
    PriorityAdded,
    PriorityRemoved,
    AnswerSaved,
    ProgressRecorded,
    DeepDiveCommissioned,
    DiscussionSaved,
    PresentationAdded,
    ValuesSent,
    AgenciesChased,
    PlanSaved,
    ProviderSaved,
    ProviderRemoved,
    RetentionSaved,
    RecordErased,
}

const FLASHES: &[(Flash, &str, &str)] = &[
    (Flash::SignedOut, "signed-out", "You have signed out"),
    (
        Flash::PasswordChanged,
        "password-changed",
        "Your password has been changed",
    ),
    (
        Flash::PasswordSet,
        "password-set",
        "Your password has been set. Sign in to continue",
    ),
    (Flash::AgencyAdded, "agency-added", "Agency added"),
    (
        Flash::AgencyChanged,
        "agency-changed",
        "Agency details saved",
    ),
    (
        Flash::LinkProposed,
        "link-proposed",
        "Link proposed: the other partnership's business team can now agree to it",
    ),
    (
        Flash::LinkAgreed,
        "link-agreed",
        "Link agreed: the agency's lead can now offer its self-assessments to the other partnership",
    ),
    (Flash::LinkRemoved, "link-removed", "Link removed"),
    (
        Flash::CourseAdded,
        "course-added",
        "Course added: add its sessions below",
    ),
    (
        Flash::SessionAdded,
        "session-added",
        "Session added: people can book it now",
    ),
    (Flash::PlaceBooked, "place-booked", "Place booked"),
    (
        Flash::IndicatorAdded,
        "indicator-added",
        "Indicator added to the dataset: its agency's lead can enter values now",
    ),
    (Flash::ValueEntered, "value-entered", "Value saved"),
    (
        Flash::ValueCorrected,
        "value-corrected",
        "Value corrected: the change and its reason are kept below",
    ),
    (Flash::BenchmarkSaved, "benchmark-saved", "Benchmark saved"),
    (
        Flash::IndicatorRetired,
        "indicator-retired",
        "Indicator retired: it has left the dataset from today",
    ),
    (
        Flash::NeedAdded,
        "need-added",
        "Training need added to the year's assessment",
    ),
    (
        Flash::PlaceAwaitsApproval,
        "place-awaits-approval",
        "Place held: the line manager has been sent a link to approve it, and it is confirmed once they do",
    ),
    (
        Flash::EvaluationSent,
        "evaluation-sent",
        "Evaluation sent: thank you",
    ),
    (
        Flash::Waitlisted,
        "waitlisted",
        "The session is full: on the waiting list, and a place that comes free is offered by email in turn",
    ),
    (
        Flash::BookingCancelled,
        "booking-cancelled",
        "Booking cancelled: a freed place is offered to the first on the waiting list",
    ),
    (
        Flash::SelfAssessmentOffered,
        "self-assessment-offered",
        "Self-assessment offered: the other partnership now has it as submitted, to challenge and moderate there",
    ),
    (Flash::PersonInvited, "person-invited", "Invitation sent"),
    (Flash::RoleGiven, "role-given", "Role given"),
    (Flash::RoleRemoved, "role-removed", "Role taken away"),
    (
        Flash::AccountDeactivated,
        "account-deactivated",
        "Account deactivated",
    ),
    (Flash::SessionEnded, "session-ended", "Session ended"),
    (
        Flash::SecondFactorReset,
        "second-factor-reset",
        "Two-step sign-in reset. They set it up again at their next sign-in",
    ),
    (
        Flash::InvitationAccepted,
        "invitation-accepted",
        "Invitation accepted. Sign in to start",
    ),
    (
        Flash::InvitationDeclined,
        "invitation-declined",
        "Invitation declined: nothing has changed",
    ),
    (
        Flash::AccountReactivated,
        "account-reactivated",
        "Account reactivated",
    ),
    (
        Flash::SettingsSaved,
        "settings-saved",
        "Partnership settings saved",
    ),
    (
        Flash::HolidayProposed,
        "holiday-proposed",
        "Change proposed. A system administrator will review it",
    ),
    (
        Flash::HolidayApplied,
        "holiday-applied",
        "Holiday change applied to every partnership",
    ),
    (
        Flash::HolidayRejected,
        "holiday-rejected",
        "Holiday change rejected",
    ),
    (Flash::RuleSaved, "rule-saved", "Clock rule saved"),
    (
        Flash::ResetSent,
        "reset-sent",
        "If that address has an account, we have sent a link to reset the password",
    ),
    (Flash::ThemeAdded, "theme-added", "Theme added"),
    (Flash::ThemeChanged, "theme-changed", "Theme saved"),
    (
        Flash::ThemeRetired,
        "theme-retired",
        "Theme retired. Records already tagged with it keep it",
    ),
    (Flash::ThemeRestored, "theme-restored", "Theme restored"),
    (
        Flash::ThemesMerged,
        "themes-merged",
        "Themes merged. Everything tagged has moved to the theme you chose",
    ),
    (Flash::AuditPlanned, "audit-planned", "Audit planned"),
    (
        Flash::AuditCaseAdded,
        "audit-case-added",
        "Case added to the sample",
    ),
    (Flash::AuditMoved, "audit-moved", "Audit moved on"),
    (
        Flash::InvolvementRecorded,
        "involvement-recorded",
        "Involvement recorded: they cannot audit that case",
    ),
    (Flash::AuditorChosen, "auditor-chosen", "Auditor saved"),
    (
        Flash::ReturnSaved,
        "return-saved",
        "Return saved as a draft",
    ),
    (
        Flash::ReturnSubmitted,
        "return-submitted",
        "Return submitted",
    ),
    (
        Flash::ReturnSentBack,
        "return-sent-back",
        "Return sent back for more work",
    ),
    (
        Flash::ReturnAccepted,
        "return-accepted",
        "Return accepted and locked",
    ),
    (
        Flash::ReturnsChased,
        "returns-chased",
        "Reminders sent to everyone whose return is not in",
    ),
    (
        Flash::WorkshopRecorded,
        "workshop-recorded",
        "Workshop saved",
    ),
    (
        Flash::GradeModerated,
        "grade-moderated",
        "Moderated grade saved beside the original",
    ),
    (Flash::ReportSaved, "report-saved", "Overview report saved"),
    (
        Flash::VoiceRecorded,
        "voice-recorded",
        "Children's views recorded",
    ),
    (
        Flash::ReauditScheduled,
        "reaudit-scheduled",
        "Re-audit scheduled with the same lines of enquiry",
    ),
    (
        Flash::QuestionsReworded,
        "questions-reworded",
        "Wording changed: returns already asked for show it too",
    ),
    (
        Flash::QuestionsVersioned,
        "questions-versioned",
        "New version of the questions saved: returns already asked for keep the ones they began with",
    ),
    (
        Flash::AssuranceRequested,
        "assurance-requested",
        "Every agency has been asked for its assurance return",
    ),
    (
        Flash::AssuranceRecorded,
        "assurance-recorded",
        "Assurance recorded",
    ),
    (
        Flash::CycleOpened,
        "cycle-opened",
        "Cycle opened: each agency chosen has been asked for its self-assessment",
    ),
    (
        Flash::BoardRecorded,
        "board-recorded",
        "Board date saved: everyone in the partnership can now read the overview",
    ),
    (
        Flash::ChallengeRecorded,
        "challenge-recorded",
        "Challenge recorded: the agency can now respond",
    ),
    (
        Flash::ResponseRecorded,
        "response-recorded",
        "Response sent",
    ),
    (Flash::PanelSaved, "panel-saved", "Challenge panel saved"),
    (Flash::FileAdded, "file-added", "Evidence file added"),
    (
        Flash::FileRemoved,
        "file-removed",
        "Evidence file taken off the return",
    ),
    (Flash::GroupSaved, "group-saved", "Group saved"),
    (
        Flash::TermsSaved,
        "terms-saved",
        "Terms of reference saved as a new version",
    ),
    (
        Flash::MeetingsGenerated,
        "meetings-generated",
        "Meetings added",
    ),
    (Flash::MeetingSaved, "meeting-saved", "Meeting changed"),
    (
        Flash::MeetingCancelled,
        "meeting-cancelled",
        "Meeting cancelled",
    ),
    (Flash::ItemAdded, "item-added", "Agenda item added"),
    (
        Flash::AgendaIssued,
        "agenda-issued",
        "Agenda issued: it no longer changes with live data",
    ),
    (Flash::MinutesSaved, "minutes-saved", "Minutes saved"),
    (
        Flash::AttendanceSaved,
        "attendance-saved",
        "Attendance recorded",
    ),
    (Flash::DecisionSaved, "decision-saved", "Decision recorded"),
    (Flash::ActionAdded, "action-added", "Action added"),
    (
        Flash::Escalated,
        "escalated",
        "Escalated to the independent chair",
    ),
    (
        Flash::EscalationUpdated,
        "escalation-updated",
        "Escalation updated",
    ),
    (
        Flash::FeedRevoked,
        "feed-revoked",
        "Calendar feed address revoked: calendars using it no longer update",
    ),
    (Flash::PaperSubmitted, "paper-submitted", "Paper submitted"),
    (
        Flash::CaseRecorded,
        "case-recorded",
        "Notification recorded: its deadlines have started",
    ),
    (Flash::PanelUpdated, "panel-updated", "Panel updated"),
    (
        Flash::SummariesRequested,
        "summaries-requested",
        "Agency summaries requested: each agency's safeguarding lead has been told",
    ),
    (
        Flash::SummarySubmitted,
        "summary-submitted",
        "Summary sent to the partnership",
    ),
    (
        Flash::RapidReviewSaved,
        "rapid-review-saved",
        "Rapid review saved",
    ),
    (
        Flash::DecisionSignedOff,
        "decision-signed-off",
        "Decision signed off",
    ),
    (
        Flash::PanelOutcomeSaved,
        "panel-outcome-saved",
        "National Panel dates saved",
    ),
    (
        Flash::CaseReferred,
        "case-referred",
        "Referral sent: the business team will bring it to the partnership",
    ),
    (Flash::ReviewRecorded, "review-recorded", "Review recorded"),
    (
        Flash::ReviewTermsSaved,
        "review-terms-saved",
        "Terms of reference and reviewer saved",
    ),
    (
        Flash::ReportsRequested,
        "reports-requested",
        "Agency reports requested: each agency's safeguarding lead has been told",
    ),
    (Flash::EventRecorded, "event-recorded", "Event recorded"),
    (Flash::ReportAdded, "report-added", "Report added"),
    (
        Flash::PublicationSaved,
        "publication-saved",
        "Publication decision saved",
    ),
    (Flash::FindingAdded, "finding-added", "Finding added"),
    (
        Flash::RecommendationAdded,
        "recommendation-added",
        "Recommendation added",
    ),
    (Flash::ActionUpdated, "action-updated", "Update posted"),
    (
        Flash::DueDateRevised,
        "due-date-revised",
        "Due date changed: the revision and its reason are kept",
    ),
    (
        Flash::ActionSignedOff,
        "action-signed-off",
        "Action signed off and closed: its impact review is scheduled",
    ),
    (
        Flash::ImpactRecorded,
        "impact-recorded",
        "Impact review recorded",
    ),
    (Flash::PlanImported, "plan-imported", "Action plan imported"),
    (Flash::ValuesImported, "values-imported", "Values imported"),
    (
        Flash::InspectionRecorded,
        "inspection-recorded",
        "Inspection recorded",
    ),
    (
        Flash::InspectionChanged,
        "inspection-changed",
        "Inspection changed",
    ),
    (
        Flash::ChildDeathReportRecorded,
        "cdop-report-recorded",
        "Annual report recorded",
    ),
    (
        Flash::ChildDeathReportChanged,
        "cdop-report-changed",
        "Annual report changed",
    ),
    (Flash::CampaignSaved, "campaign-saved", "Campaign saved"),
    (
        Flash::VoiceEventRecorded,
        "voice-event-recorded",
        "Event recorded",
    ),
    (
        Flash::VoiceEventChanged,
        "voice-event-changed",
        "Event changed",
    ),
    (Flash::PriorityAdded, "priority-added", "Priority added"),
    (
        Flash::PriorityRemoved,
        "priority-removed",
        "Priority removed",
    ),
    (Flash::AnswerSaved, "answer-saved", "Answer saved"),
    (
        Flash::RetentionSaved,
        "retention-saved",
        "Retention rule saved",
    ),
    (
        Flash::RecordErased,
        "record-erased",
        "Record erased: its tombstone is listed below",
    ),
    (
        Flash::ProviderSaved,
        "provider-saved",
        "Single sign-on provider saved",
    ),
    (
        Flash::ProviderRemoved,
        "provider-removed",
        "Single sign-on provider removed",
    ),
    (
        Flash::ProgressRecorded,
        "progress-recorded",
        "Progress report recorded",
    ),
    (
        Flash::DeepDiveCommissioned,
        "deep-dive-commissioned",
        "Deep dive commissioned: the agencies have been asked for their analysis",
    ),
    (
        Flash::DiscussionSaved,
        "discussion-saved",
        "Discussion saved",
    ),
    (
        Flash::PresentationAdded,
        "presentation-added",
        "Presentation added",
    ),
    (Flash::ValuesSent, "values-sent", "Values sent"),
    (
        Flash::AgenciesChased,
        "agencies-chased",
        "Agencies chased: their leads have been sent a reminder",
    ),
    (
        Flash::PlanSaved,
        "plan-saved",
        "Saved: impact reviews of this plan's actions fall that many months after each closes",
    ),
];

impl Flash {
    pub fn key(self) -> &'static str {
        FLASHES
            .iter()
            .find(|(f, _, _)| *f == self)
            .map(|(_, k, _)| *k)
            .unwrap_or("")
    }
    pub fn text(self) -> &'static str {
        FLASHES
            .iter()
            .find(|(f, _, _)| *f == self)
            .map(|(_, _, t)| *t)
            .unwrap_or("")
    }
    pub fn from_key(k: &str) -> Option<Flash> {
        FLASHES
            .iter()
            .find(|(_, key, _)| *key == k)
            .map(|(f, _, _)| *f)
    }
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub text: &'static str,
    pub current: bool,
}

/// The parts of the page around the content.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    pub csrf: String,
    pub person_name: Option<String>,
    pub partnership_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub flash: Option<&'static str>,
}

/// Navigation: each entry shows only for people whose roles allow the page behind it.
const NAV: &[(&str, &str, Option<Permission>)] = &[
    ("/home", "Home", None),
    (
        "/reviews",
        "Case reviews",
        Some(Permission::ViewPartnership),
    ),
    ("/actions", "Actions", Some(Permission::ViewPartnership)),
    ("/groups", "Groups", Some(Permission::ViewPartnership)),
    ("/agencies", "Agencies", Some(Permission::ManageAgencies)),
    ("/people", "People", Some(Permission::ManagePeople)),
    (
        "/clocks",
        "Deadlines and holidays",
        Some(Permission::ViewClocks),
    ),
    ("/audits", "Audits", Some(Permission::ViewAudits)),
    (
        "/section11",
        "Section 11",
        Some(Permission::ViewPartnership),
    ),
    ("/training", "Training", Some(Permission::ViewPartnership)),
    (
        "/performance",
        "Performance data",
        Some(Permission::ViewPartnership),
    ),
    (
        "/inspections",
        "Inspections",
        Some(Permission::ViewPartnership),
    ),
    (
        "/child-deaths",
        "Child deaths",
        Some(Permission::ViewPartnership),
    ),
    (
        "/voice",
        "Voice of children",
        Some(Permission::ViewPartnership),
    ),
    ("/themes", "Themes", Some(Permission::ViewThemes)),
    ("/audit", "Audit trail", Some(Permission::ViewAuditTrail)),
    ("/settings", "Settings", Some(Permission::ManageSettings)),
    ("/calendar", "Calendar", Some(Permission::ViewPartnership)),
    ("/account", "Your account", None),
];

impl Chrome {
    pub fn anonymous(csrf: &str, flash: Option<Flash>) -> Chrome {
        Chrome {
            csrf: csrf.to_owned(),
            flash: flash.map(Flash::text),
            ..Chrome::default()
        }
    }

    pub fn signed_in(s: &Signed, current: &str) -> Chrome {
        let nav = NAV
            .iter()
            .filter(|(_, _, p)| p.is_none_or(|p| s.actor.can(p)))
            .map(|(href, text, _)| NavItem {
                href,
                text,
                current: current == *href || current.starts_with(&format!("{href}/")),
            })
            .collect();
        Chrome {
            csrf: s.csrf.clone(),
            person_name: Some(s.person.name.clone()),
            partnership_name: Some(s.partnership.name.clone()),
            nav,
            flash: s.flash.map(Flash::text),
        }
    }
}

/// Renders a page template into a response.
pub fn render<T: askama::Template>(
    t: &T,
) -> Result<axum::response::Response, crate::error::AppError> {
    use axum::response::IntoResponse;
    Ok(axum::response::Html(t.render()?).into_response())
}

/// Renders a page with a status other than 200 (e.g. a form with errors: 422 keeps the
/// browser from caching it and tells tests what happened, while the user sees the form).
pub fn render_status<T: askama::Template>(
    status: axum::http::StatusCode,
    t: &T,
) -> Result<axum::response::Response, crate::error::AppError> {
    use axum::response::IntoResponse;
    Ok((status, axum::response::Html(t.render()?)).into_response())
}

/// A plain page of text: a heading and paragraphs, with an optional link onwards.
#[derive(askama::Template)]
#[template(path = "info.html")]
pub struct InfoPage {
    pub chrome: Chrome,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub link: Option<(String, String)>,
}

/// The page number a paginated list was asked for (`?page=N`); anything else is page 1.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    pub page: i64,
}

/// Where a paginated list is, and the links to its other pages: every list shows them the same
/// way, with the GOV.UK pagination component (`_pager.html`).
#[derive(Clone, Debug)]
pub struct Pager {
    pub base: String,
    pub number: i64,
    pub pages: i64,
    pub total: i64,
}

impl Pager {
    pub fn of<T>(base: &str, p: &learnloop_store::Paged<T>) -> Pager {
        Pager {
            base: base.to_owned(),
            number: p.page.number,
            pages: p.pages(),
            total: p.total,
        }
    }

    /// The list's size in words: "1 case", "12 cases".
    pub fn counted(&self, one: &str, many: &str) -> String {
        format!(
            "{} {}",
            self.total,
            if self.total == 1 { one } else { many }
        )
    }

    /// Previous and next, and the page numbers around this one with the first and the last.
    pub fn component(&self) -> learnloop_govuk::Pagination {
        let to = |n: i64| usize::try_from(n).unwrap_or(1).max(1);
        let mut p = learnloop_govuk::Pagination::numbered(to(self.number), to(self.pages), |n| {
            self.link(n)
        });
        p.landmark_label = "Pages".to_owned();
        p
    }

    fn link(&self, n: usize) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={n}", self.base)
    }
}

/// "Are you sure?": the page every destructive step (taking a role away, deactivating an
/// account, revoking a feed, cancelling a meeting) goes through. Its button posts to the step
/// itself; no JavaScript is needed.
#[derive(askama::Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub title: String,
    pub paragraphs: Vec<String>,
    /// Where the button posts.
    pub action: String,
    pub button: String,
    /// Where "Cancel" goes back to.
    pub back: String,
    /// Hidden fields the step needs (which feed, for example).
    pub fields: Vec<(String, String)>,
}

/// Template filters. `{{ d|day }}` shows a stored `YYYY-MM-DD` (or the date of a stored time)
/// as people write dates; `{{ who|person }}` shows the name of an audit label
/// `Name <address>`. A module's templates use them with `use crate::page::filters;`.
pub mod filters {
    #[askama::filter_fn]
    pub fn day<T: std::fmt::Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        let s = s.to_string();
        Ok(s.get(..10)
            .and_then(learnloop_domain::dates::parse_iso)
            .map(learnloop_domain::dates::long)
            .unwrap_or(s))
    }

    #[askama::filter_fn]
    pub fn person<T: std::fmt::Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        let s = s.to_string();
        Ok(match s.split_once(" <") {
            Some((name, _)) if !name.trim().is_empty() => name.trim().to_owned(),
            _ => s,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    /// Every confirmation has its words and its cookie name, once: a variant added to `Flash`
    /// without an entry in `FLASHES` would show an empty banner. Read from this file, as the
    /// enum cannot list itself.
    #[test]
    fn every_flash_has_one_entry_with_words() {
        let src = include_str!("page.rs");
        let start = src.find("pub enum Flash {").unwrap();
        let body = &src[start..start + src[start..].find('}').unwrap()];
        let variants: Vec<&str> = body
            .lines()
            .skip(1)
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .collect();
        assert!(variants.len() > 50, "{variants:?}");
        let mut slugs = std::collections::HashSet::new();
        for v in &variants {
            let entry = super::FLASHES
                .iter()
                .filter(|(f, _, _)| format!("{f:?}") == *v)
                .collect::<Vec<_>>();
            assert_eq!(entry.len(), 1, "Flash::{v} needs one entry in FLASHES");
            let (_, slug, text) = entry[0];
            assert!(!text.is_empty(), "Flash::{v} has no words");
            assert!(slugs.insert(*slug), "the cookie name {slug} is used twice");
        }
        assert_eq!(super::FLASHES.len(), variants.len());
    }
}
