-- Privilege changes (a role changed, an administrator created or re-enabled, a second factor reset) are put
-- before the auditors as alerts, like break-glass uses and lockouts (HIPAA 164.308(a)(4): access
-- authorization and modification are reviewed). Administrators may already insert alerts (alert_insert) but
-- not read them.
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('break_glass', 'bulk_access', 'lockout', 'privilege_change'));

-- An administrator never edits their own account in the administrator's context (role, status, second
-- factor): the service refuses it, and so does the database, so a runtime connection claiming an admin
-- cannot promote, re-enable or un-enrol itself. Their own password change runs as the system after the
-- current password is checked.
CREATE POLICY app_user_not_own_admin_edit ON app_user AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) IS DISTINCT FROM 'admin' OR id IS DISTINCT FROM (SELECT app_actor_id()));
