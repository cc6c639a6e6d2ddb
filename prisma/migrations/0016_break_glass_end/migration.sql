-- A clinician may end their own break-glass access early ("end access now"): the grant's expiry is brought
-- forward to the moment they ask. The existing restrictive policy (0011) keeps UPDATE to the system context,
-- which checks the grant is the clinician's (lib/services/break-glass-grants.ts); this trigger keeps an
-- update from ever lengthening a grant, whoever makes it.
GRANT UPDATE (expires_at) ON break_glass_grant TO custodia_app;

CREATE FUNCTION break_glass_grant_only_shortens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.expires_at > OLD.expires_at THEN
    RAISE EXCEPTION 'a break-glass grant can only be shortened';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER break_glass_grant_only_shortens BEFORE UPDATE OF expires_at ON break_glass_grant
  FOR EACH ROW EXECUTE FUNCTION break_glass_grant_only_shortens();
