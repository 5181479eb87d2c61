-- The child death pages count the cases the panel referred in a year: an index for that count
-- (without it each view walked every referral of the partnership). Kept identical on both
-- engines.
CREATE INDEX case_referral_source ON case_referral (partnership_id, source, referred_at);
