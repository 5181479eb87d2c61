-- An action whose impact review has been recorded carries the day on its own row, so the
-- impact reviews still due are one index range instead of a scan of every closed action.
ALTER TABLE action ADD COLUMN impact_reviewed_on TEXT;
UPDATE action SET impact_reviewed_on =
    (SELECT r.reviewed_on FROM impact_review r WHERE r.action_id = action.id);
CREATE INDEX action_impact_pending ON action (partnership_id, impact_due_on)
    WHERE impact_due_on IS NOT NULL AND impact_reviewed_on IS NULL;

-- The people who were invited and have not yet set a password (the business team's home page
-- counts them): a few among everyone, so an index of just those.
CREATE INDEX person_pending ON person (id) WHERE password_hash IS NULL;
