#!/usr/bin/env bash
# Runs the benchmarks: builds Release, starts its own PostgreSQL (fsync and synchronous_commit on), Azurite
# and DevHost processes, prints a table and writes bench/results/bench-*.json. `bench/run.sh --quick` is a
# one-tenth smoke run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/services.sh
ensure_node_modules
dotnet build Billing.DevHost -c Release --nologo -v quiet
dotnet build bench/Billing.Bench -c Release --nologo -v quiet
exec dotnet bench/Billing.Bench/bin/Release/net10.0/Billing.Bench.dll "$@"
