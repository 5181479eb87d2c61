-- Training: a line manager's approval. Kept identical to migrations/sqlite/0023_training_approval.sql.
-- Where a partnership asks for it, a place waits for the booker's line manager to approve it
-- by a link mailed to them (the link's hash and end in offer_hash and offered_until, as for
-- an offer) before it is confirmed. The booking holds its place meanwhile, so it is live.
ALTER TABLE partnership ADD COLUMN training_approval BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX booking_live;
CREATE UNIQUE INDEX booking_live ON booking (session_id, person_id)
    WHERE state IN ('confirmed', 'waiting', 'offered', 'approval');
