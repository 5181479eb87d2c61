-- Governance: terms of reference (versioned), meetings with agendas, attendance, decisions,
-- escalations; and the one action record that meeting actions, and later recommendations'
-- actions, share.

ALTER TABLE partnership_group ADD COLUMN papers_days BIGINT NOT NULL DEFAULT 14;
ALTER TABLE partnership_group ADD COLUMN quorum_rule TEXT NOT NULL DEFAULT 'statutory';
ALTER TABLE partnership_group ADD COLUMN standing_items TEXT NOT NULL DEFAULT 'Welcome, introductions and apologies
Minutes of the last meeting and matters arising
Any other business';

-- Each revision of a group's terms of reference is a new row; the newest is in force and the
-- older ones stay readable.
CREATE TABLE group_terms (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    group_id TEXT NOT NULL REFERENCES partnership_group(id),
    version BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    aims TEXT NOT NULL,
    functions TEXT NOT NULL,
    core_agencies TEXT NOT NULL,
    invited_agencies TEXT NOT NULL,
    chair_person_id TEXT REFERENCES person(id),
    chair_appointed_by TEXT NOT NULL,
    deputy_person_id TEXT REFERENCES person(id),
    deputy_appointed_by TEXT NOT NULL,
    frequency TEXT NOT NULL,
    meeting_minutes BIGINT NOT NULL,
    outputs TEXT NOT NULL,
    admin_support TEXT NOT NULL,
    agreed_on TEXT NOT NULL,
    review_due TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX group_terms_version ON group_terms (group_id, version);
CREATE INDEX group_terms_partnership ON group_terms (partnership_id, review_due);

CREATE TABLE meeting (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    group_id TEXT NOT NULL REFERENCES partnership_group(id),
    starts_at TEXT NOT NULL,
    length_minutes BIGINT NOT NULL,
    place TEXT NOT NULL,
    online_link TEXT NOT NULL,
    status TEXT NOT NULL,
    agenda_issued_at TEXT,
    sequence BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meeting_group ON meeting (partnership_id, group_id, starts_at);
CREATE INDEX meeting_partnership ON meeting (partnership_id, starts_at);

CREATE TABLE agenda_item (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    meeting_id TEXT NOT NULL REFERENCES meeting(id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    link TEXT NOT NULL,
    minutes TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX agenda_item_meeting ON agenda_item (meeting_id, position);

CREATE TABLE attendance (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    meeting_id TEXT NOT NULL REFERENCES meeting(id),
    name TEXT NOT NULL,
    person_id TEXT REFERENCES person(id),
    agency_id TEXT REFERENCES agency(id),
    status TEXT NOT NULL,
    deputising_for TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attendance_meeting ON attendance (meeting_id);

CREATE TABLE decision (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    meeting_id TEXT NOT NULL REFERENCES meeting(id),
    number BIGINT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX decision_number ON decision (meeting_id, number);

-- One action record for every source of work: a meeting action now; recommendations' actions,
-- evidence, sign-off and impact extend it later.
CREATE TABLE action (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    group_id TEXT REFERENCES partnership_group(id),
    description TEXT NOT NULL,
    lead_agency_id TEXT REFERENCES agency(id),
    owner_person_id TEXT REFERENCES person(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_source ON action (partnership_id, source_kind, source_id);
CREATE INDEX action_group_due ON action (partnership_id, group_id, status, due_on);
CREATE INDEX action_owner ON action (owner_person_id, status, due_on);

CREATE TABLE escalation (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    group_id TEXT NOT NULL REFERENCES partnership_group(id),
    meeting_id TEXT REFERENCES meeting(id),
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    stage TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX escalation_open ON escalation (partnership_id, stage);

CREATE TABLE escalation_step (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    escalation_id TEXT NOT NULL REFERENCES escalation(id),
    step TEXT NOT NULL,
    on_date TEXT NOT NULL,
    note TEXT NOT NULL,
    by_person TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX escalation_step_escalation ON escalation_step (escalation_id, created_at);
