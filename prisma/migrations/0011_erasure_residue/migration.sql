-- Erasure residue (GDPR Art. 17). Free text about a patient that is sealed with the system key is out of
-- crypto-shredding's reach: the erasure request's own details and decision/extension reasons, a break-glass
-- reason, an auditor's review comment. Erasure (lib/services/erasure.ts) now clears them to NULL, keeping
-- each row's ids, dates, status and decision for accountability; NULL means "erased with the patient".

ALTER TABLE data_request ALTER COLUMN details_enc DROP NOT NULL;
-- Only a request already detached from its patient (erased) may have lost its details.
ALTER TABLE data_request ADD CONSTRAINT data_request_details_until_erased
  CHECK (details_enc IS NOT NULL OR patient_id IS NULL);
ALTER TABLE break_glass_grant ALTER COLUMN reason_enc DROP NOT NULL;
ALTER TABLE break_glass_review ALTER COLUMN comment_enc DROP NOT NULL;

-- A reviewed grant blocked the purge of an expired retention (no ON DELETE): reviews go with their grant,
-- which goes with the patient row; the audit log keeps both events.
ALTER TABLE break_glass_review DROP CONSTRAINT break_glass_review_grant_id_fkey;
ALTER TABLE break_glass_review ADD CONSTRAINT break_glass_review_grant_id_fkey
  FOREIGN KEY (grant_id) REFERENCES break_glass_grant (id) ON DELETE CASCADE;

-- Grants and reviews are otherwise never edited: only the system (erasure) may clear the free text, and only
-- that column. Permissive policy lets the system in; the restrictive one keeps every other role out even
-- where a broader permissive policy (reviewers' own rows) would match.
GRANT UPDATE (reason_enc) ON break_glass_grant TO custodia_app;
CREATE POLICY break_glass_grant_erasure ON break_glass_grant FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY break_glass_grant_update_system_only ON break_glass_grant AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

GRANT UPDATE (comment_enc) ON break_glass_review TO custodia_app;
CREATE POLICY break_glass_review_erasure ON break_glass_review FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');
CREATE POLICY break_glass_review_update_system_only ON break_glass_review AS RESTRICTIVE FOR UPDATE
  USING ((SELECT app_actor_role()) = 'system') WITH CHECK ((SELECT app_actor_role()) = 'system');

-- Patients erased before this migration: clear their residue now. The ledger names their erasure requests;
-- a 'retention' restriction exists only for an erased patient. FORCEd RLS would hide every row from the
-- owner here (no actor context), so it is lifted for these statements and restored in the same transaction.
ALTER TABLE data_request NO FORCE ROW LEVEL SECURITY;
ALTER TABLE break_glass_grant NO FORCE ROW LEVEL SECURITY;
ALTER TABLE break_glass_review NO FORCE ROW LEVEL SECURITY;
ALTER TABLE patient_restriction NO FORCE ROW LEVEL SECURITY;
ALTER TABLE erasure_ledger NO FORCE ROW LEVEL SECURITY;

UPDATE data_request
  SET patient_id = NULL, details_enc = NULL, decision_reason_enc = NULL, extended_reason_enc = NULL
  WHERE id IN (SELECT request_id FROM erasure_ledger);
UPDATE break_glass_review SET comment_enc = NULL
  WHERE grant_id IN (SELECT g.id FROM break_glass_grant g
                     JOIN patient_restriction r ON r.patient_id = g.patient_id AND r.reason = 'retention');
UPDATE break_glass_grant SET reason_enc = NULL
  WHERE patient_id IN (SELECT patient_id FROM patient_restriction WHERE reason = 'retention');

ALTER TABLE data_request FORCE ROW LEVEL SECURITY;
ALTER TABLE break_glass_grant FORCE ROW LEVEL SECURITY;
ALTER TABLE break_glass_review FORCE ROW LEVEL SECURITY;
ALTER TABLE patient_restriction FORCE ROW LEVEL SECURITY;
ALTER TABLE erasure_ledger FORCE ROW LEVEL SECURITY;
