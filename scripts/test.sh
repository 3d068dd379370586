#!/usr/bin/env bash
# Builds and runs the whole xunit suite against a throwaway PostgreSQL cluster and Azurite.
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter Usage]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$REPO_ROOT"

STATE="$(state_dir "$(mktemp -d /tmp/billing-test.XXXXXX)")"
PG_PORT="$(free_port)"
AZURITE_PORT="$(free_port)"
AZURITE_BLOB_PORT="$(free_port)"

cleanup() {
  stop_azurite "$STATE/azurite"
  stop_postgres "$STATE/pgdata"
  rm -rf "$STATE"
}
trap cleanup EXIT

ensure_node_modules
log "Linting the API contract openapi/billing.yaml (@redocly/cli, rules in redocly.yaml)"
# On Node 20 Redocly CLI boxes a Node-version deprecation notice on stderr on every run: dropped, the rest kept.
{ REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint billing --format=stylish 2>&1 1>&3 \
  | sed '/^ *[╔║╚]/d' | cat -s >&2; } 3>&1
log "Checking infra/ offline (Bicep build + lint)"
scripts/check-infra.sh
log "Building"
# NuGet's NU1603 (a newer package than asked for was resolved; not an error here) repeats for every project and
# again in the summary: each distinct line is printed once.
dotnet build LogiNexus.Billing.sln -c Release --nologo -v minimal | awk '!/warning NU1603/ || !seen[$0]++'
start_postgres "$STATE/pgdata" "$PG_PORT"
# One Azurite account per DevHost the tests start, so hosts never take each other's queue messages.
ACCOUNTS="$(printf 'billing%02d,' $(seq 1 24))devstoreaccount1"
export AZURITE_ACCOUNTS="$(echo "$ACCOUNTS" | tr ',' '\n' | sed "s|$|:$AZURITE_ACCOUNT_KEY|" | paste -sd';')"
start_azurite "$STATE/azurite" "$AZURITE_PORT" "$AZURITE_BLOB_PORT"

export BILLING_TEST_DATABASE="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=40"
export BILLING_TEST_STORAGE="$(azurite_connection_string "$AZURITE_PORT" "$AZURITE_BLOB_PORT")"
export BILLING_TEST_PG_DATA="$STATE/pgdata"
export BILLING_TEST_PG_BIN="$(pg_bin_dir)"
export BILLING_TEST_AZURITE_DATA="$STATE/azurite"
export BILLING_TEST_AZURITE_PORT="$AZURITE_PORT"
export BILLING_TEST_AZURITE_BLOB_PORT="$AZURITE_BLOB_PORT"
export BILLING_TEST_AZURITE_ACCOUNTS="$ACCOUNTS"
export BILLING_TEST_AZURITE_KEY="$AZURITE_ACCOUNT_KEY"
# Files the tests write (settings files, drill clusters) go here, inside the state folder cleanup removes.
export BILLING_TEST_SCRATCH="$STATE/scratch"
state_dir "$BILLING_TEST_SCRATCH" >/dev/null
# Billing.Tests/Infrastructure/ContractValidator.cs writes what it validated against openapi/billing.yaml here.
export BILLING_TEST_CONTRACT_REPORT="$STATE/contract-report.txt"

log "Testing"
# Hosts the tests start log to the console ("12:00:00 fail: …"): the errors the tests cause on purpose (bad
# settings, refused writes, stopped services). They stay out of this output and in TestResults/xunit.log.
mkdir -p TestResults
HOST_LOG_LINE='^[0-9]{2}:[0-9]{2}:[0-9]{2} (trce|dbug|info|warn|fail|crit): '
set +e
dotnet test LogiNexus.Billing.sln -c Release --no-build --nologo --logger "console;verbosity=detailed" "$@" \
  | tee "$STATE/test.log" | grep --line-buffered -vE "$HOST_LOG_LINE"
status=${PIPESTATUS[0]}
set -e
cp "$STATE/test.log" TestResults/xunit.log
host_lines="$(grep -cE "$HOST_LOG_LINE" "$STATE/test.log" || true)"
[[ "$host_lines" -gt 0 ]] && echo "($host_lines log lines of the hosts under test, errors the tests provoke, are in TestResults/xunit.log)"
passed="$(grep -Eo '^\s+Passed:\s+[0-9]+' "$STATE/test.log" | grep -Eo '[0-9]+' | tail -n 1 || true)"
failed="$(grep -Eo '^\s+Failed:\s+[0-9]+' "$STATE/test.log" | grep -Eo '[0-9]+' | tail -n 1 || true)"
passed="${passed:-0}"; failed="${failed:-0}"
[[ -f "$BILLING_TEST_CONTRACT_REPORT" ]] && cat "$BILLING_TEST_CONTRACT_REPORT"
xunit_line="$(printf '%-11s %s passed, %s failed' "xunit:" "$passed" "$failed")"
echo "$xunit_line"

# The frontend (vitest + Playwright against a real DevHost) runs on a full run, not on a filtered one
# (BILLING_WEB_TESTS=1 forces it). It starts its own PostgreSQL and Azurite: stop this run's first.
if [[ $# -eq 0 || "${BILLING_WEB_TESTS:-}" == 1 ]]; then
  stop_azurite "$STATE/azurite"
  stop_postgres "$STATE/pgdata"
  log "Frontend tests (scripts/test-web.sh)"
  set +e
  scripts/test-web.sh | tee "$STATE/web.log"
  web_status=${PIPESTATUS[0]}
  set -e
  web_line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$STATE/web.log" | tail -n 1 || true)"
  web_passed="$(echo "${web_line:-0 passed, 1 failed}" | awk '{print $1}')"
  web_failed="$(echo "${web_line:-0 passed, 1 failed}" | awk '{print $3}')"
  [[ $web_status -ne 0 && $web_failed -eq 0 ]] && web_failed=1
  passed=$((passed + web_passed))
  failed=$((failed + web_failed))
  [[ $status -eq 0 ]] && status=$web_status
  # What passed, suite by suite, above the total (CI reads the last line).
  echo "$xunit_line"
  grep -E '^(vitest|Playwright|Lighthouse): +[0-9]+ passed' "$STATE/web.log" || true
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
