-- An agency's open actions due by a day (an agency lead's home page counts its overdue ones)
-- were found through the partnership's open actions by due day, reading each action's row to
-- see which agency leads it: 630 rows for one agency at ten years. With the lead agency and
-- the id in the index the same count reads the index alone (about 1.0 ms to 0.4 ms), and so
-- does the list of actions an agency is a partner in.
DROP INDEX action_status_due;
CREATE INDEX action_status_due ON action (partnership_id, status, due_on, lead_agency_id, id);
DROP INDEX action_agency_agency;
CREATE INDEX action_agency_agency ON action_agency (partnership_id, agency_id, action_id);

-- A partnership's groups join its reference data (see 0012): most pages name a group or offer
-- the list, and groups change a few times a year.
CREATE TRIGGER partnership_group_reference AFTER INSERT OR UPDATE OR DELETE ON partnership_group
    FOR EACH ROW EXECUTE FUNCTION partnership_reference_changed();
