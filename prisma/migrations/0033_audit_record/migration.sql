-- Audit-only transactions (a refusal, a verification, an export's summary: lib/db/transaction.ts, recordEvents)
-- in one statement instead of four (BEGIN, signed context, INSERT, COMMIT): the statement is its own
-- transaction, so its events commit together or not at all, exactly as before. SECURITY INVOKER: the
-- function only does what its caller could do with those statements. It switches to the runtime role and sets
-- the signed context transaction-locally, then inserts, so the insert policy (audit_event_append) checks the
-- context MAC and the writer's identity as it does for every other append, and the column grants still keep
-- chain columns out of reach. No SET clause: a function-level SET would not change where role and context
-- apply, and the caller's search_path holds no object it could not already create (0009 revoked CREATE).
CREATE FUNCTION audit_record(context text[], events jsonb) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', 'custodia_app', true), pg_catalog.set_config('app.actor_role', context[1], true),
    pg_catalog.set_config('app.actor_id', context[2], true), pg_catalog.set_config('app.patient_id', context[3], true),
    pg_catalog.set_config('app.patient_psn', context[4], true), pg_catalog.set_config('app.context_mac', context[5], true);
  INSERT INTO public.audit_event (occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym,
      outcome, ip, user_agent, request_id, details, writer_mac)
    SELECT e.occurred_at, e.actor_id, e.actor_role, e.action, e.resource_type, e.resource_id, e.patient_pseudonym,
      e.outcome, e.ip, e.user_agent, e.request_id, e.details, e.writer_mac
    FROM ROWS FROM (pg_catalog.jsonb_to_recordset(events) AS (occurred_at timestamptz, actor_id uuid, actor_role text,
      action text, resource_type text, resource_id text, patient_pseudonym text, outcome text, ip text, user_agent text,
      request_id text, details jsonb, writer_mac text)) WITH ORDINALITY
      AS e(occurred_at, actor_id, actor_role, action, resource_type, resource_id, patient_pseudonym, outcome, ip, user_agent,
        request_id, details, writer_mac, n)
    -- Ids in the order the service recorded its events, as a multi-row VALUES gives them.
    ORDER BY e.n;
END $$;
REVOKE ALL ON FUNCTION audit_record(text[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_record(text[], jsonb) TO custodia_app;
