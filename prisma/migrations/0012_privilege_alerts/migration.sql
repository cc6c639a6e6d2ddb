-- Privilege changes (a role changed, an administrator created or re-enabled, a second factor reset) are put
-- before the auditors as alerts, like break-glass uses and lockouts (HIPAA 164.308(a)(4): access
-- authorization and modification are reviewed). Administrators may already insert alerts (alert_insert) but
-- not read them.
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('break_glass', 'bulk_access', 'lockout', 'privilege_change'));
