#!/usr/bin/env bash
# Builds the deploy-time migration artifacts into artifacts/migrations/:
#   migrations.sql  an idempotent SQL script (safe to run on every deploy)
#   efbundle        a self-contained EF Core migrations bundle (linux-x64) that applies the same migrations
# The Function App never migrates at start-up; see docs/deploy.md.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
OUT="artifacts/migrations"
mkdir -p "$OUT"
dotnet tool restore >/dev/null
dotnet ef migrations script --idempotent --project Billing.Core --output "$OUT/migrations.sql"
dotnet ef migrations bundle --project Billing.Core --self-contained --target-runtime linux-x64 --force --output "$OUT/efbundle"
echo "Wrote $OUT/migrations.sql and $OUT/efbundle" >&2
