//! The partnership's settings: its name and area, when the rapid review clock starts, action
//! reminders and RAG, and when two-step sign-in is required.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use learnloop_domain::accounts::Email;
use learnloop_domain::policy::{Permission, SecondFactorRule};
use learnloop_domain::text::check_name;
use learnloop_govuk::{ChoiceItem, ErrorSummary, Input, Radios};
use learnloop_store::governance::{self, Settings};

use crate::AppState;
use crate::error::AppResult;
use crate::forms::{Errors, Field, FormPairs};
use crate::page::{Chrome, Flash, render, render_status};
use crate::session::Signed;
use crate::web::redirect_with;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/settings", get(settings_page).post(save_settings))
}

#[derive(Template)]
#[template(path = "governance/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    errors: ErrorSummary,
    name: Input,
    area: Input,
    contact_email: Input,
    rapid_review_from: Radios,
    remind_before: Input,
    escalate_lead_after: Input,
    escalate_chair_after: Input,
    stale_after_weeks: Input,
    impact_months: Input,
    second_factor: Radios,
    follow_up_sample: Input,
    worsening_after: Input,
    voice_target: Input,
    training_approval: Radios,
}

fn settings_form(s: &Signed, v: &FormPairs, errors: &Errors) -> SettingsPage {
    SettingsPage {
        chrome: s.chrome("/settings"),
        errors: errors.summary(),
        name: Input::new("name", "Partnership name")
            .filled(v, errors),
        area: Input::new("area", "Local authority area")
            .hint("For example, the borough or county the partnership covers")
            .filled(v, errors),
        contact_email: Input::new("contact_email", "Business team email address")
            .input_type("email")
            .spellcheck(false)
            .hint("Shown to people who need help, and used as the reply address of mails")
            .filled(v, errors),
        rapid_review_from: Radios::new(
            "rapid_review_from",
            "Count the 15 working days of a rapid review from",
            [
                ChoiceItem::new(
                    "notified",
                    "The date the serious incident was notified to the Panel",
                ),
                ChoiceItem::new(
                    "aware",
                    "The date the local authority became aware of the incident",
                ),
            ],
        )
        .value(v.get("rapid_review_from"))
        .error(errors.get("rapid_review_from")),
        remind_before: Input::new("remind_before", "Remind an action's owner this many days before it is due")
            .hint("Separate the numbers with commas, for example 14, 3. Owners are also reminded on the day and the day after")
            .width_class("govuk-input--width-10")
            .filled(v, errors),
        escalate_lead_after: Input::new("escalate_lead_after", "Tell the agency's safeguarding lead when an action is this many days overdue")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(v, errors),
        escalate_chair_after: Input::new("escalate_chair_after", "Tell the chair of the group that owns the plan when an action is this many days overdue")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(v, errors),
        stale_after_weeks: Input::new("stale_after_weeks", "Show an action amber when it has had no update for this many weeks")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(v, errors),
        impact_months: Input::new("impact_months", "Review an action's impact this many months after it closes")
            .hint("For new action plans")
            .inputmode("numeric")
            .width_class("govuk-input--width-4")
            .filled(v, errors),
        second_factor: Radios::new(
            "second_factor",
            "Two-step sign-in (a code from an authenticator app as well as the password)",
            SecondFactorRule::ALL
                .into_iter()
                .map(|r| ChoiceItem::new(r.slug(), r.label())),
        )
        .hint("People who must use it and have not set it up do so at their next sign-in")
        .value(v.get("second_factor"))
        .error(errors.get("second_factor")),
        follow_up_sample: Input::new("follow_up_sample", "Ask this share of each session's participants, three months on, how the training changed their practice")
            .hint("A percentage: 100 asks everyone. Their line managers are asked too. The same people are chosen however often the follow-up runs")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(v, errors),
        worsening_after: Input::new("worsening_after", "Flag an indicator when it has worsened this many periods in a row")
            .hint("A number from 2 to 12: each period worse than the one before it, by the indicator's polarity")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(v, errors),
        voice_target: Input::new("voice_target", "Hold this many engagement and consultation events with young people a year")
            .hint("A number from 1 to 52; the voice page counts each year's events, April to March, against it. Youth forum meetings with the chair are counted apart")
            .inputmode("numeric")
            .width_class("govuk-input--width-3")
            .filled(v, errors),
        training_approval: Radios::new(
            "training_approval",
            "Does a place on a training session need the line manager's approval?",
            [
                ChoiceItem::new("yes", "Yes: the manager named at booking approves it by a link in a mail before the place is confirmed"),
                ChoiceItem::new("no", "No: a place is confirmed when it is booked"),
            ],
        )
        .value(v.get("training_approval"))
        .error(errors.get("training_approval")),
    }
}

async fn settings_page(s: Signed) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let p = &s.partnership;
    let v = FormPairs::from_values(&[
        ("name", &p.name),
        ("area", &p.area),
        ("contact_email", &p.contact_email),
        ("rapid_review_from", &p.rapid_review_from),
        ("remind_before", &p.remind_before),
        ("escalate_lead_after", &p.escalate_lead_after.to_string()),
        ("escalate_chair_after", &p.escalate_chair_after.to_string()),
        ("stale_after_weeks", &p.stale_after_weeks.to_string()),
        ("impact_months", &p.impact_months.to_string()),
        ("second_factor", &p.second_factor),
        ("follow_up_sample", &p.follow_up_sample.to_string()),
        ("worsening_after", &p.worsening_after.to_string()),
        ("voice_target", &p.voice_target.to_string()),
        (
            "training_approval",
            if p.training_approval { "yes" } else { "no" },
        ),
    ]);
    render(&settings_form(&s, &v, &Errors::default()))
}

async fn save_settings(State(st): State<AppState>, s: Signed, f: FormPairs) -> AppResult<Response> {
    s.require(Permission::ManageSettings)?;
    let mut errors = Errors::default();
    let name = errors.check("name", check_name(&f.get("name"), "partnership name", 200));
    let area = f.get("area").trim().chars().take(200).collect::<String>();
    let contact = if f.get("contact_email").trim().is_empty() {
        Some(String::new())
    } else {
        errors.check(
            "contact_email",
            Email::parse(&f.get("contact_email")).map(|e| e.to_string()),
        )
    };
    if !matches!(f.get("rapid_review_from").as_str(), "notified" | "aware") {
        errors.add(
            "rapid_review_from",
            "Select when the rapid review clock starts",
        );
    }
    let reminders = match learnloop_domain::actions::ReminderSettings::parse(
        &f.get("remind_before"),
        &f.get("escalate_lead_after"),
        &f.get("escalate_chair_after"),
    ) {
        Ok(r) => Some(r),
        Err(m) => {
            let key = if m.contains("days before") {
                "remind_before"
            } else if m.contains("larger") {
                "escalate_chair_after"
            } else {
                "escalate_lead_after"
            };
            errors.add(key, m);
            None
        }
    };
    let mut whole = |key: &str, v: &str, range: std::ops::RangeInclusive<i64>, what: &str| match v
        .trim()
        .parse::<i64>()
    {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.add(
                key,
                format!(
                    "Enter {what} as a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    };
    let stale = whole(
        "stale_after_weeks",
        &f.get("stale_after_weeks"),
        1..=52,
        "the weeks",
    );
    let impact = whole(
        "impact_months",
        &f.get("impact_months"),
        1..=36,
        "the months",
    );
    // Left out of the form (an older page), the share stays as it is.
    let sample = if f.0.iter().any(|(k, _)| k == "follow_up_sample") {
        whole(
            "follow_up_sample",
            f.get("follow_up_sample").trim().trim_end_matches('%'),
            0..=100,
            "the percentage",
        )
    } else {
        Some(s.partnership.follow_up_sample)
    };
    // Left out of the form (an older page), the number stays as it is.
    let worsening = if f.0.iter().any(|(k, _)| k == "worsening_after") {
        whole(
            "worsening_after",
            &f.get("worsening_after"),
            2..=12,
            "the number of periods",
        )
    } else {
        Some(s.partnership.worsening_after)
    };
    // Left out of the form (an older page), the target stays as it is.
    let voice_target = if f.0.iter().any(|(k, _)| k == "voice_target") {
        whole(
            "voice_target",
            &f.get("voice_target"),
            1..=52,
            "the yearly target",
        )
    } else {
        Some(s.partnership.voice_target)
    };
    let training_approval = match f.get("training_approval").as_str() {
        "yes" => true,
        "no" => false,
        // Left out of the form (an older page), it stays as it is.
        "" => s.partnership.training_approval,
        _ => {
            errors.add(
                "training_approval",
                "Select whether a training place needs the line manager's approval",
            );
            false
        }
    };
    // Left out of the form (an older page), the rule stays as it is.
    let second_factor = if f.get("second_factor").is_empty() {
        s.partnership.second_factor.clone()
    } else {
        match SecondFactorRule::from_slug(&f.get("second_factor")) {
            Some(r) => r.slug().to_owned(),
            None => {
                errors.add("second_factor", "Select when two-step sign-in is required");
                String::new()
            }
        }
    };
    match (
        name,
        contact,
        reminders,
        stale,
        impact,
        (sample, worsening, voice_target),
    ) {
        (
            Some(name),
            Some(contact_email),
            Some(r),
            Some(stale_after_weeks),
            Some(impact_months),
            (Some(follow_up_sample), Some(worsening_after), Some(voice_target)),
        ) if errors.is_empty() => {
            governance::update_settings(
                &st.db,
                &s.who(),
                s.pid(),
                &Settings {
                    second_factor,
                    name,
                    area,
                    contact_email,
                    rapid_review_from: f.get("rapid_review_from"),
                    remind_before: r.before_text(),
                    escalate_lead_after: i64::from(r.lead_after),
                    escalate_chair_after: i64::from(r.chair_after),
                    stale_after_weeks,
                    impact_months,
                    follow_up_sample,
                    training_approval,
                    worsening_after,
                    voice_target,
                },
            )
            .await?;
            Ok(redirect_with(
                "/settings",
                Flash::SettingsSaved,
                st.config.secure_cookies(),
            ))
        }
        _ => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &settings_form(&s, &f, &errors),
        ),
    }
}
