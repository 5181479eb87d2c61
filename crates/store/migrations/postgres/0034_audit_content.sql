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

-- From here on every entry is of version 2: no row may arrive with its content in the chain
-- (an instance of the earlier version still running gets an error, never a mixed trail).
-- NOT VALID: the rows already there are moved by the program, then the check holds for all.
ALTER TABLE audit_event ADD CONSTRAINT audit_event_v2_only
    CHECK (content_hash IS NOT NULL AND before_json IS NULL AND after_json IS NULL) NOT VALID;

-- Content beside the chain is only ever blanked, once: both values emptied as it is marked
-- erased. Never changed otherwise, never deleted.
CREATE FUNCTION audit_content_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
       AND NEW.seq = OLD.seq AND NEW.before_json IS NULL AND NEW.after_json IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an audit entry''s content is only ever erased';
END;
$$;
CREATE TRIGGER audit_content_erase_only BEFORE UPDATE OR DELETE ON audit_content
    FOR EACH ROW EXECUTE FUNCTION audit_content_erase_only();
CREATE TRIGGER audit_content_no_truncate BEFORE TRUNCATE ON audit_content
    FOR EACH STATEMENT EXECUTE FUNCTION audit_content_erase_only();
