-- Least privilege for Learnloop on PostgreSQL.
--
-- Two roles: the OWNER of the schema runs `learnloop migrate` (and owns every table, trigger
-- and function); the application role, here `learnloop_app`, is the one `serve` connects as.
-- The application role can read and write the partnership's data, append to the audit trail,
-- and nothing more: it owns nothing, so it cannot drop or disable the audit trail's
-- append-only triggers, alter or drop tables, or set session_replication_role (superuser
-- only) to bypass triggers; UPDATE, DELETE and TRUNCATE on the trail are not even granted.
--
-- Run as the owner, after `learnloop migrate`, replacing learnloop_app with your role's name:
--   CREATE ROLE learnloop_app LOGIN PASSWORD '...';   -- NOSUPERUSER NOCREATEDB NOCREATEROLE by default
GRANT USAGE ON SCHEMA public TO learnloop_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO learnloop_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM learnloop_app;
-- An entry's content beside the chain is blanked (UPDATE) when a retention decision erases it,
-- never deleted: a missing content row is found by verify-audit.
REVOKE DELETE, TRUNCATE ON audit_content FROM learnloop_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM learnloop_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO learnloop_app;
-- Tables that later migrations add get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO learnloop_app;
