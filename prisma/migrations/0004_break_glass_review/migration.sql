-- Auditors' review of each break-glass use: approved as justified, or flagged for follow-up.
CREATE TABLE break_glass_review (
  grant_id      uuid PRIMARY KEY REFERENCES break_glass_grant (id),
  reviewer_id   uuid NOT NULL REFERENCES app_user (id),
  decision      text NOT NULL CHECK (decision IN ('approved', 'flagged')),
  comment_enc   text NOT NULL,
  reviewed_at   timestamptz(6) NOT NULL DEFAULT now()
);

ALTER TABLE break_glass_review ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass_review FORCE ROW LEVEL SECURITY;
CREATE POLICY break_glass_review_auditors ON break_glass_review
  USING (app_actor_role() IN ('system', 'auditor'))
  WITH CHECK (app_actor_role() = 'auditor' AND reviewer_id = app_actor_id());

-- A review is a decision on record: never edited, never removed.
GRANT SELECT, INSERT ON break_glass_review TO custodia_app;
