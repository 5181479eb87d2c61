-- An invitation to someone who already has an account (in another partnership, or none left):
-- they accept it through a single-use link before any role is theirs, and until then the
-- inviting partnership sees only what it typed (name, job title), never the account's own.
CREATE TABLE invitation (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    job_title TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_id TEXT,
    group_id TEXT,
    invited_by TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    answered_at TEXT,
    accepted BOOLEAN
);
CREATE INDEX invitation_partnership ON invitation (partnership_id, answered_at, created_at);
CREATE INDEX invitation_person ON invitation (person_id);
