#!/usr/bin/env bash
# Offline checks of infra/: the Bicep CLI from NuGet builds every .bicep and .bicepparam file and lints them
# with infra/bicepconfig.json, whose rules are errors; any warning fails too. Writes infra/.build/main.json,
# which the settings-coverage test reads.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

dotnet restore infra/tools/BicepCli.csproj --nologo -v quiet >&2
BICEP="$(dotnet msbuild infra/tools/BicepCli.csproj -t:PrintBicepPath -nologo -v:m | tail -n 1 | xargs)/tools/bicep"
[[ -x "$BICEP" ]] || chmod +x "$BICEP"

OUT="infra/.build"
rm -rf "$OUT" && mkdir -p "$OUT"
LOG="$OUT/bicep.log"
status=0
{
  "$BICEP" build --pattern 'infra/**/*.bicep' --outdir "$OUT" || status=1
  "$BICEP" lint --pattern 'infra/**/*.bicep' || status=1
  # The parameter files read STRIPE_SECRET_KEY with no default (a deployment needs it): a placeholder, only to build them here.
  export STRIPE_SECRET_KEY="${STRIPE_SECRET_KEY:-sk_test_placeholder_for_the_offline_build_only}"
  for params in infra/env/*.bicepparam; do
    "$BICEP" build-params "$params" --outfile "$OUT/$(basename "$params" .bicepparam).parameters.json" || status=1
  done
  "$BICEP" lint --pattern 'infra/env/*.bicepparam' || status=1
} >"$LOG" 2>&1
if grep -Eiq "warning|error" "$LOG"; then status=1; fi
if [[ $status -ne 0 ]]; then
  echo "Bicep build or lint failed:" >&2
  cat "$LOG" >&2
  exit 1
fi
echo "Bicep: $(ls infra/*.bicep infra/modules/*.bicep infra/env/*.bicepparam | wc -l) files built and linted clean" >&2
