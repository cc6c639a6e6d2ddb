import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  { ignores: ["lib/db/generated/**", ".next/**", "dist/**", "node_modules/**", "test-results/**", "playwright-report/**"] },
];

export default config;
