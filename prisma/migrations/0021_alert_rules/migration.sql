-- Detection rules and SIEM delivery (docs/decisions/0010-detection-rules.md).

-- Alerts gain a severity, the rule that raised them, a window key (one alert per rule, subject and window:
-- a rule run twice, or by two instances at once, inserts it once) and the audit events that are its evidence.
-- Alerts raised in the request path (lockout, break-glass, bulk access, privilege change) keep a null
-- window key: they are one per occurrence by construction.
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('break_glass', 'bulk_access', 'lockout', 'privilege_change',
  'failed_sign_ins', 'password_spraying', 'after_hours_access', 'export_volume', 'schema_change', 'schema_monitor_off', 'audit_integrity'));
ALTER TABLE alert ADD COLUMN severity text NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE alert ADD COLUMN rule text;
ALTER TABLE alert ADD COLUMN window_key text;
ALTER TABLE alert ADD COLUMN evidence bigint[] NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX alert_window_key_key ON alert (window_key);
UPDATE alert SET severity = 'high' WHERE kind IN ('break_glass', 'bulk_access', 'privilege_change');
-- Threat: a runtime connection claiming a clinician inserts tomorrow's after-hours window key first, so the
-- rule's real alert is skipped as a duplicate. Rule fields are the system's alone.
CREATE POLICY alert_rule_fields_system ON alert AS RESTRICTIVE FOR INSERT
  WITH CHECK ((SELECT app_actor_role()) = 'system' OR (window_key IS NULL AND rule IS NULL AND evidence = '{}'));
-- Reviewing an alert sets who acknowledged it and when; nothing else of an alert may change (severity,
-- evidence and details stay as raised).
REVOKE UPDATE ON alert FROM custodia_app;
GRANT UPDATE (acknowledged_at, acknowledged_by) ON alert TO custodia_app;

-- The rules read the log by action and time.
CREATE INDEX audit_event_action_occurred_at_idx ON audit_event (action, occurred_at);

-- The SIEM outbox: one row per alert and target, written by the delivery job, never by a request. At least
-- once: a row is leased before sending and settled after; a crash mid-send leaves the lease to run out and
-- the row is sent again with the same idempotency key (the alert id).
CREATE TABLE alert_delivery (
  alert_id         uuid NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
  target           text NOT NULL CHECK (target IN ('webhook', 'syslog')),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz(6) NOT NULL DEFAULT now(),
  last_error       text,
  last_attempt_at  timestamptz(6),
  delivered_at     timestamptz(6),
  created_at       timestamptz(6) NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, target)
);
CREATE INDEX alert_delivery_due_idx ON alert_delivery (next_attempt_at) WHERE status = 'pending';

ALTER TABLE alert_delivery ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_delivery FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_delivery_read ON alert_delivery FOR SELECT USING ((SELECT app_actor_role()) IN ('system', 'auditor'));
CREATE POLICY alert_delivery_insert ON alert_delivery FOR INSERT WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY alert_delivery_update ON alert_delivery FOR UPDATE USING ((SELECT app_actor_role()) = 'system');
GRANT SELECT, INSERT, UPDATE ON alert_delivery TO custodia_app;

-- Schema changes. The event trigger cannot append to audit_event itself: a row without the application's
-- writer MAC is sealed as a forgery ("inserted"), which is what it would be. It records the DDL here
-- instead, as the owner (SECURITY DEFINER), whoever ran it; the alert-rules job turns each row into a
-- signed "schema.change" audit event and raises an alert (lib/alerts/schema-changes.ts).
CREATE TABLE ddl_event (
  id               bigserial PRIMARY KEY,
  occurred_at      timestamptz(6) NOT NULL DEFAULT clock_timestamp(),
  event            text NOT NULL,
  command_tag      text NOT NULL,
  object_type      text,
  schema_name      text,
  object_identity  text,
  db_user          text NOT NULL DEFAULT session_user,
  client_addr      text DEFAULT host(inet_client_addr()),
  application_name text DEFAULT current_setting('application_name', true),
  txid             bigint NOT NULL DEFAULT txid_current(),
  processed_at     timestamptz(6)
);
CREATE INDEX ddl_event_unprocessed_idx ON ddl_event (id) WHERE processed_at IS NULL;

ALTER TABLE ddl_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE ddl_event FORCE ROW LEVEL SECURITY;
CREATE POLICY ddl_event_read ON ddl_event FOR SELECT USING ((SELECT app_actor_role()) = 'system');
CREATE POLICY ddl_event_processed ON ddl_event FOR UPDATE USING ((SELECT app_actor_role()) = 'system');
-- Only the owner inserts (through the trigger function); the runtime role has no INSERT grant.
DO $$ BEGIN
  EXECUTE format('CREATE POLICY ddl_event_owner ON ddl_event FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
GRANT SELECT, UPDATE (processed_at) ON ddl_event TO custodia_app;

-- Temporary objects are session-private and leave no trace in the schema: not recorded.
CREATE FUNCTION app_record_ddl() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  r record;
BEGIN
  IF tg_event = 'sql_drop' THEN
    FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE original AND NOT is_temporary LOOP
      INSERT INTO public.ddl_event (event, command_tag, object_type, schema_name, object_identity)
        VALUES (tg_event, tg_tag, r.object_type, r.schema_name, r.object_identity);
    END LOOP;
  ELSE
    FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE coalesce(schema_name, '') NOT LIKE 'pg\_temp%' LOOP
      INSERT INTO public.ddl_event (event, command_tag, object_type, schema_name, object_identity)
        VALUES (tg_event, r.command_tag, r.object_type, r.schema_name, r.object_identity);
    END LOOP;
  END IF;
END $$;
REVOKE ALL ON FUNCTION app_record_ddl() FROM PUBLIC;

-- Event triggers need a superuser (PostgreSQL 15). Where the migrating role is not one (some managed
-- services), the migration still applies and the alert rules raise "schema_monitor_off" until a superuser
-- creates the two triggers below.
DO $$ BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER custodia_ddl_end ON ddl_command_end EXECUTE FUNCTION app_record_ddl();
    CREATE EVENT TRIGGER custodia_sql_drop ON sql_drop EXECUTE FUNCTION app_record_ddl();
  ELSE
    RAISE WARNING 'schema-change monitoring is off: creating an event trigger needs a superuser (see README, alert rules)';
  END IF;
END $$;
