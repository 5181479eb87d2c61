-- Evidence files of returns. Kept identical to migrations/sqlite/0020_return_files.sql.
-- A return's evidence files (any return: an audit's, a review's summary, a self-assessment),
-- each for one of its lines or for the whole return.
CREATE TABLE return_file (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    return_id TEXT NOT NULL REFERENCES return_request(id),
    file_id TEXT NOT NULL REFERENCES file_object(id),
    line BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX return_file_return ON return_file (partnership_id, return_id);
