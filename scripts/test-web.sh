#!/usr/bin/env bash
# The frontend's tests: vitest (components, API client), then Playwright on Debian's chromium against the
# real DevHost in demo mode on a throwaway PostgreSQL and Azurite. Screenshots land in web/screenshots/.
# Ends with its own "N passed, N failed" line and exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$REPO_ROOT"

WEB="$REPO_ROOT/web"
DEVHOST="$REPO_ROOT/Billing.DevHost/bin/Release/net10.0/Billing.DevHost"
STATE="$(mktemp -d /tmp/billing-web-test.XXXXXX)"
chmod 755 "$STATE"
DEVHOST_PID=""
SERVE_PID=""

cleanup() {
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null || true
  [[ -n "$DEVHOST_PID" ]] && kill "$DEVHOST_PID" 2>/dev/null && wait "$DEVHOST_PID" 2>/dev/null || true
  stop_azurite "$STATE/azurite"
  stop_postgres "$STATE/pgdata"
  rm -rf "$STATE"
}
trap cleanup EXIT

passed=0
failed=0
# count_results FILE: adds a vitest or Playwright JSON report's counts; a missing report is one failure.
count_results() {
  local counts
  if counts="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = r.stats ? r.stats.expected + r.stats.flaky : r.numPassedTests;
    const f = r.stats ? r.stats.unexpected + r.stats.skipped : r.numFailedTests + r.numPendingTests + r.numTodoTests;
    console.log(p + " " + f);' "$1" 2>/dev/null)"; then
    passed=$((passed + ${counts% *}))
    failed=$((failed + ${counts#* }))
  else
    failed=$((failed + 1))
  fi
}

ensure_chromium() {
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && return 0
  log "Installing Debian's chromium and fonts-nanum (apt-get)"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-nanum >&2
}

ensure_node_modules
ensure_web_modules
ensure_chromium
if [[ ! -x "$DEVHOST" ]]; then
  log "Building DevHost (Release)"
  dotnet build Billing.DevHost -c Release --nologo -v quiet
fi

log "Frontend unit tests (vitest)"
set +e
(cd "$WEB" && npm run --silent gen:api >/dev/null && npx vitest run --reporter=default --reporter=json --outputFile.json="$STATE/vitest.json")
set -e
count_results "$STATE/vitest.json"

PG_PORT="$(free_port)"
AZURITE_PORT="$(free_port)"
AZURITE_BLOB_PORT="$(free_port)"
API_PORT="$(free_port)"
WEB_PORT="$(free_port)"
WEB_URL="http://127.0.0.1:$WEB_PORT"
API_URL="http://127.0.0.1:$API_PORT/api/v1/billing"

start_postgres "$STATE/pgdata" "$PG_PORT"
start_azurite "$STATE/azurite" "$AZURITE_PORT" "$AZURITE_BLOB_PORT"

# DevHost's settings: the sample's, with this run's frontend origin as the CORS origin and redirect origin.
node -e '
  const fs = require("fs");
  const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  s.Values.FRONTEND_BASE_URL = process.argv[3];
  s.Host.CORS = process.argv[3];
  fs.writeFileSync(process.argv[2], JSON.stringify(s, null, 2));' \
  local.settings.sample.json "$STATE/local.settings.json" "$WEB_URL"

log "Starting DevHost (demo mode) on 127.0.0.1:$API_PORT"
BILLING_DATABASE="Host=127.0.0.1;Port=$PG_PORT;Database=billing;Username=postgres" \
AzureWebJobsStorage="$(azurite_connection_string "$AZURITE_PORT" "$AZURITE_BLOB_PORT")" \
DEMO_MODE=true ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" \
  "$DEVHOST" --settings "$STATE/local.settings.json" >"$STATE/devhost.log" 2>&1 &
DEVHOST_PID=$!

log "Building the frontend against $API_URL"
(cd "$WEB" && NEXT_PUBLIC_BILLING_API_URL="$API_URL" NEXT_PUBLIC_DEV_SIGN_IN=true npm run --silent build >"$STATE/next-build.log" 2>&1) \
  || { cat "$STATE/next-build.log" >&2; echo "${passed} passed, $((failed + 1)) failed"; exit 1; }

# With the headers the Static Web App sends (serve.json, written by the build); the browser tests fail on a CSP violation.
"$WEB/node_modules/.bin/serve" -L -n -c "$WEB/serve.json" -l "tcp://127.0.0.1:$WEB_PORT" "$WEB/out" >"$STATE/serve.log" 2>&1 &
SERVE_PID=$!

ready=""
for _ in $(seq 1 200); do
  if curl -fs "$API_URL/plans" >/dev/null 2>&1 && curl -fs "$WEB_URL/en/billing/pricing/" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$DEVHOST_PID" 2>/dev/null || break
  sleep 0.3
done
if [[ -z "$ready" ]]; then
  echo "DevHost or the static server did not start:" >&2
  tail -n 40 "$STATE/devhost.log" "$STATE/serve.log" >&2
  echo "${passed} passed, $((failed + 1)) failed"
  exit 1
fi

log "Browser tests (Playwright on chromium): $WEB_URL against $API_URL"
rm -rf "$WEB/screenshots"
set +e
(cd "$WEB" && WEB_URL="$WEB_URL" API_URL="$API_URL" DEVHOST="$DEVHOST" DEVHOST_SETTINGS="$STATE/local.settings.json" \
  SCREENSHOT_DIR="$WEB/screenshots" E2E_RESULTS="$STATE/playwright.json" npx playwright test)
set -e
count_results "$STATE/playwright.json"
if [[ $failed -gt 0 ]]; then
  echo "DevHost log (last lines):" >&2
  tail -n 30 "$STATE/devhost.log" >&2
fi

log "Screenshots: web/screenshots/"
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
