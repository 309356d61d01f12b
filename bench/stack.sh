# Sourced by bench/run.sh and bench/compare.sh: their shared options, processes and the stack.
#   parse_options "$@"   sets quick (true|false) and out (--out DIR, default bench/results)
#   build_release P...   wrk installed, then the solution and the given bench projects built in Release
#   start_trivial        the yardstick, a trivial Kestrel endpoint, on $trivial_port (BENCH_TRIVIAL_PORT, default 18080)
#   start_stack [ARG...] starts the AppHost (local mode, services in Production, ApplyApi on $api_port via Aspire's
#                        proxy, no dashboard; ARGs go to the AppHost, e.g. --AppHost:Topology=cluster) and sets
#                        api, token (an operator's), issuer, kafka and pid_of NAME; background processes go in pids, stopped on exit
#   mint_tokens N        N applicants' tokens from the issuer, one per line, in $TOKENS (exported: bench/apply.lua reads it)
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
  # DCP stops the services after the AppHost has gone: wait, so that the next run does not share the cores with them.
  for _ in $(seq 30); do pgrep -f 'CouponEvent\.[A-Za-z]+/bin/' >/dev/null || break; sleep 1; done
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

# The harness counts rows in MySQL itself, connecting as the Consumer does (the API's summary is answered from memory,
# up to a second behind); before the stack is up it has no database to ask.
harness() { ConnectionStrings__coupondb=$(coupondb) dotnet bench/Harness/bin/Release/net10.0/Harness.dll "$@"; }

start_stack() {
  api_port=${BENCH_API_PORT:-18081}
  api=http://127.0.0.1:$api_port
  local secret=bench-secret-$RANDOM$RANDOM$RANDOM
  # The figures are the system's own: no dashboard, so no span or metric is exported (BENCH_DASHBOARD=1 keeps it,
  # to measure what exporting every span to it costs). ApplyApi's port is Aspire's proxy in front of its replica.
  local dashboard=--AppHost:Dashboard=false
  [ "${BENCH_DASHBOARD:-0}" = 1 ] && dashboard=--AppHost:Dashboard=true
  DOTNET_ENVIRONMENT=Production dotnet CouponEvent.AppHost/bin/Release/net10.0/CouponEvent.AppHost.dll \
    --AppHost:Mode=local --AppHost:Ports:applyapi="$api_port" --Parameters:admin-client-secret="$secret" $dashboard "$@" >"$work/apphost.log" 2>&1 &
  pids+=($!)
  local started=$SECONDS
  for _ in $(seq 180); do
    [ -n "$(pid_of consumer)" ] && [ -n "$(pid_of retryjob)" ] && curl -sf -o /dev/null "$api/health" && break
    sleep 1
  done
  curl -sf -o /dev/null "$api/health" || { echo "The stack did not start:"; tail -40 "$work/apphost.log"; exit 1; }
  stack_started_in=$((SECONDS - started))
  echo "Stack up in $stack_started_in s"
  kafka=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ConnectionStrings__kafka=//p')
  # An operator's access token from the stack's issuer (client credentials), for creating events.
  issuer=$(tr '\0' '\n' <"/proc/$(pid_of identity)/environ" | sed -n 's/^Issuer__Url=//p')
  token=$(curl -sf "${issuer%/}/connect/token" -d grant_type=client_credentials -d client_id=couponevent-admin \
    --data-urlencode client_secret="$secret" -d scope=couponevent.admin | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "The issuer gave no token"; exit 1; }
}

mint_tokens() {
  export TOKENS=$work/tokens
  harness tokens --issuer "$issuer" --count "$1" --out "$TOKENS"
}

# One query on the stack's database, connecting as the services do (the Consumer's connection string); rows on stdout.
coupondb() {
  local pid
  pid=$(pid_of consumer) && [ -n "$pid" ] && tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^ConnectionStrings__coupondb=//p'
  return 0
}

sql() {
  local coupondb part
  coupondb=$(coupondb)
  part() { tr ';' '\n' <<<"$coupondb" | sed -n "s/^$1=//p"; }
  "$(command -v mariadb || command -v mysql)" -h127.0.0.1 -P"$(part Port)" -u"$(part 'User ID')" -p"$(part Password)" -N -B "$(part Database)" -e "$1" 2>/dev/null
}

# The pid of a service's own process (DCP runs it under a `dotnet run` wrapper: not the wrapper's).
pid_of() {
  local name
  case $1 in applyapi) name=ApplyApi ;; consumer) name=Consumer ;; retryjob) name=RetryJob ;; identity) name=Identity ;; *) name=$1 ;; esac
  pgrep -f "CouponEvent.$name/bin/.*/CouponEvent.$name( |$)" | head -1
}
