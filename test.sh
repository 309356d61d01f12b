#!/usr/bin/env bash
# Runs every test: unit, integration on real servers, and end-to-end over the AppHost's stack.
# Arguments go to dotnet test (e.g. --filter "FullyQualifiedName~Unit").
set -euo pipefail
cd "$(dirname "$0")"
# Chromium for the browser tests; tmux for the Ctrl+C test (a real terminal).
eng/install-servers.sh chromium tmux
dotnet build CouponEvent.sln -nologo -v quiet
report=CouponEvent.Tests/bin/Debug/net10.0/fault-injection.md
rm -f "$report"
status=0
dotnet test CouponEvent.sln --no-build -nologo --logger "console;verbosity=normal" "$@" || status=$?
if [ -f "$report" ]; then
  echo
  echo "Fault injection: the invariant after each scenario"
  cat "$report"
fi
exit $status
