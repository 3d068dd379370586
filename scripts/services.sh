#!/usr/bin/env bash
# Local PostgreSQL and Azurite for LogiNexus Billing: sourced by run.sh, test.sh and bench.
# Everything lives under one state folder and is stopped by stop_services.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The well-known Azurite development account: a public constant, not a secret.
AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pg_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -x "$dir/initdb" ]] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; return 1; }
  echo "$dir"
}

# initdb refuses to run as root: run the server as the postgres user then.
as_pg_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# state_dir DIR: makes DIR (a run's PostgreSQL cluster, Azurite data and logs) readable by the postgres user that
# runs the cluster when this is root, and prints it.
state_dir() {
  mkdir -p "$1"
  chmod 755 "$1"
  echo "$1"
}

ensure_node_modules() {
  if [[ ! -x "$REPO_ROOT/node_modules/.bin/azurite-queue" || ! -x "$REPO_ROOT/node_modules/.bin/redocly" ]]; then
    log "Installing Azurite and @redocly/cli (npm ci)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# The frontend keeps its own package.json and lock file in web/ (a parent lock file confuses Next's root).
ensure_web_modules() {
  local web="$REPO_ROOT/web"
  if [[ ! -x "$web/node_modules/.bin/next" || "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]]; then
    log "Installing the frontend's packages (npm ci in web/)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# build_web API_URL: the pages (web/out) built against API_URL, with the dev sign-in page.
build_web() {
  (cd "$REPO_ROOT/web" && NEXT_PUBLIC_BILLING_API_URL="$1" NEXT_PUBLIC_DEV_SIGN_IN=true npm run --silent build)
}

# serve_web PORT: serves web/out on 127.0.0.1:PORT in the background ($! is its pid), with the headers and the / redirect
# of the Static Web App (web/serve.json, written by the build from public/staticwebapp.config.json); a missing path
# is out/404.html.
serve_web() {
  "$REPO_ROOT/web/node_modules/.bin/serve" -L -n -c "$REPO_ROOT/web/serve.json" -l "tcp://127.0.0.1:$1" "$REPO_ROOT/web/out" &
}

# claim_local_run STATE_DIR: one run.sh per state folder. Writes STATE_DIR/run.pid with this shell's pid, or, while
# another live process holds it, prints one line (what runs, how to stop it) and fails without touching anything.
claim_local_run() {
  local state="$1" pid
  mkdir -p "$state"
  if ! (set -o noclobber; echo "$$" >"$state/run.pid") 2>/dev/null; then
    pid="$(cat "$state/run.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      echo "LogiNexus Billing is already running from $state (run.sh, pid $pid, with its PostgreSQL and Azurite): use it, or stop it with Ctrl-C in its terminal or kill $pid" >&2
      return 1
    fi
    rm -f "$state/run.pid" # left by a run that ended without its cleanup
    (set -o noclobber; echo "$$" >"$state/run.pid") 2>/dev/null || { echo "Another run.sh is starting from $state right now; try again" >&2; return 1; }
  fi
}

# release_local_run STATE_DIR: gives the claim up, if it is this shell's.
release_local_run() {
  [[ "$(cat "$1/run.pid" 2>/dev/null || true)" == "$$" ]] && rm -f "$1/run.pid"
  return 0
}

# start_postgres DATA_DIR PORT [durable]: initialises the cluster on first use; fsync stays on when durable.
start_postgres() {
  local data="$1" port="$2" durable="${3:-}" bin
  bin="$(pg_bin_dir)"
  mkdir -p "$data"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$data"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "Initialising PostgreSQL cluster in $data"
    as_pg_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=500"
  if [[ -z "$durable" ]]; then options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  log "Starting PostgreSQL on 127.0.0.1:$port"
  as_pg_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -o "$options" -w -t 60 start >/dev/null
  as_pg_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='billing'" | grep -q 1 \
    || as_pg_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres billing
}

stop_postgres() {
  local data="$1" bin
  bin="$(pg_bin_dir)"
  if [[ -f "$data/postmaster.pid" ]]; then
    as_pg_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# start_azurite DATA_DIR QUEUE_PORT BLOB_PORT: the queue service (stripe-events) and the blob service (events too
# large for a queue message: the claim check), each its own process; prints nothing, writes the pids to
# DATA_DIR/azurite.pid and DATA_DIR/azurite-blob.pid.
start_azurite() {
  local data="$1" port="$2" blob_port="${3:?start_azurite DATA_DIR QUEUE_PORT BLOB_PORT}"
  ensure_node_modules
  mkdir -p "$data"
  log "Starting Azurite (queues on 127.0.0.1:$port, blobs on 127.0.0.1:$blob_port)"
  "$REPO_ROOT/node_modules/.bin/azurite-queue" --queueHost 127.0.0.1 --queuePort "$port" --location "$data" \
    --skipApiVersionCheck --disableTelemetry --silent >"$data/azurite.log" 2>&1 &
  echo $! >"$data/azurite.pid"
  "$REPO_ROOT/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$blob_port" --location "$data" \
    --skipApiVersionCheck --disableTelemetry --silent >"$data/azurite-blob.log" 2>&1 &
  echo $! >"$data/azurite-blob.pid"
  local service pid
  for service in "$port:$data/azurite.pid" "$blob_port:$data/azurite-blob.pid"; do
    pid="$(cat "${service#*:}")"
    for _ in $(seq 1 600); do # up to 60 s: on a busy machine node takes a while to load Azurite
      if (exec 3<>"/dev/tcp/127.0.0.1/${service%%:*}") 2>/dev/null; then continue 2; fi
      kill -0 "$pid" 2>/dev/null || break # it exited (the port taken, say)
      sleep 0.1
    done
    echo "Azurite did not start on port ${service%%:*}; see $data/azurite.log and $data/azurite-blob.log" >&2
    stop_azurite "$data"
    return 1
  done
}

stop_azurite() {
  local data="$1" pid
  for pid in "$data/azurite.pid" "$data/azurite-blob.pid"; do
    if [[ -f "$pid" ]]; then
      kill "$(cat "$pid")" 2>/dev/null || true
      rm -f "$pid"
    fi
  done
}

# azurite_connection_string QUEUE_PORT BLOB_PORT
azurite_connection_string() {
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_ACCOUNT_KEY;QueueEndpoint=http://127.0.0.1:$1/devstoreaccount1;BlobEndpoint=http://127.0.0.1:$2/devstoreaccount1;"
}
