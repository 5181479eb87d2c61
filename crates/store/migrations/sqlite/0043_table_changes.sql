-- PostgreSQL learns here to tell every instance which table changed, so each forgets the copies
-- of reads that name it (see its file of the same number). A SQLite database is served by one
-- process, which forgets every copy on any commit to the file; this file keeps the engines in step.
SELECT 1;
