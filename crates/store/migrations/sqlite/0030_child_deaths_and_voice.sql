-- Learning from child deaths (SPEC §3.7) and the voice of children and young people (§3.10).
-- The child death overview panel's annual reports (source kind 'cdop_report': their
-- recommendations become actions; the report is a file it owns; the board receives it at a
-- meeting), campaigns, youth-voice events (source kind 'voice_event': what young people said
-- that needs an answer is a recommendation with actions), the priorities young people set each
-- year, and the yearly target of events. No child-death case records: those belong in the
-- national child death systems. Kept identical on both engines.
CREATE TABLE cdop_report (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    year BIGINT NOT NULL,
    deaths_reviewed BIGINT NOT NULL,
    modifiable BIGINT NOT NULL,
    themes TEXT NOT NULL,
    summary TEXT NOT NULL,
    meeting_id TEXT REFERENCES meeting(id),
    published_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX cdop_report_year ON cdop_report (partnership_id, year);
CREATE INDEX cdop_report_meeting ON cdop_report (partnership_id, meeting_id);

CREATE TABLE campaign (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    title TEXT NOT NULL,
    audience TEXT NOT NULL,
    channels TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    reach BIGINT,
    reach_note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX campaign_partnership ON campaign (partnership_id, started_on);

CREATE TABLE voice_event (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    took_part TEXT NOT NULL,
    heard TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX voice_event_partnership ON voice_event (partnership_id, held_on);

CREATE TABLE voice_priority (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    year BIGINT NOT NULL,
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX voice_priority_position ON voice_priority (partnership_id, year, position);

ALTER TABLE partnership ADD COLUMN voice_target BIGINT NOT NULL DEFAULT 3;
