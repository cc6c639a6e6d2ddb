-- The incident register's own integrity, held by the database as well as by the service (review of issue 11):
-- over the runtime connection an admin or auditor context could otherwise write someone else's id into the
-- "by" columns, or change an incident after it was closed. The owner (migrations, a DBA) is not bound here:
-- it can disable triggers anyway, and pgaudit records what it does.

-- Who opened, assessed, closed or completed: the acting user and nobody else, and who opened never changes.
-- An assessment or a closing, whatever columns it touches, is recorded as the acting user's; a "by" column
-- never changes (nor empties) otherwise.
CREATE FUNCTION incident_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  role text := app_actor_role();
  actor uuid := app_actor_id();
  assessing boolean;
  closing boolean;
BEGIN
  IF role IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.opened_by IS DISTINCT FROM actor OR NEW.status <> 'open' OR NEW.closed_by IS NOT NULL
       OR (NEW.risk_enc IS NOT NULL AND NEW.assessed_by IS DISTINCT FROM actor) OR (NEW.risk_enc IS NULL AND NEW.assessed_by IS NOT NULL) THEN
      RAISE EXCEPTION 'an incident is opened, open, by the acting user' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'closed' THEN
    RAISE EXCEPTION 'incident % is closed and can no longer be changed', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.opened_by IS DISTINCT FROM OLD.opened_by OR NEW.opened_at IS DISTINCT FROM OLD.opened_at THEN
    RAISE EXCEPTION 'who opened an incident, and when, never changes' USING ERRCODE = 'check_violation';
  END IF;
  assessing := (NEW.risk_enc, NEW.risk_conclusion, NEW.gdpr_risk, NEW.assessed_at) IS DISTINCT FROM (OLD.risk_enc, OLD.risk_conclusion, OLD.gdpr_risk, OLD.assessed_at);
  IF (assessing AND NEW.assessed_by IS DISTINCT FROM actor) OR (NOT assessing AND NEW.assessed_by IS DISTINCT FROM OLD.assessed_by) THEN
    RAISE EXCEPTION 'an assessment is recorded by the acting user' USING ERRCODE = 'check_violation';
  END IF;
  closing := NEW.status = 'closed';
  IF (closing AND NEW.closed_by IS DISTINCT FROM actor) OR (NOT closing AND NEW.closed_by IS DISTINCT FROM OLD.closed_by) THEN
    RAISE EXCEPTION 'an incident is closed by the acting user' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER incident_guard BEFORE INSERT OR UPDATE ON incident FOR EACH ROW EXECUTE FUNCTION incident_guard();

-- The rows that hang off an incident (alerts, affected pseudonyms, notification tasks) change only while it is
-- open, never move to another incident, and a notification is recorded as sent by the acting user.
CREATE FUNCTION incident_child_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  incident_id uuid;
BEGIN
  IF app_actor_role() IS NULL THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'INSERT' THEN
    incident_id := NEW.incident_id;
  ELSE
    incident_id := OLD.incident_id;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.incident_id IS DISTINCT FROM OLD.incident_id THEN
    RAISE EXCEPTION 'a row of incident % cannot move to another incident', OLD.incident_id USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id AND i.status = 'closed') THEN
    RAISE EXCEPTION 'incident % is closed and can no longer be changed', incident_id USING ERRCODE = 'check_violation';
  END IF;
  -- Nested, as NEW has these fields on incident_task only.
  IF TG_TABLE_NAME = 'incident_task' AND TG_OP = 'UPDATE' THEN
    IF NEW.kind IS DISTINCT FROM OLD.kind THEN
      RAISE EXCEPTION 'a notification task keeps its kind' USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.status = 'done' AND (NEW.status, NEW.evidence_enc, NEW.delay_reason_enc, NEW.completed_at) IS DISTINCT FROM (OLD.status, OLD.evidence_enc, OLD.delay_reason_enc, OLD.completed_at)
        AND NEW.completed_by IS DISTINCT FROM app_actor_id())
       OR (NEW.status <> 'done' AND NEW.completed_by IS DISTINCT FROM OLD.completed_by) THEN
      RAISE EXCEPTION 'a notification is recorded as sent by the acting user' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER incident_alert_guard BEFORE INSERT ON incident_alert FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
CREATE TRIGGER incident_patient_guard BEFORE INSERT OR DELETE ON incident_patient FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
CREATE TRIGGER incident_task_guard BEFORE INSERT OR UPDATE ON incident_task FOR EACH ROW EXECUTE FUNCTION incident_child_guard();
