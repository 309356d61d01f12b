#!/usr/bin/env bash
# The benchmark: builds in Release, starts the stack through the AppHost (local mode) and a trivial Kestrel
# endpoint as the yardstick, drives each path with wrk (2 threads, 64 connections), and prints a table with
# every figure as a ratio to the trivial endpoint measured in the same run, then checks the invariant.
# Usage: bench/run.sh [--quick]      (--quick: 3 s per scenario, to prove the harness works; not to judge speed)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10s
[ "${1:-}" = "--quick" ] && duration=3s
threads=2 connections=64
trivial_port=${BENCH_TRIVIAL_PORT:-18080}
api_port=${BENCH_API_PORT:-18081}
api=http://127.0.0.1:$api_port
key=bench-$RANDOM$RANDOM

eng/install-servers.sh wrk
dotnet build CouponEvent.sln -c Release -nologo -v quiet >/dev/null
dotnet build bench/Trivial -c Release -nologo -v quiet >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  # SIGTERM: background jobs of a non-interactive shell ignore SIGINT. The AppHost stops everything on either.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

ASPNETCORE_URLS=http://127.0.0.1:$trivial_port dotnet bench/Trivial/bin/Release/net10.0/Trivial.dll >"$work/trivial.log" 2>&1 &
pids+=($!)
COUPONEVENT_ADMIN_API_KEY=$key DOTNET_ENVIRONMENT=Production dotnet CouponEvent.AppHost/bin/Release/net10.0/CouponEvent.AppHost.dll \
  --mode local --port applyapi=$api_port >"$work/apphost.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do grep -q "CouponEvent is running" "$work/apphost.log" && break; sleep 1; done
grep -q "CouponEvent is running" "$work/apphost.log" || { echo "The stack did not start:"; tail -40 "$work/apphost.log"; exit 1; }
applyapi_pid=$(grep -oE "applyapi +project +Running \(pid [0-9]+\)" "$work/apphost.log" | grep -oE "[0-9]+\)$" | tr -d ')')

create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "X-Api-Key: $key" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
field() { curl -sf "$api/api/events/$1" | grep -oE "\"$2\":[0-9]+" | cut -d: -f2; }
run() { # name, env..., wrk args...
  local name=$1; shift
  local line
  # The same load once unmeasured first, so that JIT and connection set-up are not measured.
  env "$@" >/dev/null 2>&1 || true
  line=$(env "$@" 2>&1 | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "wrk produced no result for $name"; exit 1; }
  echo "$name ${line#RESULT }" >>"$work/results"
}

create bench-admit 10000000
create bench-soldout 1
create bench-dup 1000
curl -sf -o /dev/null -X POST "$api/api/events/bench-soldout/applications" -H 'Content-Type: application/json' -d '{"userId":1}'
# Every one of users 1..1000 takes its slot, so that the measured run meets only 409s.
EVENT=bench-dup USERS=1000 wrk -t$threads -c$connections -d3s -s bench/apply.lua "$api" >/dev/null

run trivial wrk -t$threads -c$connections -d$duration -s bench/get.lua "http://127.0.0.1:$trivial_port/"
run "admission (202)" EVENT=bench-admit wrk -t$threads -c$connections -d$duration -s bench/apply.lua "$api"
admitted=$(field bench-admit admitted); issued_at_end=$(field bench-admit issued); drain_start=$(date +%s.%N)
for _ in $(seq 300); do [ "$(field bench-admit issued)" = "$admitted" ] && break; sleep 0.2; done
drain_seconds=$(awk -v a="$drain_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
issued=$(field bench-admit issued)
run "sold out (410)" EVENT=bench-soldout wrk -t$threads -c$connections -d$duration -s bench/apply.lua "$api"
run "duplicate (409)" EVENT=bench-dup USERS=1000 wrk -t$threads -c$connections -d$duration -s bench/apply.lua "$api"
peak_rss_mb=$(( $(grep VmHWM "/proc/$applyapi_pid/status" | awk '{print $2}') / 1024 ))

echo
echo "CouponEvent benchmark ($duration per scenario, wrk -t$threads -c$connections, $(nproc) cores)"
echo
awk -v base="$(awk '$1=="trivial"{print $2}' "$work/results")" '
  BEGIN { FS=" "; print "| scenario | requests/s | p50 ms | p99 ms | p99.9 ms | ratio to trivial | non-2xx | socket errors |"; print "|---|---|---|---|---|---|---|---|" }
  { n=NF; name=$1; for (i=2; i<=n-6; i++) name=name " " $i;
    printf "| %s | %d | %.2f | %.2f | %.2f | %.0f%% | %d | %d |\n", name, $(n-5), $(n-4), $(n-3), $(n-2), 100*$(n-5)/base, $(n-1), $n }' "$work/results"
echo
echo "Issuance: $admitted admitted during the admission runs (warm-up included); $issued rows in MySQL, the last $((admitted - issued_at_end)) written within ${drain_seconds} s after it ended."
echo "ApplyApi peak RSS: ${peak_rss_mb} MiB"
if [ "$issued" = "$admitted" ] && [ "$(field bench-soldout issued)" = 1 ] && [ "$(field bench-dup issued)" -le 1000 ]; then
  echo "Invariant: OK (every admission a row; sold-out event 1 of 1; duplicate event at most its 1,000)"
else
  echo "Invariant: FAILED (admitted $admitted, issued $issued)"; exit 1
fi
