-- Blind indexes as the 32 HMAC-SHA256 bytes they are, not 64 hex characters (issue 9): half the key width
-- in each btree (fewer pages per lookup, smaller backups) and a plain byte comparison instead of a collated
-- text comparison. Existing rows are converted in place; the unique constraints and indexes are rebuilt by
-- the type change and keep their names.
ALTER TABLE patient_identity
  ALTER COLUMN ssn_bidx TYPE bytea USING decode(ssn_bidx, 'hex'),
  ALTER COLUMN mrn_bidx TYPE bytea USING decode(mrn_bidx, 'hex'),
  ALTER COLUMN email_bidx TYPE bytea USING decode(email_bidx, 'hex'),
  ALTER COLUMN name_dob_bidx TYPE bytea USING decode(name_dob_bidx, 'hex');

ALTER TABLE app_user
  ALTER COLUMN email_bidx TYPE bytea USING decode(email_bidx, 'hex');
