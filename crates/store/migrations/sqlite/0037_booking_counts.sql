-- An agency's bookings of the last year counted by state (its training page) from this index
-- alone, without reading each booking's row: the state joins the index the agency's list
-- already walks. Kept identical on both engines.
DROP INDEX booking_agency;
CREATE INDEX booking_agency ON booking (partnership_id, agency_id, booked_at, state);
