-- Files: the bytes live in the object store (local disk or S3-compatible); the database keeps
-- what they are, whose they are, and their SHA-256. Papers are files submitted to a meeting.
CREATE TABLE file_object (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX file_object_owner ON file_object (partnership_id, owner_kind, owner_id);

CREATE TABLE paper (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    meeting_id TEXT NOT NULL REFERENCES meeting(id),
    agenda_item_id TEXT REFERENCES agenda_item(id),
    title TEXT NOT NULL,
    file_id TEXT NOT NULL REFERENCES file_object(id),
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    late BOOLEAN NOT NULL
);
CREATE INDEX paper_meeting ON paper (partnership_id, meeting_id);
