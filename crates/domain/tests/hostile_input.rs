//! Every validator a form goes through, fed arbitrary text: it answers (a value or a message)
//! and never panics, and what it accepts keeps its promise (trimmed, within its length, no
//! control characters where it says so). Together with the web crate's property test of the
//! form readers, no form value can crash a request or slip past its check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use learnloop_domain::accounts::{Email, check_new_password};
use learnloop_domain::actions::ReminderSettings;
use learnloop_domain::actions::import::{Lookups, check, parse_date};
use learnloop_domain::dates::{parse_iso, parse_parts};
use learnloop_domain::recommendations::check_text;
use learnloop_domain::reviews::check_pseudonym;
use learnloop_domain::text::{check_name, check_text_block};
use learnloop_domain::themes::{check_description, check_theme_name};
use proptest::prelude::*;

/// Text a hostile user might send: anything at all, weighted towards the awkward.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,300}",
        Just("<script>alert(1)</script>".to_owned()),
        Just("' OR 1=1; DROP TABLE person; --".to_owned()),
        Just("\u{202e}\u{200d}\u{0301}\u{1F600}".to_owned()),
        Just("\0\r\n\t".to_owned()),
        (1usize..5).prop_map(|n| "x".repeat(n * 25_000)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn names_and_text_blocks_accept_only_what_they_promise(s in hostile(), max in 1usize..500) {
        if let Ok(v) = check_name(&s, "name", max) {
            prop_assert!(v.chars().count() <= max);
            prop_assert_eq!(v.trim(), v.as_str());
            prop_assert!(!v.is_empty());
        }
        if let Ok(v) = check_text_block(&s, "text", max) {
            prop_assert!(v.chars().count() <= max);
            prop_assert!(!v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')));
        }
        let _ = check_text(&s, "recommendation");
        let _ = check_theme_name(&s);
        let _ = check_description(&s);
        if let Ok(p) = check_pseudonym(&s) {
            prop_assert!(p.chars().count() <= 40);
        }
    }

    #[test]
    fn addresses_passwords_and_settings_answer_without_panicking(s in hostile(), t in hostile(), u in hostile()) {
        if let Ok(e) = Email::parse(&s) {
            prop_assert!(e.as_str().len() <= 254);
            prop_assert!(e.as_str().contains('@'));
            prop_assert!(!e.as_str().chars().any(|c| c.is_control() || c.is_whitespace() || c == '<'));
        }
        let _ = check_new_password(&s);
        let _ = ReminderSettings::parse(&s, &t, &u);
    }

    #[test]
    fn dates_in_any_form_are_a_date_or_a_message(d in hostile(), m in hostile(), y in hostile()) {
        let _ = parse_parts(&d, &m, &y, "the date");
        let _ = parse_iso(&d);
        let _ = parse_date(&d);
    }

    #[test]
    fn any_imported_table_is_checked_row_by_row(rows in proptest::collection::vec(proptest::collection::vec(hostile(), 0..12), 0..8)) {
        let agencies = vec![("a1".to_owned(), "Northbrook Council".to_owned())];
        let people = vec![("p1".to_owned(), "Pat Lead".to_owned(), "pat@example.org".to_owned())];
        let recs = vec![(1, "r1".to_owned())];
        let existing: Vec<String> = Vec::new();
        let l = Lookups { agencies: &agencies, people: &people, recommendations: &recs, existing: &existing };
        let _ = check(&rows, &l);
    }
}
