-- Case reviews, first part: serious incident notifications with their children (known by
-- pseudonyms; real names only inside the restricted record), the agencies involved and the
-- panel of people who may read the case in full. Later parts add rapid reviews, decisions,
-- commissioned reviews and publication to the same case.
CREATE TABLE case_review (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    reference TEXT NOT NULL,
    origin TEXT NOT NULL,
    category TEXT NOT NULL,
    stage TEXT NOT NULL,
    aware_on TEXT NOT NULL,
    notified_on TEXT,
    panel_reference TEXT NOT NULL,
    summary TEXT NOT NULL,
    oversight_group_id TEXT REFERENCES partnership_group(id),
    restricted BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX case_review_reference ON case_review (partnership_id, reference);
CREATE INDEX case_review_stage ON case_review (partnership_id, stage, aware_on);

CREATE TABLE case_subject (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    pseudonym TEXT NOT NULL,
    real_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_subject_review ON case_subject (review_id);

CREATE TABLE case_agency (
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    PRIMARY KEY (review_id, agency_id)
);

CREATE TABLE case_panel (
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (review_id, person_id)
);
CREATE INDEX case_panel_person ON case_panel (person_id);
