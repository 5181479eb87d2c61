-- Training needs, the single-agency training register and training cited as impact. Kept
-- identical to migrations/postgres/0024_training_needs.sql.

-- The yearly training needs assessment: each need, where it came from (a review, an audit, a
-- Section 11 cycle, single-agency assurance as records; an inspection or an agency's request
-- named in words until those have records of their own), how pressing it is, and its themes
-- (tagging, target_kind 'training_need'). Courses planned to meet it answer it
-- (course_answers, target_kind 'need').
CREATE TABLE training_need (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    year BIGINT NOT NULL,
    need TEXT NOT NULL,
    detail TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_kind TEXT,
    source_id TEXT,
    -- The agency that asked, for an agency's request.
    agency_id TEXT REFERENCES agency(id),
    origin_note TEXT NOT NULL,
    priority TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX training_need_year ON training_need (partnership_id, year, priority);

-- An impact review may cite a course whose evaluation and three-month follow-up show whether
-- the change reached practice.
ALTER TABLE impact_review ADD COLUMN course_id TEXT REFERENCES course(id);

-- An agency lead's list of their agency's bookings, newest first.
CREATE INDEX booking_agency ON booking (partnership_id, agency_id, booked_at);

-- Yearly rounds of agencies' own returns: single-agency assurance, and now the register of
-- the safeguarding training each agency ran itself. One round of each kind a year.
ALTER TABLE assurance_round ADD COLUMN kind TEXT NOT NULL DEFAULT 'assurance';
DROP INDEX assurance_round_year;
CREATE UNIQUE INDEX assurance_round_year ON assurance_round (partnership_id, kind, year);
