-- Each instance also keeps copies of what single reading statements answered (store/src/
-- sessions.rs, "Reads"). A change to any table, by any instance or command, tells every instance
-- on commit which table changed, and each forgets the copies whose statements name it. One
-- notification per statement, and PostgreSQL sends one per transaction for the same table.
-- Every table has this trigger but four written on every request or step, whose reads are never
-- copied: the audit trail's two, sessions (marked as used) and the mail queue. A table a later
-- migration adds gets it there too (a test checks).
CREATE FUNCTION learnloop_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('learnloop_sessions', 't:' || TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
              WHERE schemaname = current_schema() AND tablename NOT LIKE '\_sqlx%'
                AND tablename NOT IN ('audit_event', 'audit_content', 'session', 'outbox')
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION learnloop_table_changed()',
            t || '_reads_changed', t);
    END LOOP;
END
$$;
