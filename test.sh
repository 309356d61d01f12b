#!/usr/bin/env bash
# Runs every test: unit, integration on real servers, and end-to-end over the AppHost's stack.
# Arguments go to dotnet test (e.g. --filter "FullyQualifiedName~Unit").
set -euo pipefail
cd "$(dirname "$0")"
eng/install-servers.sh
dotnet build CouponEvent.sln -nologo -v quiet
exec dotnet test CouponEvent.sln --no-build -nologo --logger "console;verbosity=normal" "$@"
