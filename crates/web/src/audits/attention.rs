//! What audits put on home pages and agendas.

#[allow(unused_imports)]
use super::*;

// ---- attention ----

/// What audits need of someone who runs them: overdue returns, workshops coming and reports
/// overdue; on a group's agenda, its audits under way. (The returns a person writes are
/// `crate::returns::attention`'s.) Agenda items name the audit,
/// never a case of its sample.
pub async fn attention(st: &AppState, a: &Audience<'_>) -> AppResult<Vec<Attention>> {
    let s = a.signed();
    if !s.actor.can(Permission::ViewAudits) {
        return Ok(Vec::new());
    }
    let today = match a {
        Audience::Group { day, .. } => *day,
        Audience::Person(_) => Utc::now().date_naive(),
    };
    let mut out = Vec::new();
    let group = match a {
        Audience::Group { group, .. } => Some(group.group.id.as_str()),
        Audience::Person(_) => None,
    };
    for u in audits::under_way(&st.db, s.pid(), today).await? {
        let scope = scope_of(&u.audit);
        let concerned = match group {
            Some(g) => u.audit.group_id.as_deref() == Some(g),
            None => can_run(&s.actor, &scope),
        };
        if !concerned {
            continue;
        }
        let href = format!("/audits/{}", u.audit.id);
        if u.audit.stage == Stage::Fieldwork && (u.overdue > 0 || group.is_some()) {
            out.push(Attention {
                kind: "audit",
                text: format!(
                    "Audit “{}”: {} of {} returns in",
                    u.audit.title, u.answered, u.asked
                ),
                detail: format!("Returns due {}", u.audit.returns_due_on.long()),
                href: href.clone(),
                tag: (u.overdue > 0).then(|| (format!("{} overdue", u.overdue), "red")),
            });
        }
        if let Some(w) = u.audit.workshop_on
            && w.date() >= today
            && (w.date() - today).num_days() <= 14
        {
            out.push(Attention {
                kind: "audit",
                text: format!("Workshop for the audit “{}”", u.audit.title),
                detail: w.long(),
                href: href.clone(),
                tag: Some((format!("On {}", w.long()), "blue")),
            });
        }
        if let Some(r) = u.audit.report_due_on
            && r.date() < today
        {
            out.push(Attention {
                kind: "audit",
                text: format!("Overview report for the audit “{}”", u.audit.title),
                detail: format!("Due {}", r.long()),
                href,
                tag: Some(("Overdue".to_owned(), "red")),
            });
        }
    }
    Ok(out)
}
