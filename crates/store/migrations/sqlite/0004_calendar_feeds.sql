-- Calendar feeds: a secret address per person (their meetings) or per person and group (that
-- group's meetings), revocable. Only the secret's hash is kept.
CREATE TABLE calendar_feed (
    token_hash TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    group_id TEXT REFERENCES partnership_group(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX calendar_feed_person ON calendar_feed (person_id, partnership_id);
