#!/usr/bin/env bash
# What Aspire costs here: ApplyApi through DCP's proxy (the port the dashboard shows, and what users of the local
# stack call) and straight to the replica's own port, in the same run, with the trivial endpoint as the yardstick;
# the stack's start-up time and the memory of each kind of process.
# Writes proxy.md to --out (default bench/results). Usage: bench/proxy.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then duration=3s; else duration=10s; fi

build_release Trivial Harness
start_trivial
start_stack
mint_tokens "${BENCH_TOKENS:-100000}"
started_in=$stack_started_in

replica=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ASPNETCORE_URLS=//p' | cut -d';' -f1 | sed 's/localhost/127.0.0.1/')
create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
create proxy-admit 10000000
create proxy-soldout 1
curl -sf -o /dev/null -X POST "$api/api/events/proxy-soldout/applications" -H "Authorization: Bearer $(head -1 "$TOKENS")"

run() { # target script env...
  local target=$1 script=$2; shift 2
  env "$@" wrk -t2 -c64 -d3s -s "bench/$script" "$target" >/dev/null 2>&1 || true
  env "$@" wrk -t2 -c64 -d"$duration" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2-
}
trivial=$(run "http://127.0.0.1:$trivial_port/" get.lua)
rows=()
for path in "admission (202)|apply.lua|EVENT=proxy-admit" "sold out (410)|apply.lua|EVENT=proxy-soldout"; do
  IFS='|' read -r name script env <<<"$path"
  rows+=("$name|through DCP's proxy ($api)|$(run "$api" "$script" "$env")")
  rows+=("$name|straight to the replica ($replica)|$(run "$replica" "$script" "$env")")
done

rss() { ps -o rss= -p "$1" 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1024}'; }
dcp=$(pgrep -f "tools/dcp " | tr '\n' ' ')
wrappers=$(pgrep -f "^dotnet run --project" | tr '\n' ' ')
apphost=$(pgrep -f "CouponEvent.AppHost.dll" | head -1)
base=$(cut -d' ' -f1 <<<"$trivial")
{
  echo "Aspire's cost on this machine: wrk -t2 -c64, $duration per row, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| path | via | requests/s | p50 ms | p99 ms | ratio to trivial |"
  echo "|---|---|---|---|---|---|"
  echo "| trivial | Kestrel, no Aspire | $(awk '{printf "%d | %.2f | %.2f", $1, $2, $3}' <<<"$trivial") | 100% |"
  for row in "${rows[@]}"; do
    IFS='|' read -r name via result <<<"$row"
    echo "| $name | $via | $(awk -v base="$base" '{printf "%d | %.2f | %.2f | %.0f%%", $1, $2, $3, 100*$1/base}' <<<"$result") |"
  done
  echo
  echo "Start-up, AppHost launched to ApplyApi, Consumer and RetryJob healthy: ${started_in} s (no dashboard)."
  echo "Memory (RSS, MiB): AppHost $(rss "$apphost"); DCP $(for p in $dcp; do rss "$p"; echo -n ' '; done | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'); \`dotnet run\` wrappers $(for p in $wrappers; do rss "$p"; echo; done | awk '{s+=$1; n++} END {printf "%d in %d processes", s, n}'); ApplyApi $(rss "$(pid_of applyapi)")."
} | tee "$out/proxy.md"
