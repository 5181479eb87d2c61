-- Learning from inspections (SPEC §3.6): an inspection of some of the partnership's agencies,
-- its dates and judgement, its report (a file owned by the inspection), its recommendations
-- (source kind 'inspection') and the action plan's progress reported to the board. Kept
-- identical on both engines.
CREATE TABLE inspection (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    inspectorate TEXT NOT NULL,
    other_name TEXT NOT NULL DEFAULT '',
    theme TEXT NOT NULL DEFAULT '',
    notice_on TEXT,
    started_on TEXT NOT NULL,
    ended_on TEXT NOT NULL,
    published_on TEXT,
    judgement TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inspection_partnership ON inspection (partnership_id, started_on);

CREATE TABLE inspection_agency (
    inspection_id TEXT NOT NULL REFERENCES inspection(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    PRIMARY KEY (inspection_id, agency_id)
);

CREATE TABLE inspection_progress (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspection(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    reported_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX inspection_progress_of ON inspection_progress (partnership_id, inspection_id, reported_on);
