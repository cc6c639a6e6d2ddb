-- Request details are sealed with the system key, so crypto-shredding the patient's data key would not reach
-- them: erasure deletes the patient's other requests instead (the erasure request and the ledger remain).
GRANT DELETE ON data_request TO custodia_app;
CREATE POLICY data_request_erasure_system_only ON data_request AS RESTRICTIVE FOR DELETE
  USING (app_actor_role() = 'system');
