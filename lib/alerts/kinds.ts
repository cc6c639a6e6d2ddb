/** Each alert kind in words, for the auditors' pages (the kinds are the alert_kind_check constraint's). */
export const alertKindLabel: Record<string, string> = {
  break_glass: "Break-glass use",
  bulk_access: "Bulk access",
  lockout: "Lockout",
  privilege_change: "Privilege change",
  failed_sign_ins: "Failed sign-ins",
  password_spraying: "Password spraying",
  after_hours_access: "After-hours record access",
  export_volume: "Unusual export volume",
  schema_change: "Database schema change",
  schema_monitor_off: "Schema-change monitoring off",
  audit_integrity: "Audit log integrity failure",
  processor_expiry: "Processor agreement ending",
  incident_overdue: "Incident notice overdue",
  incident_letters: "Breach letters printed (names and addresses read)",
};
