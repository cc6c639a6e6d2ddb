-- GDPR Art. 7: consent is an append-only history per patient and purpose; the current state is derived.
CREATE TABLE consent_event (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id    uuid NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  purpose       text NOT NULL CHECK (purpose IN ('treatment', 'care_coordination', 'research', 'analytics', 'marketing')),
  decision      text NOT NULL CHECK (decision IN ('granted', 'withdrawn')),
  text_version  text NOT NULL,
  method        text NOT NULL,
  actor_id      uuid NOT NULL,
  created_at    timestamptz(6) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX consent_event_patient_purpose_idx ON consent_event (patient_id, purpose, created_at);

ALTER TABLE consent_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_event FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_event_read ON consent_event FOR SELECT USING (app_may_see_patient(patient_id));
CREATE POLICY consent_event_insert ON consent_event FOR INSERT
  WITH CHECK (app_actor_role() = 'system' OR (app_actor_role() = 'patient' AND patient_id = app_patient_id()));

-- History is never rewritten by the app.
GRANT SELECT, INSERT ON consent_event TO custodia_app;
