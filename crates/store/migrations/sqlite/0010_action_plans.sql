-- Recommendations, action plans, evidence and impact: the meeting action record grows into the
-- one action record of every source. An action may answer a recommendation; it has supporting
-- agencies, a success measure, dated progress updates with evidence files, due-date revisions
-- (each kept, with its reason), a sign-off by the chair of the group that owns its plan, and
-- an impact review scheduled when it closes. A plan is the actions of one source; it names the
-- group that owns it and when impact is reviewed. Reminder settings are the partnership's.
-- Kept identical to migrations/postgres/0010_action_plans.sql.
ALTER TABLE action ADD COLUMN recommendation_id TEXT REFERENCES recommendation(id);
ALTER TABLE action ADD COLUMN success_measure TEXT NOT NULL DEFAULT '';
ALTER TABLE action ADD COLUMN last_update_on TEXT;
ALTER TABLE action ADD COLUMN closed_on TEXT;
ALTER TABLE action ADD COLUMN signed_off_by TEXT;
ALTER TABLE action ADD COLUMN signed_off_at TEXT;
ALTER TABLE action ADD COLUMN impact_due_on TEXT;
CREATE INDEX action_tracker ON action (partnership_id, due_on, id);
CREATE INDEX action_lead_agency ON action (partnership_id, lead_agency_id, due_on);
CREATE INDEX action_status_due ON action (partnership_id, status, due_on);
CREATE INDEX action_recommendation ON action (recommendation_id);
CREATE INDEX action_impact_due ON action (partnership_id, impact_due_on);

CREATE TABLE action_plan (
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    group_id TEXT REFERENCES partnership_group(id),
    impact_months BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (partnership_id, source_kind, source_id)
);

CREATE TABLE action_agency (
    action_id TEXT NOT NULL REFERENCES action(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    PRIMARY KEY (action_id, agency_id)
);
CREATE INDEX action_agency_agency ON action_agency (partnership_id, agency_id);

CREATE TABLE action_revision (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    action_id TEXT NOT NULL REFERENCES action(id),
    from_on TEXT NOT NULL,
    to_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    revised_by TEXT NOT NULL,
    revised_at TEXT NOT NULL
);
CREATE INDEX action_revision_action ON action_revision (action_id, revised_at);

CREATE TABLE action_update (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    action_id TEXT NOT NULL REFERENCES action(id),
    body TEXT NOT NULL,
    status_from TEXT NOT NULL,
    status_to TEXT NOT NULL,
    by_label TEXT NOT NULL,
    by_person_id TEXT REFERENCES person(id),
    created_at TEXT NOT NULL
);
CREATE INDEX action_update_action ON action_update (action_id, created_at);

CREATE TABLE action_evidence (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    action_id TEXT NOT NULL REFERENCES action(id),
    update_id TEXT NOT NULL REFERENCES action_update(id),
    file_id TEXT NOT NULL REFERENCES file_object(id),
    created_at TEXT NOT NULL
);
CREATE INDEX action_evidence_action ON action_evidence (action_id);

CREATE TABLE impact_review (
    action_id TEXT PRIMARY KEY REFERENCES action(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    reviewed_on TEXT NOT NULL,
    sustained BOOLEAN NOT NULL,
    made_difference BOOLEAN NOT NULL,
    measure TEXT NOT NULL,
    notes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

ALTER TABLE partnership ADD COLUMN remind_before TEXT NOT NULL DEFAULT '14, 3';
ALTER TABLE partnership ADD COLUMN escalate_lead_after BIGINT NOT NULL DEFAULT 14;
ALTER TABLE partnership ADD COLUMN escalate_chair_after BIGINT NOT NULL DEFAULT 28;
ALTER TABLE partnership ADD COLUMN stale_after_weeks BIGINT NOT NULL DEFAULT 6;
ALTER TABLE partnership ADD COLUMN impact_months BIGINT NOT NULL DEFAULT 6;
