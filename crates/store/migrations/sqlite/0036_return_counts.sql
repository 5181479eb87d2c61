-- The returns a source asked for, counted by state (asked, answered, overdue) on the audit
-- programme, the home pages, Section 11 and training registers: from this index alone,
-- without reading each return's row. Kept identical on both engines.
CREATE INDEX return_request_counted ON return_request (source_kind, source_id, partnership_id, state, due_on);
