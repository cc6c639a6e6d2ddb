-- Signed checkpoints over the audit chain (lib/audit/checkpoint.ts): every so many events, or after so many
-- minutes, an append signs (seq, hash, time) with the Ed25519 audit signing key. A copy of each goes to a file
-- outside the database after commit, so a truncated log or a database restored to an older copy contradicts it.
-- No foreign key to audit_event: a checkpoint must outlive the rows it vouches for, or truncation would hide.

CREATE TABLE audit_checkpoint (
  seq        bigint PRIMARY KEY,
  hash       text NOT NULL,
  signed_at  timestamptz(6) NOT NULL,
  signature  text NOT NULL,
  key_id     text NOT NULL
);

-- Append-only for everybody, the owner included, like audit_event: HIPAA 164.312(b).
CREATE FUNCTION audit_checkpoint_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoint is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_immutable();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_immutable();

GRANT SELECT, INSERT ON audit_checkpoint TO custodia_app;
