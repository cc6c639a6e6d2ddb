-- The bulk-access guard (lib/services/patient-access.ts) in one round trip instead of three (lock, count,
-- insert). A function, not one statement with CTEs: under READ COMMITTED a statement's snapshot is taken
-- before it could wait for the lock, so it would not see the previous holder's committed row; a VOLATILE
-- function takes a fresh snapshot for each statement inside it, after the lock. SECURITY INVOKER: it reads
-- and writes record_access as the runtime role, so the table's own policies still apply.
-- The lock key is the one lockSubject(tx, 'bulk-access', actorId) takes (lib/db/locks.ts).
-- True when the open is allowed, and then recorded.
CREATE FUNCTION bulk_access_admit(actor uuid, target uuid, max_patients integer, window_seconds double precision)
  RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  others bigint;
  seen boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('bulk-access'), hashtext(actor::text));
  SELECT count(DISTINCT r.patient_id) FILTER (WHERE r.patient_id <> target), coalesce(bool_or(r.patient_id = target), false)
    INTO others, seen
    FROM record_access r
    WHERE r.actor_id = actor AND r.accessed_at > now() - make_interval(secs => window_seconds);
  IF NOT seen AND others >= max_patients THEN
    RETURN false;
  END IF;
  INSERT INTO record_access (actor_id, patient_id) VALUES (actor, target) ON CONFLICT DO NOTHING;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION bulk_access_admit(uuid, uuid, integer, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk_access_admit(uuid, uuid, integer, double precision) TO custodia_app;
