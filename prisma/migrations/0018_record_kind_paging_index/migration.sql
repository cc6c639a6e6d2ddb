-- The patient export reads records by kind, in id order, a page at a time (lib/services/export.ts): with only
-- (patient_id, kind) every page re-read and re-sorted all of that kind, quadratic in the record count.
CREATE INDEX clinical_record_patient_id_kind_id_idx ON clinical_record (patient_id, kind, id);
