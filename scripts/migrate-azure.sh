#!/usr/bin/env bash
# Applies the database migrations to the Azure deployment, at deploy time (the Function App never migrates),
# then grants the app's managed identity its DML-only role. Needs: az (logged in as the deployer, the
# PostgreSQL Entra administrator), psql, and the .NET SDK.
# Usage: scripts/migrate-azure.sh <resource-group> [deployment-name]
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
RG="${1:?usage: scripts/migrate-azure.sh <resource-group> [deployment-name]}"
DEPLOYMENT="${2:-main}"

output() { az deployment group show -g "$RG" -n "$DEPLOYMENT" --query "properties.outputs.$1.value" -o tsv; }
export PGHOST="$(output postgresHost)"
APP="$(output functionAppName)"
export PGDATABASE=billing PGSSLMODE=require
export PGUSER="${DEPLOYER_NAME:?export DEPLOYER_NAME (the PostgreSQL Entra administrator) first}"
export PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)"

scripts/build-migrations.sh
psql -v ON_ERROR_STOP=1 -f artifacts/migrations/migrations.sql
psql -v ON_ERROR_STOP=1 -v app_role="$APP" -f infra/grant-app.sql
echo "Migrated $PGHOST/billing and granted $APP" >&2
