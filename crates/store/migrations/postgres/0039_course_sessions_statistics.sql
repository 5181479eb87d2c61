-- A course belongs to one partnership, but PostgreSQL's planner multiplies the two conditions
-- "this partnership" and "this course" as if they were independent, and so expects one session
-- where a long-running course has hundreds. Expecting one, it sorted every session's answers to
-- show a course's 20 newest follow-up answers (1.8 ms at national scale); told that the course
-- decides the partnership, it walks the newest sessions and stops (0.2 ms). SQLite's planner
-- needs no such hint: its file has the same number only to keep the two engines in step.
CREATE STATISTICS course_session_course_deps (dependencies) ON partnership_id, course_id
    FROM course_session;
ANALYZE course_session;
