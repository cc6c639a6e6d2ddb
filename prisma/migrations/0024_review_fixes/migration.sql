-- Fixes from the review of the job runner, alert rules, incidents and onboarding work.

-- Outside the system context, alerts come only from request-path code that raises its own: bulk access (the
-- clinician refused) and privilege changes (the administrator who made them), unacknowledged. So a runtime
-- connection with any other context cannot push a forged "critical" alert to the SIEM, file one as already
-- acknowledged, or squat the dedupe key of a processor-expiry alert so the real one is skipped.
CREATE POLICY alert_insert_own_kinds ON alert AS RESTRICTIVE FOR INSERT WITH CHECK (
  (SELECT app_actor_role()) = 'system'
  OR (kind IN ('bulk_access', 'privilege_change')
      AND actor_id = (SELECT app_actor_id())
      AND acknowledged_at IS NULL AND acknowledged_by IS NULL)
);

-- Printing breach letters (the register's one PHI read, by an administrator) raises an alert of its own.
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('break_glass', 'bulk_access', 'lockout', 'privilege_change',
  'failed_sign_ins', 'password_spraying', 'after_hours_access', 'export_volume', 'schema_change', 'schema_monitor_off', 'audit_integrity',
  'incident_overdue', 'processor_expiry', 'incident_letters'));

-- HIPAA 164.316(b)(2): the legal floors hold in the database too, not only in the form, so an administrator's
-- connection running arbitrary SQL cannot set them to a day and let the nightly purge remove six years of records.
ALTER TABLE retention_policy ADD CONSTRAINT retention_policy_legal_floor
  CHECK (category NOT IN ('data_requests', 'erased_clinical_records') OR days >= 2190);
