#!/usr/bin/env bash
# The frontend's tests: vitest (components, API client), then Playwright on Debian's chromium against the
# real DevHost in demo mode on a throwaway PostgreSQL and Azurite, then Lighthouse on every page (both languages,
# mobile and desktop; web/audit/lighthouse.mjs). Screenshots land in web/screenshots/, the Lighthouse reports of
# pages under target in web/lighthouse-reports/.
# Ends with one line per suite and its own "N passed, N failed" line, and exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$REPO_ROOT"

WEB="$REPO_ROOT/web"
DEVHOST="$REPO_ROOT/Billing.DevHost/bin/Release/net10.0/Billing.DevHost"
STATE="$(state_dir "$(mktemp -d /tmp/billing-web-test.XXXXXX)")"
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
summary=()
# count_results SUITE FILE: adds a vitest, Playwright or Lighthouse JSON report's counts; a missing report is one failure.
count_results() {
  local counts p f
  if counts="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = r.stats ? r.stats.expected + r.stats.flaky : r.numPassedTests;
    const f = r.stats ? r.stats.unexpected + r.stats.skipped : r.numFailedTests + r.numPendingTests + r.numTodoTests;
    console.log(p + " " + f);' "$2" 2>/dev/null)"; then
    p=${counts% *}; f=${counts#* }
  else
    p=0; f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  summary+=("$(printf '%-11s %s passed, %s failed' "$1:" "$p" "$f")")
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
count_results vitest "$STATE/vitest.json"

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
build_web "$API_URL" >"$STATE/next-build.log" 2>&1 \
  || { cat "$STATE/next-build.log" >&2; echo "${passed} passed, $((failed + 1)) failed"; exit 1; }

# With the Static Web App's headers (see serve_web): the browser tests fail on a CSP violation.
serve_web "$WEB_PORT" >"$STATE/serve.log" 2>&1
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
count_results Playwright "$STATE/playwright.json"

# Lighthouse as a browser's own audit: signed-in pages as a fresh tenant's admin (the script upgrades it to Pro).
log "Page audits (Lighthouse on chromium): every page, en and ko, mobile and desktop"
rm -rf "$WEB/lighthouse-reports"
AUDIT_TENANT="$(node -e 'console.log(require("crypto").randomUUID())')"
set +e
(cd "$WEB" && WEB_URL="$WEB_URL" API_URL="$API_URL" RESULTS="$STATE/lighthouse.json" REPORT_DIR="$WEB/lighthouse-reports" \
  TOKEN="$("$DEVHOST" token --tenant "$AUDIT_TENANT" --role admin --settings "$STATE/local.settings.json")" \
  node audit/lighthouse.mjs)
set -e
count_results Lighthouse "$STATE/lighthouse.json"

if [[ $failed -gt 0 ]]; then
  echo "DevHost log (last lines):" >&2
  tail -n 30 "$STATE/devhost.log" >&2
fi

log "Screenshots: web/screenshots/"
printf '%s\n' "${summary[@]}"
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
