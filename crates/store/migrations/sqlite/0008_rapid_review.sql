-- The rapid review's record and the decision on the level of review: recommended by the
-- group, signed off by the independent chair, sent to the national Panel with its response.
CREATE TABLE rapid_review (
    review_id TEXT PRIMARY KEY REFERENCES case_review(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    facts TEXT NOT NULL,
    safety_assurance TEXT NOT NULL,
    safety_by TEXT NOT NULL,
    learning TEXT NOT NULL,
    recommendation TEXT NOT NULL,
    reasons TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    signed_off_by TEXT,
    signed_off_on TEXT,
    sent_to_panel_on TEXT,
    panel_response TEXT,
    panel_response_on TEXT
);
CREATE INDEX rapid_review_partnership ON rapid_review (partnership_id);

-- When the rapid review reached the Panel: the moment its 15-working-day clock is met.
ALTER TABLE case_review ADD COLUMN rapid_review_sent_on TEXT;
