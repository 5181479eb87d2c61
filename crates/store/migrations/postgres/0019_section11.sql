-- Section 11 self-assessments (SPEC §3.5), on returns. Kept identical to
-- migrations/sqlite/0019_section11.sql.

-- Question sets can hint what each line should consider, and rate each line on the scale (a
-- Section 11 standard is rated; an audit return has one grade).
ALTER TABLE question_set ADD COLUMN prompts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE question_set ADD COLUMN rates_lines BOOLEAN NOT NULL DEFAULT FALSE;
-- One Section 11 framework of each version per partnership, however many first visits race to
-- make the default one.
CREATE UNIQUE INDEX question_set_framework_version ON question_set (partnership_id, name, version)
    WHERE kind = 'section11';

-- Returns: a rating per line, where each line stands when answers are carried forward from an
-- earlier return (to review, confirmed, changed), the rating moderated per line, and the
-- return carried from.
ALTER TABLE return_request ADD COLUMN ratings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_request ADD COLUMN marks TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_request ADD COLUMN moderated_ratings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_request ADD COLUMN carried_from TEXT REFERENCES return_request(id);
-- What was carried forward, as it was when the cycle opened: each line's answer and rating.
ALTER TABLE return_request ADD COLUMN carried_answers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_request ADD COLUMN carried_ratings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE return_version ADD COLUMN ratings TEXT NOT NULL DEFAULT '[]';

CREATE TABLE section11_cycle (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    title TEXT NOT NULL,
    question_set_id TEXT NOT NULL REFERENCES question_set(id),
    opened_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- The day the overview went to the board: it opens the overview to the partnership and
    -- starts the six-month follow-up.
    board_on TEXT,
    -- The day of the challenge event, where the panel scrutinises the self-assessments.
    challenge_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX section11_cycle_partnership ON section11_cycle (partnership_id, opened_on);

-- Peer challenge: a challenge to one standard of a self-assessment, the agency's response,
-- and the rating the panel moderated it to (kept beside the agency's own).
CREATE TABLE return_challenge (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    return_id TEXT NOT NULL REFERENCES return_request(id),
    line BIGINT NOT NULL,
    challenge TEXT NOT NULL,
    moderated_rating TEXT,
    raised_by TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    responded_by TEXT,
    responded_at TEXT
);
CREATE INDEX return_challenge_return ON return_challenge (partnership_id, return_id);

-- The challenge panel of a cycle: people of the partnership, from agencies or lay members
-- (people without an agency). Each reads the cycle's self-assessments and records challenges.
CREATE TABLE section11_panel (
    cycle_id TEXT NOT NULL REFERENCES section11_cycle(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (cycle_id, person_id)
);
CREATE INDEX section11_panel_person ON section11_panel (partnership_id, person_id);
