-- Review M4: letters need a breach assessment by someone other than the printer, but the list of affected
-- patients could change after that assessment (a recompute over another account and a year, or raw inserts
-- under an admin context), and the letters then named patients nobody had assessed. Every change to the
-- list now stamps the incident; letters are printed only from an assessment recorded after the last change.
ALTER TABLE incident ADD COLUMN affected_changed_at timestamptz(6);

-- Invoker's rights: whoever may change the list may touch its incident (same policies). incident_guard lets
-- this through (neither assessing nor closing), and refuses it on a closed incident as before.
CREATE FUNCTION incident_affected_stamp() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE incident SET affected_changed_at = clock_timestamp()
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END;
  RETURN NULL;
END $$;
CREATE TRIGGER incident_patient_stamp AFTER INSERT OR DELETE ON incident_patient
  FOR EACH ROW EXECUTE FUNCTION incident_affected_stamp();

-- The stamp and the assessment's time are the database's, not the writer's (second review M3): over raw SQL
-- an admin context could otherwise clear the stamp after slipping a pseudonym into the list, or an assessor
-- date an assessment in the future so that no later change would ever count. The stamp moves only through
-- the trigger above (one level down) and only forwards; an assessment is dated when it is recorded.
CREATE FUNCTION incident_stamp_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF app_actor_role() IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.affected_changed_at IS NOT NULL THEN
      RAISE EXCEPTION 'the affected-list stamp is set only by a change to the list' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.assessed_at IS NOT NULL THEN
      NEW.assessed_at := clock_timestamp();
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.affected_changed_at IS DISTINCT FROM OLD.affected_changed_at
     AND (pg_trigger_depth() < 2 OR NEW.affected_changed_at IS NULL
          OR NEW.affected_changed_at < coalesce(OLD.affected_changed_at, '-infinity'::timestamptz)) THEN
    RAISE EXCEPTION 'the affected-list stamp is set only by a change to the list' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.assessed_at IS NOT NULL AND NEW.assessed_at IS DISTINCT FROM OLD.assessed_at THEN
    NEW.assessed_at := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER incident_stamp_guard BEFORE INSERT OR UPDATE ON incident
  FOR EACH ROW EXECUTE FUNCTION incident_stamp_guard();
