#!/usr/bin/env bash
# Starts LogiNexus Billing locally in demo mode: PostgreSQL (cluster in .local/), Azurite, migrations,
# DevHost on http://127.0.0.1:7071, and the frontend (web/out) on http://localhost:3000.
# Ctrl-C stops everything this script started, and nothing else: a second run.sh while one runs refuses at once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$REPO_ROOT"

STATE="$(state_dir "${BILLING_LOCAL_STATE:-$REPO_ROOT/.local}")"
PG_PORT="${BILLING_PG_PORT:-55432}"
AZURITE_PORT="${BILLING_AZURITE_PORT:-10001}"
AZURITE_BLOB_PORT="${BILLING_AZURITE_BLOB_PORT:-10000}"
claim_local_run "$STATE" || exit 1

DEVHOST_PID=""
SERVE_PID=""
PG_STARTED=""
AZURITE_STARTED=""
WEB_PORT="${BILLING_WEB_PORT:-3000}"
# Stops only what this run started (a PostgreSQL that was already running, say, stays up).
cleanup() {
  trap - EXIT INT TERM
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null || true
  [[ -n "$DEVHOST_PID" ]] && kill "$DEVHOST_PID" 2>/dev/null && wait "$DEVHOST_PID" 2>/dev/null || true
  [[ -n "$AZURITE_STARTED" ]] && stop_azurite "$STATE/azurite"
  [[ -n "$PG_STARTED" ]] && stop_postgres "$STATE/pgdata"
  release_local_run "$STATE"
  log "Stopped"
}
trap cleanup EXIT INT TERM

[[ -f local.settings.json ]] || { cp local.settings.sample.json local.settings.json; log "Created local.settings.json from the sample"; }

log "Building"
dotnet build Billing.DevHost -c Release --nologo -v quiet
start_postgres "$STATE/pgdata" "$PG_PORT" durable
PG_STARTED=1
start_azurite "$STATE/azurite" "$AZURITE_PORT" "$AZURITE_BLOB_PORT"
AZURITE_STARTED=1

export BILLING_DATABASE="Host=127.0.0.1;Port=$PG_PORT;Database=billing;Username=postgres"
export AzureWebJobsStorage="$(azurite_connection_string "$AZURITE_PORT" "$AZURITE_BLOB_PORT")"
# Demo mode, asked for out loud (never fallen into): no Stripe calls and no payments; plan limits are enforced and a demo
# upgrade (synthetic Stripe events) lifts them. DevHost runs
# in Development (as func start does), where demo mode is allowed.
export DEMO_MODE=true
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
DEVHOST="$REPO_ROOT/Billing.DevHost/bin/Release/net10.0/Billing.DevHost"

TOKEN="$("$DEVHOST" token --settings local.settings.json --role admin)"
"$DEVHOST" --settings local.settings.json &
DEVHOST_PID=$!

for _ in $(seq 1 100); do
  curl -fs "$ASPNETCORE_URLS/api/v1/billing/plans" >/dev/null 2>&1 && break
  kill -0 "$DEVHOST_PID" 2>/dev/null || { echo "DevHost exited; see the output above" >&2; exit 1; }
  sleep 0.3
done

# What to do with the API is printed as soon as it answers; the pages follow once web/ is built (~30 s).
cat <<INFO

  LogiNexus Billing (demo mode) is running at $ASPNETCORE_URLS/api/v1/billing
  Demo mode takes no payments and never calls Stripe; plan limits are enforced (402 at the limit), and upgrades,
  plan switches, cancel and resume work through synthetic Stripe events (a demo upgrade lifts the limit).

  A dev admin token (tenant 11111111-1111-4111-8111-111111111111, 12 h, signed with the local dev key):
    export TOKEN=$TOKEN

  Then try:
    curl $ASPNETCORE_URLS/api/v1/billing/plans
    curl -H "Authorization: Bearer \$TOKEN" $ASPNETCORE_URLS/api/v1/billing/usage
    curl -X POST -H "Authorization: Bearer \$TOKEN" -d '{"quantity":3}' $ASPNETCORE_URLS/api/v1/billing/usage/shipments/consume

  The pages follow at http://localhost:$WEB_PORT/ once they are built (a line below says when; Korean: /ko/billing/…).
  Sign in as that dev admin (opens the dashboard with live usage):
    http://localhost:$WEB_PORT/en/billing/sign-in/#token=$TOKEN

  More tokens: Billing.DevHost/bin/Release/net10.0/Billing.DevHost token --tenant <uuid> --role member
  Ctrl-C stops the frontend server, DevHost, Azurite and PostgreSQL.

INFO

# The frontend, built against this DevHost with the dev sign-in page; local.settings.json's Host.CORS and
# FRONTEND_BASE_URL name http://localhost:3000.
ensure_web_modules
log "Building the pages (web/) against $ASPNETCORE_URLS/api/v1/billing"
build_web "$ASPNETCORE_URLS/api/v1/billing" >/dev/null
serve_web "$WEB_PORT" >/dev/null 2>&1
SERVE_PID=$!
log "The pages are up: http://localhost:$WEB_PORT/ (sign in with the link above)"
wait "$DEVHOST_PID"
