-- Clinic hours per care team (issue 11 item 2): the after-hours rule uses the hours of the teams the clinician
-- belongs to, and the global CLINIC_HOURS / CLINIC_DAYS / CLINIC_TIME_ZONE when none of them has its own.
-- All three set or none (NULL: the global default). Formats are checked by lib/validation/care-teams.ts; the
-- database holds the shapes it can check without the time-zone database.
ALTER TABLE care_team ADD COLUMN clinic_hours text, ADD COLUMN clinic_days text, ADD COLUMN clinic_time_zone text;
ALTER TABLE care_team ADD CONSTRAINT care_team_clinic_hours_together
  CHECK ((clinic_hours IS NULL) = (clinic_days IS NULL) AND (clinic_days IS NULL) = (clinic_time_zone IS NULL));
ALTER TABLE care_team ADD CONSTRAINT care_team_clinic_hours_shape
  CHECK (clinic_hours IS NULL OR (clinic_hours ~ '^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$'
    AND length(clinic_days) <= 40 AND length(clinic_time_zone) <= 64));
