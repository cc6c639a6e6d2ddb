-- Two holes found in review.
--
-- 1. Sealing: chain columns may go from NULL to a value once, and that value must be a real chain position.
--    A system context could otherwise "seal" a fresh event at position 0 or below, out of the sealer's and the
--    verifier's sight, and so hide it.
ALTER TABLE audit_event ADD CONSTRAINT audit_event_chain_seq_positive CHECK (chain_seq >= 1);

-- 2. Accounts under an admin context: lib/services/staff-accounts.ts changes a staff member's role, status,
--    session version, and resets (never sets) their second factor. Everything else about an account, every
--    patient account, and creating or deleting accounts stay with the system context, so a connection
--    holding an admin context cannot take an account over (set a password, an e-mail or an authenticator).
CREATE FUNCTION app_user_admin_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF app_actor_role() IS DISTINCT FROM 'admin' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'accounts are created and removed by the system only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.role = 'patient' OR NEW.role = 'patient'
     OR (NEW.id, NEW.email_bidx, NEW.email_enc, NEW.display_name_enc, NEW.password_hash, NEW.patient_id, NEW.is_demo, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.email_bidx, OLD.email_enc, OLD.display_name_enc, OLD.password_hash, OLD.patient_id, OLD.is_demo, OLD.created_at)
     OR (NEW.mfa_secret_enc IS NOT NULL AND NEW.mfa_secret_enc IS DISTINCT FROM OLD.mfa_secret_enc)
     OR (NEW.mfa_pending_secret_enc IS NOT NULL AND NEW.mfa_pending_secret_enc IS DISTINCT FROM OLD.mfa_pending_secret_enc)
     OR (NEW.mfa_enrolled_at IS NOT NULL AND NEW.mfa_enrolled_at IS DISTINCT FROM OLD.mfa_enrolled_at)
     OR (NEW.totp_last_step IS NOT NULL AND NEW.totp_last_step IS DISTINCT FROM OLD.totp_last_step)
     OR NEW.session_version < OLD.session_version THEN
    RAISE EXCEPTION 'an administrator may change a staff account''s role, status and sessions, and reset its second factor, nothing else'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER app_user_admin_limits BEFORE INSERT OR UPDATE OR DELETE ON app_user
  FOR EACH ROW EXECUTE FUNCTION app_user_admin_limits();
