-- Themes: each partnership's shared taxonomy of learning (seeded from the national list when
-- the partnership is created), and the one tagging table through which any record carries
-- themes, so that "everything about theme T" is one indexed query.
-- Kept identical to migrations/sqlite/0002_themes.sql.

CREATE TABLE theme (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired', 'merged')),
    merged_into_id TEXT REFERENCES theme(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- A merged theme names its survivor, and only a merged theme does; never itself.
    CHECK ((status = 'merged') = (merged_into_id IS NOT NULL)),
    CHECK (merged_into_id IS NULL OR merged_into_id <> id)
);
CREATE UNIQUE INDEX theme_name_unique ON theme (partnership_id, lower(name));

CREATE TABLE tagging (
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    theme_id TEXT NOT NULL REFERENCES theme(id),
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (theme_id, target_kind, target_id)
);
CREATE INDEX tagging_target ON tagging (partnership_id, target_kind, target_id);
