#!/usr/bin/env bash
# Runs every test: unit, integration on real servers, and end-to-end over the AppHost's stack.
# Arguments go to dotnet test (e.g. --filter "FullyQualifiedName~RaceTests"); ./test.sh --fast runs only the tests
# that need no server.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  cat <<'USAGE'
Usage: ./test.sh [--fast] [dotnet test options]

  ./test.sh                 every test: unit, integration on real servers (redis-server, mariadbd, librdkafka's
                            mock broker, started by the AppHost), end-to-end and browser tests; installs what it
                            needs (the servers, Chromium, tmux) on first use.
  ./test.sh --fast          the unit tests only: no server, no install, seconds.
  ./test.sh --filter EXPR   the tests EXPR selects, e.g. --filter "FullyQualifiedName~RaceTests"
                            (with --fast, among the unit tests).
  ./test.sh --help          this text.

Other options go to dotnet test as they are. The fault-injection table is printed after a run that made one.
USAGE
  exit 0
fi
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
