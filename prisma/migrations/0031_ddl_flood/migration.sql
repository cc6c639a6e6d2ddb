-- The runtime role can run one kind of DDL on its own (ALTER DEFAULT PRIVILEGES for itself), so a stolen
-- runtime connection could fill ddl_event, and through it the audit log and the alert list, in a loop. A
-- command identical to one still waiting for the next alert-rules run (same event, command, object and
-- database user) is recorded once: the first is what auditors see, and any different command is still
-- recorded. Otherwise as in 0021.
-- Created first: replacing app_record_ddl below is itself DDL, recorded through this function.
CREATE FUNCTION app_record_ddl_once(p_event text, p_tag text, p_type text, p_schema text, p_identity text) RETURNS void
  LANGUAGE sql SET search_path = pg_catalog, public, pg_temp AS $$
  INSERT INTO public.ddl_event (event, command_tag, object_type, schema_name, object_identity)
  SELECT p_event, p_tag, p_type, p_schema, p_identity
  WHERE NOT EXISTS (
    SELECT 1 FROM public.ddl_event d
    WHERE d.processed_at IS NULL AND d.db_user = session_user AND d.event = p_event AND d.command_tag = p_tag
      AND d.object_type IS NOT DISTINCT FROM p_type AND d.schema_name IS NOT DISTINCT FROM p_schema
      AND d.object_identity IS NOT DISTINCT FROM p_identity);
$$;
REVOKE ALL ON FUNCTION app_record_ddl_once(text, text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION app_record_ddl() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  r record;
BEGIN
  IF tg_event = 'sql_drop' THEN
    FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE original AND NOT is_temporary LOOP
      PERFORM app_record_ddl_once(tg_event, tg_tag, r.object_type, r.schema_name, r.object_identity);
    END LOOP;
  ELSE
    FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE coalesce(schema_name, '') NOT LIKE 'pg\_temp%' LOOP
      PERFORM app_record_ddl_once(tg_event, r.command_tag, r.object_type, r.schema_name, r.object_identity);
    END LOOP;
  END IF;
END $$;
