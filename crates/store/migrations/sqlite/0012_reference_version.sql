-- A partnership's reference data (its agencies, active themes and local clock rules, and the
-- bank holidays everyone shares) changes a few times a year but is read by most pages. Each
-- instance keeps a copy per partnership and checks it against this number, which comes with
-- the partnership on every request's session read. The triggers raise it whenever any of that
-- data changes, whoever writes it, so no instance can keep serving an old copy.
ALTER TABLE partnership ADD COLUMN reference_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER agency_reference_insert AFTER INSERT ON agency BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
END;

CREATE TRIGGER agency_reference_update AFTER UPDATE ON agency BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id AND OLD.partnership_id <> NEW.partnership_id;
END;

CREATE TRIGGER agency_reference_delete AFTER DELETE ON agency BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
END;

CREATE TRIGGER theme_reference_insert AFTER INSERT ON theme BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
END;

CREATE TRIGGER theme_reference_update AFTER UPDATE ON theme BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id AND OLD.partnership_id <> NEW.partnership_id;
END;

CREATE TRIGGER theme_reference_delete AFTER DELETE ON theme BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
END;

CREATE TRIGGER clock_rule_reference_insert AFTER INSERT ON clock_rule BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
END;

CREATE TRIGGER clock_rule_reference_update AFTER UPDATE ON clock_rule BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id AND OLD.partnership_id <> NEW.partnership_id;
END;

CREATE TRIGGER clock_rule_reference_delete AFTER DELETE ON clock_rule BEGIN
    UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
END;

-- Bank holidays are everyone's: a change raises every partnership's number.
CREATE TRIGGER holiday_change_reference_insert AFTER INSERT ON holiday_change BEGIN
    UPDATE partnership SET reference_version = reference_version + 1;
END;
CREATE TRIGGER holiday_change_reference_update AFTER UPDATE ON holiday_change BEGIN
    UPDATE partnership SET reference_version = reference_version + 1;
END;
CREATE TRIGGER holiday_change_reference_delete AFTER DELETE ON holiday_change BEGIN
    UPDATE partnership SET reference_version = reference_version + 1;
END;
