-- Open actions by due date, for the partnership (overdue counts on the business team's home
-- page, the tracker's red, amber and green) and for a group (its live agenda's overdue and
-- due-soon items): only the open ones are in these indexes, so neither walks past the
-- hundreds already signed off or closed. The condition is the one the statements spell
-- (`OPEN` in actions.rs), which both engines need to match to use them. Kept identical on
-- both engines.
CREATE INDEX action_open_due ON action (partnership_id, due_on)
    WHERE status IN ('not-started', 'in-progress', 'completed');
CREATE INDEX action_group_open ON action (partnership_id, group_id, due_on)
    WHERE status IN ('not-started', 'in-progress', 'completed');
