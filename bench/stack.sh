# Sourced by bench/run.sh and bench/compare.sh: their shared options, processes and the stack.
#   parse_options "$@"   sets quick (true|false) and out (--out DIR, default bench/results)
#   build_release P...   wrk installed, then the solution and the given bench projects built in Release
#   start_trivial        the yardstick, a trivial Kestrel endpoint, on $trivial_port (BENCH_TRIVIAL_PORT, default 18080)
#   start_stack          starts the AppHost (local mode, services in Production, ApplyApi on $api_port) and sets
#                        api, key, kafka and pid_of NAME; background processes go in pids, stopped on exit
# Expects set -euo pipefail and the repository root as the working directory.

parse_options() {
  quick=false out=bench/results
  while [ $# -gt 0 ]; do
    case $1 in
      --quick) quick=true ;;
      --out) out=$2; shift ;;
      *) echo "usage: $0 [--quick] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
  done
  mkdir -p "$out"
}

work=$(mktemp -d)
pids=()
cleanup() {
  # SIGTERM: background jobs of a non-interactive shell ignore SIGINT. The AppHost stops everything on either.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

build_release() {
  ulimit -n 65536 2>/dev/null || true
  eng/install-servers.sh wrk
  echo "Building (Release)..."
  dotnet build CouponEvent.sln -c Release -nologo -v quiet >/dev/null
  local project
  for project in "$@"; do dotnet build "bench/$project" -c Release -nologo -v quiet >/dev/null; done
}

trivial_port=${BENCH_TRIVIAL_PORT:-18080}
start_trivial() {
  ASPNETCORE_URLS=http://127.0.0.1:$trivial_port dotnet bench/Trivial/bin/Release/net10.0/Trivial.dll >"$work/trivial.log" 2>&1 &
  pids+=($!)
}

harness() { dotnet bench/Harness/bin/Release/net10.0/Harness.dll "$@"; }

start_stack() {
  api_port=${BENCH_API_PORT:-18081}
  api=http://127.0.0.1:$api_port
  key=bench-$RANDOM$RANDOM
  # The figures are the system's own: no dashboard, so no span or metric is exported (BENCH_DASHBOARD=1 keeps it,
  # to measure what exporting every span to it costs).
  local dashboard=--no-dashboard
  [ "${BENCH_DASHBOARD:-0}" = 1 ] && dashboard=
  COUPONEVENT_ADMIN_API_KEY=$key DOTNET_ENVIRONMENT=Production dotnet CouponEvent.AppHost/bin/Release/net10.0/CouponEvent.AppHost.dll \
    --mode local --port applyapi="$api_port" $dashboard >"$work/apphost.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 120); do grep -q "CouponEvent is running" "$work/apphost.log" && break; sleep 1; done
  grep -q "CouponEvent is running" "$work/apphost.log" || { echo "The stack did not start:"; tail -40 "$work/apphost.log"; exit 1; }
  kafka=$(grep -oE "kafka +kafka +Running +[0-9.:]+" "$work/apphost.log" | awk '{print $4}')
}

# The pid of a service of the stack, from the AppHost's summary.
pid_of() { grep -oE "$1 +project +Running \(pid [0-9]+\)" "$work/apphost.log" | grep -oE "[0-9]+\)$" | tr -d ')'; }
