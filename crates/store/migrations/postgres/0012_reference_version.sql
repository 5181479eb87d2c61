-- A partnership's reference data (its agencies, active themes and local clock rules, and the
-- bank holidays everyone shares) changes a few times a year but is read by most pages. Each
-- instance keeps a copy per partnership and checks it against this number, which comes with
-- the partnership on every request's session read. The triggers raise it whenever any of that
-- data changes, whoever writes it, so no instance can keep serving an old copy.
ALTER TABLE partnership ADD COLUMN reference_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION partnership_reference_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
    ELSE
        UPDATE partnership SET reference_version = reference_version + 1 WHERE id = NEW.partnership_id;
        IF TG_OP = 'UPDATE' AND OLD.partnership_id <> NEW.partnership_id THEN
            UPDATE partnership SET reference_version = reference_version + 1 WHERE id = OLD.partnership_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER agency_reference AFTER INSERT OR UPDATE OR DELETE ON agency
    FOR EACH ROW EXECUTE FUNCTION partnership_reference_changed();
CREATE TRIGGER theme_reference AFTER INSERT OR UPDATE OR DELETE ON theme
    FOR EACH ROW EXECUTE FUNCTION partnership_reference_changed();
CREATE TRIGGER clock_rule_reference AFTER INSERT OR UPDATE OR DELETE ON clock_rule
    FOR EACH ROW EXECUTE FUNCTION partnership_reference_changed();

-- Bank holidays are everyone's: a change raises every partnership's number.
CREATE FUNCTION calendar_changed() RETURNS trigger AS $$
BEGIN
    UPDATE partnership SET reference_version = reference_version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER holiday_change_reference AFTER INSERT OR UPDATE OR DELETE ON holiday_change
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_changed();
