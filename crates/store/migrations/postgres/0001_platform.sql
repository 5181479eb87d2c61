-- Platform: partnerships, agencies, groups, people, memberships, sessions, tokens,
-- throttling, the mail outbox and the hash-chained audit trail.
-- Times are UTC text in one fixed-width form (YYYY-MM-DDTHH:MM:SS.ffffffZ); dates YYYY-MM-DD.

CREATE TABLE partnership (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    area TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    rapid_review_from TEXT NOT NULL DEFAULT 'notified',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE agency (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    name TEXT NOT NULL,
    sector TEXT NOT NULL,
    statutory_partner BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX agency_name_unique ON agency (partnership_id, lower(name));

CREATE TABLE partnership_group (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    reports_to_id TEXT REFERENCES partnership_group(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX group_name_unique ON partnership_group (partnership_id, lower(name));

CREATE TABLE person (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    job_title TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    password_changed_at TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE membership (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES person(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    role TEXT NOT NULL,
    agency_id TEXT REFERENCES agency(id),
    group_id TEXT REFERENCES partnership_group(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX membership_unique
    ON membership (person_id, partnership_id, role, coalesce(agency_id, ''), coalesce(group_id, ''));
CREATE INDEX membership_partnership ON membership (partnership_id, role);

CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES person(id),
    partnership_id TEXT REFERENCES partnership(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_person ON session (person_id);

CREATE TABLE one_time_token (
    token_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES person(id),
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX one_time_token_person ON one_time_token (person_id);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_failure_at TEXT NOT NULL,
    locked_until TEXT
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    partnership_id TEXT,
    natural_key TEXT UNIQUE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    not_before TEXT NOT NULL,
    created_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, not_before);

CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    partnership_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_partnership ON audit_event (partnership_id, seq);
CREATE INDEX audit_actor ON audit_event (actor_id, seq);
CREATE INDEX audit_target ON audit_event (target_kind, target_id);

-- The trail is append-only: the engine itself refuses to change or remove a row.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- Clocks: installation-wide holiday changes (proposed by a business team, applied by a system
-- administrator) and a partnership's local clock rules on top of the seeded ones.
CREATE TABLE holiday_change (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    change TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES person(id),
    proposed_in TEXT REFERENCES partnership(id),
    proposed_at TEXT NOT NULL,
    decided_by TEXT REFERENCES person(id),
    decided_at TEXT
);
CREATE INDEX holiday_change_status ON holiday_change (status, day);

CREATE TABLE clock_rule (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    length BIGINT NOT NULL,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    due_soon BIGINT NOT NULL,
    based_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX clock_rule_slug ON clock_rule (partnership_id, slug);
