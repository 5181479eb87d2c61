//! A hostile crawl of the whole site by every role of the demo partnership. Each role signs
//! in and follows every same-site link from its home page and from the people pages of the
//! business team, the system administrator and itself (breadth first, each address once, a few
//! of each kind of address, up to a cap), asks each kind of page again with hostile query
//! strings, and sends every form it meets (GET, POST and file uploads alike) six times: script
//! and markup in every text field, SQL, a 100,000-character value, odd Unicode (a right-to-left
//! override, joiners, emoji, combining marks, NUL), empty values; real and invented choices;
//! hostile file names. Destructive forms (deactivate, take a role away, reset two-step sign-in,
//! revoke, cancel, end a session) are sent like any other, and the redirects after a write are
//! followed. Every answer must be below 500, and no HTML may carry the hostile markup unescaped
//! (nor a `javascript:` address, nor a redirect off the site). After every write to people,
//! settings or an account the business team's demo account must still be active with its role;
//! after each role, and at the end (after the business team reads again every page any role
//! saw), the business team must sign in (through two-step sign-in if a crawl switched it on),
//! open the people page and hold its role: whatever was sent, nobody locked the partnership out
//! of managing itself. Between roles the demo people get back their accounts and exactly their
//! roles, so that each role crawls as itself. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use common::{Client, TestApp, decide_lcspr, each_app_with, ids, notify};
use learnloop_domain::accounts::Role;
use learnloop_store::audit::Who;
use learnloop_store::{demo, query};

// ---- what is sent ----

const SCRIPT: &str = r#"<script>alert("x")</script>"#;
const ATTR_BREAK: &str = r#""><img src=x onerror=alert(1)>"#;
const IMG: &str = "<img src=x onerror=alert(1)>";
const SQL: &str = "' OR 1=1; DROP TABLE person; --";
/// A right-to-left override, a zero-width joiner inside an emoji family, combining marks, a
/// byte-order mark, a NUL character and a character of a right-to-left script.
const ODD: &str = concat!(
    "\u{202E}evil\u{202C} ",
    "\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466} ",
    "e\u{301}\u{302}\u{20DD} ",
    "\u{FEFF}nul:\u{0}:end \u{FDFD}"
);
/// The markup that must never come back unescaped.
const NEEDLES: [&str; 2] = [SCRIPT, IMG];
const LONG_CHARS: usize = 100_000;
/// Kept under the application's 1 MiB limit on bodies, so that long values reach handlers.
const BODY_BUDGET: usize = 900_000;

/// Per role: pages asked for, forms sent, and how many addresses or forms of one kind (the
/// same path with other ids) are taken; then the pages read again at the end. The whole test
/// takes about fifteen seconds per engine.
const PAGE_CAP: usize = 200;
const FORM_CAP: usize = 130;
const SAME_PAGE_KIND: usize = 3;
const SAME_FORM_KIND: usize = 2;
const SWEEP_CAP: usize = 400;
/// Addresses longer than this are not followed, and long values sent in an address are cut to
/// it (servers and browsers refuse much longer ones).
const MAX_ADDRESS: usize = 8_000;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// How the fields of a form are filled, one submission each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fill {
    /// Script in free text; plausible dates (past), numbers and addresses; the page's choice
    /// (or the k-th option for the k-th choice); every checkbox.
    Script,
    /// Markup breaking out of an attribute; other plausible values (dates to come, a
    /// `javascript:` link); options from the end; the checkboxes as the page checked them.
    AttrBreak,
    /// SQL in every field, dates and numbers too; an invented choice.
    Sql,
    /// 100,000 characters in free text (as many fields as fit in a body).
    Long,
    /// Odd Unicode (NUL included) in free text.
    Odd,
    /// Every field empty.
    Empty,
}

/// In this order: the last that may go through picks other choices than the page's, so that
/// each form leaves its record changed (a setting switched, a role given).
const FILLS: [Fill; 6] = [
    Fill::Script,
    Fill::Sql,
    Fill::Long,
    Fill::Odd,
    Fill::Empty,
    Fill::AttrBreak,
];

fn long_value() -> String {
    let unit = format!("Long text é 😀 {SCRIPT} and more ");
    unit.chars().cycle().take(LONG_CHARS).collect()
}

/// Hostile query strings added to a page's address.
fn hostile_queries(own: &[(String, String)]) -> Vec<String> {
    let enc = |pairs: &[(&str, &str)]| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let mut out = vec![
        format!(
            "{}&stage=%00",
            enc(&[("q", SCRIPT), ("page", "-1"), ("year", "abc")])
        ),
        format!(
            "{}&status=%E2%80%AE%FF%FE",
            enc(&[
                ("page", "99999999999999999999"),
                ("sort", ATTR_BREAK),
                ("source", "../../../etc/passwd"),
                ("next", "//evil.example/"),
                ("from", "2026-13-45"),
            ])
        ),
    ];
    // The page's own parameters, each given hostile values (twice, as lists would be).
    let own: Vec<(&str, &str)> = own
        .iter()
        .flat_map(|(k, _)| [(k.as_str(), ATTR_BREAK), (k.as_str(), ODD)])
        .collect();
    out.push(if own.is_empty() {
        enc(&[("q", ODD), ("page", "0"), ("id", SQL), ("agency", SCRIPT)])
    } else {
        enc(&own)
    });
    out
}

// ---- reading pages ----

/// Unescapes the entities askama writes in attribute values and text.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The next tag named one of `names` at or after `from`: (start, end just after `>`, name).
/// `lower` is the page in lower case (the same length as the page).
fn next_tag<'n>(lower: &str, from: usize, names: &[&'n str]) -> Option<(usize, usize, &'n str)> {
    let b = lower.as_bytes();
    let mut i = from;
    while let Some(at) = lower[i..].find('<') {
        let start = i + at;
        let found = names.iter().find(|n| {
            lower[start + 1..].starts_with(**n)
                && b.get(start + 1 + n.len())
                    .is_some_and(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        });
        if let Some(name) = found {
            let mut quote = None;
            let mut j = start + 1;
            while j < b.len() {
                match (quote, b[j]) {
                    (None, b'"' | b'\'') => quote = Some(b[j]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => return Some((start, j + 1, name)),
                    _ => {}
                }
                j += 1;
            }
            return None;
        }
        i = start + 1;
    }
    None
}

/// The attributes of one tag (names in lower case, values unescaped).
fn attrs(tag: &str) -> HashMap<String, String> {
    let b = tag.as_bytes();
    let mut out = HashMap::new();
    // Past `<name`.
    let mut i = 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
        i += 1;
    }
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            break;
        }
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = tag[ns..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if let Some(&q) = b.get(i).filter(|c| matches!(c, b'"' | b'\'')) {
                let vs = i + 1;
                let ve = tag[vs..].find(q as char).map_or(b.len(), |e| vs + e);
                value = unescape(&tag[vs..ve]);
                i = ve + 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = unescape(&tag[vs..i]);
            }
        }
        if !name.is_empty() {
            out.entry(name).or_insert(value);
        }
    }
    out
}

/// An address of this site as a path (and query), resolved against the page it was on.
fn same_site(href: &str, page: &str) -> Option<String> {
    let href = href.trim();
    let href = href.split('#').next().unwrap_or_default();
    let page_path = page.split('?').next().unwrap_or("/");
    if href.is_empty() {
        return None;
    }
    if let Some(q) = href.strip_prefix('?') {
        return Some(format!("{page_path}?{q}"));
    }
    if href.starts_with("//") || !href.starts_with('/') {
        return None;
    }
    Some(href.to_owned())
}

/// Links worth following: same site, no assets, no sign-out.
fn links(html: &str, page: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((s, e, _)) = next_tag(&lower, from, &["a", "link", "area"]) {
        from = e;
        let a = attrs(&html[s..e]);
        if let Some(u) = a.get("href").and_then(|h| same_site(h, page))
            && u.len() <= MAX_ADDRESS
            && !u.starts_with("/assets/")
            && !u.starts_with("/sign-out")
        {
            out.push(u);
        }
    }
    out
}

#[derive(Clone, Debug)]
enum Control {
    Hidden {
        name: String,
        value: String,
    },
    Text {
        name: String,
        kind: String,
        numeric: bool,
        /// As the page filled it in.
        value: String,
    },
    /// A select, or a group of radios.
    Choice {
        name: String,
        options: Vec<String>,
        current: Option<String>,
        radio: bool,
    },
    Check {
        name: String,
        value: String,
        checked: bool,
    },
    File {
        name: String,
    },
    Button {
        name: String,
        value: String,
    },
}

impl Control {
    /// Whether this is the group of radios of that name.
    fn is_radios(&self, of: &str) -> bool {
        match self {
            Control::Choice { name, radio, .. } => *radio && name == of,
            _ => false,
        }
    }

    fn name(&self) -> &str {
        match self {
            Control::Hidden { name, .. }
            | Control::Text { name, .. }
            | Control::Choice { name, .. }
            | Control::Check { name, .. }
            | Control::File { name }
            | Control::Button { name, .. } => name,
        }
    }
}

#[derive(Clone, Debug)]
struct Form {
    post: bool,
    action: String,
    multipart: bool,
    controls: Vec<Control>,
}

impl Form {
    /// What makes two forms the same kind: method, address with its ids blanked, field names.
    fn kind(&self) -> String {
        let names: BTreeSet<&str> = self.controls.iter().map(Control::name).collect();
        format!(
            "{} {} {:?}",
            if self.post { "POST" } else { "GET" },
            shape(&self.action, false),
            names
        )
    }

    fn names(&self) -> String {
        let names: BTreeSet<&str> = self
            .controls
            .iter()
            .filter(|c| !matches!(c, Control::Hidden { .. }))
            .map(Control::name)
            .collect();
        names.into_iter().collect::<Vec<_>>().join(",")
    }
}

/// Every form on a page.
fn forms(html: &str, page: &str) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((s, e, _)) = next_tag(&lower, from, &["form"]) {
        let a = attrs(&html[s..e]);
        let end = lower[e..].find("</form").map_or(html.len(), |n| e + n);
        from = end;
        let action = match a.get("action").map(|x| x.trim()) {
            None | Some("") => Some(page.to_owned()),
            Some(x) => same_site(x, page),
        };
        let Some(action) = action else { continue };
        let mut controls: Vec<Control> = Vec::new();
        let mut i = e;
        while let Some((cs, ce, tag)) =
            next_tag(&lower, i, &["input", "textarea", "select", "button"]).filter(|t| t.0 < end)
        {
            i = ce;
            let ca = attrs(&html[cs..ce]);
            let Some(name) = ca.get("name").filter(|n| !n.is_empty()).cloned() else {
                continue;
            };
            if ca.contains_key("disabled") {
                continue;
            }
            let value = ca.get("value").cloned().unwrap_or_default();
            match tag {
                "input" => {
                    let kind = ca
                        .get("type")
                        .map_or("text".to_owned(), |t| t.to_ascii_lowercase());
                    match kind.as_str() {
                        "hidden" => controls.push(Control::Hidden { name, value }),
                        "radio" => {
                            let checked = ca.contains_key("checked");
                            if let Some(Control::Choice {
                                options, current, ..
                            }) = controls.iter_mut().find(|c| c.is_radios(&name))
                            {
                                if checked {
                                    *current = Some(value.clone());
                                }
                                options.push(value);
                            } else {
                                controls.push(Control::Choice {
                                    name,
                                    current: checked.then(|| value.clone()),
                                    options: vec![value],
                                    radio: true,
                                });
                            }
                        }
                        "checkbox" => controls.push(Control::Check {
                            name,
                            value: if ca.contains_key("value") {
                                value
                            } else {
                                "on".to_owned()
                            },
                            checked: ca.contains_key("checked"),
                        }),
                        "file" => controls.push(Control::File { name }),
                        "submit" | "image" | "button" | "reset" => {
                            controls.push(Control::Button { name, value });
                        }
                        _ => controls.push(Control::Text {
                            name,
                            numeric: ca.get("inputmode").is_some_and(|m| m == "numeric"),
                            kind,
                            value,
                        }),
                    }
                }
                "textarea" => {
                    i = lower[ce..].find("</textarea").map_or(ce, |n| ce + n);
                    controls.push(Control::Text {
                        name,
                        kind: "textarea".to_owned(),
                        numeric: false,
                        value: unescape(&html[ce..i]),
                    });
                }
                "select" => {
                    let close = lower[ce..].find("</select").map_or(end, |n| ce + n);
                    let (mut options, mut current) = (Vec::new(), None);
                    let mut j = ce;
                    while let Some((os, oe, _)) =
                        next_tag(&lower, j, &["option"]).filter(|t| t.0 < close)
                    {
                        j = oe;
                        let oa = attrs(&html[os..oe]);
                        let text_end = lower[oe..].find('<').map_or(close, |n| oe + n);
                        let v = oa
                            .get("value")
                            .cloned()
                            .unwrap_or_else(|| unescape(html[oe..text_end].trim()));
                        if oa.contains_key("disabled") {
                            continue;
                        }
                        if oa.contains_key("selected") {
                            current = Some(v.clone());
                        }
                        options.push(v);
                    }
                    i = close;
                    controls.push(Control::Choice {
                        name,
                        options,
                        current,
                        radio: false,
                    });
                }
                _ => {
                    if ca.get("type").is_none_or(|t| t == "submit") {
                        controls.push(Control::Button { name, value });
                    }
                }
            }
        }
        out.push(Form {
            post: a
                .get("method")
                .is_some_and(|m| m.eq_ignore_ascii_case("post")),
            action,
            multipart: a
                .get("enctype")
                .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data")),
            controls,
        });
    }
    out
}

/// An address with its ids (and the values of its query) blanked: pages of one kind.
fn shape(url: &str, with_query: bool) -> String {
    let (path, q) = url.split_once('?').unwrap_or((url, ""));
    let mut s: String = path
        .split('/')
        .map(|seg| {
            let digits = seg.bytes().filter(u8::is_ascii_digit).count();
            if learnloop_store::is_id(seg) || (seg.len() >= 16 && digits > 0) {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    if with_query && !q.is_empty() {
        let keys: BTreeSet<String> = url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, _)| k.into_owned())
            .collect();
        s.push('?');
        s.push_str(&keys.into_iter().collect::<Vec<_>>().join("&"));
    }
    s
}

// ---- filling forms ----

struct Filled {
    fields: Vec<(String, String)>,
    files: Vec<(String, String)>,
}

/// The fields of one form filled in one way, and which submission of the crawl it is.
struct Filling<'f> {
    how: Fill,
    n: usize,
    /// Date fields (`x-day`, `x-month`, `x-year`) by their prefix, in the order met.
    dates: Vec<&'f str>,
}

impl<'f> Filling<'f> {
    /// A plausible value for a field that wants one shape (dates, numbers, addresses, times,
    /// links, short ids, or whatever the page already put in it that looks like one), or
    /// None for free text.
    fn plausible(
        &mut self,
        name: &'f str,
        kind: &str,
        numeric: bool,
        value: &str,
    ) -> Option<String> {
        use chrono::Datelike;
        let second = self.how == Fill::AttrBreak;
        let later = matches!(self.how, Fill::AttrBreak | Fill::Odd);
        let lower = name.to_ascii_lowercase();
        let part = ["-day", "-month", "-year"]
            .into_iter()
            .find(|p| lower.ends_with(p));
        if let Some(p) = part {
            // Each date of a form a little later than the one before: all past the first
            // time, all to come the second.
            let prefix = &name[..name.len() - p.len()];
            let k = self
                .dates
                .iter()
                .position(|d| *d == prefix)
                .unwrap_or_else(|| {
                    self.dates.push(prefix);
                    self.dates.len() - 1
                });
            let k = i64::try_from(k).unwrap_or(0);
            let offset = if later { 20 + 20 * k } else { -60 + 20 * k };
            let day = chrono::Utc::now().date_naive() + chrono::Duration::days(offset);
            return Some(match p {
                "-day" => day.day().to_string(),
                "-month" => day.month().to_string(),
                _ => day.year().to_string(),
            });
        }
        let n = self.n;
        Some(if kind == "date" {
            chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        } else if kind == "email" || lower.contains("email") {
            if second {
                format!("o'brien+{n}@northbrook.example")
            } else {
                format!("crawl.{n}@northbrook.example")
            }
        } else if kind == "time" || lower == "time" || lower.ends_with("_time") {
            (if second { "23:59" } else { "10:00" }).to_owned()
        } else if kind == "url"
            || lower == "link"
            || lower.ends_with("_url")
            || lower.ends_with("_link")
        {
            if second {
                "javascript:alert(1)".to_owned()
            } else {
                format!("https://example.org/a?b={SCRIPT}")
            }
        } else if lower == "slug" || lower.ends_with("_slug") {
            format!("crawl-{n}")
        } else if !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | ':' | '.' | '-'))
        {
            value.to_owned()
        } else if kind == "number" || numeric {
            (if second { "15" } else { "20" }).to_owned()
        } else {
            return None;
        })
    }
}

fn fill(form: &Form, how: Fill, token: &str, n: usize, long: &str) -> Filled {
    let mut filling = Filling {
        how,
        n,
        dates: Vec::new(),
    };
    let mut choices = 0;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut budget = BODY_BUDGET;
    let buttons: Vec<&Control> = form
        .controls
        .iter()
        .filter(|c| matches!(c, Control::Button { .. }))
        .collect();
    let button = match how {
        Fill::Script | Fill::Sql | Fill::Odd => buttons.first(),
        _ => buttons.last(),
    };
    for c in &form.controls {
        match c {
            Control::Hidden { name, value } => {
                let v = if name == "csrf_token" { token } else { value };
                fields.push((name.clone(), v.to_owned()));
            }
            Control::Text {
                name,
                kind,
                numeric,
                value,
            } => {
                let typed = filling.plausible(name, kind, *numeric, value);
                // Free text ends with the submission's number, so that names meant to be
                // unique are.
                let v = match (how, typed) {
                    (Fill::Sql, _) => format!("{SQL} {n}"),
                    (Fill::Empty, _) => String::new(),
                    (_, Some(t)) => t,
                    (Fill::Script, None) => format!("{SCRIPT} {n}"),
                    (Fill::AttrBreak, None) => format!("{ATTR_BREAK} {n}"),
                    (Fill::Odd, None) => format!("{ODD} {n}"),
                    (Fill::Long, None) => {
                        let cost = url::form_urlencoded::byte_serialize(long.as_bytes())
                            .map(str::len)
                            .sum::<usize>();
                        if cost < budget {
                            budget -= cost;
                            long.to_owned()
                        } else {
                            SCRIPT.to_owned()
                        }
                    }
                };
                fields.push((name.clone(), v));
            }
            Control::Choice {
                name,
                options,
                current,
                ..
            } => {
                let real: Vec<&String> = options.iter().filter(|o| !o.is_empty()).collect();
                // The k-th choice of a form takes the k-th option (from the end the second
                // time), so that two choices that must differ (a chair and a deputy) do.
                let k = choices;
                choices += 1;
                let nth = |i: usize| real.get(i % real.len().max(1)).map(|s| (*s).clone());
                let v = match how {
                    Fill::Sql => Some(ATTR_BREAK.to_owned()),
                    Fill::Empty => Some(String::new()),
                    Fill::AttrBreak => nth(real.len().saturating_sub(1 + k % real.len().max(1))),
                    _ => current.clone().filter(|c| !c.is_empty()).or_else(|| nth(k)),
                };
                if let Some(v) = v {
                    fields.push((name.clone(), v));
                }
            }
            Control::Check {
                name,
                value,
                checked,
            } => match how {
                Fill::Script | Fill::Long | Fill::Odd => {
                    fields.push((name.clone(), value.clone()));
                }
                Fill::AttrBreak if *checked => fields.push((name.clone(), value.clone())),
                Fill::Sql => fields.push((name.clone(), ATTR_BREAK.to_owned())),
                _ => {}
            },
            Control::File { name } => match how {
                Fill::Empty => {}
                Fill::Odd => files.push((name.clone(), format!("{ODD}.pdf"))),
                Fill::Sql => files.push((name.clone(), format!("{SQL}.pdf"))),
                _ => files.push((name.clone(), format!("{ATTR_BREAK}.pdf"))),
            },
            Control::Button { .. } => {}
        }
    }
    if let Some(Control::Button { name, value }) = button {
        fields.push((name.clone(), value.clone()));
    }
    Filled { fields, files }
}

/// The action with the CSRF token of its address (multipart forms carry it there) renewed.
fn with_token(action: &str, token: &str) -> String {
    let Some((path, q)) = action.split_once('?') else {
        return action.to_owned();
    };
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        if k == "csrf_token" {
            s.append_pair(&k, token);
        } else {
            s.append_pair(&k, &v);
        }
    }
    format!("{path}?{}", s.finish())
}

// ---- asking ----

struct Answer {
    status: u16,
    location: Option<String>,
    /// HTML, or a body with no type (checked as if it were).
    html: bool,
    body: String,
}

impl Answer {
    fn signed_out(&self) -> bool {
        self.status == 303
            && self
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/sign-in?next="))
    }
}

/// A client whose requests come from an address of its own (the application trusts
/// `X-Forwarded-For` in this test), so that each has its own allowance at the rate-limited doors.
fn client_at(base: &str, addr: &str) -> Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", addr.parse().expect("an address"));
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    Client {
        http,
        jar,
        base: base.to_owned(),
    }
}

async fn answer(r: Result<reqwest::Response, reqwest::Error>) -> Result<Answer, String> {
    let r = r.map_err(|e| format!("no answer: {}", e.without_url()))?;
    let status = r.status().as_u16();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    let html = header("content-type").is_none_or(|t| t.contains("html"));
    let bytes = r
        .bytes()
        .await
        .map_err(|e| format!("a broken body: {}", e.without_url()))?;
    Ok(Answer {
        status,
        location,
        html,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// A second factor set up by the crawl's sign-in, to sign in with again.
struct Factor {
    secret: String,
    recovery: Vec<String>,
}

/// The code an authenticator app shows for a base-32 secret at a moment (RFC 6238).
fn code_at(secret_text: &str, at: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_text.replace(' ', "")).unwrap();
    let t = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    t.generate(at).to_string()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn app_codes(html: &str) -> Vec<String> {
    html.split("<code class=\"app-code\">")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(unescape)
        .collect()
}

/// `CRAWL_TRACE=1` prints every request of the crawl and what came of it.
fn tracing_on() -> bool {
    std::env::var_os("CRAWL_TRACE").is_some()
}

/// The messages of a page's error summary, as one line.
fn error_summary(body: &str) -> String {
    let Some(list) = body
        .split("govuk-error-summary__list")
        .nth(1)
        .and_then(|x| x.split("</ul>").next())
    else {
        return String::new();
    };
    let text: Vec<&str> = list
        .split('<')
        .filter_map(|t| t.split_once('>').map(|x| x.1))
        .collect();
    let line = text
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    line.chars().take(300).collect()
}

/// An address cut short for the report (long values make long addresses).
fn short(url: &str) -> String {
    let n = url.chars().count();
    if n <= 160 {
        return url.to_owned();
    }
    let head: String = url.chars().take(160).collect();
    format!("{head}...({n} characters)")
}

fn excerpt(body: &str, at: Option<usize>) -> String {
    let at = at
        .or_else(|| body.find("<main"))
        .or_else(|| body.find("<h1"))
        .unwrap_or(0);
    let mut start = at.saturating_sub(60);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let text: String = body[start..].chars().take(200).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Crawl<'a> {
    app: &'a TestApp,
    failures: Vec<String>,
    notes: Vec<String>,
    requests: usize,
    factors: HashMap<String, Factor>,
    long: String,
    /// Every address a role asked for (for the sweep at the end).
    seen_anywhere: Vec<String>,
    made: usize,
    /// The business team's account is (as last read) deactivated or without its role.
    locked: bool,
    /// HTML answers that showed a hostile value back, escaped.
    escaped: usize,
}

/// What one role's crawl came to.
#[derive(Default)]
struct Tally {
    pages: usize,
    kinds: usize,
    forms: usize,
    posts: usize,
    requests: usize,
    sign_ins: usize,
    stopped: Option<String>,
}

impl<'a> Crawl<'a> {
    fn judge(
        &mut self,
        who: &str,
        method: &str,
        url: &str,
        what: &str,
        a: &Result<Answer, String>,
    ) {
        self.requests += 1;
        let url = &short(url);
        let a = match a {
            Ok(a) => a,
            Err(e) => {
                self.failures
                    .push(format!("{who} {method} {url} [{what}]: {e}"));
                return;
            }
        };
        if a.status >= 500 {
            self.failures.push(format!(
                "{who} {method} {url} [{what}]: {} {}",
                a.status,
                excerpt(&a.body, None)
            ));
        }
        if a.html {
            if a.body.contains("&lt;script&gt;alert(") || a.body.contains("&lt;img src=x onerror") {
                self.escaped += 1;
            }
            for n in NEEDLES {
                if let Some(at) = a.body.find(n) {
                    self.failures.push(format!(
                        "{who} {method} {url} [{what}]: {} unescaped {n:?}: {}",
                        a.status,
                        excerpt(&a.body, Some(at))
                    ));
                }
            }
            let lower = a.body.to_ascii_lowercase();
            for n in [
                "href=\"javascript:",
                "src=\"javascript:",
                "action=\"javascript:",
            ] {
                if let Some(at) = lower.find(n) {
                    self.failures.push(format!(
                        "{who} {method} {url} [{what}]: {} a javascript: address: {}",
                        a.status,
                        excerpt(&a.body, Some(at))
                    ));
                }
            }
        }
        if let Some(l) = &a.location {
            let off = l.starts_with("//")
                || l.starts_with("/\\")
                || (l.contains(':') && !l.starts_with('/') && !l.starts_with(&self.app.base));
            if off {
                self.failures.push(format!(
                    "{who} {method} {url} [{what}]: {} redirects off the site to {l:?}",
                    a.status
                ));
            }
        }
    }

    async fn get(
        &mut self,
        c: &Client,
        who: &str,
        url: &str,
        what: &str,
    ) -> Result<Answer, String> {
        let a = answer(c.http.get(format!("{}{url}", c.base)).send().await).await;
        self.judge(who, "GET", url, what, &a);
        a
    }

    async fn post(
        &mut self,
        c: &Client,
        who: &str,
        url: &str,
        filled: &Filled,
        multipart: bool,
        what: &str,
    ) -> Result<Answer, String> {
        let to = format!("{}{url}", c.base);
        let req = if multipart {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in &filled.fields {
                form = form.text(k.clone(), v.clone());
            }
            for (k, file_name) in &filled.files {
                form = form.part(
                    k.clone(),
                    reqwest::multipart::Part::bytes(PDF.to_vec())
                        .file_name(file_name.clone())
                        .mime_str("application/pdf")
                        .unwrap(),
                );
            }
            c.http.post(to).multipart(form)
        } else {
            c.http.post(to).form(&filled.fields)
        };
        let a = answer(req.send().await).await;
        self.judge(who, "POST", url, what, &a);
        a
    }

    async fn post_simple(
        &mut self,
        c: &Client,
        who: &str,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Answer, String> {
        let token = c.csrf().await;
        let mut all = vec![("csrf_token".to_owned(), token)];
        all.extend(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let filled = Filled {
            fields: all,
            files: Vec::new(),
        };
        self.post(c, who, url, &filled, false, "sign-in").await
    }

    /// Signs in with the demo password, through two-step sign-in when the partnership (as the
    /// crawl may have set it) asks for it. Err says why not; a 429 starts with "429".
    async fn sign_in(&mut self, c: &Client, email: &str) -> Result<(), String> {
        let who = format!("sign-in of {email}");
        let r = self
            .post_simple(
                c,
                &who,
                "/sign-in",
                &[("email", email), ("password", demo::PASSWORD), ("next", "")],
            )
            .await?;
        let loc = r.location.clone().unwrap_or_default();
        if tracing_on() {
            println!("CRAWL sign-in of {email}: {} {loc}", r.status);
        }
        match r.status {
            303 if loc.starts_with("/sign-in/set-up") => {
                let page = self.get(c, &who, &loc, "set-up").await?;
                let Some(secret) = app_codes(&page.body).into_iter().next() else {
                    return Err(format!("a set-up page without a secret: {}", page.status));
                };
                let hidden: Vec<(String, String)> = forms(&page.body, &loc)
                    .into_iter()
                    .find(|f| f.post)
                    .map(|f| {
                        f.controls
                            .into_iter()
                            .filter_map(|c| match c {
                                Control::Hidden { name, value } if name != "csrf_token" => {
                                    Some((name, value))
                                }
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let code = code_at(&secret, now_secs());
                let mut fields: Vec<(&str, &str)> = vec![("code", &code)];
                fields.extend(hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let on = self
                    .post_simple(c, &who, "/sign-in/set-up", &fields)
                    .await?;
                if on.status != 200 || !on.body.contains("Save your recovery codes") {
                    return Err(format!(
                        "two-step set-up refused: {} {}",
                        on.status,
                        excerpt(&on.body, None)
                    ));
                }
                let recovery = app_codes(&on.body);
                self.factors
                    .insert(email.to_owned(), Factor { secret, recovery });
                Ok(())
            }
            303 if loc.starts_with("/sign-in/code") => {
                let Some(f) = self.factors.get(email) else {
                    return Err("asked for a code of a second factor the crawl never set up".into());
                };
                let secret = f.secret.clone();
                let mut tries: Vec<String> = vec![
                    code_at(&secret, now_secs()),
                    code_at(&secret, now_secs() + 30),
                ];
                tries.extend(f.recovery.iter().cloned());
                for (i, code) in tries.iter().enumerate() {
                    let r = self
                        .post_simple(c, &who, "/sign-in/code", &[("code", code), ("next", "")])
                        .await?;
                    if i >= 2
                        && let Some(f) = self.factors.get_mut(email)
                    {
                        f.recovery.retain(|x| x != code);
                    }
                    if r.status == 303
                        && !r
                            .location
                            .as_deref()
                            .is_some_and(|l| l.starts_with("/sign-in"))
                    {
                        return Ok(());
                    }
                    if r.status == 429 {
                        return Err("429 at the code step".into());
                    }
                }
                // Every code of this time step used: the next step's code, once it comes.
                let wait = 31 - now_secs() % 30;
                tokio::time::sleep(Duration::from_secs(wait)).await;
                let code = code_at(&secret, now_secs());
                let r = self
                    .post_simple(c, &who, "/sign-in/code", &[("code", &code), ("next", "")])
                    .await?;
                if r.status == 303
                    && !r
                        .location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/sign-in"))
                {
                    return Ok(());
                }
                Err(format!(
                    "no code of the second factor was accepted: {}",
                    r.status
                ))
            }
            303 if !loc.starts_with("/sign-in") => Ok(()),
            s => Err(format!(
                "{s} {}: {}",
                loc,
                excerpt(&r.body, r.body.find("govuk-error-summary"))
            )),
        }
    }

    /// Signed in again after the session ended (the crawl may end its own sessions).
    async fn again(&mut self, c: &Client, email: &str, tally: &mut Tally) -> bool {
        tally.sign_ins += 1;
        if tracing_on() {
            println!("CRAWL {email} signs in again");
        }
        if tally.sign_ins > 12 {
            tally.stopped = Some("signed out more than twelve times".into());
            return false;
        }
        match self.sign_in(c, email).await {
            Ok(()) => true,
            Err(e) => {
                tally.stopped = Some(format!("could not sign in again: {e}"));
                false
            }
        }
    }

    /// One role's crawl.
    async fn crawl(&mut self, role: Role, n: usize) -> Tally {
        let email = common::email_of(role);
        let who = format!("{role:?}");
        let c = client_at(&self.app.base, &format!("198.51.100.{}", n + 1));
        let mut t = Tally::default();
        let started = self.requests;
        if let Err(e) = self.sign_in(&c, email).await {
            if e.starts_with("429") {
                self.notes
                    .push(format!("{who}: throttled at its first sign-in: {e}"));
            } else {
                self.failures
                    .push(format!("{who} cannot sign in to start its crawl: {e}"));
            }
            t.stopped = Some(e);
            return t;
        }
        // Home first, then the pages of the people a hostile user would aim at: the business
        // team, the system administrator and themselves (refused to those who may not manage
        // people, which is also worth asking).
        let mut pages: VecDeque<String> = VecDeque::from(["/home".to_owned()]);
        for target in [Role::BusinessTeam, Role::SystemAdmin, role] {
            let (id,): (String,) = self
                .app
                .db
                .fetch_one(
                    query("SELECT id FROM person WHERE email = ?").bind(common::email_of(target)),
                )
                .await
                .unwrap();
            let page = format!("/people/{id}");
            if !pages.contains(&page) {
                pages.push_back(page);
            }
        }
        let mut queued: HashSet<String> = pages.iter().cloned().collect();
        let mut per_kind: HashMap<String, usize> = HashMap::new();
        let mut probed: HashSet<String> = HashSet::new();
        let mut pending: VecDeque<Form> = VecDeque::new();
        let mut form_kinds: HashMap<String, usize> = HashMap::new();
        let mut form_actions: HashSet<(bool, String)> = HashSet::new();

        // Takes in what a page offers: its links and its forms.
        macro_rules! offer {
            ($body:expr, $url:expr) => {{
                for l in links($body, $url) {
                    let k = shape(&l, true);
                    if queued.contains(&l)
                        || per_kind.get(&k).copied().unwrap_or(0) >= SAME_PAGE_KIND
                    {
                        continue;
                    }
                    *per_kind.entry(k).or_default() += 1;
                    queued.insert(l.clone());
                    pages.push_back(l);
                }
                for f in forms($body, $url) {
                    if f.post && f.action.starts_with("/sign-out") {
                        continue;
                    }
                    let k = f.kind();
                    if !form_actions.insert((f.post, f.action.clone()))
                        || form_kinds.get(&k).copied().unwrap_or(0) >= SAME_FORM_KIND
                    {
                        continue;
                    }
                    *form_kinds.entry(k).or_default() += 1;
                    pending.push_back(f);
                }
            }};
        }

        'crawl: loop {
            if let Some(form) = pending.pop_front() {
                if t.forms >= FORM_CAP {
                    if tracing_on() {
                        println!("CRAWL {who} skips form {}", form.kind());
                    }
                    continue;
                }
                t.forms += 1;
                for how in FILLS {
                    self.made += 1;
                    let token = c.csrf().await;
                    let long = if form.post {
                        self.long.as_str()
                    } else {
                        &self.long[..self
                            .long
                            .char_indices()
                            .nth(MAX_ADDRESS / 12)
                            .map_or(0, |(i, _)| i)]
                    };
                    let filled = fill(&form, how, &token, self.made, long);
                    let what = format!("{how:?} in {}", form.names());
                    let got = if form.post {
                        t.posts += 1;
                        let url = with_token(&form.action, &token);
                        self.post(&c, &who, &url, &filled, form.multipart, &what)
                            .await
                    } else {
                        let mut s = url::form_urlencoded::Serializer::new(String::new());
                        for (k, v) in &filled.fields {
                            if k != "csrf_token" {
                                s.append_pair(k, v);
                            }
                        }
                        let path = form.action.split('?').next().unwrap_or("/");
                        let url = format!("{path}?{}", s.finish());
                        self.get(&c, &who, &url, &what).await
                    };
                    let Ok(mut got) = got else { continue };
                    let wrote = form.post
                        && got.status == 303
                        && !got.signed_out()
                        && (form.action.starts_with("/people/")
                            || form.action.starts_with("/settings")
                            || form.action.starts_with("/account"));
                    let intact = !wrote || self.business_team_intact().await;
                    let newly_locked = !intact && !self.locked;
                    if wrote {
                        self.locked = !intact;
                    }
                    if newly_locked {
                        let team = self.business_team().await;
                        self.failures.push(format!(
                            "LOCKED OUT by {who} POST {} [{how:?} in {}]: {} is no longer an \
                             active member of the business team with a password; the business \
                             team is now: {team}",
                            short(&form.action),
                            form.names(),
                            common::email_of(Role::BusinessTeam),
                        ));
                    }
                    if tracing_on() {
                        println!(
                            "CRAWL {who} {} {} {how:?} -> {}{} {} {}",
                            if form.post { "POST" } else { "GET" },
                            short(&form.action),
                            got.status,
                            if got.body.contains("&lt;script&gt;") {
                                " (escaped)"
                            } else {
                                ""
                            },
                            got.location.as_deref().map(short).unwrap_or_default(),
                            error_summary(&got.body)
                        );
                    }
                    // Where a write sends the browser, the browser goes.
                    let mut hops = 0;
                    let mut at = form.action.clone();
                    while got.status == 303 && !got.signed_out() && hops < 3 {
                        let Some(loc) = got.location.clone().and_then(|l| same_site(&l, &at))
                        else {
                            break;
                        };
                        hops += 1;
                        at = loc.clone();
                        match self.get(&c, &who, &loc, &format!("after {how:?}")).await {
                            Ok(a) => got = a,
                            Err(_) => break,
                        }
                    }
                    if got.signed_out() || got.location.as_deref() == Some("/sign-in") {
                        if !self.again(&c, email, &mut t).await {
                            break 'crawl;
                        }
                    } else if got.status == 200 && got.html {
                        offer!(&got.body, &at);
                    }
                }
                continue;
            }
            let Some(url) = pages.pop_front() else { break };
            if t.pages >= PAGE_CAP {
                if tracing_on() {
                    println!(
                        "CRAWL {who} skips page {} and {} more",
                        short(&url),
                        pages.len()
                    );
                }
                break;
            }
            t.pages += 1;
            self.seen_anywhere.push(url.clone());
            let mut got = self.get(&c, &who, &url, "link").await;
            if tracing_on() {
                let status = got.as_ref().map_or(0, |a| a.status);
                println!("CRAWL {who} GET {} -> {status}", short(&url));
            }
            if got.as_ref().is_ok_and(Answer::signed_out) {
                if !self.again(&c, email, &mut t).await {
                    break;
                }
                got = self.get(&c, &who, &url, "link, signed in again").await;
            }
            if let Ok(a) = &got
                && a.status == 200
                && a.html
            {
                offer!(&a.body, &url);
            }
            // Each kind of page once more with hostile query strings.
            let (path, q) = url.split_once('?').unwrap_or((&url, ""));
            if probed.insert(shape(path, false)) {
                t.kinds += 1;
                let own: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                for hq in hostile_queries(&own) {
                    let got = self
                        .get(&c, &who, &format!("{path}?{hq}"), "hostile query")
                        .await;
                    if got.as_ref().is_ok_and(Answer::signed_out)
                        && !self.again(&c, email, &mut t).await
                    {
                        break 'crawl;
                    }
                }
            }
        }
        t.requests = self.requests - started;
        t
    }

    /// The business team signs in (from an address of its own), opens the people page and
    /// holds its role. Failures name the moment.
    async fn business_team_manages(&mut self, when: &str, n: usize) {
        let email = common::email_of(Role::BusinessTeam);
        let c = client_at(&self.app.base, &format!("203.0.113.{}", n + 1));
        match self.sign_in(&c, email).await {
            Err(e) => self.failures.push(format!(
                "LOCKED OUT {when}: the business team cannot sign in: {e}"
            )),
            Ok(()) => {
                let people = self
                    .get(&c, "BusinessTeam (check)", "/people", "check")
                    .await;
                match people {
                    Ok(p) if p.status == 200 => {}
                    Ok(p) => self.failures.push(format!(
                        "LOCKED OUT {when}: the business team gets {} {} from /people",
                        p.status,
                        p.location.unwrap_or_default()
                    )),
                    Err(e) => self
                        .failures
                        .push(format!("LOCKED OUT {when}: /people: {e}")),
                }
            }
        }
        let rows: Vec<(String,)> = self
            .app
            .db
            .fetch_all(
                query(
                    "SELECT m.role FROM membership m JOIN person p ON p.id = m.person_id \
                     WHERE p.email = ? AND m.role = 'business-team' AND p.active = TRUE",
                )
                .bind(email),
            )
            .await
            .unwrap();
        if rows.is_empty() {
            self.failures.push(format!(
                "LOCKED OUT {when}: {email} is no longer an active member of the business team"
            ));
        }
    }

    /// Puts the demo people back as the demo made them (their accounts active, exactly their
    /// roles), so that each role's crawl starts signed in as itself and no role starts with
    /// powers an earlier crawl gave it. Returns how many things were put back.
    async fn restore(&mut self, roles: &[Membership]) -> usize {
        use learnloop_store::accounts;
        let who = Who::system("crawl test");
        let mut restored = 0;
        for p in demo::PEOPLE.iter() {
            let (id, active): (String, bool) = self
                .app
                .db
                .fetch_one(query("SELECT id, active FROM person WHERE email = ?").bind(p.email))
                .await
                .unwrap();
            if !active {
                accounts::set_active(&self.app.db, &who, &id, true)
                    .await
                    .unwrap();
                restored += 1;
            }
            // Its rows as they are now (the membership's id in the first place).
            let now: Vec<Membership> = self
                .app
                .db
                .fetch_all(
                    query(
                        "SELECT id, partnership_id, role, agency_id, group_id FROM membership \
                         WHERE person_id = ?",
                    )
                    .bind(id.as_str()),
                )
                .await
                .unwrap();
            for (mid, partnership, role, agency, group) in now {
                let m = (id.clone(), partnership, role, agency, group);
                if !roles.contains(&m) {
                    self.app
                        .db
                        .execute(query("DELETE FROM membership WHERE id = ?").bind(mid.as_str()))
                        .await
                        .unwrap();
                    restored += 1;
                }
            }
        }
        let mut tx = self.app.db.begin().await.unwrap();
        for (person, partnership, role, agency, group) in roles {
            if accounts::grant(
                &mut tx,
                &who,
                person,
                partnership,
                Role::from_slug(role).unwrap(),
                agency.as_deref(),
                group.as_deref(),
            )
            .await
            .unwrap()
            {
                restored += 1;
            }
        }
        tx.commit().await.unwrap();
        self.locked = false;
        restored
    }

    /// Who holds the business team's role now, and whether each can sign in.
    async fn business_team(&self) -> String {
        let rows: Vec<(String, bool, Option<String>)> = self
            .app
            .db
            .fetch_all(query(
                "SELECT p.email, p.active, p.password_hash FROM membership m \
                 JOIN person p ON p.id = m.person_id WHERE m.role = 'business-team' \
                 ORDER BY p.email",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|(email, active, hash)| {
                let state = match (active, hash.is_some()) {
                    (false, _) => "deactivated",
                    (true, false) => "active, invited: has never set a password",
                    (true, true) => "active",
                };
                format!("{email} ({state})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the business team's demo account is still active and still holds its role (read
    /// from the database after every write to people or settings, so that a lock-out undone
    /// later in the crawl is still seen).
    async fn business_team_intact(&self) -> bool {
        let rows: Vec<(String,)> = self
            .app
            .db
            .fetch_all(
                query(
                    "SELECT m.role FROM membership m JOIN person p ON p.id = m.person_id \
                     WHERE p.email = ? AND m.role = 'business-team' AND p.active = TRUE \
                     AND p.password_hash IS NOT NULL",
                )
                .bind(common::email_of(Role::BusinessTeam)),
            )
            .await
            .unwrap();
        !rows.is_empty()
    }
}

/// A membership of a demo person: person, partnership, role, agency, group.
type Membership = (String, String, String, Option<String>, Option<String>);

/// Something to crawl: a decided practice review overseen by the Learning and Improvement
/// Subgroup, with a recommendation and an action owned by the practitioner.
async fn fixtures(app: &TestApp) {
    let bt = Client::new(&app.base);
    bt.sign_in_as(Role::BusinessTeam).await;
    let case = notify(
        app,
        &bt,
        "death-or-serious-harm",
        (2, 11, 2026),
        Some((4, 11, 2026)),
    )
    .await;
    decide_lcspr(app, &bt, &case).await;
    let li = ids(
        app,
        "SELECT id FROM partnership_group WHERE name = 'Learning and Improvement Subgroup'",
    )
    .await;
    app.db
        .execute(
            query("UPDATE case_review SET oversight_group_id = ? WHERE id = ?")
                .bind(li[0].as_str())
                .bind(case.as_str()),
        )
        .await
        .unwrap();
    let lead = ids(
        app,
        "SELECT m.agency_id FROM membership m JOIN person p ON p.id = m.person_id \
         WHERE p.email = 'agency.lead@northbrook.example' AND m.role = 'agency-lead'",
    )
    .await;
    let theme = ids(app, "SELECT id FROM theme ORDER BY name").await;
    let r = bt
        .post(
            &format!("/reviews/{case}/recommendations"),
            &[
                ("recommendation", "Agencies share concerns the same day"),
                ("addressed_to", "agencies"),
                ("rec_agency", &lead[0]),
                ("rec_theme", &theme[0]),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rec = ids(app, "SELECT id FROM recommendation").await;
    let owner = ids(
        app,
        "SELECT id FROM person WHERE email = 'practitioner@northbrook.example'",
    )
    .await;
    let due = chrono::Utc::now().date_naive() + chrono::Duration::days(60);
    let r = bt
        .post(
            &format!("/recommendations/{}/actions", rec[0]),
            &[
                ("description", "Same-day sharing of concerns"),
                ("lead_agency", &lead[0]),
                ("owner", &owner[0]),
                ("due-day", &due.format("%-d").to_string()),
                ("due-month", &due.format("%-m").to_string()),
                ("due-year", &due.format("%Y").to_string()),
                ("measure", "A re-audit finds same-day sharing"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn the_page_readers_find_links_forms_fields_and_choices() {
    let page = r##"<a class="x" href='/reviews?page=2&amp;q=a%20b'>n</a>
        <link href="/assets/app.css">
        <a href="https://example.org/">out</a> <a href="?page=3">p</a> <a href="#main">skip</a>
        <form method="post" action="/sign-out">
          <input type="hidden" name="csrf_token" value="t">
        </form>
        <form novalidate action="/themes/new" method="POST">
          <input type="hidden" name="csrf_token" value="t&amp;1">
          <input class="govuk-input" id="name" name="name" type="text" value="&quot;&gt;x">
          <input name="due-day" inputmode="numeric">
          <input name="due-month"><input name="due-year">
          <textarea name="notes" rows="5">a &lt;b&gt;</textarea>
          <select name="agency">
            <option value="">None</option><option value="a1" selected>A</option>
            <option>B &amp; C</option>
          </select>
          <input type="radio" name="kind" value="x">
          <input type="radio" name="kind" value="y" checked>
          <input type="checkbox" name="core" value="c1" checked>
          <input type="checkbox" name="core" value="c2">
          <input type="text" name="off" disabled>
          <button type="submit" name="answer" value="accept">Yes</button>
        </form>
        <form method="get"><input name="q"></form>"##;
    assert_eq!(
        links(page, "/reviews"),
        vec!["/reviews?page=2&q=a%20b", "/reviews?page=3"]
    );
    let f = forms(page, "/themes?x=1");
    assert_eq!(f.len(), 3);
    assert!(f[1].post && f[1].action == "/themes/new" && !f[1].multipart);
    assert!(!f[2].post && f[2].action == "/themes?x=1");
    let names: Vec<&str> = f[1].controls.iter().map(Control::name).collect();
    assert_eq!(
        names,
        [
            "csrf_token",
            "name",
            "due-day",
            "due-month",
            "due-year",
            "notes",
            "agency",
            "kind",
            "core",
            "core",
            "answer"
        ]
    );
    assert!(
        matches!(&f[1].controls[6], Control::Choice { options, current: Some(c), .. }
        if options == &["", "a1", "B & C"] && c == "a1")
    );
    assert!(
        matches!(&f[1].controls[7], Control::Choice { options, current: Some(c), radio: true, .. }
        if options == &["x", "y"] && c == "y")
    );
    let filled = fill(&f[1], Fill::Script, "new", 7, "long");
    let get = |k: &str| -> Vec<&str> {
        filled
            .fields
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("csrf_token"), ["new"]);
    assert_eq!(get("name"), [format!("{SCRIPT} 7")]);
    assert_eq!(get("notes"), [format!("{SCRIPT} 7")]);
    assert_eq!(get("agency"), ["a1"]);
    assert_eq!(get("kind"), ["y"]);
    assert_eq!(get("core"), ["c1", "c2"]);
    assert_eq!(get("answer"), ["accept"]);
    assert!(get("due-year")[0].parse::<i32>().is_ok());
    let hostile = fill(&f[1], Fill::Sql, "new", 8, "long");
    assert!(
        hostile
            .fields
            .iter()
            .any(|(n, v)| n == "agency" && v == ATTR_BREAK)
    );
    assert_eq!(
        unescape("&lt;&#39;&#x27;&amp;amp;&gt;&bogus;"),
        "<''&amp;>&bogus;"
    );
    assert_eq!(
        shape(
            "/people/01a24378-53dc-7141-8a1f-b44329f13cde/roles?page=2&q=x",
            true
        ),
        "/people/{}/roles?page&q"
    );
}

/// Crawls as every role in turn on one engine; returns the problems found.
async fn crawl_every_role(app: &TestApp) -> Vec<String> {
    let started = Instant::now();
    fixtures(app).await;
    // The demo people's roles, to give back between roles' crawls.
    let mut roles = Vec::new();
    for p in demo::PEOPLE.iter() {
        let rows: Vec<Membership> = app
            .db
            .fetch_all(
                query(
                    "SELECT m.person_id, m.partnership_id, m.role, m.agency_id, \
                             m.group_id FROM membership m JOIN person p ON p.id = m.person_id \
                             WHERE p.email = ?",
                )
                .bind(p.email),
            )
            .await
            .unwrap();
        roles.extend(rows);
    }
    let mut crawl = Crawl {
        app,
        failures: Vec::new(),
        notes: Vec::new(),
        requests: 0,
        factors: HashMap::new(),
        long: long_value(),
        seen_anywhere: Vec::new(),
        made: 0,
        locked: false,
        escaped: 0,
    };
    for (n, role) in Role::ALL.into_iter().enumerate() {
        let restored = crawl.restore(&roles).await;
        if restored > 0 {
            crawl.notes.push(format!(
                "before {role:?}: gave back {restored} accounts or roles of demo people"
            ));
        }
        let t0 = Instant::now();
        let t = crawl.crawl(role, n).await;
        println!(
            "{:?} {role:?}: {} pages ({} kinds), {} forms ({} posts), {} requests, \
             {} sign-ins again, {:.1?}{}",
            app.engine,
            t.pages,
            t.kinds,
            t.forms,
            t.posts,
            t.requests,
            t.sign_ins,
            t0.elapsed(),
            t.stopped
                .as_deref()
                .map(|s| format!("; stopped: {s}"))
                .unwrap_or_default()
        );
        crawl
            .business_team_manages(&format!("after the crawl of {role:?}"), n)
            .await;
    }
    // What every role wrote, read once more by the business team.
    let bt = client_at(&app.base, "203.0.113.100");
    let email = common::email_of(Role::BusinessTeam);
    if crawl.sign_in(&bt, email).await.is_ok() {
        let mut swept = HashSet::new();
        let all = std::mem::take(&mut crawl.seen_anywhere);
        for url in all {
            if swept.len() >= SWEEP_CAP {
                break;
            }
            if swept.insert(url.clone()) {
                let _ = crawl.get(&bt, "BusinessTeam (sweep)", &url, "sweep").await;
            }
        }
    }
    crawl
        .business_team_manages("at the end", Role::ALL.len())
        .await;
    println!(
        "{:?}: {} requests in {:.1?}; {} HTML answers showed hostile values back, escaped",
        app.engine,
        crawl.requests,
        started.elapsed(),
        crawl.escaped
    );
    for n in &crawl.notes {
        println!("NOTE: {n}");
    }
    let mut seen = HashSet::new();
    let engine = app.engine;
    crawl
        .failures
        .into_iter()
        .filter(|f| seen.insert(f.clone()))
        .map(|f| format!("{engine:?}: {f}"))
        .collect()
}

#[tokio::test]
async fn a_hostile_crawl_of_every_page_and_form_of_every_role_finds_no_server_error_no_unescaped_output_and_locks_nobody_out()
 {
    // Every engine's problems, reported together once both have been crawled.
    let problems = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    each_app_with(
        |config| config.behind_proxy = true,
        |app| {
            let problems = problems.clone();
            async move {
                let found = crawl_every_role(&app).await;
                problems.lock().unwrap().extend(found);
            }
        },
    )
    .await;
    let problems = problems.lock().unwrap();
    assert!(
        problems.is_empty(),
        "the hostile crawl found {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Pages each role reads in the crawl of links below (a few of each kind).
const LINK_CAP: usize = 150;

/// Every link a role is shown on the demo partnership as `serve --demo` opens it (two years of
/// work, dated from today) opens for that role: none leads to a refusal or a missing page.
/// Each role follows the links from its home page, breadth first, a few pages of each kind,
/// up to a cap; downloads count as pages. (Lists and agendas name what a reader may not open
/// without a link to it.) On SQLite and PostgreSQL.
#[tokio::test]
async fn every_link_each_role_is_shown_on_the_living_demo_opens_for_them() {
    let mut problems = Vec::new();
    for t in learnloop_store::testing::engines().await.unwrap() {
        let db = t.open().await.unwrap();
        let today = learnloop_domain::dates::london_date(chrono::Utc::now());
        assert!(demo::load_with_history(&db, 2, today, None).await.unwrap());
        let app = common::spawn(&t, |_| {}).await;
        for role in Role::ALL {
            let c = Client::new(&app.base);
            c.sign_in_as(role).await;
            let mut queue = VecDeque::from([("/home".to_owned(), "signing in".to_owned())]);
            let mut seen = HashSet::new();
            let mut kinds: HashMap<String, usize> = HashMap::new();
            let mut pages = 0;
            while let Some((url, from)) = queue.pop_front() {
                if pages >= LINK_CAP {
                    break;
                }
                if !seen.insert(url.clone()) {
                    continue;
                }
                let k = kinds.entry(shape(&url, true)).or_default();
                *k += 1;
                if *k > SAME_PAGE_KIND {
                    continue;
                }
                let p = c.get(&url).await;
                pages += 1;
                if p.status >= 400 {
                    problems.push(format!(
                        "{:?} {role:?}: {url} answers {} (linked from {from})",
                        t.engine, p.status
                    ));
                    continue;
                }
                for l in links(&p.body, &url) {
                    if !seen.contains(&l) {
                        queue.push_back((l, url.clone()));
                    }
                }
            }
            println!("{:?} {role:?}: {pages} pages", t.engine);
            assert!(pages > 20, "{role:?} reached only {pages} pages");
        }
    }
    assert!(
        problems.is_empty(),
        "{} links lead to a refusal or a missing page:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
