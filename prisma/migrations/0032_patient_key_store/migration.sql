-- Erasure that holds against old backups (docs/decisions/0013). A patient's wrapped data key moves out of
-- `patient` into `patient_key`, whose rows `npm run backup` leaves out of the database dump and writes into a
-- key backup of its own, kept only BACKUP_KEY_RETENTION_DAYS. Once the key backups taken before an erasure are
-- pruned, the erased patient's old data key exists nowhere: the old dumps still hold the old ciphertext, but
-- no remaining key opens it.
CREATE TABLE patient_key (
  patient_id   uuid PRIMARY KEY REFERENCES patient (id) ON DELETE CASCADE,
  dek_wrapped  text NOT NULL,
  kek_version  integer NOT NULL,
  updated_at   timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX patient_key_kek_version_idx ON patient_key (kek_version);

INSERT INTO patient_key (patient_id, dek_wrapped, kek_version) SELECT id, dek_wrapped, kek_version FROM patient;
DROP INDEX patient_kek_version_idx;
ALTER TABLE patient DROP COLUMN dek_wrapped, DROP COLUMN kek_version;

-- No DELETE: a key goes only with its patient (the cascade); UPDATE is the system's alone (policy below).
GRANT SELECT, INSERT, UPDATE ON patient_key TO custodia_app;

-- The same visibility as the patient row itself (0009's patient_scope, written out: its helper lived in pg_temp).
ALTER TABLE patient_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_key FORCE ROW LEVEL SECURITY;
CREATE POLICY patient_key_scope ON patient_key USING (
  (SELECT app_actor_role()) = 'system'
  OR ((SELECT app_actor_role()) = 'patient' AND patient_key.patient_id = (SELECT app_patient_id()))
  OR ((SELECT app_actor_role()) = 'clinician'
      AND NOT EXISTS (SELECT 1 FROM patient_restriction r WHERE r.patient_id = patient_key.patient_id AND r.reason = 'retention')
      AND (patient_key.patient_id IN (SELECT ctp.patient_id FROM care_team_patient ctp)
           OR patient_key.patient_id IN (SELECT g.patient_id FROM break_glass_grant g WHERE g.expires_at > now())))
);
-- Only erasure (under the system context) replaces a key; rotation rewraps it, also as the system.
CREATE POLICY patient_key_replace_system_only ON patient_key AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system');
