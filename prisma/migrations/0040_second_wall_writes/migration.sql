-- The second wall for writes (outside review M1, M2, L1, L5). The attacker holds the runtime role and a
-- genuine signed context for one actor (an SQL injection in that actor's request): they must not be able to
-- write more than the app itself writes in that actor's name.

-- M1. A checkpoint is the system's signature over a sealed position: only the system context writes one, and
-- only for a chain position that exists with exactly that hash. A planted checkpoint (a huge seq, a bogus
-- signature) would otherwise stop the sealer signing for good and fail every verification.
DROP POLICY audit_checkpoint_append ON audit_checkpoint;
CREATE POLICY audit_checkpoint_append ON audit_checkpoint FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    AND EXISTS (SELECT 1 FROM audit_event e WHERE e.chain_seq = audit_checkpoint.seq AND e.hash = audit_checkpoint.hash));

-- M2. Patients, identities and clinical versions are removed only by erasure and retention (system); an
-- identity is changed only by an applied rectification (system, lib/services/rectification.ts). A clinician's
-- or patient's context could otherwise delete a chart or swap two patients' MRN search keys.
CREATE POLICY patient_delete_system_only ON patient AS RESTRICTIVE FOR DELETE
  USING ((SELECT app_actor_role()) = 'system');
CREATE POLICY patient_update_system_only ON patient AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY patient_identity_delete_system_only ON patient_identity AS RESTRICTIVE FOR DELETE
  USING ((SELECT app_actor_role()) = 'system');
CREATE POLICY patient_identity_update_system_only ON patient_identity AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY clinical_record_delete_system_only ON clinical_record AS RESTRICTIVE FOR DELETE
  USING ((SELECT app_actor_role()) = 'system');

-- A new clinical version either starts an entry (version 1 of an unused entry id) or follows the latest
-- visible version of the same entry, patient and kind. plpgsql, so the lookup runs under the caller's
-- policies without the planner expanding clinical_record's policies inside its own (infinite recursion).
CREATE FUNCTION app_record_version_follows(p_entry uuid, p_version integer, p_patient uuid, p_kind text)
  RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_version = 1 THEN
    RETURN NOT EXISTS (SELECT 1 FROM clinical_record c WHERE c.entry_id = p_entry);
  END IF;
  RETURN EXISTS (SELECT 1 FROM clinical_record c
    WHERE c.entry_id = p_entry AND c.version = p_version - 1 AND c.patient_id = p_patient AND c.kind = p_kind);
END $$;
REVOKE ALL ON FUNCTION app_record_version_follows(uuid, integer, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_record_version_follows(uuid, integer, uuid, text) TO custodia_app;

-- Clinicians write versions in their own name, now; the system (seed, imports) may attribute.
CREATE POLICY clinical_record_insert_own ON clinical_record AS RESTRICTIVE FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    OR ((SELECT app_actor_role()) = 'clinician'
      AND author_id = (SELECT app_actor_id())
      AND created_at BETWEEN now() - interval '1 minute' AND clock_timestamp() + interval '1 minute'
      AND app_record_version_follows(entry_id, version, patient_id, kind)));

-- L1. Restrictions are read by other policies' subqueries under every signed context, but not without one.
DROP POLICY patient_restriction_read ON patient_restriction;
CREATE POLICY patient_restriction_read ON patient_restriction FOR SELECT USING ((SELECT app_actor_role()) IS NOT NULL);

-- L5. What a patient's context appends is what the app appends for them: consent given on the web, by them,
-- now; a request filed now with its legal clocks from now; the two request events the app logs for a patient.
DROP POLICY consent_event_insert ON consent_event;
CREATE POLICY consent_event_insert ON consent_event FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    OR ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id())
      AND actor_id = (SELECT app_actor_id()) AND method = 'web'
      AND created_at BETWEEN now() - interval '1 minute' AND clock_timestamp() + interval '1 minute'));

-- Hours, not days: a day is 23 or 25 hours across a DST change in the session's time zone, the app's 30 is not.
DROP POLICY data_request_file ON data_request;
CREATE POLICY data_request_file ON data_request FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id())
    AND status = CASE WHEN kind = 'erasure' THEN 'scheduled' ELSE 'pending' END
    AND decided_by IS NULL AND decided_at IS NULL AND decision_reason_enc IS NULL AND extended_reason_enc IS NULL
    AND created_at BETWEEN now() - interval '1 minute' AND clock_timestamp() + interval '1 minute'
    AND hipaa_due_at = created_at + interval '720 hours'
    AND gdpr_due_at BETWEEN created_at + interval '672 hours' AND created_at + interval '744 hours'
    AND (kind = 'erasure') = (execute_after IS NOT NULL)
    AND (execute_after IS NULL OR execute_after >= created_at));

DROP POLICY data_request_event_write ON data_request_event;
CREATE POLICY data_request_event_write ON data_request_event FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id)
    AND ((SELECT app_actor_role()) IN ('system', 'admin')
      OR ((SELECT app_actor_role()) = 'patient' AND actor_role = 'patient'
        AND created_at BETWEEN now() - interval '1 minute' AND clock_timestamp() + interval '1 minute'
        AND EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id AND r.status = data_request_event.status)
        AND ((status IN ('pending', 'scheduled') AND note = 'Request received')
          OR (status = 'cancelled' AND note = 'Cancelled by you')))));
