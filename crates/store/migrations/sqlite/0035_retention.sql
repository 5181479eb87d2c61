-- Retention: how long a partnership keeps each kind of record once its work is done, and why
-- (set by its business team), and a tombstone for each erasure: what kind of record, which,
-- when it was counted from, when it was erased and by whose decision, under which rule, and
-- how much went. The tombstone keeps no content of the record. Kept identical on both engines.
CREATE TABLE retention_rule (
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    kind TEXT NOT NULL,
    months BIGINT NOT NULL,
    reason TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (partnership_id, kind)
);

CREATE TABLE tombstone (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    label TEXT NOT NULL,
    counted_from TEXT NOT NULL,
    months BIGINT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT REFERENCES person(id),
    decided_by_label TEXT NOT NULL,
    erased_at TEXT NOT NULL,
    rows_erased BIGINT NOT NULL,
    files_removed BIGINT NOT NULL,
    entries_erased BIGINT NOT NULL
);
CREATE INDEX tombstone_partnership ON tombstone (partnership_id, erased_at);
CREATE UNIQUE INDEX tombstone_record ON tombstone (partnership_id, kind, record_id);

-- This month's list counts the partnership's ended sessions.
CREATE INDEX session_partnership_expiry ON session (partnership_id, expires_at);

-- When a case review was closed: a review closed without publication is counted from here.
-- Reviews closed before this version are counted from their last change.
ALTER TABLE case_review ADD COLUMN closed_on TEXT;
UPDATE case_review SET closed_on = substr(updated_at, 1, 10) WHERE stage = 'closed';
