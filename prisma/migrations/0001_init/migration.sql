-- Custodia foundation: runtime role, tables, grants, row-level security, audit immutability.
-- Applied by lib/db/migrate.ts as the owner role; the app runs every query as custodia_app
-- (SET LOCAL ROLE in lib/db/transaction.ts), which is neither owner nor superuser and cannot bypass RLS.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custodia_app') THEN
    CREATE ROLE custodia_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
END $$;

-- The owner must be able to SET ROLE custodia_app; harmless for a superuser owner.
DO $$
BEGIN
  EXECUTE format('GRANT custodia_app TO %I', current_user);
EXCEPTION WHEN others THEN
  RAISE NOTICE 'could not grant custodia_app to %: %', current_user, SQLERRM;
END $$;

CREATE TABLE patient (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dek_wrapped  text NOT NULL,
  kek_version  integer NOT NULL,
  created_at   timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX patient_kek_version_idx ON patient (kek_version);

CREATE TABLE app_user (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  role                    text NOT NULL CHECK (role IN ('patient', 'clinician', 'auditor', 'admin')),
  email_bidx              text NOT NULL UNIQUE,
  email_enc               text NOT NULL,
  display_name_enc        text NOT NULL,
  password_hash           text NOT NULL,
  mfa_secret_enc          text,
  mfa_pending_secret_enc  text,
  mfa_enrolled_at         timestamptz(6),
  totp_last_step          bigint,
  session_version         integer NOT NULL DEFAULT 1,
  disabled_at             timestamptz(6),
  is_demo                 boolean NOT NULL DEFAULT false,
  patient_id              uuid UNIQUE REFERENCES patient (id),
  created_at              timestamptz(6) NOT NULL DEFAULT now(),
  -- a patient account is tied to exactly one patient; staff accounts to none
  CONSTRAINT app_user_patient_link CHECK ((role = 'patient') = (patient_id IS NOT NULL))
);

CREATE TABLE recovery_code (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz(6)
);
CREATE INDEX recovery_code_user_id_idx ON recovery_code (user_id);

CREATE TABLE auth_session (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  user_version     integer NOT NULL,
  created_at       timestamptz(6) NOT NULL DEFAULT now(),
  last_seen_at     timestamptz(6) NOT NULL DEFAULT now(),
  expires_at       timestamptz(6) NOT NULL,
  mfa_verified_at  timestamptz(6),
  revoked_at       timestamptz(6),
  revoked_reason   text,
  ip               text,
  user_agent       text
);
CREATE INDEX auth_session_user_id_idx ON auth_session (user_id);

CREATE TABLE login_throttle (
  key                text PRIMARY KEY,
  failures           integer NOT NULL DEFAULT 0,
  window_started_at  timestamptz(6) NOT NULL DEFAULT now(),
  locked_until       timestamptz(6)
);

CREATE TABLE audit_event (
  seq                bigint PRIMARY KEY,
  occurred_at        timestamptz(6) NOT NULL,
  actor_id           uuid,
  actor_role         text,
  action             text NOT NULL,
  resource_type      text,
  resource_id        text,
  patient_pseudonym  text,
  outcome            text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'error')),
  ip                 text,
  user_agent         text,
  request_id         text,
  details            jsonb NOT NULL DEFAULT '{}',
  prev_hash          text NOT NULL,
  hash               text NOT NULL
);
CREATE INDEX audit_event_occurred_at_idx ON audit_event (occurred_at);
CREATE INDEX audit_event_actor_id_seq_idx ON audit_event (actor_id, seq);
CREATE INDEX audit_event_patient_pseudonym_seq_idx ON audit_event (patient_pseudonym, seq);
CREATE INDEX audit_event_action_seq_idx ON audit_event (action, seq);

CREATE TABLE patient_identity (
  patient_id       uuid PRIMARY KEY REFERENCES patient (id) ON DELETE CASCADE,
  given_name_enc   text NOT NULL,
  family_name_enc  text NOT NULL,
  birth_date_enc   text NOT NULL,
  sex_enc          text NOT NULL,
  ssn_enc          text,
  mrn_enc          text NOT NULL,
  address_enc      text,
  phone_enc        text,
  email_enc        text,
  ssn_bidx         text,
  mrn_bidx         text NOT NULL UNIQUE,
  email_bidx       text,
  name_dob_bidx    text NOT NULL
);
CREATE INDEX patient_identity_ssn_bidx_idx ON patient_identity (ssn_bidx);
CREATE INDEX patient_identity_email_bidx_idx ON patient_identity (email_bidx);
CREATE INDEX patient_identity_name_dob_bidx_idx ON patient_identity (name_dob_bidx);

CREATE TABLE care_team (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  created_at  timestamptz(6) NOT NULL DEFAULT now()
);

CREATE TABLE care_team_member (
  team_id  uuid NOT NULL REFERENCES care_team (id) ON DELETE CASCADE,
  user_id  uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX care_team_member_user_id_idx ON care_team_member (user_id);

CREATE TABLE care_team_patient (
  team_id     uuid NOT NULL REFERENCES care_team (id) ON DELETE CASCADE,
  patient_id  uuid NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, patient_id)
);
CREATE INDEX care_team_patient_patient_id_idx ON care_team_patient (patient_id);

CREATE TABLE clinical_record (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id     uuid NOT NULL,
  version      integer NOT NULL CHECK (version >= 1),
  patient_id   uuid NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('encounter', 'observation', 'note', 'prescription', 'allergy')),
  content_enc  text NOT NULL,
  author_id    uuid,
  created_at   timestamptz(6) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX clinical_record_entry_id_version_key ON clinical_record (entry_id, version);
CREATE INDEX clinical_record_patient_id_kind_idx ON clinical_record (patient_id, kind);

-- Actor context, set transaction-locally by lib/db/transaction.ts. Missing context reads as NULL,
-- which every policy below treats as "no rows".
CREATE FUNCTION app_actor_role() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT nullif(current_setting('app.actor_role', true), '') $$;
CREATE FUNCTION app_actor_id() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT nullif(current_setting('app.actor_id', true), '')::uuid $$;
CREATE FUNCTION app_patient_id() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT nullif(current_setting('app.patient_id', true), '')::uuid $$;

-- SECURITY DEFINER so the policy can consult care-team membership without granting clinicians a view
-- of the membership tables themselves; search_path pinned against hijacking.
CREATE FUNCTION app_may_see_patient(target uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE app_actor_role()
    WHEN 'system' THEN true
    WHEN 'patient' THEN target = app_patient_id()
    WHEN 'clinician' THEN EXISTS (
      SELECT 1 FROM care_team_member m JOIN care_team_patient p ON p.team_id = m.team_id
      WHERE m.user_id = app_actor_id() AND p.patient_id = target)
    ELSE false
  END
$$;
REVOKE ALL ON FUNCTION app_may_see_patient(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_may_see_patient(uuid) TO custodia_app;

-- FORCE: the table owner would otherwise bypass these policies.
ALTER TABLE patient ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient FORCE ROW LEVEL SECURITY;
CREATE POLICY patient_scope ON patient USING (app_may_see_patient(id));

ALTER TABLE patient_identity ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_identity FORCE ROW LEVEL SECURITY;
CREATE POLICY patient_identity_scope ON patient_identity USING (app_may_see_patient(patient_id));

ALTER TABLE clinical_record ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinical_record FORCE ROW LEVEL SECURITY;
CREATE POLICY clinical_record_scope ON clinical_record USING (app_may_see_patient(patient_id));

-- Not FORCEd: app_may_see_patient() reads this table as its owner, and a forced policy calling that
-- function would recurse. The runtime role is still filtered.
ALTER TABLE care_team_patient ENABLE ROW LEVEL SECURITY;
CREATE POLICY care_team_patient_scope ON care_team_patient
  USING (app_actor_role() IN ('system', 'admin') OR app_may_see_patient(patient_id));

-- Accounts and sessions: only the sign-in flow (system), administrators, and the user themself.
ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_user FORCE ROW LEVEL SECURITY;
CREATE POLICY app_user_read_self ON app_user FOR SELECT USING (id = app_actor_id());
-- Users never write their own account row directly (no self-promotion of role): sign-in flows run as system.
CREATE POLICY app_user_manage ON app_user USING (app_actor_role() IN ('system', 'admin'));

ALTER TABLE auth_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_session FORCE ROW LEVEL SECURITY;
CREATE POLICY auth_session_scope ON auth_session
  USING (app_actor_role() IN ('system', 'admin') OR user_id = app_actor_id());

ALTER TABLE recovery_code ENABLE ROW LEVEL SECURITY;
ALTER TABLE recovery_code FORCE ROW LEVEL SECURITY;
CREATE POLICY recovery_code_scope ON recovery_code USING (app_actor_role() = 'system');

ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY login_throttle_scope ON login_throttle USING (app_actor_role() = 'system');

-- The audit log is append-only for everybody, the owner included: HIPAA 164.312(b).
CREATE FUNCTION audit_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_immutable();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_immutable();

GRANT USAGE ON SCHEMA public TO custodia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  patient, patient_identity, app_user, recovery_code, auth_session, login_throttle,
  care_team, care_team_member, care_team_patient
  TO custodia_app;
-- Clinical versions are never edited in place: an amendment is a new row.
GRANT SELECT, INSERT, DELETE ON clinical_record TO custodia_app;
GRANT SELECT, INSERT ON audit_event TO custodia_app;
