-- PostgreSQL learns here that a course decides its sessions' partnership (see its file of the
-- same number). SQLite's planner needs no such hint; this file keeps the two engines in step.
SELECT 1;
