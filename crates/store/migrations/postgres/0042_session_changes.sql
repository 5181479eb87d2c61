-- Each instance keeps a copy of the sessions it has seen (store/src/sessions.rs). Whatever can
-- change one — a session's partnership or its end, a person, their roles, a partnership (whose
-- row also changes with its agencies, groups, terms, themes and clock rules) — tells every
-- instance on commit, and each forgets its copies. Marking a session as used tells no one.
CREATE FUNCTION learnloop_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('learnloop_sessions', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER session_changed
    AFTER UPDATE OF token_hash, person_id, partnership_id, created_at, expires_at OR DELETE OR TRUNCATE
    ON session FOR EACH STATEMENT EXECUTE FUNCTION learnloop_sessions_changed();
CREATE TRIGGER person_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON person FOR EACH STATEMENT EXECUTE FUNCTION learnloop_sessions_changed();
CREATE TRIGGER membership_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON membership FOR EACH STATEMENT EXECUTE FUNCTION learnloop_sessions_changed();
CREATE TRIGGER partnership_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON partnership FOR EACH STATEMENT EXECUTE FUNCTION learnloop_sessions_changed();
