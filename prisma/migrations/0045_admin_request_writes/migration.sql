-- The second wall for an administrator's context (the probe's findings on 0009's blanket admin policies). As in
-- 0040, the attacker holds the runtime role and a genuine signed admin context (an SQL injection in an admin's
-- request, or a rogue admin with the runtime credentials): they must not write more than the app writes in an
-- admin's name.

-- Data-subject requests. Admins decide on requests, but every write a decision makes - the row's status,
-- decided_by/decided_at, the sealed reasons, the extended deadlines, and the "Approved"/"Rejected"/"Deadline
-- extended" history entry - runs in the system context on the admin's behalf (lib/services/request-decisions.ts,
-- withSystem), as do the erasure run and the corrections the system applies. The admin's own context writes
-- neither table anywhere in the app; with the admin branch it could file an erasure no patient asked for, due at
-- once, turn a pending restriction into one (the system's erasure run then shreds the patient), or write a
-- back-dated "Cancelled by you" into the patient's history. Reading stays (data_request_read,
-- data_request_event_read); deleting was already the system's alone (data_request_erasure_system_only).
DROP POLICY data_request_manage ON data_request;
CREATE POLICY data_request_manage ON data_request
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- The patient branch is 0040's, unchanged.
DROP POLICY data_request_event_write ON data_request_event;
CREATE POLICY data_request_event_write ON data_request_event FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id)
    AND ((SELECT app_actor_role()) = 'system'
      OR ((SELECT app_actor_role()) = 'patient' AND actor_role = 'patient'
        AND created_at BETWEEN now() - interval '1 minute' AND clock_timestamp() + interval '1 minute'
        AND EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id AND r.status = data_request_event.status)
        AND ((status IN ('pending', 'scheduled') AND note = 'Request received')
          OR (status = 'cancelled' AND note = 'Cancelled by you')))));

-- A team's patient list is what lets its clinicians see a chart. The app changes it only in the system context
-- (an administrator's assignment or removal by MRN, a clinician's referral to their own team, registration,
-- erasure: lib/services/care-team-admin.ts, patient-onboarding.ts, erasure.ts), each audited and raised as a
-- privilege alert. An admin's context writing it directly would grant sight of a patient with neither.
DROP POLICY care_team_patient_manage ON care_team_patient;
CREATE POLICY care_team_patient_manage ON care_team_patient
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- Deleting a team cascades to its patient list as the table owner, past the policy above. The app deletes only
-- an empty team (deleteCareTeam: members and patients are removed one at a time, audited and alerted), so an
-- admin's context may delete only that; rows it may not delete are skipped, as RLS does.
CREATE POLICY care_team_delete_empty ON care_team AS RESTRICTIVE FOR DELETE
  USING ((SELECT app_actor_role()) = 'system'
    OR (NOT EXISTS (SELECT 1 FROM care_team_member m WHERE m.team_id = care_team.id)
      AND NOT EXISTS (SELECT 1 FROM care_team_patient p WHERE p.team_id = care_team.id)));

-- Only an active clinician joins a team (addClinician); the system (seed, tests) may add anyone it creates.
CREATE POLICY care_team_member_insert_clinician ON care_team_member AS RESTRICTIVE FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    OR EXISTS (SELECT 1 FROM app_user u WHERE u.id = user_id AND u.role = 'clinician' AND u.disabled_at IS NULL));
-- The app never changes a membership in place (it adds and removes rows); an update would move a clinician
-- between teams or swap in another account past the check above.
CREATE POLICY care_team_member_update_system_only ON care_team_member AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
