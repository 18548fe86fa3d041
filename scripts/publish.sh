#!/usr/bin/env bash
# Publishes the app the way the container image does: `scripts/publish.sh OUT_DIR`.
# The Dockerfile runs exactly this; scripts/run-published.sh runs the same outside a container.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:?usage: scripts/publish.sh OUT_DIR}"
dotnet publish BetterDb.Blazor/BetterDb.Blazor.csproj -c Release -o "$out" --nologo -v q
