-- Single-use links sent by e-mail: staff invitations (activation) and forgotten passwords (reset). Only the
-- SHA-256 of the 32-byte random token is stored, so a copy of the database cannot be turned into a working
-- link. A token is spent by one compare-and-set (used_at IS NULL AND expires_at > now()), so of two parallel
-- uses exactly one wins.
CREATE TABLE account_token (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz(6) NOT NULL DEFAULT now(),
  expires_at  timestamptz(6) NOT NULL,
  used_at     timestamptz(6),
  created_by  uuid,
  CHECK (expires_at > created_at AND expires_at <= created_at + interval '72 hours')
);
CREATE INDEX account_token_user_idx ON account_token (user_id, purpose);

-- Written and read only by the system context: the services check the admin's permission (invitations) or
-- nothing at all (a link is the credential), and then act as the system, like sign-in does for sessions.
GRANT SELECT, INSERT, UPDATE ON account_token TO custodia_app;
ALTER TABLE account_token ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_token FORCE ROW LEVEL SECURITY;
CREATE POLICY account_token_system ON account_token
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
