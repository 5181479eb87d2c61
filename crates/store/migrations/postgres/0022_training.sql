-- Training. Kept identical to migrations/sqlite/0022_training.sql.
-- Training (SPEC §3.8): courses of the partnership's programme, their sessions and the
-- bookings on each (places, the waiting list, offers of freed places, attendance).

CREATE TABLE course (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    -- What participants will be able to do: a JSON array of text.
    outcomes TEXT NOT NULL,
    audience TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX course_partnership ON course (partnership_id, lower(title));

-- A session of a course: when (Europe/London wall-clock time), where, who delivers it, how
-- many places.
CREATE TABLE course_session (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    course_id TEXT NOT NULL REFERENCES course(id),
    starts_at TEXT NOT NULL,
    length_minutes BIGINT NOT NULL,
    venue TEXT NOT NULL,
    online_link TEXT NOT NULL,
    -- An internal trainer (a person of the partnership), or a commissioned one by name.
    trainer_id TEXT REFERENCES person(id),
    trainer_name TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX course_session_course ON course_session (partnership_id, course_id, starts_at);
CREATE INDEX course_session_start ON course_session (partnership_id, starts_at);

-- A person's booking on a session, for their agency, with their line manager's address.
CREATE TABLE booking (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    session_id TEXT NOT NULL REFERENCES course_session(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    manager_email TEXT NOT NULL,
    state TEXT NOT NULL,
    booked_by TEXT NOT NULL,
    booked_at TEXT NOT NULL,
    -- An offer of a freed place: until when, and the hash of its link's secret.
    offered_until TEXT,
    offer_hash TEXT,
    changed_at TEXT NOT NULL
);
-- One live booking (a place, the waiting list or an offer) per person per session.
CREATE UNIQUE INDEX booking_live ON booking (session_id, person_id)
    WHERE state IN ('confirmed', 'waiting', 'offered');
CREATE INDEX booking_session ON booking (partnership_id, session_id, state, booked_at);
CREATE INDEX booking_person ON booking (person_id, state);
CREATE UNIQUE INDEX booking_offer ON booking (offer_hash);

-- The recommendations and actions a course answers (a course planned from them).
CREATE TABLE course_answers (
    course_id TEXT NOT NULL REFERENCES course(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (course_id, target_kind, target_id)
);
CREATE INDEX course_answers_target ON course_answers (partnership_id, target_kind, target_id);

-- The three-month impact follow-up: when a session's participants and their line managers
-- were asked, and the share of participants a partnership asks (a sample; all by default).
ALTER TABLE course_session ADD COLUMN followed_up_on TEXT;
ALTER TABLE partnership ADD COLUMN follow_up_sample BIGINT NOT NULL DEFAULT 100;

-- Returns answered by someone without an account (a line manager) through a link sent by
-- mail: their address, the hash of the link's secret and the nonce it is made from with the
-- installation's key (for a reminder carrying the same link), and when the link stops working.
ALTER TABLE return_request ADD COLUMN respondent_email TEXT NOT NULL DEFAULT '';
ALTER TABLE return_request ADD COLUMN link_hash TEXT;
ALTER TABLE return_request ADD COLUMN link_nonce TEXT;
ALTER TABLE return_request ADD COLUMN link_expires_at TEXT;
CREATE UNIQUE INDEX return_request_link ON return_request (link_hash);
CREATE INDEX course_session_follow_up ON course_session (followed_up_on, starts_at);

-- An agency's open returns (its lead's home page) without passing over the training returns
-- of its staff, which are theirs alone.
CREATE INDEX return_request_agency_open ON return_request (partnership_id, agency_id, due_on)
    WHERE source_kind <> 'training' AND state IN ('requested', 'draft', 'returned');
