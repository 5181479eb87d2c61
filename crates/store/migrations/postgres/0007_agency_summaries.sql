-- Rapid review: each agency involved is asked for a summary of its involvement (a chronology
-- and an analysis) by a due date; the business team sees who has and has not returned one.
CREATE TABLE agency_summary (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    review_id TEXT NOT NULL REFERENCES case_review(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    due_on TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    chronology TEXT NOT NULL,
    analysis TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT
);
CREATE UNIQUE INDEX agency_summary_agency ON agency_summary (review_id, agency_id);
CREATE INDEX agency_summary_pending ON agency_summary (partnership_id, agency_id, submitted_at);
