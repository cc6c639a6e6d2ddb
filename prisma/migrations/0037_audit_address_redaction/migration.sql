-- IP addresses and user agents in the audit log become redactable after a retention period, without
-- breaking the chain (issue 11 item 7; decision record 0011). From this migration on, writers MAC (format
-- v3, lib/audit/hashes.ts) a keyed digest of each value, salted per event, instead of the raw value:
--   ip_digest = HMAC(audit key, "custodia-audit-address/v3", "ip", net_salt, ip)   (NULL when ip is NULL)
-- The raw columns stay beside their digests for the period, and the verifier checks them against the
-- digests while they are there; afterwards the daily retention job sets both raw columns to NULL and the
-- row still verifies. Rows written before v3 (net_salt IS NULL) have the raw values under their MAC: they
-- can never be redacted, and the trigger below refuses it.
ALTER TABLE audit_event ADD COLUMN net_salt text, ADD COLUMN ip_digest text, ADD COLUMN user_agent_digest text;
GRANT INSERT (net_salt, ip_digest, user_agent_digest) ON audit_event TO custodia_app;
-- Column grant only: the trigger and the policy below decide which rows and to what.
GRANT UPDATE (ip, user_agent) ON audit_event TO custodia_app;

-- The retention category (admin-editable like the others; floor 7 days so the address rules' windows and a
-- first investigation always have the addresses).
ALTER TABLE retention_policy DROP CONSTRAINT retention_policy_category_check;
ALTER TABLE retention_policy ADD CONSTRAINT retention_policy_category_check CHECK (category IN
  ('sessions', 'throttle', 'record_access', 'data_requests', 'erased_clinical_records', 'audit_addresses'));
ALTER TABLE retention_policy ADD CONSTRAINT retention_policy_address_floor CHECK (category <> 'audit_addresses' OR days >= 7);
INSERT INTO retention_policy (category, days) VALUES ('audit_addresses', 365);

-- Only the system redacts, and only sealed v3 rows: the seal policy (0012) covers unsealed rows only.
CREATE POLICY audit_event_redact ON audit_event FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system' AND chain_seq IS NOT NULL AND net_salt IS NOT NULL)
  WITH CHECK ((SELECT app_actor_role()) = 'system');

-- Immutable except for (1) sealing, as in 0012, and (2) redaction: a sealed v3 row whose ip and user agent
-- both become NULL, nothing else changing (digests, salt, chain columns included), older than the
-- audit_addresses period in force, in a signed system context. The period is read under the caller's
-- row-level security: a context that may not read it (any but system, admin, auditor) gets NULL and a refusal.
CREATE OR REPLACE FUNCTION audit_event_immutable() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  keep_days integer;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
     AND to_jsonb(OLD) - 'chain_seq' - 'prev_hash' - 'hash' = to_jsonb(NEW) - 'chain_seq' - 'prev_hash' - 'hash' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NOT NULL AND OLD.net_salt IS NOT NULL
     AND app_actor_role() = 'system'
     AND NEW.ip IS NULL AND NEW.user_agent IS NULL AND (OLD.ip IS NOT NULL OR OLD.user_agent IS NOT NULL)
     AND to_jsonb(OLD) - 'ip' - 'user_agent' = to_jsonb(NEW) - 'ip' - 'user_agent' THEN
    SELECT days INTO keep_days FROM public.retention_policy WHERE category = 'audit_addresses';
    IF keep_days IS NOT NULL AND OLD.occurred_at < now() - make_interval(days => keep_days) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event: an address is removed only after its retention period' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- audit_record (0033) restated with the three new columns.
CREATE OR REPLACE FUNCTION audit_record(context text[], events jsonb) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', 'custodia_app', true), pg_catalog.set_config('app.actor_role', context[1], true),
    pg_catalog.set_config('app.actor_id', context[2], true), pg_catalog.set_config('app.patient_id', context[3], true),
    pg_catalog.set_config('app.patient_psn', context[4], true), pg_catalog.set_config('app.context_mac', context[5], true);
  INSERT INTO public.audit_event (occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym,
      outcome, ip, user_agent, request_id, details, writer_mac, net_salt, ip_digest, user_agent_digest)
    SELECT e.occurred_at, e.actor_id, e.actor_role, e.action, e.resource_type, e.resource_id, e.patient_pseudonym,
      e.outcome, e.ip, e.user_agent, e.request_id, e.details, e.writer_mac, e.net_salt, e.ip_digest, e.user_agent_digest
    FROM ROWS FROM (pg_catalog.jsonb_to_recordset(events) AS (occurred_at timestamptz, actor_id uuid, actor_role text,
      action text, resource_type text, resource_id text, patient_pseudonym text, outcome text, ip text, user_agent text,
      request_id text, details jsonb, writer_mac text, net_salt text, ip_digest text, user_agent_digest text)) WITH ORDINALITY
      AS e(occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym, outcome, ip, user_agent,
        request_id, details, writer_mac, net_salt, ip_digest, user_agent_digest, n)
    -- Ids in the order the service recorded its events, as a multi-row VALUES gives them.
    ORDER BY e.n;
END $$;
