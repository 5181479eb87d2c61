-- The second factor: a TOTP secret per person, sealed with the installation's key (never
-- stored readable), the last time step accepted (a code works once), and ten single-use
-- recovery codes kept as hashes. A partnership may require it of everyone or of the roles
-- that read case content. Sessions remember the browser they began in, for the account page.
ALTER TABLE person ADD COLUMN totp_sealed TEXT;
ALTER TABLE person ADD COLUMN totp_enabled_at TEXT;
ALTER TABLE person ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_code (
    person_id TEXT NOT NULL REFERENCES person(id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (person_id, code_hash)
);
ALTER TABLE partnership ADD COLUMN second_factor TEXT NOT NULL DEFAULT 'optional';
ALTER TABLE session ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
