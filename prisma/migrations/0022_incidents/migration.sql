-- Incident register (issue 11, item 4): incidents opened from alerts or by hand, the HIPAA four-factor risk
-- assessment, the patients affected (by pseudonym only), the notification tasks whose deadlines the breach
-- clocks set (GDPR Art. 33/34, HIPAA 164.404-408), and the root cause that closes an incident.
-- Free text written by staff (description, risk factors, evidence, delay reasons, root cause) may name a
-- patient, so it is sealed under the system key by the service; the database holds ciphertext only.

CREATE TABLE incident (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title             text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
  description_enc   text NOT NULL,
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  discovered_at     timestamptz(6) NOT NULL,
  aware_at          timestamptz(6) NOT NULL,
  opened_by         uuid NOT NULL REFERENCES app_user (id),
  opened_at         timestamptz(6) NOT NULL DEFAULT now(),
  risk_enc          text,
  risk_conclusion   text CHECK (risk_conclusion IN ('low_probability', 'breach')),
  gdpr_risk         text CHECK (gdpr_risk IN ('unlikely', 'risk', 'high')),
  assessed_at       timestamptz(6),
  assessed_by       uuid REFERENCES app_user (id),
  affected_criteria jsonb,
  affected_count    integer NOT NULL DEFAULT 0 CHECK (affected_count >= 0),
  -- Residents per state (two-letter code -> count), entered by the privacy office: patient addresses are
  -- free text without a state field, and reading them would decrypt PHI (README, "Incident register").
  state_counts      jsonb NOT NULL DEFAULT '{}',
  root_cause_enc    text,
  closed_at         timestamptz(6),
  closed_by         uuid REFERENCES app_user (id),
  updated_at        timestamptz(6) NOT NULL DEFAULT now(),
  CONSTRAINT incident_awareness_after_discovery CHECK (aware_at >= discovered_at),
  -- A closed incident always carries its root cause (the service asks for it; so does the database).
  CONSTRAINT incident_closed_with_root_cause CHECK ((status = 'closed') = (closed_at IS NOT NULL AND root_cause_enc IS NOT NULL)),
  CONSTRAINT incident_assessment_whole CHECK ((risk_enc IS NULL) = (risk_conclusion IS NULL AND gdpr_risk IS NULL AND assessed_at IS NULL))
);
CREATE INDEX incident_status_opened ON incident (status, opened_at DESC);

-- Alert ids only, no foreign key: alerts may be purged by retention while the incident keeps its history.
CREATE TABLE incident_alert (
  incident_id uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
  alert_id    uuid NOT NULL,
  PRIMARY KEY (incident_id, alert_id)
);

CREATE TABLE incident_patient (
  incident_id       uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
  patient_pseudonym text NOT NULL CHECK (patient_pseudonym ~ '^psn_[A-Za-z0-9_-]{20}$'),
  PRIMARY KEY (incident_id, patient_pseudonym)
);

CREATE TABLE incident_task (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id        uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
  kind               text NOT NULL CHECK (kind IN ('supervisory_authority', 'data_subjects', 'individuals', 'hhs_immediate', 'media', 'hhs_annual_log')),
  due_at             timestamptz(6) NOT NULL,
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'not_required')),
  evidence_enc       text,
  delay_reason_enc   text,
  completed_at       timestamptz(6),
  completed_by       uuid REFERENCES app_user (id),
  overdue_alerted_at timestamptz(6),
  CONSTRAINT incident_task_once UNIQUE (incident_id, kind),
  CONSTRAINT incident_task_done_with_evidence CHECK ((status = 'done') = (evidence_enc IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX incident_task_overdue ON incident_task (due_at) WHERE status = 'open' AND overdue_alerted_at IS NULL;

-- Admins and auditors keep the register (lib/access/permissions.ts); the system raises overdue alerts.
-- Nothing is ever deleted from it except the pseudonym list, which is replaced when recomputed.
GRANT SELECT, INSERT, UPDATE ON incident, incident_task TO custodia_app;
GRANT SELECT, INSERT ON incident_alert TO custodia_app;
GRANT SELECT, INSERT, DELETE ON incident_patient TO custodia_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['incident', 'incident_alert', 'incident_patient', 'incident_task'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I USING ((SELECT app_actor_role()) IN ('system', 'admin', 'auditor'))
      WITH CHECK ((SELECT app_actor_role()) IN ('system', 'admin', 'auditor'))$p$, t || '_register', t);
  END LOOP;
END $$;

-- Overdue notification tasks become alerts. The kind list is extended, not restated, so kinds added by
-- other migrations are kept whatever order they were applied in.
DO $$
DECLARE def text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint WHERE conname = 'alert_kind_check' AND conrelid = 'alert'::regclass;
  IF def NOT LIKE '%incident_overdue%' THEN
    ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
    EXECUTE 'ALTER TABLE alert ADD CONSTRAINT alert_kind_check ' || replace(def, 'ARRAY[', 'ARRAY[''incident_overdue''::text, ');
  END IF;
END $$;

-- Affected patients are read from the audit log, which admins may not read (RLS: auditors and the system).
-- This function answers only the distinct pseudonyms a given actor's events named in a time window, to an
-- admin or auditor context, never the events themselves. SECURITY DEFINER to read as the owner; the search
-- path is pinned and the context is checked through the signed accessors.
CREATE FUNCTION incident_affected_pseudonyms(p_actor uuid, p_from timestamptz, p_to timestamptz)
  RETURNS TABLE (patient_pseudonym text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF app_actor_role() IS DISTINCT FROM 'admin' AND app_actor_role() IS DISTINCT FROM 'auditor' THEN
    RAISE EXCEPTION 'only the incident register may compute affected patients' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_to < p_from OR p_to - p_from > interval '366 days' THEN
    RAISE EXCEPTION 'window must run forwards and span at most a year' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT DISTINCT e.patient_pseudonym FROM audit_event e
    WHERE e.actor_id = p_actor AND e.occurred_at >= p_from AND e.occurred_at <= p_to
      AND e.patient_pseudonym IS NOT NULL AND e.outcome = 'allowed'
    ORDER BY 1;
END $$;
REVOKE ALL ON FUNCTION incident_affected_pseudonyms(uuid, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION incident_affected_pseudonyms(uuid, timestamptz, timestamptz) TO custodia_app;
