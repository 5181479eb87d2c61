//! The convenience constructors and how components embed in page templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use askama::Template;
use learnloop_govuk::{
    Attributes, BackLink, Breadcrumbs, Button, CheckboxItem, Checkboxes, DateInput, Details,
    ErrorSummary, GenericHeader, Input, NotificationBanner, Pagination, Panel, PhaseBanner,
    RadioItem, Radios, Select, SelectItem, ServiceNavigation, SkipLink, SummaryList, Table,
    TableCell, Tag, Textarea,
};

#[test]
fn input_builder_wires_label_hint_error_and_attributes() {
    let html = Input::new("email", "Email address")
        .value("a@b.example")
        .hint("We will only use this to sign you in")
        .error(Some("Enter an email address"))
        .autocomplete("email")
        .input_type("email")
        .width_class("govuk-input--width-20")
        .spellcheck(false)
        .render()
        .unwrap();
    assert!(html.contains(r#"<div class="govuk-form-group govuk-form-group--error">"#));
    assert!(html.contains(r#"<label class="govuk-label" for="email">"#));
    assert!(html.contains(r#"<div id="email-hint" class="govuk-hint">"#));
    assert!(html.contains(r#"<p id="email-error" class="govuk-error-message">"#));
    assert!(
        html.contains(
            r#"<span class="govuk-visually-hidden">Error:</span> Enter an email address"#
        )
    );
    assert!(html.contains(
        r#"<input class="govuk-input govuk-input--width-20 govuk-input--error" id="email" name="email" type="email" spellcheck="false" value="a@b.example" aria-describedby="email-hint email-error" autocomplete="email">"#
    ));
}

#[test]
fn input_without_error_has_no_error_markup() {
    let html = Input::new("name", "Name").error(None).render().unwrap();
    assert!(!html.contains("error"));
    assert!(!html.contains("aria-describedby"));
}

#[test]
fn text_is_escaped_and_html_is_not() {
    let html = Input::new("q", "<script>alert(1)</script>")
        .value("\"><img src=x>")
        .render()
        .unwrap();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;"));

    let mut tag = Tag::new("x", "");
    tag.html = Some("<em>raw</em>".to_owned());
    assert!(tag.render().unwrap().contains("<em>raw</em>"));
}

#[test]
fn attributes_render_in_order_and_escape() {
    let attrs = Attributes::new()
        .with("data-a", "1 \"2\"")
        .flag("hidden")
        .with("data-a", "3");
    assert_eq!(attrs.to_string(), r#" data-a="3" hidden"#);
    let html = Button::new("Save")
        .secondary()
        .prevent_double_click()
        .name_value("action", "save")
        .render()
        .unwrap();
    assert!(html.contains(
        r#"<button type="submit" value="save" name="action" data-prevent-double-click="true" class="govuk-button govuk-button--secondary" data-module="govuk-button">"#
    ));
}

#[test]
fn error_summary_links_each_error_to_its_field() {
    let summary =
        ErrorSummary::from_errors([("email", "Enter an email"), ("name", "Enter a name")]);
    assert!(!summary.is_empty());
    let html = summary.render().unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains(r##"<a href="#email">Enter an email</a>"##));
    assert!(html.contains(r##"<a href="#name">Enter a name</a>"##));
    assert!(ErrorSummary::from_errors(Vec::<(&str, &str)>::new()).is_empty());
}

#[test]
fn tag_colour_becomes_a_modifier_class() {
    let html = Tag::new("Open", "green").render().unwrap();
    assert!(html.starts_with(r#"<strong class="govuk-tag govuk-tag--green">"#));
    assert!(
        Tag::new("Open", "")
            .render()
            .unwrap()
            .starts_with(r#"<strong class="govuk-tag">"#)
    );
}

#[test]
fn select_marks_the_value_selected() {
    let html = Select::new(
        "role",
        "Role",
        [
            SelectItem::new("admin", "Admin"),
            SelectItem::new("member", "Member"),
        ],
    )
    .value("member")
    .render()
    .unwrap();
    assert!(html.contains(r#"<option value="admin">Admin</option>"#));
    assert!(html.contains(r#"<option value="member" selected>Member</option>"#));
}

#[test]
fn checkboxes_and_radios_render_items_with_ids_hints_and_checked_state() {
    let html = Checkboxes::new(
        "topics",
        "Which topics?",
        [
            CheckboxItem::new("neglect", "Neglect").hint("Including emotional neglect"),
            CheckboxItem::new("online", "Online harm"),
        ],
    )
    .values(["online"])
    .render()
    .unwrap();
    assert!(html.contains(r#"<legend class="govuk-fieldset__legend">"#));
    assert!(html.contains(
        r#"<input class="govuk-checkboxes__input" id="topics" name="topics" type="checkbox" value="neglect" aria-describedby="topics-item-hint">"#
    ));
    assert!(
        html.contains(r#"id="topics-2" name="topics" type="checkbox" value="online" checked>"#)
    );

    let html = Radios::new(
        "attending",
        "Are you attending?",
        [RadioItem::new("yes", "Yes"), RadioItem::new("no", "No")],
    )
    .inline()
    .value("no")
    .error(Some("Select yes or no"))
    .render()
    .unwrap();
    assert!(
        html.contains(r#"<fieldset class="govuk-fieldset" aria-describedby="attending-error">"#)
    );
    assert!(
        html.contains(
            r#"<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">"#
        )
    );
    assert!(html.contains(r#"id="attending-2" name="attending" type="radio" value="no" checked>"#));
}

#[test]
fn date_input_uses_prefixed_names_and_values() {
    let html = DateInput::new("review-date", "Review date")
        .date_values("1", "2", "2025")
        .render()
        .unwrap();
    assert!(html.contains(r#"<fieldset class="govuk-fieldset" role="group">"#));
    assert!(html.contains(
        r#"<input class="govuk-input govuk-date-input__input govuk-input--width-4" id="review-date-year" name="review-date-year" type="text" value="2025" inputmode="numeric">"#
    ));
}

#[test]
fn pagination_numbered_shows_ends_neighbours_and_ellipses() {
    let p = Pagination::numbered(5, 10, |n| format!("/cases?page={n}"));
    let numbers: Vec<String> = p
        .items
        .iter()
        .map(|i| {
            if i.ellipsis {
                "…".to_owned()
            } else {
                i.number.clone()
            }
        })
        .collect();
    assert_eq!(numbers, ["1", "…", "4", "5", "6", "…", "10"]);
    let html = p.render().unwrap();
    assert!(html.contains(r#"href="/cases?page=4" rel="prev""#));
    assert!(html.contains(r#"aria-label="Page 5" aria-current="page""#));
    let single = Pagination::numbered(1, 1, |n| n.to_string());
    assert!(single.previous.is_none() && single.next.is_none());
}

#[test]
fn every_component_renders() {
    let parts: Vec<String> = vec![
        BackLink::new("/").render().unwrap(),
        Breadcrumbs::new([("Home", "/"), ("Reviews", "")])
            .render()
            .unwrap(),
        Details::new("Help", "Text").render().unwrap(),
        GenericHeader::new("Learnloop", "/").render().unwrap(),
        NotificationBanner::success("Saved").render().unwrap(),
        Panel::new("Submitted", "Reference ABC").render().unwrap(),
        PhaseBanner::new("Beta", "This is a new service")
            .render()
            .unwrap(),
        ServiceNavigation::new("Learnloop", "/")
            .item("Reviews", "/reviews", true)
            .render()
            .unwrap(),
        SkipLink::main_content().render().unwrap(),
        SummaryList::new()
            .row_with_action("Name", "Ann", "Change", "/name")
            .row("Role", "Chair")
            .render()
            .unwrap(),
        Table::new(
            "Reviews",
            vec![TableCell::new("Name"), TableCell::numeric("Count")],
            vec![vec![TableCell::new("A"), TableCell::numeric("3")]],
        )
        .render()
        .unwrap(),
        Textarea::new("notes", "Notes").rows(8).render().unwrap(),
    ];
    for p in &parts {
        assert!(p.starts_with('<'), "{p}");
    }
    assert!(parts[5].contains("govuk-panel--confirmation"));
    assert!(parts[7].contains(r#"aria-current="page""#));
    assert!(parts[9].contains(r#"Change<span class="govuk-visually-hidden"> name</span>"#));
    assert!(parts[9].contains("govuk-summary-list__row--no-actions"));
}

#[derive(Template)]
#[template(
    source = "<main>{{ button }}|{{ button|safe }}|{{ tag }}</main>",
    ext = "html"
)]
struct Page {
    button: Button,
    tag: Tag,
}

#[test]
fn components_embed_in_page_templates_without_double_escaping() {
    let page = Page {
        button: Button::new("Go & see"),
        tag: Tag::new("<b>", "red"),
    };
    let html = page.render().unwrap();
    let button = Button::new("Go & see").render().unwrap();
    assert_eq!(html.matches(button.as_str()).count(), 2, "{html}");
    assert!(html.contains("&lt;b&gt;"));
    assert!(!html.contains("&amp;lt;"));
}
