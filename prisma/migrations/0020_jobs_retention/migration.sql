-- Scheduled jobs and retention policies (issue 11, items 1 and 7).
--
-- The job queue itself (pg-boss) lives in its own schema, `pgboss`, created and used over the owner's
-- connection only: the runtime role has no grant there, so no request can enqueue, edit or read a job
-- (docs/decisions/0010-job-runner.md). What people may see of the jobs is this history, written by the
-- system context through the second wall like any other table.

-- One row per attempt of a job: started, then succeeded or failed with the error; a row left "running" by a
-- process that died is marked "abandoned" when the next attempt of the same job starts.
CREATE TABLE job_run (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id       text NOT NULL,
  task         text NOT NULL,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
  started_at   timestamptz(6) NOT NULL DEFAULT clock_timestamp(),
  finished_at  timestamptz(6),
  error        text,
  summary      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX job_run_started_idx ON job_run (started_at DESC);
CREATE INDEX job_run_job_idx ON job_run (job_id);

GRANT SELECT, INSERT, UPDATE ON job_run TO custodia_app;
ALTER TABLE job_run ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_run FORCE ROW LEVEL SECURITY;
-- Administrators and auditors read the history; only the system (the job runner) writes it.
CREATE POLICY job_run_read ON job_run FOR SELECT USING ((SELECT app_actor_role()) IN ('system', 'admin', 'auditor'));
CREATE POLICY job_run_insert ON job_run FOR INSERT WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY job_run_update ON job_run FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- How long each category of data is kept, in days; the daily retention job removes what is older. The set of
-- categories is fixed here (a new category needs code that enforces it); administrators change the periods.
CREATE TABLE retention_policy (
  category    text PRIMARY KEY CHECK (category IN ('sessions', 'throttle', 'record_access', 'data_requests', 'erased_clinical_records')),
  days        integer NOT NULL CHECK (days BETWEEN 1 AND 36500),
  updated_at  timestamptz(6) NOT NULL DEFAULT now(),
  updated_by  uuid
);
INSERT INTO retention_policy (category, days) VALUES
  ('sessions', 90),
  ('throttle', 30),
  ('record_access', 30),
  -- HIPAA 164.316(b)(2): documentation of requests and decisions kept six years.
  ('data_requests', 2190),
  -- Was RETENTION_YEARS (default 10); a state's medical-records law may ask for more.
  ('erased_clinical_records', 3653);

GRANT SELECT ON retention_policy TO custodia_app;
GRANT UPDATE (days, updated_at, updated_by) ON retention_policy TO custodia_app;
ALTER TABLE retention_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY retention_policy_read ON retention_policy FOR SELECT USING ((SELECT app_actor_role()) IN ('system', 'admin', 'auditor'));
-- An administrator changes a period in their own name.
CREATE POLICY retention_policy_update ON retention_policy FOR UPDATE
  USING ((SELECT app_actor_role()) = 'admin') WITH CHECK ((SELECT app_actor_role()) = 'admin' AND updated_by = (SELECT app_actor_id()));
