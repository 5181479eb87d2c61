-- An action's impact review can cite an indicator of the dataset: the action page then shows its
-- chart with the closure marked and the values before and after.
ALTER TABLE impact_review ADD COLUMN indicator_id TEXT REFERENCES indicator(id);
