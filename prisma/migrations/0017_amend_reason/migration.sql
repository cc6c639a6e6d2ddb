-- Why a clinical entry was amended, kept with the version it produced (encrypted under the patient's key,
-- like the content, bound to its row). Erasure re-encrypts it with the content for retained records, so the
-- runtime role may update it as it may update content_enc (0006).
ALTER TABLE clinical_record ADD COLUMN amend_reason_enc text;
GRANT UPDATE (amend_reason_enc) ON clinical_record TO custodia_app;
