-- Run once as a superuser in Custodia's database, after PostgreSQL restarted with deploy/postgresql/pgaudit.conf
-- and after the runtime login role exists (README, Production). Replace custodia_runtime with your
-- DATABASE_URL user.
CREATE EXTENSION IF NOT EXISTS pgaudit;
-- The runtime login role writes on behalf of people, and each of those writes is already an event in
-- Custodia's own audit log: leave its writes out of the server log. Its DDL and role statements (it should
-- never make any) stay in. pgaudit.log can only be changed by a superuser, so the role cannot undo this.
ALTER ROLE custodia_runtime SET pgaudit.log = 'ddl, role';
