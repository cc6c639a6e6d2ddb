#!/usr/bin/env bash
# The whole suite: unit, integration (real PostgreSQL when DATABASE_URL/TEST_DATABASE_URL is set, otherwise
# the embedded default) and end-to-end in the system Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ -z "${PLAYWRIGHT_CHROMIUM:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "end-to-end tests need Chromium: install Debian's 'chromium' or set PLAYWRIGHT_CHROMIUM" >&2
    exit 1
  fi
fi

npm run typecheck
npm run lint
npx vitest run
# End-to-end tests drive the production build: .next/ and the compiled server, dist/server.js.
npm run build
npx playwright test
