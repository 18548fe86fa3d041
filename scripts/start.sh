#!/usr/bin/env bash
# Starts a published app the way the container image does: `scripts/start.sh APP_DIR`.
# The data directory is BetterDb__DataDirectory (the image sets /data); the address is ASPNETCORE_URLS.
set -euo pipefail
app="${1:?usage: scripts/start.sh APP_DIR}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://+:8080}"
export BetterDb__DataDirectory="${BetterDb__DataDirectory:-/data}"
cd "$app"
exec dotnet BetterDb.Blazor.dll
