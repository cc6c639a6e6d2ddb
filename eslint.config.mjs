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

/**
 * A form handled in the browser (onSubmit) that is submitted before its JavaScript loads falls back to the
 * browser's default, GET: its fields, a password or an SSN among them, would land in the address bar, the
 * history and the server's logs. Such forms say method="post"; forms whose action is a server action get
 * POST from React.
 */
const formsPost = {
  files: ["app/**/*.tsx", "components/**/*.tsx"],
  rules: {
    "no-restricted-syntax": [
      "error",
      {
        selector: "JSXOpeningElement[name.name='form']:not(:has(JSXAttribute[name.name='method'])):not(:has(JSXAttribute[name.name='action']))",
        message: 'Add method="post": submitted before hydration, a form without it sends its fields in the URL.',
      },
    ],
  },
};

const config = [
  ...nextVitals,
  ...nextTs,
  dataLayer,
  formsPost,
  { ignores: ["lib/db/generated/**", ".next/**", "dist/**", "node_modules/**", "test-results/**", "playwright-report/**", ".stryker-tmp*/**", "reports/**"] },
];

export default config;
