import type { Role } from "@/lib/access/roles";
import type { NavItem } from "./app-shell";

/** Each role's menu; every page behind it still checks the role itself. */
export const navigation: Record<Role, NavItem[]> = {
  patient: [
    { href: "/patient", label: "Home" },
    { href: "/patient/record", label: "My record" },
    { href: "/patient/consent", label: "Consent" },
    { href: "/patient/access-log", label: "Who accessed my record" },
    { href: "/patient/requests", label: "Requests" },
    { href: "/patient/export", label: "Download my data" },
    { href: "/account", label: "Account" },
  ],
  clinician: [
    { href: "/clinician", label: "My patients" },
    { href: "/clinician/patients/new", label: "Register a patient" },
    { href: "/clinician/break-glass", label: "Break-glass" },
    { href: "/account", label: "Account" },
  ],
  auditor: [
    { href: "/auditor", label: "Dashboard" },
    { href: "/auditor/events", label: "Events" },
    { href: "/auditor/alerts", label: "Alerts" },
    { href: "/auditor/break-glass", label: "Break-glass" },
    { href: "/auditor/incidents", label: "Incidents" },
    { href: "/auditor/access-review", label: "Access review" },
    { href: "/auditor/jobs", label: "Jobs" },
    { href: "/auditor/processors", label: "Processors" },
    { href: "/auditor/data-map", label: "Data map" },
    { href: "/auditor/compliance", label: "Compliance" },
    { href: "/account", label: "Account" },
  ],
  admin: [
    { href: "/admin", label: "Home" },
    { href: "/admin/requests", label: "Requests" },
    { href: "/admin/staff", label: "Staff" },
    { href: "/admin/incidents", label: "Incidents" },
    { href: "/admin/care-teams", label: "Care teams" },
    { href: "/admin/access-review", label: "Access review" },
    { href: "/admin/retention", label: "Retention" },
    { href: "/admin/jobs", label: "Jobs" },
    { href: "/admin/backups", label: "Backups" },
    { href: "/admin/processors", label: "Processors" },
    { href: "/admin/data-map", label: "Data map" },
    { href: "/account", label: "Account" },
  ],
};
