-- Agency links across partnerships. Kept identical to migrations/postgres/0021_agency_links.sql.
-- One organisation, several partnerships (SPEC §3.5): a police force or an NHS trust that
-- serves several partnerships of one installation is an agency in each; both business teams
-- agree that the two are the same, and a self-assessment submitted in one can then be offered
-- to the other's open cycle.
--
-- A link is kept as two rows, one on each partnership's side (sharing `link_id`), so each
-- partnership reads only rows of its own. An agency is linked to at most one agency of each
-- other partnership.
CREATE TABLE agency_link (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    other_partnership_id TEXT NOT NULL REFERENCES partnership(id),
    other_agency_id TEXT NOT NULL REFERENCES agency(id),
    -- Whether this side proposed the link; the other side agrees to it.
    proposer BOOLEAN NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    agreed_by TEXT,
    agreed_at TEXT
);
CREATE UNIQUE INDEX agency_link_one ON agency_link (agency_id, other_partnership_id);
CREATE INDEX agency_link_partnership ON agency_link (partnership_id, agency_id);

-- A self-assessment offered from another partnership: the return it came from (read only
-- through the link, never shown to this partnership) and a line saying where it came from.
ALTER TABLE return_request ADD COLUMN offered_from TEXT REFERENCES return_request(id);
ALTER TABLE return_request ADD COLUMN offered_note TEXT NOT NULL DEFAULT '';
CREATE INDEX return_request_offered ON return_request (offered_from);
