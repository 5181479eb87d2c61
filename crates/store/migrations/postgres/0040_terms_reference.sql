-- The groups' terms of reference in force join the partnership's reference data (see 0012 and
-- 0013): who may open a group's page follows from its core and invited agencies, and pages that
-- name a meeting, a group or an action's group ask it for each link. Terms change a few times a
-- year; asking the database took two statements per link.
CREATE TRIGGER group_terms_reference AFTER INSERT OR UPDATE OR DELETE ON group_terms
    FOR EACH ROW EXECUTE FUNCTION partnership_reference_changed();
