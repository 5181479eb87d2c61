-- Single sign-on: the identity providers a partnership trusts (OpenID Connect), the email
-- domains each vouches for and the agencies it serves, and the sign-ins under way. A sign-in
-- under way is kept in the database (not in one instance's memory) so that any instance can
-- finish it; its state is kept only as a hash, and the row is deleted when it is used.
-- The client secret is sealed with the installation's key. Kept identical on both engines.
CREATE TABLE identity_provider (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT NOT NULL,
    email_domains TEXT NOT NULL,
    trust_second_factor BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX identity_provider_name ON identity_provider (partnership_id, lower(name));

CREATE TABLE identity_provider_agency (
    provider_id TEXT NOT NULL REFERENCES identity_provider(id) ON DELETE CASCADE,
    agency_id TEXT NOT NULL REFERENCES agency(id),
    PRIMARY KEY (provider_id, agency_id)
);

CREATE TABLE sso_sign_in (
    state_hash TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES identity_provider(id) ON DELETE CASCADE,
    pkce_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sso_sign_in_created ON sso_sign_in (created_at);
