-- Performance data read a partnership's recent periods at once (the dataset's charts). Kept
-- identical to migrations/postgres/0026_performance_indexes.sql.
CREATE INDEX indicator_value_recent ON indicator_value (partnership_id, period);
CREATE INDEX indicator_benchmark_recent ON indicator_benchmark (partnership_id, period);
