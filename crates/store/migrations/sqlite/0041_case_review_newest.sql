-- The case review tracker lists a partnership's reviews newest first, a page at a time. Without
-- an index in that order the database read every review of the partnership and sorted them
-- whole on each view (SQLite in a temporary b-tree, the tracker's largest cost); with it, it
-- reads the page's rows in order and stops.
CREATE INDEX case_review_newest ON case_review (partnership_id, aware_on, reference);
