-- Processors (GDPR Art. 28 data processing agreements, HIPAA 164.308(b) business associate agreements): who
-- receives personal data on the hospital's behalf, under which agreement, until when, and by which transfer
-- mechanism when the processor sits outside the EU/EEA (GDPR Chapter V). Nothing here is personal data about
-- patients; vendor names and document references only.
CREATE TABLE processor (
  id                 uuid PRIMARY KEY,
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  service            text NOT NULL CHECK (length(service) BETWEEN 1 AND 500),
  agreement          text NOT NULL CHECK (agreement IN ('baa', 'dpa', 'both')),
  signed_on          date NOT NULL,
  expires_on         date NOT NULL,
  data_categories    jsonb NOT NULL CHECK (jsonb_typeof(data_categories) = 'array' AND jsonb_array_length(data_categories) > 0),
  country            text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  transfer_mechanism text CHECK (transfer_mechanism IN ('adequacy', 'scc', 'bcr', 'derogation')),
  document_ref       text NOT NULL CHECK (length(document_ref) BETWEEN 1 AND 500),
  created_at         timestamptz(6) NOT NULL DEFAULT now(),
  updated_at         timestamptz(6) NOT NULL DEFAULT now(),
  CONSTRAINT processor_expiry_after_signing CHECK (expires_on > signed_on),
  -- Chapter V: a processor outside the EU/EEA needs a transfer mechanism (lib/validation/processor.ts says so
  -- in words; the database holds the line for any other writer).
  CONSTRAINT processor_transfer_outside_eea CHECK (
    transfer_mechanism IS NOT NULL OR country IN (
      'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU',
      'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO'))
);
CREATE UNIQUE INDEX processor_name_key ON processor (lower(name));
CREATE INDEX processor_expires_on_idx ON processor (expires_on);

-- Administrators keep the register; auditors read it; the system reads it to raise expiry alerts.
GRANT SELECT, INSERT, UPDATE, DELETE ON processor TO custodia_app;
ALTER TABLE processor ENABLE ROW LEVEL SECURITY;
ALTER TABLE processor FORCE ROW LEVEL SECURITY;
CREATE POLICY processor_read ON processor FOR SELECT USING ((SELECT app_actor_role()) IN ('admin', 'auditor', 'system'));
CREATE POLICY processor_insert ON processor FOR INSERT WITH CHECK ((SELECT app_actor_role()) = 'admin');
CREATE POLICY processor_update ON processor FOR UPDATE USING ((SELECT app_actor_role()) = 'admin') WITH CHECK ((SELECT app_actor_role()) = 'admin');
CREATE POLICY processor_delete ON processor FOR DELETE USING ((SELECT app_actor_role()) = 'admin');

-- Expiry alerts: 30 days before an agreement ends and on the day it ends. The unique index makes "once per
-- processor, threshold and agreement end date" hold across job runs and parallel runners (ON CONFLICT DO
-- NOTHING); a renewed agreement (new end date) is alerted afresh.
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('break_glass', 'bulk_access', 'lockout', 'privilege_change',
  'failed_sign_ins', 'password_spraying', 'after_hours_access', 'export_volume', 'schema_change', 'schema_monitor_off', 'audit_integrity',
  'incident_overdue', 'processor_expiry'));
CREATE UNIQUE INDEX alert_processor_expiry_once ON alert ((details->>'processorId'), (details->>'threshold'), (details->>'expiresOn'))
  WHERE kind = 'processor_expiry';
