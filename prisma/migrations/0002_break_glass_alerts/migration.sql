-- Break-glass grants, alerts for auditors, and the per-clinician access counter behind the bulk-access guard.

CREATE TABLE break_glass_grant (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinician_id   uuid NOT NULL REFERENCES app_user (id),
  patient_id     uuid NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  reason_enc     text NOT NULL,
  created_at     timestamptz(6) NOT NULL DEFAULT now(),
  expires_at     timestamptz(6) NOT NULL,
  CHECK (expires_at > created_at)
);
CREATE INDEX break_glass_grant_clinician_patient_idx ON break_glass_grant (clinician_id, patient_id, expires_at);

CREATE TABLE alert (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind               text NOT NULL CHECK (kind IN ('break_glass', 'bulk_access', 'lockout')),
  actor_id           uuid,
  patient_pseudonym  text,
  details            jsonb NOT NULL DEFAULT '{}',
  created_at         timestamptz(6) NOT NULL DEFAULT now(),
  acknowledged_at    timestamptz(6),
  acknowledged_by    uuid
);
CREATE INDEX alert_created_at_idx ON alert (created_at);

-- One row per (clinician, patient, time) chart or identity read; counted over a sliding window.
CREATE TABLE record_access (
  actor_id     uuid NOT NULL,
  patient_id   uuid NOT NULL,
  accessed_at  timestamptz(6) NOT NULL DEFAULT now(),
  PRIMARY KEY (actor_id, patient_id, accessed_at)
);
CREATE INDEX record_access_actor_time_idx ON record_access (actor_id, accessed_at);

-- HIPAA 164.312(a)(2)(ii): emergency access is time-limited; an expired grant stops matching at once.
CREATE OR REPLACE FUNCTION app_may_see_patient(target uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE app_actor_role()
    WHEN 'system' THEN true
    WHEN 'patient' THEN target = app_patient_id()
    WHEN 'clinician' THEN EXISTS (
        SELECT 1 FROM care_team_member m JOIN care_team_patient p ON p.team_id = m.team_id
        WHERE m.user_id = app_actor_id() AND p.patient_id = target)
      OR EXISTS (
        SELECT 1 FROM break_glass_grant g
        WHERE g.clinician_id = app_actor_id() AND g.patient_id = target AND g.expires_at > now())
    ELSE false
  END
$$;

ALTER TABLE break_glass_grant ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass_grant FORCE ROW LEVEL SECURITY;
CREATE POLICY break_glass_grant_read ON break_glass_grant FOR SELECT
  USING (app_actor_role() IN ('system', 'auditor') OR clinician_id = app_actor_id());
CREATE POLICY break_glass_grant_insert ON break_glass_grant FOR INSERT
  WITH CHECK (app_actor_role() = 'system' OR (app_actor_role() = 'clinician' AND clinician_id = app_actor_id()));

ALTER TABLE alert ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_read ON alert FOR SELECT USING (app_actor_role() IN ('system', 'auditor'));
CREATE POLICY alert_insert ON alert FOR INSERT WITH CHECK (app_actor_role() IS NOT NULL);
CREATE POLICY alert_ack ON alert FOR UPDATE USING (app_actor_role() = 'auditor');

ALTER TABLE record_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE record_access FORCE ROW LEVEL SECURITY;
CREATE POLICY record_access_own ON record_access
  USING (app_actor_role() = 'system' OR actor_id = app_actor_id())
  WITH CHECK (app_actor_role() = 'system' OR actor_id = app_actor_id());

GRANT SELECT, INSERT ON break_glass_grant TO custodia_app;
GRANT SELECT, INSERT, UPDATE ON alert TO custodia_app;
GRANT SELECT, INSERT, DELETE ON record_access TO custodia_app;
