-- Wrong birth dates given with a patient's invitation link, counted on the link itself: the lockout pauses
-- guessing for a while, this total spends the link for good (ACTIVATION_MAX_WRONG_BIRTH_DATES), so a link
-- holder cannot walk through the few thousand plausible birth dates over the link's 72 hours.
ALTER TABLE account_token ADD COLUMN failed_proofs integer NOT NULL DEFAULT 0 CHECK (failed_proofs >= 0);
