-- "You said, we did": the answer the business team writes for young people to each thing they
-- said (a recommendation whose source is a youth-voice event), in plain words. The page shows
-- it, and each action's description and how far it has come, never the actions' progress
-- notes, which are written for staff. Kept identical on both engines.
CREATE TABLE voice_answer (
    recommendation_id TEXT PRIMARY KEY REFERENCES recommendation(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    answer TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
