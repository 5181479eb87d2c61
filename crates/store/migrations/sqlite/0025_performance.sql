-- Performance data (SPEC §3.9). Kept identical to migrations/postgres/0025_performance.sql.
-- The partnership's multi-agency dataset: indicators with their unit, polarity, frequency and
-- target; the "live" dataset as it stood on a date is those added by then and not yet retired.
CREATE TABLE indicator (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    -- The agency whose lead enters its values.
    agency_id TEXT NOT NULL REFERENCES agency(id),
    unit TEXT NOT NULL,
    polarity TEXT NOT NULL,
    frequency TEXT NOT NULL,
    target DOUBLE PRECISION,
    tolerance DOUBLE PRECISION NOT NULL,
    -- Shown to everyone in the partnership (practitioners too), not only the board and groups.
    published BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    added_on TEXT NOT NULL,
    retired_on TEXT
);
CREATE INDEX indicator_partnership ON indicator (partnership_id, lower(name));

-- One value per indicator per period ("2026-Q1", "2026-03", "2026").
CREATE TABLE indicator_value (
    indicator_id TEXT NOT NULL REFERENCES indicator(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (indicator_id, period)
);

-- Every change to a value once entered: who, when, from what to what, and why.
CREATE TABLE indicator_value_change (
    id TEXT PRIMARY KEY,
    indicator_id TEXT NOT NULL REFERENCES indicator(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    period TEXT NOT NULL,
    before_value DOUBLE PRECISION NOT NULL,
    after_value DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX indicator_value_change_of ON indicator_value_change (indicator_id, period, changed_at);

-- Benchmarks per period: England, statistical neighbours, the region.
CREATE TABLE indicator_benchmark (
    indicator_id TEXT NOT NULL REFERENCES indicator(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    period TEXT NOT NULL,
    name TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (indicator_id, period, name)
);

-- An indicator worse than the period before this many periods in a row is flagged.
ALTER TABLE partnership ADD COLUMN worsening_after BIGINT NOT NULL DEFAULT 3;
