-- The audit trail, version 2: each entry's record content (its before and after values) is
-- kept beside the chain, in audit_content, and the chain covers only its digest
-- (audit_event.content_hash). Erasing a record's content under the partnership's retention
-- rules then blanks the content and leaves the chain whole: the digest still links every
-- entry, and the erasure is itself an entry.
--
-- Entries written before this version are moved over once, by the program after this
-- migration (the chain is re-computed in Rust: SQLite has no SHA-256): it first checks the
-- old chain whole, then keeps each entry's old hash in hash_v1, so an anchor signed before
-- the upgrade still matches. Kept identical on both engines.
ALTER TABLE audit_event ADD COLUMN content_hash TEXT;
ALTER TABLE audit_event ADD COLUMN hash_v1 TEXT;

CREATE TABLE audit_content (
    seq BIGINT PRIMARY KEY,
    before_json TEXT,
    after_json TEXT,
    -- Set when the content was erased (before_json and after_json are then empty).
    erased_at TEXT,
    erasure_id TEXT
);
