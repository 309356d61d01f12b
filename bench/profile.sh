#!/usr/bin/env bash
# Where the CPU goes during an admission run: the stack as admission.sh starts it, 64 connections of new users against
# ApplyApi's own port, and meanwhile each process's CPU (top) and ApplyApi's hottest functions (perf, with .NET's perf
# map for JIT-compiled code). Writes profile.md to --out (bench/results).
# Usage: bench/profile.sh [--quick] [--out DIR] [SCENARIO]   SCENARIO: admission (default), soldout, duplicate
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=admission
args=()
for a in "$@"; do case $a in admission|soldout|duplicate) scenario=$a ;; *) args+=("$a") ;; esac; done
source bench/stack.sh
parse_options "${args[@]}"
command -v perf >/dev/null || { eng/install-servers.sh; apt-get install -y -qq linux-perf >/dev/null; }

build_release Harness
# JIT-compiled frames get their names from /tmp/perf-PID.map.
# (W^X off: its double mapping hides JIT-compiled code from perf.)
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
start_stack
mint_tokens "${BENCH_TOKENS:-100000}"
api=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ASPNETCORE_URLS=//p' | cut -d';' -f1 | sed 's/localhost/127.0.0.1/')
curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"id":"profile","name":"profile","quantity":10000000}'
curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"id":"profile-soldout","name":"profile","quantity":1}'
curl -sf -o /dev/null -X POST "$api/api/events/profile-soldout/applications" -H "Authorization: Bearer $(head -1 "$TOKENS")"
case $scenario in
  admission) load=(EVENT=profile) ;;
  soldout) load=(EVENT=profile-soldout) ;;
  duplicate) curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"id":"profile-dup","name":"profile","quantity":1000}'
             load=(EVENT=profile-dup USERS=1000) ;;
esac
if $quick; then seconds=5 warmup=5; else seconds=15 warmup=30; fi

# Warm up (tiered JIT), then the measured run with perf and top beside it.
env "${load[@]}" wrk -t2 -c64 -d${warmup}s -s bench/apply.lua "$api" >/dev/null
env "${load[@]}" wrk -t2 -c64 -d$((seconds + 4))s -s bench/apply.lua "$api" >"$work/wrk.txt" &
wrk_pid=$!
sleep 2
applyapi=$(pid_of applyapi)
perf record -F 499 -p "$applyapi" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null &
perf_pid=$!
top -b -c -d "$seconds" -n 2 -w 512 >"$work/top.txt"
wait "$perf_pid" "$wrk_pid"

cp "$work/perf.data" "$out/profile-$scenario.perf.data"
set +o pipefail
# perf pads its columns; .NET's frames carry their tier.
tidy() { sed -E 's/ +- +- *$//; s/ +$//; s/\[(OptimizedTier1|Optimized)\]//' | cut -c1-180; }
{
  echo "# Profile: $scenario, wrk -t2 -c64 against ApplyApi's own port, $seconds s"
  echo
  grep RESULT "$work/wrk.txt" | awk '{printf "%s requests/s, p50 %s ms, p99 %s ms\n\n", $2, $3, $4}'
  echo "CPU per process over the run (top; 100 % is one core of two):"
  echo
  echo '```'
  awk '/^top -/{n++} n==2' "$work/top.txt" | awk 'NR>6 && $9+0 >= 1 {name=$12; for (i=12; i<=NF; i++) if ($i ~ /CouponEvent\.[A-Za-z]+(\.dll)?$/) {name=$i; break}
    sub(/.*\//, "", name); printf "%6s %%  %s\n", $9, name}' | head -12
  echo '```'
  echo
  echo "ApplyApi's CPU by function, self time (perf report --no-children), top 40:"
  echo
  echo '```'
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | tidy | head -40
  echo '```'
  echo
  echo "ApplyApi's CPU by shared object (perf report --sort dso):"
  echo
  echo '```'
  perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | tidy | head -15
  echo '```'
} >"$work/profile.md"
cp "$work/profile.md" "$out/profile-$scenario.md"
cat "$out/profile-$scenario.md"
