-- A deep dive into a focus area of the performance data (SPEC §3.9): chosen for a meeting,
-- perhaps prompted by an indicator, with analysis commissioned from named agencies (returns of
-- source kind 'deep_dive', one per agency), presentations kept as files owned by the deep dive,
-- the discussion, and recommendations. Kept identical on both engines.
CREATE TABLE deep_dive (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    indicator_id TEXT REFERENCES indicator(id),
    meeting_id TEXT NOT NULL REFERENCES meeting(id),
    group_id TEXT NOT NULL REFERENCES partnership_group(id),
    due_on TEXT NOT NULL,
    question_set_id TEXT NOT NULL REFERENCES question_set(id),
    discussion TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX deep_dive_partnership ON deep_dive (partnership_id, created_at);
CREATE INDEX deep_dive_meeting ON deep_dive (partnership_id, meeting_id);
