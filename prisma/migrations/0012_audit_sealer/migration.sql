-- Audit events leave the request's critical section (lib/audit/append.ts, lib/audit/sealer.ts, decision record
-- docs/decisions/audit-sealer.md). A transaction inserts its events unchained, each with a writer MAC over its
-- content, in one statement and under no lock; `seq` becomes the event's id, given by a sequence at insert.
-- One leader-elected sealer later chains committed events: it assigns `chain_seq` (contiguous, unique) and
-- `prev_hash`/`hash`, the only update the log ever takes. Events of a rolled-back transaction never commit, so
-- they are never sealed; an event committed and not yet sealed is counted by /readyz as the sealer's lag.

CREATE SEQUENCE audit_event_seq_seq OWNED BY audit_event.seq;
SELECT setval('audit_event_seq_seq', coalesce((SELECT max(seq) FROM audit_event), 0) + 1, false);
ALTER TABLE audit_event ALTER COLUMN seq SET DEFAULT nextval('audit_event_seq_seq');
GRANT USAGE ON SEQUENCE audit_event_seq_seq TO custodia_app;

ALTER TABLE audit_event ADD COLUMN chain_seq bigint, ADD COLUMN writer_mac text;
ALTER TABLE audit_event ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL;

-- Rows written before this migration were chained at insert (format v1): their chain position is their id.
-- NO FORCE for the backfill only: the owner has no update policy, and FORCE would make this update nothing.
ALTER TABLE audit_event NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update;
UPDATE audit_event SET chain_seq = seq, writer_mac = 'v1';
ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update;
ALTER TABLE audit_event FORCE ROW LEVEL SECURITY;

ALTER TABLE audit_event ALTER COLUMN writer_mac SET NOT NULL;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_sealed_together
  CHECK ((chain_seq IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX audit_event_chain_seq_key ON audit_event (chain_seq);
CREATE INDEX audit_event_unsealed_idx ON audit_event (seq) WHERE chain_seq IS NULL;

-- Immutable except for sealing: chain columns go once from NULL to a value, and nothing else changes with them.
CREATE OR REPLACE FUNCTION audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
     AND to_jsonb(OLD) - 'chain_seq' - 'prev_hash' - 'hash' = to_jsonb(NEW) - 'chain_seq' - 'prev_hash' - 'hash' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- Writers name content only: the id comes from the sequence, the chain columns from the sealer.
REVOKE INSERT ON audit_event FROM custodia_app;
GRANT INSERT (occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym, outcome,
  ip, user_agent, request_id, details, writer_mac) ON audit_event TO custodia_app;
GRANT UPDATE (chain_seq, prev_hash, hash) ON audit_event TO custodia_app;
CREATE POLICY audit_event_seal ON audit_event FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system' AND chain_seq IS NULL)
  WITH CHECK ((SELECT app_actor_role()) = 'system');

-- The head of the chain, no longer needed by writers.
DROP FUNCTION audit_chain_head();
