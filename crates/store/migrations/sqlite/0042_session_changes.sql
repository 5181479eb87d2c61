-- PostgreSQL learns here to tell every instance when something a session's copy holds changes
-- (see its file of the same number). A SQLite database is served by one process, which reads
-- any commit, its own or another's, from the file itself; this file keeps the two engines in step.
SELECT 1;
