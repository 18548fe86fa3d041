#!/usr/bin/env bash
# Runs every test of the repository: BetterDb.Tests (unit, integration against a real
# redis-server, bunit components) and BetterDb.E2E (the real app in Debian's Chromium).
#
# Works on a fresh Debian 12 machine as root (installs redis-server, redis-tools,
# chromium and postgresql when they are missing) and on a developer box that already has them.
# BetterDb.Tests runs twice: on SQLite (the default), then its storage-touching tests again with
# every app on PostgreSQL (BETTERDB_TEST_STORAGE=postgres; the tests start their own server).
# Exits non-zero if anything fails; the last line is "N passed, N failed".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONFIGURATION=Release
RESULTS="$PWD/artifacts/test-results"

log() { printf '\n==> %s\n' "$*"; }

if ! command -v dotnet >/dev/null 2>&1; then
  echo "dotnet is not installed: this needs the .NET 10 SDK on the PATH." >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# --- system packages -------------------------------------------------------
has_package() { dpkg -s "$1" >/dev/null 2>&1; }
missing=()
command -v redis-server >/dev/null 2>&1 || has_package redis-server || missing+=(redis-server)
{ command -v redis-cli >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; } || has_package redis-tools || missing+=(redis-tools)
command -v chromium >/dev/null 2>&1 || has_package chromium || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || has_package postgresql || missing+=(postgresql)
installed_redis=0
if ((${#missing[@]} > 0)); then
  log "Installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y "${missing[@]}"
  [[ " ${missing[*]} " == *" redis-server "* ]] && installed_redis=1
fi

# Debian's redis-server package starts a service on 6379. The tests start their own
# servers on free ports; a stray system one must not be mistaken for them.
if [ "$installed_redis" = 1 ] || [ -e /etc/init.d/redis-server ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop redis-server >/dev/null 2>&1 || true
    systemctl disable redis-server >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
  fi
fi
# Debian's postgresql package starts a cluster on 5432 too; the tests make their own in a temp directory.
if [ -e /etc/init.d/postgresql ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop postgresql >/dev/null 2>&1 || true
    systemctl disable postgresql >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    service postgresql stop >/dev/null 2>&1 || true
  fi
fi
if command -v redis-cli >/dev/null 2>&1 && redis-cli -p 6379 ping >/dev/null 2>&1; then
  echo "note: something still answers on 127.0.0.1:6379; the tests do not use it (each starts its own redis-server)." >&2
fi

for tool in redis-server redis-cli chromium; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is still missing after installation" >&2; echo "0 passed, 1 failed"; exit 1; }
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { echo "postgres is still missing after installation" >&2; echo "0 passed, 1 failed"; exit 1; }

# --- build once ------------------------------------------------------------
log "Building BetterDb.sln ($CONFIGURATION)"
if ! dotnet build BetterDb.sln -c "$CONFIGURATION" -v q -nologo; then
  echo "The build failed." >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# --- test ------------------------------------------------------------------
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0
failed=0

# counter NAME FILE: the value of attribute NAME on the trx file's <Counters> element.
counter() {
  local value
  value=$(grep -o '<Counters [^>]*>' "$2" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" | head -n 1) || true
  echo "${value:-0}"
}

# run_tests PROJECT [NAME [dotnet test arguments...]]
run_tests() {
  local project="$1" name
  name="${2:-$(basename "$project" .csproj)}"
  shift; shift || true
  log "Testing $name"
  local trx="$RESULTS/$name.trx" rc=0
  dotnet test "$project" --no-build -c "$CONFIGURATION" "$@" \
    --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$name.trx" \
    --results-directory "$RESULTS" \
    --blame-hang-timeout 5m --blame-hang-dump-type none || rc=$?
  if [ -f "$trx" ]; then
    local p f e t
    p=$(counter passed "$trx"); f=$(counter failed "$trx"); e=$(counter error "$trx"); t=$(counter timeout "$trx")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
    # A test host that crashed or hung fails the run even if no single test is marked failed.
    if [ "$rc" -ne 0 ] && [ "$(( ${f:-0} + ${e:-0} + ${t:-0} ))" -eq 0 ]; then
      echo "$name: dotnet test exited with $rc although no test is marked failed (aborted run?)" >&2
      failed=$((failed + 1))
    fi
  else
    echo "$name: no results were written (dotnet test exited with $rc)" >&2
    failed=$((failed + 1))
  fi
}

started=$SECONDS
run_tests BetterDb.Tests/BetterDb.Tests.csproj
# Again on PostgreSQL: every test whose app stores anything (not the pure parsers, query and component tests),
# but those about SQLite's own files and those that run on PostgreSQL in the pass above already.
BETTERDB_TEST_STORAGE=postgres run_tests BetterDb.Tests/BetterDb.Tests.csproj BetterDb.Tests.postgres \
  --filter "Storage!=sqlite-only&Storage!=postgres&FullyQualifiedName!~BetterDb.Tests.Lines.&FullyQualifiedName!~BetterDb.Tests.Query.&FullyQualifiedName!~BetterDb.Tests.Components.&FullyQualifiedName!~BetterDb.Tests.Preflight."
run_tests BetterDb.E2E/BetterDb.E2E.csproj

# failures TRX: each failed test's name and the first lines of its message, so that the
# last lines of the output (often all a CI log keeps) say what failed and why.
failures() {
  awk '
    /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); infail = 1; next }
    /<UnitTestResult / { infail = 0 }
    infail && /<Message>/ { inmsg = 1; shown = 0; printf "FAILED %s\n", name; sub(/.*<Message>/, "") }
    inmsg { line = $0; done = sub(/<\/Message>.*/, "", line); if (shown < 6 && line != "") { printf "    %s\n", line; shown++ } if (done) { inmsg = 0; infail = 0 } }
  ' "$1" | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' | cut -c1-400
}

if [ "$failed" -gt 0 ]; then
  log "What failed"
  for trx in "$RESULTS"/*.trx; do [ -f "$trx" ] && failures "$trx"; done
fi
log "Finished in $((SECONDS - started)) s; results in ${RESULTS#"$PWD"/}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
