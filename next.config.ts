import type { NextConfig } from "next";
import { BODY_LIMIT_BYTES } from "./lib/http/edge";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // server.ts logs every request without its query string (lib/ops/log.ts); Next's dev log would print it.
  logging: { incomingRequests: false },
  experimental: {
    authInterrupts: true,
    // One limit everywhere (lib/http/edge.ts): proxy.ts answers 413 itself; Next's own check (a 500) and
    // the copy it buffers for the proxy stop one byte past it.
    serverActions: { bodySizeLimit: BODY_LIMIT_BYTES },
    proxyClientMaxBodySize: BODY_LIMIT_BYTES + 1,
  },
  serverExternalPackages: ["@node-rs/argon2", "@electric-sql/pglite", "@electric-sql/pglite-socket", "pg"],
  // Static assets bypass proxy.ts; they still get the headers that do not depend on a nonce.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
