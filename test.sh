#!/usr/bin/env bash
# Runs every test: unit, integration on real servers, and end-to-end over the AppHost's stack.
# Arguments go to dotnet test (e.g. --filter "FullyQualifiedName~RaceTests"); ./test.sh --fast runs only the tests
# that need no server.
set -euo pipefail
cd "$(dirname "$0")"
# --fast: the tests that need no server (Unit/), nothing installed and no stack started: the inner loop.
if [ "${1:-}" = --fast ]; then
  shift
  dotnet build CouponEvent.Tests -nologo -v quiet
  exec dotnet test CouponEvent.Tests --no-build -nologo --filter "FullyQualifiedName~CouponEvent.Tests.Unit" "$@"
fi
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
