-- The second wall holds against a runtime connection that runs arbitrary SQL (threat model: README, Security).
--
-- 1. The actor context is signed. lib/db/context.ts sets app.actor_role, app.actor_id, app.patient_id and
--    app.patient_psn together with app.context_mac = HMAC-SHA256(context key, those values). The database
--    checks the MAC with the key in app_context_key, which the runtime role cannot read; a context the
--    runtime role makes up (say, 'system') reads as no context at all, which every policy answers with no rows.
-- 2. Policies read the context through scalar subqueries, e.g. (SELECT app_actor_role()): an InitPlan,
--    evaluated once per query with its value fixed, so a set_config() later in the same query changes nothing
--    and the MAC is checked once per query, not once per row.
-- 3. Visibility of a patient is decided by the runtime role's own RLS-filtered reads of care-team and
--    break-glass rows (no SECURITY DEFINER function taking a patient id: no oracle to call with made-up ids).
-- 4. Grants, memberships, sessions and the audit log are written only by the contexts entitled to them:
--    care teams by admins and the system; sessions, break-glass grants and recovery codes by the system
--    (after the app has checked the password or the second factor); audit rows only under one's own identity.

CREATE TABLE app_context_key (
  id          integer PRIMARY KEY CHECK (id = 1),
  -- HMAC-SHA256 pads of the context key (key XOR ipad, key XOR opad), so the check needs only sha256().
  inner_pad   bytea NOT NULL CHECK (length(inner_pad) = 64),
  outer_pad   bytea NOT NULL CHECK (length(outer_pad) = 64),
  key_id      text NOT NULL,
  installed_at timestamptz(6) NOT NULL DEFAULT now()
);
-- No grant, RLS without a policy: the runtime role can neither read nor write the key. Not FORCEd, so the
-- owner (and the SECURITY DEFINER check below) reads it.
REVOKE ALL ON app_context_key FROM PUBLIC;
ALTER TABLE app_context_key ENABLE ROW LEVEL SECURITY;

-- Nobody but the owner creates objects here: a runtime role that could would shadow names the checks use.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- A context without a MAC is no context (false: policies answer with no rows). A MAC that does not match is
-- an error, so a forged context is refused loudly and an app whose key differs from the installed one fails
-- at its first query instead of seeing an empty database.
CREATE FUNCTION app_context_valid() RETURNS boolean
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  given text := coalesce(current_setting('app.context_mac', true), '');
  expected text;
BEGIN
  IF given = '' THEN
    RETURN false;
  END IF;
  SELECT encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
           'custodia-db-context/v1|' || coalesce(current_setting('app.actor_role', true), '')
           || '|' || coalesce(current_setting('app.actor_id', true), '')
           || '|' || coalesce(current_setting('app.patient_id', true), '')
           || '|' || coalesce(current_setting('app.patient_psn', true), ''), 'UTF8'))), 'hex')
    INTO expected FROM app_context_key k WHERE k.id = 1;
  -- Both sides hashed again before comparing: the comparison time says nothing about the expected MAC.
  IF expected IS NULL OR sha256(convert_to(given, 'UTF8')) <> sha256(convert_to(expected, 'UTF8')) THEN
    RAISE EXCEPTION 'actor context is not signed by this application' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION app_context_valid() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_context_valid() TO custodia_app;

-- Each accessor checks the MAC and reads its value in one expression; NULL when the context is not genuine.
CREATE OR REPLACE FUNCTION app_actor_role() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT CASE WHEN app_context_valid() THEN nullif(current_setting('app.actor_role', true), '') END $$;
CREATE OR REPLACE FUNCTION app_actor_id() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT CASE WHEN app_context_valid() THEN nullif(current_setting('app.actor_id', true), '')::uuid END $$;
CREATE OR REPLACE FUNCTION app_patient_id() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT CASE WHEN app_context_valid() THEN nullif(current_setting('app.patient_id', true), '')::uuid END $$;
CREATE FUNCTION app_patient_psn() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT CASE WHEN app_context_valid() THEN nullif(current_setting('app.patient_psn', true), '') END $$;

-- The audit chain head, for appends under any context: sequence, hash and when the log began, never a row.
CREATE FUNCTION audit_chain_head(OUT seq bigint, OUT hash text, OUT first_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT e.seq, e.hash, (SELECT f.occurred_at FROM audit_event f ORDER BY f.seq LIMIT 1)
  FROM audit_event e WHERE app_actor_role() IS NOT NULL ORDER BY e.seq DESC LIMIT 1
$$;
REVOKE ALL ON FUNCTION audit_chain_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain_head() TO custodia_app;

-- Every policy is recreated on the signed context.
DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
  END LOOP;
END $$;
DROP FUNCTION app_may_see_patient(uuid);

-- Who may see a patient's rows, as one expression per table (%1$s is the patient id column, qualified with its
-- table so that inside the subqueries it cannot bind to a column of the same name). The subqueries
-- read care_team_patient and break_glass_grant as the runtime role, so their own policies narrow them to
-- this clinician's teams and this clinician's grants.
CREATE FUNCTION pg_temp.patient_scope(col text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($f$(
    (SELECT app_actor_role()) = 'system'
    OR ((SELECT app_actor_role()) = 'patient' AND %1$s = (SELECT app_patient_id()))
    OR ((SELECT app_actor_role()) = 'clinician'
        -- HIPAA 164.312(a)(2)(ii): emergency access is time-limited; the retained records of an erased
        -- patient drop out of every clinician view, break-glass included.
        AND NOT EXISTS (SELECT 1 FROM patient_restriction r WHERE r.patient_id = %1$s AND r.reason = 'retention')
        AND (%1$s IN (SELECT ctp.patient_id FROM care_team_patient ctp)
             OR %1$s IN (SELECT g.patient_id FROM break_glass_grant g WHERE g.expires_at > now()))))$f$, col)
$$;

DO $$
BEGIN
  EXECUTE format('CREATE POLICY patient_scope ON patient USING %s', pg_temp.patient_scope('patient.id'));
  EXECUTE format('CREATE POLICY patient_identity_scope ON patient_identity USING %s', pg_temp.patient_scope('patient_identity.patient_id'));
  EXECUTE format('CREATE POLICY clinical_record_scope ON clinical_record USING %s', pg_temp.patient_scope('clinical_record.patient_id'));
  EXECUTE format('CREATE POLICY consent_event_read ON consent_event FOR SELECT USING %s', pg_temp.patient_scope('consent_event.patient_id'));
END $$;

CREATE POLICY clinical_record_reencrypt_system_only ON clinical_record AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system');
CREATE POLICY consent_event_insert ON consent_event FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    OR ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id())));
CREATE POLICY consent_event_erasure ON consent_event FOR DELETE USING ((SELECT app_actor_role()) = 'system');

-- Care teams: read by their members, managed by administrators and the system (seeding, erasure).
ALTER TABLE care_team ENABLE ROW LEVEL SECURITY;
ALTER TABLE care_team FORCE ROW LEVEL SECURITY;
CREATE POLICY care_team_read ON care_team FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'admin') OR id IN (SELECT m.team_id FROM care_team_member m));
CREATE POLICY care_team_manage ON care_team
  USING ((SELECT app_actor_role()) IN ('system', 'admin')) WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin'));

ALTER TABLE care_team_member ENABLE ROW LEVEL SECURITY;
ALTER TABLE care_team_member FORCE ROW LEVEL SECURITY;
CREATE POLICY care_team_member_read ON care_team_member FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'admin') OR user_id = (SELECT app_actor_id()));
CREATE POLICY care_team_member_manage ON care_team_member
  USING ((SELECT app_actor_role()) IN ('system', 'admin')) WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin'));

-- FORCEd now: no SECURITY DEFINER function reads it on a policy's behalf any more.
ALTER TABLE care_team_patient FORCE ROW LEVEL SECURITY;
CREATE POLICY care_team_patient_read ON care_team_patient FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'admin')
    OR ((SELECT app_actor_role()) = 'clinician' AND team_id IN (SELECT m.team_id FROM care_team_member m)));
CREATE POLICY care_team_patient_manage ON care_team_patient
  USING ((SELECT app_actor_role()) IN ('system', 'admin')) WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin'));

-- Accounts: the user reads their own row; only sign-in flows (system) and administrators write.
CREATE POLICY app_user_read_self ON app_user FOR SELECT USING (id = (SELECT app_actor_id()));
CREATE POLICY app_user_manage ON app_user
  USING ((SELECT app_actor_role()) IN ('system', 'admin')) WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin'));

-- Sessions: readable by their user and administrators; created, refreshed and revoked only by the system,
-- so no context can revive a revoked session or mark one as having passed MFA.
CREATE POLICY auth_session_read ON auth_session FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'admin') OR user_id = (SELECT app_actor_id()));
CREATE POLICY auth_session_write ON auth_session
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

CREATE POLICY recovery_code_scope ON recovery_code
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY login_throttle_scope ON login_throttle
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- Break-glass grants are made by the system after it has checked the clinician's fresh second factor, and
-- never for longer than 8 hours (BREAK_GLASS_MINUTES is capped to match in lib/config.ts).
CREATE POLICY break_glass_grant_read ON break_glass_grant FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'auditor') OR clinician_id = (SELECT app_actor_id()));
CREATE POLICY break_glass_grant_insert ON break_glass_grant FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    AND created_at BETWEEN now() - interval '1 minute' AND now() + interval '1 minute'
    AND expires_at <= now() + interval '8 hours');

CREATE POLICY break_glass_review_auditors ON break_glass_review
  USING ((SELECT app_actor_role()) IN ('system', 'auditor'))
  WITH CHECK ((SELECT app_actor_role()) = 'auditor' AND reviewer_id = (SELECT app_actor_id()));

CREATE POLICY alert_read ON alert FOR SELECT USING ((SELECT app_actor_role()) IN ('system', 'auditor'));
CREATE POLICY alert_insert ON alert FOR INSERT WITH CHECK ((SELECT app_actor_role()) IS NOT NULL);
-- Auditors acknowledge alerts in their own name; what an alert says is not theirs to edit.
REVOKE UPDATE ON alert FROM custodia_app;
GRANT UPDATE (acknowledged_at, acknowledged_by) ON alert TO custodia_app;
CREATE POLICY alert_ack ON alert FOR UPDATE USING ((SELECT app_actor_role()) = 'auditor')
  WITH CHECK ((SELECT app_actor_role()) = 'auditor' AND acknowledged_by = (SELECT app_actor_id()));

-- The bulk-access counter: a clinician adds their own accesses but cannot erase them to dodge the guard.
CREATE POLICY record_access_read ON record_access FOR SELECT
  USING ((SELECT app_actor_role()) = 'system' OR actor_id = (SELECT app_actor_id()));
CREATE POLICY record_access_insert ON record_access FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system' OR actor_id = (SELECT app_actor_id()));
CREATE POLICY record_access_erase ON record_access FOR DELETE USING ((SELECT app_actor_role()) = 'system');

CREATE POLICY patient_restriction_read ON patient_restriction FOR SELECT USING (true);
CREATE POLICY patient_restriction_write ON patient_restriction
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- Data subject requests: a patient files their own (only as received, undecided) and may only cancel an open
-- one; deciding, extending and executing belong to administrators and the system.
CREATE POLICY data_request_read ON data_request FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'admin')
    OR ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id())));
CREATE POLICY data_request_manage ON data_request
  USING ((SELECT app_actor_role()) IN ('system', 'admin')) WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin'));
CREATE POLICY data_request_file ON data_request FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id())
    AND status = CASE WHEN kind = 'erasure' THEN 'scheduled' ELSE 'pending' END
    AND decided_by IS NULL AND decided_at IS NULL AND decision_reason_enc IS NULL AND extended_reason_enc IS NULL);
CREATE POLICY data_request_cancel ON data_request FOR UPDATE
  USING ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id()) AND status IN ('pending', 'scheduled'))
  WITH CHECK ((SELECT app_actor_role()) = 'patient' AND patient_id = (SELECT app_patient_id()) AND status = 'cancelled');
CREATE POLICY data_request_erasure_system_only ON data_request AS RESTRICTIVE FOR DELETE
  USING ((SELECT app_actor_role()) = 'system');
CREATE POLICY data_request_event_read ON data_request_event FOR SELECT
  USING (EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id));
CREATE POLICY data_request_event_write ON data_request_event FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM data_request r WHERE r.id = request_id)
    AND ((SELECT app_actor_role()) IN ('system', 'admin')
      OR (actor_role = 'patient' AND status IN ('pending', 'scheduled', 'cancelled'))));

CREATE POLICY erasure_ledger_scope ON erasure_ledger
  USING ((SELECT app_actor_role()) IN ('system', 'admin', 'auditor'))
  WITH CHECK ((SELECT app_actor_role()) = 'system');

-- The audit log: auditors and the system read it all; everyone reads their own events, and a patient the
-- staff events about them (by pseudonym, which the signed context carries). Rows are appended only under
-- the writer's own identity; the system may attribute (a failed sign-in to the account tried).
ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_event FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_event_read ON audit_event FOR SELECT
  USING ((SELECT app_actor_role()) IN ('system', 'auditor')
    OR actor_id = (SELECT app_actor_id())
    OR ((SELECT app_actor_role()) = 'patient' AND patient_pseudonym = (SELECT app_patient_psn())));
-- audit_chain_head() reads as the owner, whom FORCE subjects to policies too: the owner reads every row.
DO $$ BEGIN
  EXECUTE format('CREATE POLICY audit_event_owner_read ON audit_event FOR SELECT TO %I USING (true)', current_user);
END $$;
CREATE POLICY audit_event_append ON audit_event FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system'
    OR (actor_id = (SELECT app_actor_id()) AND actor_role = (SELECT app_actor_role())));

ALTER TABLE audit_checkpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoint FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_checkpoint_read ON audit_checkpoint FOR SELECT USING ((SELECT app_actor_role()) IS NOT NULL);
CREATE POLICY audit_checkpoint_append ON audit_checkpoint FOR INSERT WITH CHECK ((SELECT app_actor_role()) IS NOT NULL);
