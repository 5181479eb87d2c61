//! Calendar feeds of meetings (iCalendar, RFC 5545) at secret addresses: a person's feed of
//! every group they may see, or one group's feed. The address is shown once when made and can
//! be revoked; each read re-checks that the person still has access.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, Utc};
use learnloop_docs::ical::{CalEvent, feed};
use learnloop_domain::policy::{Actor, Permission};
use learnloop_store::accounts;
use learnloop_store::governance::feeds;
use learnloop_store::governance::terms::{self, GroupDetail};

use super::groups::visible;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::forms::FormPairs;
use crate::page::{Chrome, Flash, render};
use crate::session::Signed;
use crate::web::redirect_with;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page).post(create))
        .route("/calendar/revoke", get(revoke_page).post(revoke))
        .route("/feeds/{file}", get(serve_feed))
}

struct FeedLine {
    group_id: String,
    name: String,
    live_since: Option<String>,
}

#[derive(Template)]
#[template(path = "governance/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    new_url: Option<(String, String)>,
    feeds: Vec<FeedLine>,
}

async fn view(
    st: &AppState,
    s: &Signed,
    new_url: Option<(String, String)>,
) -> AppResult<CalendarPage> {
    let groups = terms::groups(&st.db, s.pid()).await?;
    let all_terms = terms::all_current(&st.db, s.pid()).await?;
    let live = feeds::live_for(&st.db, s.pid(), &s.person.id).await?;
    let since = |g: Option<&str>| {
        live.iter()
            .find(|f| f.group_id.as_deref() == g)
            .and_then(|f| chrono::DateTime::parse_from_rfc3339(&f.created_at).ok())
            .map(|t| t.format("%-d %B %Y").to_string())
    };
    let mut lines = vec![FeedLine {
        group_id: String::new(),
        name: "All your groups' meetings".to_owned(),
        live_since: since(None),
    }];
    for g in visible(&s.actor, &groups, &all_terms) {
        lines.push(FeedLine {
            group_id: g.id.clone(),
            name: format!("{} only", g.name),
            live_since: since(Some(&g.id)),
        });
    }
    Ok(CalendarPage {
        chrome: s.chrome("/calendar"),
        new_url,
        feeds: lines,
    })
}

async fn page(State(st): State<AppState>, s: Signed) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    render(&view(&st, &s, None).await?)
}

async fn chosen_group(st: &AppState, s: &Signed, f: &FormPairs) -> AppResult<Option<GroupDetail>> {
    let g = f.get("group");
    if g.is_empty() {
        return Ok(None);
    }
    let groups = terms::groups(&st.db, s.pid()).await?;
    let all_terms = terms::all_current(&st.db, s.pid()).await?;
    visible(&s.actor, &groups, &all_terms)
        .into_iter()
        .find(|x| x.id == g)
        .cloned()
        .map(Some)
        .ok_or(AppError::NotFound)
}

async fn create(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let group = chosen_group(&st, &s, &f).await?;
    let secret = feeds::create(
        &st.db,
        &s.who(),
        s.pid(),
        &s.person.id,
        group.as_ref().map(|g| g.id.as_str()),
    )
    .await?;
    let url = format!("{}/feeds/{secret}.ics", st.config.public_url);
    let name = group
        .map(|g| format!("{} meetings", g.name))
        .unwrap_or_else(|| "All your groups' meetings".to_owned());
    render(&view(&st, &s, Some((name, url))).await?)
}

async fn revoke_page(
    State(st): State<AppState>,
    s: Signed,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let f = FormPairs(
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
    );
    let group = chosen_group(&st, &s, &f).await?;
    let name = group
        .as_ref()
        .map(|g| format!("{} meetings", g.name))
        .unwrap_or_else(|| "all your groups' meetings".to_owned());
    render(&crate::page::ConfirmPage {
        chrome: s.chrome("/calendar"),
        title: format!("Revoke the calendar address for {name}?"),
        paragraphs: vec![
            "Calendars subscribed to it stop showing these meetings. You can make a new address afterwards.".to_owned(),
        ],
        action: "/calendar/revoke".to_owned(),
        button: "Revoke the address".to_owned(),
        back: "/calendar".to_owned(),
        fields: vec![("group".to_owned(), group.map(|g| g.id).unwrap_or_default())],
    })
}

async fn revoke(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ViewPartnership)?;
    let group = chosen_group(&st, &s, &f).await?;
    feeds::revoke(
        &st.db,
        &s.who(),
        s.pid(),
        &s.person.id,
        group.as_ref().map(|g| g.id.as_str()),
    )
    .await?;
    Ok(redirect_with(
        "/calendar",
        Flash::FeedRevoked,
        st.config.secure_cookies(),
    ))
}

/// The feed itself: no session (calendar programs have none), the secret is the key.
async fn serve_feed(State(st): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let secret = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let f = feeds::find(&st.db, secret)
        .await?
        .ok_or(AppError::NotFound)?;
    // A deactivated account's feeds stop with it.
    if !accounts::person(&st.db, &f.person_id)
        .await?
        .is_some_and(|p| p.active)
    {
        return Err(AppError::NotFound);
    }
    let memberships = accounts::memberships(&st.db, &f.person_id, &f.partnership_id)
        .await?
        .iter()
        .filter_map(|m| m.to_domain())
        .collect::<Vec<_>>();
    let actor = Actor {
        person_id: f.person_id.clone(),
        partnership_id: f.partnership_id.clone(),
        memberships,
    };
    let groups = terms::groups(&st.db, &f.partnership_id).await?;
    let all_terms = terms::all_current(&st.db, &f.partnership_id).await?;
    let mut shown: Vec<&GroupDetail> = visible(&actor, &groups, &all_terms);
    if let Some(g) = &f.group_id {
        shown.retain(|x| &x.id == g);
        if shown.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    let now = Utc::now().naive_utc();
    let from = (now - Duration::days(92))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let to = (now + Duration::days(550))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut events: Vec<CalEvent> = feeds::meetings_between(&st.db, &f.partnership_id, &from, &to)
        .await?
        .into_iter()
        .filter_map(|m| {
            let g = shown.iter().find(|g| g.id == m.group_id)?;
            let start = m.starts_at.0;
            Some(CalEvent {
                uid: format!("{}@learnloop", m.id),
                start,
                end: start + Duration::minutes(m.length_minutes),
                summary: g.name.clone(),
                location: if m.place.is_empty() {
                    m.online_link.clone()
                } else {
                    m.place.clone()
                },
                description: format!("{}/meetings/{}", st.config.public_url, m.id),
                cancelled: m.cancelled(),
                sequence: m.sequence,
            })
        })
        .collect();
    // The person's own feed carries the training sessions they are booked on or deliver.
    if f.group_id.is_none() && actor.can(learnloop_domain::policy::Permission::ViewPartnership) {
        let sessions = learnloop_store::training::calendar_of(
            &st.db,
            &f.partnership_id,
            &f.person_id,
            (&from, &to),
        )
        .await?;
        events.extend(sessions.into_iter().map(|s| {
            let start = s.session.starts_at.0;
            CalEvent {
                uid: format!("{}@learnloop-training", s.session.id),
                start,
                end: start + Duration::minutes(s.session.length_minutes),
                summary: format!("Training: {}", s.course),
                location: if s.session.venue.is_empty() {
                    s.session.online_link.clone()
                } else {
                    s.session.venue.clone()
                },
                description: format!(
                    "{}/training/sessions/{}",
                    st.config.public_url, s.session.id
                ),
                cancelled: false,
                sequence: 0,
            }
        }));
    }
    let name = match &f.group_id {
        Some(_) => shown.first().map(|g| g.name.clone()).unwrap_or_default(),
        None => "Learnloop meetings and training".to_owned(),
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        feed(&name, &events),
    )
        .into_response())
}
