import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * Pages, actions and components reach data through lib/services only (authorization, RLS context and audit
 * live there); a direct database import from them would be a second door.
 */
const dataLayer = {
  files: ["app/**", "components/**"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: ["@/lib/db", "@/lib/db/*", "**/lib/db", "**/lib/db/*", "@prisma/*"],
            message: "Go through a service in lib/services: it authorizes, sets the database context and audits.",
          },
        ],
      },
    ],
  },
};

const config = [
  ...nextVitals,
  ...nextTs,
  dataLayer,
  { ignores: ["lib/db/generated/**", ".next/**", "dist/**", "node_modules/**", "test-results/**", "playwright-report/**", ".stryker-tmp/**", "reports/**"] },
];

export default config;
