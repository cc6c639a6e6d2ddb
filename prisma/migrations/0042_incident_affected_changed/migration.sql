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
