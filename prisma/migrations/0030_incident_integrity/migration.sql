-- The incident register's own integrity, held by the database as well as by the service (review of issue 11):
-- over the runtime connection an admin or auditor context could otherwise write someone else's id into the
-- "by" columns, or change an incident after it was closed. The owner (migrations, a DBA) is not bound here:
-- it can disable triggers anyway, and pgaudit records what it does.

-- Who opened, assessed, closed or completed: the acting user and nobody else, and who opened never changes.
CREATE FUNCTION incident_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  role text := app_actor_role();
  actor uuid := app_actor_id();
BEGIN
  IF role IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.status = 'closed' THEN
      RAISE EXCEPTION 'incident % is closed and can no longer be changed', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.opened_by IS DISTINCT FROM OLD.opened_by OR NEW.opened_at IS DISTINCT FROM OLD.opened_at THEN
      RAISE EXCEPTION 'who opened an incident, and when, never changes' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.opened_by IS DISTINCT FROM actor OR NEW.status <> 'open' THEN
    RAISE EXCEPTION 'an incident is opened, open, by the acting user' USING ERRCODE = 'check_violation';
  END IF;
  IF (TG_OP = 'INSERT' OR NEW.assessed_by IS DISTINCT FROM OLD.assessed_by) AND NEW.assessed_by IS DISTINCT FROM actor AND NEW.assessed_by IS NOT NULL THEN
    RAISE EXCEPTION 'an assessment is recorded by the acting user' USING ERRCODE = 'check_violation';
  END IF;
  IF (TG_OP = 'INSERT' OR NEW.closed_by IS DISTINCT FROM OLD.closed_by) AND NEW.closed_by IS DISTINCT FROM actor AND NEW.closed_by IS NOT NULL THEN
    RAISE EXCEPTION 'an incident is closed by the acting user' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER incident_guard BEFORE INSERT OR UPDATE ON incident FOR EACH ROW EXECUTE FUNCTION incident_guard();

-- The rows that hang off an incident (alerts, affected pseudonyms, notification tasks) change only while it is open.
CREATE FUNCTION incident_child_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  incident_id uuid;
BEGIN
  IF app_actor_role() IS NULL THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    incident_id := OLD.incident_id;
  ELSE
    incident_id := NEW.incident_id;
  END IF;
  IF EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id AND i.status = 'closed') THEN
    RAISE EXCEPTION 'incident % is closed and can no longer be changed', incident_id USING ERRCODE = 'check_violation';
  END IF;
  -- Nested, as NEW has a completed_by field on incident_task only.
  IF TG_TABLE_NAME = 'incident_task' AND TG_OP = 'UPDATE' THEN
    IF NEW.completed_by IS DISTINCT FROM OLD.completed_by AND NEW.completed_by IS DISTINCT FROM app_actor_id() AND NEW.completed_by IS NOT NULL THEN
      RAISE EXCEPTION 'a notification is recorded as sent by the acting user' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER incident_alert_guard BEFORE INSERT ON incident_alert FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
CREATE TRIGGER incident_patient_guard BEFORE INSERT OR DELETE ON incident_patient FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
CREATE TRIGGER incident_task_guard BEFORE INSERT OR UPDATE ON incident_task FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
