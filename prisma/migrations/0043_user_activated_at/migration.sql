-- Review L3: "invited and never activated" was inferred from a disabled account with no session rows, and
-- retention purges sessions, so a dormant staff account, disabled and purged, read as a fresh invitation: an
-- administrator could resend it and have the link shown, re-opening an existing member's account. Activation
-- is now recorded: NULL only between an invitation and its activation.
ALTER TABLE app_user ADD COLUMN activated_at timestamptz(6) DEFAULT now();
UPDATE app_user SET activated_at = NULL
  WHERE disabled_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth_session s WHERE s.user_id = app_user.id);
UPDATE app_user SET activated_at = created_at WHERE activated_at IS NOT NULL;

-- An administrator's context still changes only role, status, sessions and the second factor; activation is
-- not theirs to undo (0019, restated with activated_at).
CREATE OR REPLACE FUNCTION app_user_admin_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF app_actor_role() IS DISTINCT FROM 'admin' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'accounts are created and removed by the system only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.role = 'patient' OR NEW.role = 'patient'
     OR (NEW.id, NEW.email_bidx, NEW.email_enc, NEW.display_name_enc, NEW.password_hash, NEW.patient_id, NEW.is_demo, NEW.created_at, NEW.activated_at)
        IS DISTINCT FROM (OLD.id, OLD.email_bidx, OLD.email_enc, OLD.display_name_enc, OLD.password_hash, OLD.patient_id, OLD.is_demo, OLD.created_at, OLD.activated_at)
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
