-- Data subject requests (GDPR Art. 15–18, 21; HIPAA 164.524/526), their history, and the erasure ledger.

-- Ids and dates only. Readable by every context (app_may_see_patient() consults it); written only by the system.
-- 'restriction' (Art. 18): excluded from every use beyond treatment. 'retention': what is left of an erased
-- patient, kept only for legal obligations until retain_until, then purged.
CREATE TABLE patient_restriction (
  patient_id    uuid PRIMARY KEY REFERENCES patient (id) ON DELETE CASCADE,
  reason        text NOT NULL CHECK (reason IN ('restriction', 'retention')),
  since         timestamptz(6) NOT NULL DEFAULT now(),
  retain_until  timestamptz(6)
);

CREATE TABLE data_request (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Nulled when the patient is erased; the pseudonym keeps the request attributable in the ledger and log.
  patient_id           uuid REFERENCES patient (id) ON DELETE SET NULL,
  patient_pseudonym    text NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('rectification', 'restriction', 'objection', 'erasure')),
  status               text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'scheduled', 'cancelled', 'completed')),
  details_enc          text NOT NULL,
  gdpr_due_at          timestamptz(6) NOT NULL,
  hipaa_due_at         timestamptz(6) NOT NULL,
  extended_reason_enc  text,
  decision_reason_enc  text,
  decided_by           uuid,
  decided_at           timestamptz(6),
  execute_after        timestamptz(6),
  created_at           timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX data_request_patient_idx ON data_request (patient_id, created_at);
CREATE INDEX data_request_status_idx ON data_request (status, execute_after);

CREATE TABLE data_request_event (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id  uuid NOT NULL REFERENCES data_request (id) ON DELETE CASCADE,
  status      text NOT NULL,
  note        text NOT NULL,
  actor_role  text NOT NULL,
  created_at  timestamptz(6) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX data_request_event_request_idx ON data_request_event (request_id, created_at);

-- What erasure removed and kept, by pseudonym only: replayed after any restore so nobody comes back.
CREATE TABLE erasure_ledger (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_pseudonym   text NOT NULL UNIQUE,
  request_id          uuid NOT NULL,
  erased              jsonb NOT NULL,
  retained            jsonb NOT NULL,
  retained_until      timestamptz(6),
  erased_at           timestamptz(6) NOT NULL DEFAULT now()
);

ALTER TABLE data_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_request FORCE ROW LEVEL SECURITY;
CREATE POLICY data_request_scope ON data_request
  USING (app_actor_role() IN ('system', 'admin') OR (app_actor_role() = 'patient' AND patient_id = app_patient_id()))
  WITH CHECK (app_actor_role() IN ('system', 'admin') OR (app_actor_role() = 'patient' AND patient_id = app_patient_id()));

ALTER TABLE data_request_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_request_event FORCE ROW LEVEL SECURITY;
CREATE POLICY data_request_event_scope ON data_request_event
  USING (EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id));

ALTER TABLE erasure_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasure_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY erasure_ledger_scope ON erasure_ledger USING (app_actor_role() IN ('system', 'admin', 'auditor'))
  WITH CHECK (app_actor_role() = 'system');

-- The retained records of an erased patient drop out of every clinician view, break-glass included.
CREATE OR REPLACE FUNCTION app_may_see_patient(target uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE app_actor_role()
    WHEN 'system' THEN true
    WHEN 'patient' THEN target = app_patient_id()
    WHEN 'clinician' THEN NOT EXISTS (SELECT 1 FROM patient_restriction r WHERE r.patient_id = target AND r.reason = 'retention') AND (
      EXISTS (
        SELECT 1 FROM care_team_member m JOIN care_team_patient p ON p.team_id = m.team_id
        WHERE m.user_id = app_actor_id() AND p.patient_id = target)
      OR EXISTS (
        SELECT 1 FROM break_glass_grant g
        WHERE g.clinician_id = app_actor_id() AND g.patient_id = target AND g.expires_at > now()))
    ELSE false
  END
$$;

GRANT SELECT, INSERT, UPDATE ON data_request TO custodia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON patient_restriction TO custodia_app;
ALTER TABLE patient_restriction ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_restriction FORCE ROW LEVEL SECURITY;
CREATE POLICY patient_restriction_read ON patient_restriction FOR SELECT USING (true);
CREATE POLICY patient_restriction_write ON patient_restriction USING (app_actor_role() = 'system')
  WITH CHECK (app_actor_role() = 'system');
GRANT SELECT, INSERT ON data_request_event, erasure_ledger TO custodia_app;

-- Erasure re-encrypts the records it must retain under a fresh key before the old key is destroyed: the one
-- in-place change a clinical row ever sees, and only by the system (never a user's transaction).
GRANT UPDATE (content_enc) ON clinical_record TO custodia_app;
CREATE POLICY clinical_record_reencrypt_system_only ON clinical_record AS RESTRICTIVE FOR UPDATE
  USING (app_actor_role() = 'system');

-- Consent history is append-only for everyone, except that erasure (run by the system) removes it.
GRANT DELETE ON consent_event TO custodia_app;
CREATE POLICY consent_event_erasure ON consent_event FOR DELETE USING (app_actor_role() = 'system');
