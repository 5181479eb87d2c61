//! Meetings: a year generated from the group's frequency, each editable and cancellable; the
//! agenda assembled from live data until it is issued (then frozen); attendance with quoracy
//! by the group's rule; minutes per item, numbered decisions and meeting actions.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Days, NaiveDate, NaiveTime, Utc};
use learnloop_domain::actions::rag;
use learnloop_domain::dates::long;
use learnloop_domain::governance::access::GroupPermission;
use learnloop_domain::governance::meetings::{Frequency, QuorumRule, quoracy, year_of_dates};
use learnloop_domain::policy::Permission;
use learnloop_domain::text::check_name;
use learnloop_govuk::{
    ChoiceItem, DateInput, ErrorSummary, Input, Radios, Select, SelectItem, Textarea,
};
use learnloop_store::actions::{self, Action, NewAction};
use learnloop_store::governance::meetings::{
    self, AgendaItem, Attendance, Decision, Meeting, MeetingInput, NewItem, Paper,
};
use learnloop_store::governance::{self as gov};
use learnloop_store::{accounts, is_id};

use super::groups::{Loaded, load, meeting_when};
use crate::AppState;
use crate::attention::{Attention, Audience, gather};
use crate::error::{AppError, AppResult};
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/groups/{id}/meetings/new",
            get(generate_page).post(generate),
        )
        .route("/meetings/{id}", get(meeting_page))
        .route("/meetings/{id}/edit", get(edit_page).post(save_edit))
        .route("/meetings/{id}/cancel", get(cancel_page).post(cancel))
        .route("/meetings/{id}/agenda/items", post(add_item))
        .route("/meetings/{id}/agenda/issue", post(issue))
        .route("/meetings/{id}/agenda/{item}/minutes", post(save_minutes))
        .route("/meetings/{id}/attendance", post(add_attendance))
        .route("/meetings/{id}/decisions", post(add_decision))
        .route("/meetings/{id}/actions", post(add_action))
        .route("/meetings/{id}/actions/new", get(action_page))
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .ok()
        .or_else(|| NaiveTime::parse_from_str(s.trim(), "%H.%M").ok())
}

/// Loads a meeting and its group, checking the permission on the group.
async fn load_meeting(
    st: &AppState,
    s: &Signed,
    id: &str,
    p: GroupPermission,
) -> AppResult<(Meeting, Loaded)> {
    if !is_id(id) {
        return Err(AppError::NotFound);
    }
    let m = meetings::get(&st.db, s.pid(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load(st, s, &m.group_id, p).await?;
    Ok((m, l))
}

// ---- generating a year of meetings ----

#[derive(Template)]
#[template(path = "governance/generate.html")]
struct GeneratePage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    name: String,
    frequency: String,
    first: DateInput,
    time: Input,
    length: Input,
    place: Input,
    link: Input,
}

fn generate_form(s: &Signed, l: &Loaded, f: &FormPairs, errors: &Errors) -> GeneratePage {
    let freq = l
        .terms
        .as_ref()
        .and_then(|t| Frequency::parse(&t.frequency))
        .unwrap_or(Frequency::Custom);
    GeneratePage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        id: l.group.id.clone(),
        name: l.group.name.clone(),
        frequency: match freq {
            Frequency::Custom => "This group meets on dates it chooses, so one meeting is added: add the others one by one.".to_owned(),
            other => format!("The group meets {}: a year of meetings is added on the same weekday of the month as the first.", other.label().to_lowercase()),
        },
        first: DateInput::new("first", "Date of the first meeting")
            .hint("For example, 12 1 2027")
            .date_values(f.get("first-day"), f.get("first-month"), f.get("first-year"))
            .error(errors.get("first-day")),
        time: Input::new("time", "Start time").hint("24-hour clock, for example 10:00").width_class("govuk-input--width-5").filled(f, errors),
        length: Input::new("length", "Length in minutes").inputmode("numeric").width_class("govuk-input--width-3").filled(f, errors),
        place: Input::new("place", "Place").hint("Leave empty if the meeting is online only").value(f.get("place")),
        link: Input::new("link", "Online meeting link").hint("Optional").spellcheck(false).filled(f, errors),
    }
}

async fn generate_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let length = l.terms.as_ref().map(|t| t.meeting_minutes).unwrap_or(120);
    let f = FormPairs(vec![
        ("time".into(), "10:00".into()),
        ("length".into(), length.to_string()),
    ]);
    render(&generate_form(&s, &l, &f, &Errors::default()))
}

/// Reads where and when from a form (shared by generating and changing meetings, and by
/// training sessions).
pub(crate) fn parse_when(
    f: &FormPairs,
    errors: &mut Errors,
) -> (Option<NaiveTime>, Option<i64>, String, String) {
    let time = parse_time(&f.get("time"));
    if time.is_none() {
        errors.add(
            "time",
            "Enter the start time as hours and minutes, for example 10:00",
        );
    }
    let length = match f.get("length").trim().parse::<i64>() {
        Ok(n) if (15..=480).contains(&n) => Some(n),
        _ => {
            errors.add("length", "Enter the length in minutes, from 15 to 480");
            None
        }
    };
    let link = f.get("link").trim().to_owned();
    if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
        errors.add(
            "link",
            "Enter the online meeting link as a web address starting with https://",
        );
    }
    (
        time,
        length,
        f.get("place").trim().chars().take(300).collect(),
        link,
    )
}

async fn generate(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let l = load(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    let first = f.date("first", "the date of the first meeting", &mut errors);
    let today = Utc::now().date_naive();
    if first.is_some_and(|d| d < today) {
        errors.add(
            "first-day",
            "The first meeting must be today or later: meetings in the past cannot be generated",
        );
    }
    let (time, length, place, link) = parse_when(&f, &mut errors);
    if let (Some(first), Some(time), Some(length)) = (first, time, length)
        && errors.is_empty()
    {
        let freq = l
            .terms
            .as_ref()
            .and_then(|t| Frequency::parse(&t.frequency))
            .unwrap_or(Frequency::Custom);
        let ms: Vec<MeetingInput> = year_of_dates(freq, first)
            .into_iter()
            .map(|d| MeetingInput {
                starts_at: format!("{}T{}", d.format("%Y-%m-%d"), time.format("%H:%M")),
                length_minutes: length,
                place: place.clone(),
                online_link: link.clone(),
            })
            .collect();
        meetings::create_many(&st.db, &s.who(), s.pid(), &id, &ms).await?;
        return Ok(redirect_with(
            &format!("/groups/{id}"),
            Flash::MeetingsGenerated,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &generate_form(&s, &l, &f, &errors),
    )
}

// ---- changing or cancelling one meeting ----

#[derive(Template)]
#[template(path = "governance/meeting_form.html")]
struct MeetingFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    id: String,
    when: String,
    date: DateInput,
    time: Input,
    length: Input,
    place: Input,
    link: Input,
}

fn meeting_form(s: &Signed, m: &Meeting, f: &FormPairs, errors: &Errors) -> MeetingFormPage {
    MeetingFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        id: m.id.clone(),
        when: meeting_when(m),
        date: DateInput::new("date", "Date")
            .date_values(f.get("date-day"), f.get("date-month"), f.get("date-year"))
            .error(errors.get("date-day")),
        time: Input::new("time", "Start time")
            .hint("24-hour clock, for example 10:00")
            .width_class("govuk-input--width-5")
            .filled(f, errors),
        length: Input::new("length", "Length in minutes")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(f, errors),
        place: Input::new("place", "Place").value(f.get("place")),
        link: Input::new("link", "Online meeting link")
            .spellcheck(false)
            .filled(f, errors),
    }
}

async fn edit_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (m, _) = load_meeting(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let d = m.date();
    use chrono::Datelike;
    let f = FormPairs(vec![
        ("date-day".into(), d.day().to_string()),
        ("date-month".into(), d.month().to_string()),
        ("date-year".into(), d.year().to_string()),
        ("time".into(), m.time().to_owned()),
        ("length".into(), m.length_minutes.to_string()),
        ("place".into(), m.place.clone()),
        ("link".into(), m.online_link.clone()),
    ]);
    render(&meeting_form(&s, &m, &f, &Errors::default()))
}

async fn save_edit(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (m, _) = load_meeting(&st, &s, &id, GroupPermission::ManageTerms).await?;
    let mut errors = Errors::default();
    let date = f.date("date", "the date", &mut errors);
    let (time, length, place, link) = parse_when(&f, &mut errors);
    if let (Some(date), Some(time), Some(length)) = (date, time, length)
        && errors.is_empty()
    {
        let input = MeetingInput {
            starts_at: format!("{}T{}", date.format("%Y-%m-%d"), time.format("%H:%M")),
            length_minutes: length,
            place,
            online_link: link,
        };
        meetings::update(&st.db, &s.who(), s.pid(), &id, &input).await?;
        return Ok(redirect_with(
            &format!("/meetings/{id}"),
            Flash::MeetingSaved,
            st.config.secure_cookies(),
        ));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &meeting_form(&s, &m, &f, &errors),
    )
}

async fn cancel_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (m, _) = load_meeting(&st, &s, &id, GroupPermission::ManageTerms).await?;
    render(&crate::page::ConfirmPage {
        chrome: s.chrome("/groups"),
        title: "Cancel this meeting?".to_owned(),
        paragraphs: vec![
            format!(
                "The meeting on {} will show as cancelled, in Learnloop and in everyone's calendar feeds.",
                long(m.date())
            ),
            "Its agenda, papers and minutes are kept.".to_owned(),
        ],
        action: format!("/meetings/{id}/cancel"),
        button: "Cancel the meeting".to_owned(),
        back: format!("/meetings/{id}"),
        fields: Vec::new(),
    })
}

async fn cancel(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (m, _) = load_meeting(&st, &s, &id, GroupPermission::ManageTerms).await?;
    meetings::cancel(&st.db, &s.who(), s.pid(), &id).await?;
    Ok(redirect_with(
        &format!("/groups/{}", m.group_id),
        Flash::MeetingCancelled,
        st.config.secure_cookies(),
    ))
}

// ---- the agenda, assembled from live data ----

/// How many of a group's overdue and due-soon actions an agenda lists one by one; the rest
/// are one item that opens the group's plan.
const AGENDA_ACTIONS: i64 = 15;

/// The group's open actions (of its meetings and of the plans it owns) that are overdue or
/// due within two weeks of the meeting: the longest overdue one by one, then how many more.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let Audience::Group { signed, group, day } = a else {
        return Ok(Vec::new());
    };
    let by = day
        .checked_add_days(Days::new(14))
        .unwrap_or(*day)
        .format("%Y-%m-%d")
        .to_string();
    let (first, total) =
        actions::open_for_group_due_by(&st.db, signed.pid(), &group.group.id, &by, AGENDA_ACTIONS)
            .await?;
    let shown = first.len() as i64;
    let mut out: Vec<Attention> = first
        .into_iter()
        .map(|x| {
            let due = x.due_on.date();
            let (state, colour) = if due < *day {
                ("Overdue", "red")
            } else {
                ("Due soon", "orange")
            };
            Attention {
                kind: "action",
                text: format!("{state} action: {}", x.description),
                detail: format!("Due {}", long(due)),
                href: format!("/actions/{}", x.id),
                tag: Some((state.to_owned(), colour)),
            }
        })
        .collect();
    if total > shown {
        out.push(Attention {
            kind: "action",
            text: format!(
                "{} more of the group's actions {} overdue or due soon",
                total - shown,
                if total - shown == 1 { "is" } else { "are" }
            ),
            detail: String::new(),
            href: format!("/actions?group={}&status=open", group.group.id),
            tag: None,
        });
    }
    Ok(out)
}

/// A group's agenda at this moment: its standing items, then what every area says needs the
/// group's attention by the meeting's day (through the one attention interface).
pub async fn live_items(
    st: &AppState,
    s: &Signed,
    l: &Loaded,
    m: &Meeting,
) -> AppResult<Vec<NewItem>> {
    let mut items: Vec<NewItem> = l
        .group
        .standing()
        .into_iter()
        .map(|t| NewItem {
            kind: "standing".into(),
            title: t,
            detail: String::new(),
            link: String::new(),
        })
        .collect();
    let day = m.date();
    let audience = Audience::Group {
        signed: s,
        group: l,
        day,
    };
    items.extend(gather(st, &audience).await?.into_iter().map(|a| NewItem {
        kind: a.kind.to_owned(),
        title: a.text,
        detail: a.detail,
        link: a.href,
    }));
    Ok(items)
}

struct ActionLine {
    action: Action,
    owner: String,
    agency: String,
    due: String,
    status: &'static str,
    rag: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "governance/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    errors: ErrorSummary,
    meeting: Meeting,
    group_id: String,
    group_name: String,
    when: String,
    papers_due: String,
    papers_late: bool,
    issued: Option<String>,
    live: Vec<NewItem>,
    items: Vec<AgendaItem>,
    attendance: Vec<(Attendance, String)>,
    quorate: Option<(bool, String)>,
    decisions: Vec<Decision>,
    actions: Vec<ActionLine>,
    papers: Vec<(Paper, String)>,
    can_submit: bool,
    paper_title: Input,
    paper_item: Select,
    paper_error: Option<String>,
    can_run: bool,
    can_manage: bool,
    can_escalate: bool,
    item_title: Input,
    item_detail: Textarea,
    att_name: Input,
    att_agency: Select,
    att_status: Radios,
    att_deputising: Input,
    decision: Textarea,
}

async fn meeting_view(
    st: &AppState,
    s: &Signed,
    m: Meeting,
    l: Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<MeetingPage> {
    let mut items = meetings::items(&st.db, s.pid(), &m.id).await?;
    let mut live = if m.agenda_issued_at.is_none() {
        live_items(st, s, &l, &m).await?
    } else {
        Vec::new()
    };
    // An item links only where the reader may go: an action's page is for who reads the
    // partnership's actions (an owner without that finds theirs on their home page); an
    // audit's, a Section 11 cycle's or a meeting's as its own rule says (a board member may
    // read that an overview is ready before they may open it).
    let actions = s.actor.can(Permission::ViewActions);
    for link in live
        .iter_mut()
        .map(|i| &mut i.link)
        .chain(items.iter_mut().map(|i| &mut i.link))
    {
        let opens = if link.starts_with("/actions/") {
            actions
        } else {
            crate::sources::link_opens(st, s, link).await?
        };
        if !opens {
            link.clear();
        }
    }
    let agencies = s.reference(&st.db).await?.agencies.clone();
    let meeting_actions = actions::for_source(
        &st.db,
        s.pid(),
        learnloop_domain::sources::SourceKind::Meeting,
        &m.id,
    )
    .await?;
    let owners: Vec<&str> = meeting_actions
        .iter()
        .filter_map(|a| a.owner_person_id.as_deref())
        .collect();
    let people = accounts::names_of(&st.db, s.pid(), &owners).await?;
    let agency_name = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| agencies.iter().find(|a| &a.id == id))
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let attendance: Vec<(Attendance, String)> = meetings::attendance(&st.db, s.pid(), &m.id)
        .await?
        .into_iter()
        .map(|a| {
            let n = agency_name(&a.agency_id);
            (a, n)
        })
        .collect();
    let quorate = if attendance.is_empty() {
        None
    } else {
        let present: Vec<String> = attendance
            .iter()
            .filter(|(a, _)| matches!(a.status.as_str(), "present" | "deputy"))
            .filter_map(|(a, _)| a.agency_id.clone())
            .collect();
        let statutory: Vec<(String, String)> = agencies
            .iter()
            .filter(|a| a.statutory_partner)
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        let core = l.terms.as_ref().map(|t| t.core()).unwrap_or_default();
        let rule =
            QuorumRule::parse(&l.group.quorum_rule).unwrap_or(QuorumRule::EachStatutoryPartner);
        Some(quoracy(rule, &present, &statutory, &core))
    };
    let today = Utc::now().date_naive();
    let actions = meeting_actions
        .into_iter()
        .map(|a| {
            let status = a.status;
            let due = Some(a.due_on.date());
            ActionLine {
                owner: a
                    .owner_person_id
                    .as_ref()
                    .and_then(|id| people.iter().find(|p| &p.id == id))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                agency: agency_name(&a.lead_agency_id),
                due: due.map(long).unwrap_or_default(),
                status: status.label(),
                rag: due
                    .and_then(|d| rag(status, d, today, 14))
                    .map(|r| (r.label(), r.colour())),
                action: a,
            }
        })
        .collect();
    let meeting_day = m.date();
    let papers_due = meeting_day
        .checked_sub_days(Days::new(u64::try_from(l.group.papers_days).unwrap_or(14)))
        .unwrap_or(meeting_day);
    let agency_items = || {
        std::iter::once(SelectItem::new("", "Choose an agency"))
            .chain(
                agencies
                    .iter()
                    .filter(|a| a.active)
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            )
            .collect::<Vec<_>>()
    };
    Ok(MeetingPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        group_id: l.group.id.clone(),
        group_name: l.group.name.clone(),
        when: meeting_when(&m),
        papers_due: long(papers_due),
        papers_late: today > papers_due && m.agenda_issued_at.is_none() && !m.cancelled(),
        issued: m
            .agenda_issued_at
            .as_ref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%-d %B %Y at %H:%M").to_string()),
        live,
        items: items.clone(),
        attendance,
        quorate,
        decisions: meetings::decisions(&st.db, s.pid(), &m.id).await?,
        actions,
        papers: meetings::papers(&st.db, s.pid(), &m.id)
            .await?
            .into_iter()
            .map(|p| {
                let item = p
                    .agenda_item_id
                    .as_ref()
                    .and_then(|i| items.iter().find(|x| &x.id == i))
                    .map(|x| x.title.clone())
                    .unwrap_or_default();
                (p, item)
            })
            .collect(),
        can_submit: !m.cancelled(),
        paper_title: Input::new("paper-title", "Title of the paper").filled(f, errors),
        paper_item: Select::new(
            "paper-item",
            "Agenda item",
            std::iter::once(SelectItem::new("", "Not for one item")).chain(
                items
                    .iter()
                    .map(|i| SelectItem::new(i.id.clone(), i.title.clone())),
            ),
        )
        .error(errors.get("paper-item")),
        paper_error: errors.get("paper-file").map(str::to_owned),
        can_run: s
            .actor
            .can_in_group(GroupPermission::RunMeetings, &l.scope()),
        can_manage: s
            .actor
            .can_in_group(GroupPermission::ManageTerms, &l.scope()),
        can_escalate: s.actor.can_in_group(GroupPermission::Escalate, &l.scope()),
        item_title: Input::new("title", "Item").filled(f, errors),
        item_detail: Textarea::new("detail", "Details (optional)")
            .rows(2)
            .value(f.get("detail")),
        att_name: Input::new("name", "Name").filled(f, errors),
        att_agency: Select::new("agency", "Agency", agency_items()).filled(f, errors),
        att_status: Radios::new(
            "status",
            "Attendance",
            [
                ChoiceItem::new("present", "Present"),
                ChoiceItem::new("deputy", "Deputising for a member"),
                ChoiceItem::new("apologies", "Sent apologies"),
                ChoiceItem::new("absent", "Absent"),
            ],
        )
        .inline()
        .value(f.get("status"))
        .error(errors.get("status")),
        att_deputising: Input::new("deputising_for", "Deputising for (if deputising)")
            .filled(f, errors),
        decision: Textarea::new("decision", "Decision")
            .rows(3)
            .filled(f, errors),
        meeting: m,
    })
}

async fn meeting_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (m, l) = load_meeting(&st, &s, &id, GroupPermission::View).await?;
    render(&meeting_view(&st, &s, m, l, &FormPairs(Vec::new()), &Errors::default()).await?)
}

/// The meeting page again with a form's errors (used by the papers upload too).
pub async fn render_with_errors(
    st: &AppState,
    s: &Signed,
    m: Meeting,
    l: Loaded,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &meeting_view(st, s, m, l, f, errors).await?,
    )
}

async fn again(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<Response> {
    let (m, l) = load_meeting(st, s, id, GroupPermission::RunMeetings).await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &meeting_view(st, s, m, l, f, errors).await?,
    )
}

fn back(st: &AppState, id: &str, anchor: &str, flash: Flash) -> Response {
    redirect_with(
        &format!("/meetings/{id}#{anchor}"),
        flash,
        st.config.secure_cookies(),
    )
}

async fn add_item(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    let mut errors = Errors::default();
    let Some(title) = errors.check("title", check_name(&f.get("title"), "item", 300)) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    let item = NewItem {
        kind: "added".into(),
        title,
        detail: f.get("detail").chars().take(2000).collect(),
        link: String::new(),
    };
    meetings::add_item(&st.db, &s.who(), s.pid(), &id, &item).await?;
    Ok(back(&st, &id, "agenda", Flash::ItemAdded))
}

async fn issue(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (m, l) = load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    if m.cancelled() {
        return Err(AppError::NotFound);
    }
    let live = live_items(&st, &s, &l, &m).await?;
    meetings::issue(&st.db, &s.who(), s.pid(), &id, &live).await?;
    Ok(back(&st, &id, "agenda", Flash::AgendaIssued))
}

async fn save_minutes(
    State(st): State<AppState>,
    s: Signed,
    Path((id, item)): Path<(String, String)>,
    f: FormPairs,
) -> AppResult<Response> {
    load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    if !is_id(&item)
        || !meetings::save_minutes(
            &st.db,
            &s.who(),
            s.pid(),
            &id,
            &item,
            &f.get("minutes").chars().take(20000).collect::<String>(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(back(&st, &id, "agenda", Flash::MinutesSaved))
}

async fn add_attendance(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    let mut errors = Errors::default();
    let name = errors.check(
        "name",
        check_name(&f.get("name"), "name of the person", 200),
    );
    let agency = f.get("agency");
    if agency.is_empty() || gov::agency(&st.db, s.pid(), &agency).await?.is_none() {
        errors.add("agency", "Choose the agency the person represents");
    }
    let status = f.get("status");
    if !matches!(
        status.as_str(),
        "present" | "deputy" | "apologies" | "absent"
    ) {
        errors.add(
            "status",
            "Choose whether the person was present, deputising, sent apologies or was absent",
        );
    }
    let deputising = f.get("deputising_for").trim().to_owned();
    if status == "deputy" && deputising.is_empty() {
        errors.add(
            "deputising_for",
            "Enter the name of the member this person deputised for",
        );
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    let input = meetings::AttendanceInput {
        name,
        agency_id: Some(agency),
        status,
        deputising_for: deputising,
    };
    meetings::add_attendance(&st.db, &s.who(), s.pid(), &id, &input).await?;
    Ok(back(&st, &id, "attendance", Flash::AttendanceSaved))
}

async fn add_decision(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    let mut errors = Errors::default();
    let Some(text) = errors.check(
        "decision",
        learnloop_domain::text::check_text_block(&f.get("decision"), "decision", 4000),
    ) else {
        return again(&st, &s, &id, &f, &errors).await;
    };
    meetings::add_decision(&st.db, &s.who(), s.pid(), &id, &text).await?;
    Ok(back(&st, &id, "decisions", Flash::DecisionSaved))
}

#[derive(Template)]
#[template(path = "governance/meeting_action.html")]
struct ActionFormPage {
    chrome: Chrome,
    errors: ErrorSummary,
    meeting_id: String,
    group_name: String,
    when: String,
    description: Textarea,
    agency: Select,
    owner: Select,
    due: DateInput,
}

/// The form that adds a meeting action: a page of its own, so the meeting page does not carry
/// a list of everyone in the partnership for its owner.
async fn action_form(
    st: &AppState,
    s: &Signed,
    id: &str,
    f: &FormPairs,
    errors: &Errors,
) -> AppResult<ActionFormPage> {
    let (m, l) = load_meeting(st, s, id, GroupPermission::RunMeetings).await?;
    let agencies = s.reference(&st.db).await?.active_agencies();
    let people = accounts::names(&st.db, s.pid()).await?;
    Ok(ActionFormPage {
        chrome: s.chrome("/groups"),
        errors: errors.summary(),
        meeting_id: m.id.clone(),
        group_name: l.group.name.clone(),
        when: long(m.date()),
        description: Textarea::new("description", "Action")
            .rows(3)
            .filled(f, errors),
        agency: Select::new(
            "lead_agency",
            "Lead agency",
            std::iter::once(SelectItem::new("", "Choose an agency")).chain(
                agencies
                    .iter()
                    .map(|a| SelectItem::new(a.id.clone(), a.name.clone())),
            ),
        )
        .filled(f, errors),
        owner: Select::new(
            "owner",
            "Owner",
            std::iter::once(SelectItem::new("", "Choose a person")).chain(
                people
                    .iter()
                    .map(|p| SelectItem::new(p.id.clone(), p.name.clone())),
            ),
        )
        .filled(f, errors),
        due: DateInput::new("due", "Due date")
            .date_values(f.get("due-day"), f.get("due-month"), f.get("due-year"))
            .error(errors.get("due-day")),
    })
}

async fn action_page(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(&action_form(&st, &s, &id, &FormPairs(Vec::new()), &Errors::default()).await?)
}

async fn add_action(
    State(st): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    f: FormPairs,
) -> AppResult<Response> {
    let (m, _) = load_meeting(&st, &s, &id, GroupPermission::RunMeetings).await?;
    let mut errors = Errors::default();
    let description = errors.check(
        "description",
        learnloop_domain::text::check_text_block(&f.get("description"), "action", 2000),
    );
    let agency = f.get("lead_agency");
    if agency.is_empty() || gov::agency(&st.db, s.pid(), &agency).await?.is_none() {
        errors.add("lead_agency", "Choose the lead agency");
    }
    let owner = f.get("owner");
    if owner.is_empty()
        || accounts::person_in(&st.db, s.pid(), &owner)
            .await?
            .is_none()
    {
        errors.add("owner", "Choose the person who owns the action");
    }
    let due: Option<NaiveDate> = f.date("due", "the due date", &mut errors);
    let Some((description, due)) = description.zip(due).filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &action_form(&st, &s, &id, &f, &errors).await?,
        );
    };
    let a = NewAction::meeting(
        id.clone(),
        m.group_id.clone(),
        description,
        agency,
        owner,
        due.format("%Y-%m-%d").to_string(),
    );
    actions::create(&st.db, &s.who(), s.pid(), &a).await?;
    Ok(back(&st, &id, "actions", Flash::ActionAdded))
}
