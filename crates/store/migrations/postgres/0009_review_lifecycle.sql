-- Case reviews, second part: every kind of review runs on the case record. A rapid review's
-- signed-off decision commissions one; domestic homicide reviews, management reviews, legacy
-- serious case reviews and others' reviews are recorded directly. Terms of reference and the
-- reviewer, agency reports (the agency_summary table, by kind), practitioner events, report
-- versions, the publication decision, findings, and recommendations that can belong to any
-- source (the recommendations and actions issue builds on them).
-- Kept identical to migrations/sqlite/0009_review_lifecycle.sql.
ALTER TABLE case_review ADD COLUMN review_type TEXT;
ALTER TABLE case_review ADD COLUMN decided_on TEXT;
ALTER TABLE case_review ADD COLUMN reviewer_name TEXT;
ALTER TABLE case_review ADD COLUMN publication TEXT;
ALTER TABLE case_review ADD COLUMN published_on TEXT;
-- The dates the case's clocks count from or are met on, kept on the case for the tracker.
ALTER TABLE case_review ADD COLUMN publication_planned_on TEXT;
ALTER TABLE case_review ADD COLUMN report_sent_on TEXT;
ALTER TABLE case_review ADD COLUMN linked_review_id TEXT REFERENCES case_review(id);
ALTER TABLE case_review ADD COLUMN link_kind TEXT;
CREATE INDEX case_review_type ON case_review (partnership_id, review_type, aware_on);

CREATE TABLE case_referral (
    review_id TEXT PRIMARY KEY REFERENCES case_review(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    source TEXT NOT NULL,
    referrer TEXT NOT NULL,
    reason TEXT NOT NULL,
    question TEXT NOT NULL,
    referred_by TEXT NOT NULL,
    referrer_person_id TEXT REFERENCES person(id),
    referred_at TEXT NOT NULL
);

CREATE TABLE review_terms (
    review_id TEXT PRIMARY KEY REFERENCES case_review(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    scope_from TEXT NOT NULL,
    scope_to TEXT NOT NULL,
    lines_of_enquiry TEXT NOT NULL,
    methodology TEXT NOT NULL,
    proportionality TEXT NOT NULL,
    reviewer_name TEXT NOT NULL,
    reviewer_independence TEXT NOT NULL,
    reviewer_reason TEXT NOT NULL,
    family_involvement TEXT NOT NULL,
    agreed_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

ALTER TABLE agency_summary ADD COLUMN kind TEXT NOT NULL DEFAULT 'rapid-review';
DROP INDEX agency_summary_agency;
CREATE UNIQUE INDEX agency_summary_agency ON agency_summary (review_id, kind, agency_id);

CREATE TABLE review_event (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    attendees BIGINT NOT NULL,
    notes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX review_event_review ON review_event (review_id, held_on);

CREATE TABLE review_report (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    version BIGINT NOT NULL,
    is_final BOOLEAN NOT NULL,
    file_id TEXT NOT NULL REFERENCES file_object(id),
    note TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX review_report_version ON review_report (review_id, version);

CREATE TABLE review_publication (
    review_id TEXT PRIMARY KEY REFERENCES case_review(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    decision TEXT NOT NULL,
    public_interest TEXT NOT NULL,
    child_welfare TEXT NOT NULL,
    legal_restrictions TEXT NOT NULL,
    criminal_proceedings TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    sent_to_panel_on TEXT,
    planned_on TEXT,
    published_on TEXT,
    link TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE finding (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    number BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX finding_number ON finding (review_id, number);

CREATE TABLE recommendation (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    body TEXT NOT NULL,
    addressed_to TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX recommendation_number ON recommendation (partnership_id, source_kind, source_id, number);

CREATE TABLE recommendation_agency (
    recommendation_id TEXT NOT NULL REFERENCES recommendation(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    PRIMARY KEY (recommendation_id, agency_id)
);
CREATE INDEX recommendation_agency_agency ON recommendation_agency (partnership_id, agency_id);
