-- The affected-pseudonym function (0022) answered an admin or auditor context with no audit record of its
-- own: over raw SQL, an admin context could learn which patients any staff member reached, unseen. It now
-- answers only once the audit event of that very lookup is COMMITTED, by an earlier transaction, within the
-- last five minutes: action 'incident.affected.lookup' by the caller (actor id and role from the signed
-- context), naming the incident and, in its details, the account and the window asked about. (An event of the
-- same transaction would not do: the caller could read the answer and roll the event back.) One written over
-- raw SQL, without the application's key, is sealed as a forgery and reported by the verifier. Either way
-- the lookup is in the log. The incident id is now the first argument.
DROP FUNCTION incident_affected_pseudonyms(uuid, timestamptz, timestamptz);
CREATE FUNCTION incident_affected_pseudonyms(p_incident uuid, p_actor uuid, p_from timestamptz, p_to timestamptz)
  RETURNS TABLE (patient_pseudonym text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF app_actor_role() IS DISTINCT FROM 'admin' AND app_actor_role() IS DISTINCT FROM 'auditor' THEN
    RAISE EXCEPTION 'only the incident register may compute affected patients' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_to < p_from OR p_to - p_from > interval '366 days' THEN
    RAISE EXCEPTION 'window must run forwards and span at most a year' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Committed by another, earlier transaction (xmin: the inserting transaction), and recent.
  IF NOT EXISTS (
    SELECT 1 FROM audit_event e
    WHERE e.xmin::text::bigint <> txid_current() % 4294967296 AND e.occurred_at >= statement_timestamp() - interval '5 minutes'
      AND e.action = 'incident.affected.lookup' AND e.actor_id = app_actor_id() AND e.actor_role = app_actor_role()
      AND e.resource_type = 'incident' AND e.resource_id = p_incident::text
      AND e.details->>'subject' = p_actor::text
      AND CASE WHEN e.details->>'from' ~ '^\d{4}-\d\d-\d\dT[0-9:.]+Z$' AND e.details->>'to' ~ '^\d{4}-\d\d-\d\dT[0-9:.]+Z$'
          THEN (e.details->>'from')::timestamptz = p_from AND (e.details->>'to')::timestamptz = p_to ELSE false END
  ) THEN
    RAISE EXCEPTION 'affected patients are computed only after the lookup is in the audit log' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY SELECT DISTINCT e.patient_pseudonym FROM audit_event e
    WHERE e.actor_id = p_actor AND e.occurred_at >= p_from AND e.occurred_at <= p_to
      AND e.patient_pseudonym IS NOT NULL AND e.outcome = 'allowed'
    ORDER BY 1;
END $$;
REVOKE ALL ON FUNCTION incident_affected_pseudonyms(uuid, uuid, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION incident_affected_pseudonyms(uuid, uuid, timestamptz, timestamptz) TO custodia_app;
