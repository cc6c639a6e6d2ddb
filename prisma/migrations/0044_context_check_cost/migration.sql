-- The signed context's check (0041) made cheaper, unchanged in what it accepts: it runs once per subplan of
-- every row-level security policy, ~45 times for one chart statement (docs/decisions/0015, amended). Only the
-- format gate changes; the MAC, its constant-time comparison and the expiry are as in 0041.
CREATE OR REPLACE FUNCTION app_context_valid() RETURNS boolean
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  given text := coalesce(current_setting('app.context_mac', true), '');
  expires text;
  expected text;
BEGIN
  IF given = '' THEN
    RETURN false;
  END IF;
  -- The same format as 0041's '^[0-9]{1,12}\.[0-9a-f]{64}$', checked without bounded repetition, which cost
  -- PostgreSQL's regex engine ~9 µs per call, on every subplan of every policy (issue 9).
  IF given !~ '^[0-9]+\.[0-9a-f]+$' THEN
    RAISE EXCEPTION 'actor context is not signed by this application' USING ERRCODE = 'insufficient_privilege';
  END IF;
  expires := split_part(given, '.', 1);
  IF length(expires) > 12 OR length(split_part(given, '.', 2)) <> 64 THEN
    RAISE EXCEPTION 'actor context is not signed by this application' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
           'custodia-db-context/v2|' || coalesce(current_setting('app.actor_role', true), '')
           || '|' || coalesce(current_setting('app.actor_id', true), '')
           || '|' || coalesce(current_setting('app.patient_id', true), '')
           || '|' || coalesce(current_setting('app.patient_psn', true), '')
           || '|' || expires, 'UTF8'))), 'hex')
    INTO expected FROM app_context_key k WHERE k.id = 1;
  -- Both sides hashed again before comparing: the comparison time says nothing about the expected MAC.
  IF expected IS NULL OR sha256(convert_to(split_part(given, '.', 2), 'UTF8')) <> sha256(convert_to(expected, 'UTF8')) THEN
    RAISE EXCEPTION 'actor context is not signed by this application' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The statement's start, not the transaction's: a transaction held open must not accept a leaked context
  -- for ever (each context is signed for its transaction's allowed time, lib/db/context.ts).
  IF expires::bigint < extract(epoch FROM statement_timestamp()) THEN
    RAISE EXCEPTION 'actor context has expired' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN true;
END $$;
