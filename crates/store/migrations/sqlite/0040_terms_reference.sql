-- The groups' terms of reference in force join the partnership's reference data (see 0012 and
-- 0013): who may open a group's page follows from its core and invited agencies, and pages that
-- name a meeting, a group or an action's group ask it for each link. Terms change a few times a
-- year; asking the database took two statements per link.
CREATE TRIGGER group_terms_reference_insert AFTER INSERT ON group_terms BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
END;

CREATE TRIGGER group_terms_reference_update AFTER UPDATE ON group_terms BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id AND OLD.partnership_id <> NEW.partnership_id;
END;

CREATE TRIGGER group_terms_reference_delete AFTER DELETE ON group_terms BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
END;
