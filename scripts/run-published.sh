#!/usr/bin/env bash
# The container image's publish and start commands, outside a container (Docker images cannot be built
# everywhere): `scripts/run-published.sh [DATA_DIR] [URL]`. Publishes to artifacts/publish, then starts it
# with the data in DATA_DIR (default artifacts/data) on URL (default http://127.0.0.1:8080).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/artifacts/data}"
url="${2:-http://127.0.0.1:8080}"
"$root/scripts/publish.sh" "$root/artifacts/publish"
mkdir -p "$data"
BetterDb__DataDirectory="$data" ASPNETCORE_URLS="$url" exec "$root/scripts/start.sh" "$root/artifacts/publish"
