#!/usr/bin/env bash
# Admission as the broker's log grows, against ApplyApi's own port (not DCP's proxy: see proxy.sh): the trivial
# endpoint, then five consecutive 10-second admission runs (a new user per request, 64 connections, no warm-up between
# them), each a ratio to the trivial endpoint of the same run, and the fifth against the first. Then sold out and
# duplicate, as in run.sh, beside the trivial server answering a constant 410 to the same POST (the sold-out path's
# ceiling). Writes admission.md to --out (bench/results).
# Usage: bench/admission.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then duration=3s runs=2; else duration=10s runs=5; fi

build_release Trivial Harness
start_trivial
start_stack
mint_tokens "${BENCH_TOKENS:-100000}"
api=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ASPNETCORE_URLS=//p' | cut -d';' -f1 | sed 's/localhost/127.0.0.1/')

create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
load() { # connections duration target wrk-script [env...]
  local connections=$1 time=$2 target=$3 script=$4; shift 4
  env "$@" wrk -t2 -c"$connections" -d"$time" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2- || true
}
create bench-admit 10000000
create bench-soldout 1
create bench-dup 1000
curl -sf -o /dev/null -X POST "$api/api/events/bench-soldout/applications" -H "Authorization: Bearer $(head -1 "$TOKENS")"
load 64 3s "$api" apply.lua EVENT=bench-dup USERS=1000 >/dev/null
# Warm-up: new users of an event of their own, which the runs never meet. Thirty seconds, because every service of a
# fresh stack is still compiling its hot paths on the same two cores for that long (a fresh ApplyApi's JIT thread took a fifth
# of its CPU 20-32 s after start; its CPU per admission fell from ~310 to ~100 µs over the first three 10-second runs):
# with less, the first run measures the JIT, and "the fifth against the first" says nothing about the broker's log.
create bench-warmup 10000000
load 64 30s "$api" apply.lua EVENT=bench-warmup >/dev/null

load 64 3s "http://127.0.0.1:$trivial_port/" get.lua >/dev/null
read -r trivial _ <<<"$(load 64 "$duration" "http://127.0.0.1:$trivial_port/" get.lua)"
{
  echo "| run | requests/s | p50 ms | p99 ms | ratio to trivial ($trivial req/s) |"
  echo "|---|---|---|---|---|"
} >"$work/admission.md"
first=
for i in $(seq "$runs"); do
  read -r rate p50 p99 _ <<<"$(load 64 "$duration" "$api" apply.lua EVENT=bench-admit)"
  first=${first:-$rate}
  echo "| admission #$i | $rate | $p50 | $p99 | $(awk -v a="$rate" -v t="$trivial" 'BEGIN{printf "%.2f", a/t}') |" >>"$work/admission.md"
done
# The ceiling of the sold-out answer: the trivial server reading the body and writing a constant 410.
load 64 3s "http://127.0.0.1:$trivial_port" apply.lua EVENT=bench >/dev/null
read -r rate p50 p99 _ <<<"$(load 64 "$duration" "http://127.0.0.1:$trivial_port" apply.lua EVENT=bench)"
echo "| bare POST (trivial server: body read, constant 410) | $rate | $p50 | $p99 | $(awk -v a="$rate" -v t="$trivial" 'BEGIN{printf "%.2f", a/t}') |" >>"$work/admission.md"
for path in "sold out:bench-soldout:" "duplicate:bench-dup:USERS=1000"; do
  IFS=: read -r name event users <<<"$path"
  load 64 3s "$api" apply.lua EVENT="$event" $users >/dev/null
  read -r rate p50 p99 _ <<<"$(load 64 "$duration" "$api" apply.lua EVENT="$event" $users)"
  echo "| $name | $rate | $p50 | $p99 | $(awk -v a="$rate" -v t="$trivial" 'BEGIN{printf "%.2f", a/t}') |" >>"$work/admission.md"
done
# The race over HTTP, on the warm stack: distinct users until the coupons are gone, first request to last coupon row.
if $quick; then race_users=10000 race_quantity=1000; else race_users=100000 race_quantity=10000; fi
race=$(harness race --api "$api" --token "$token" --issuer "$issuer" --users "$race_users" --quantity "$race_quantity" --connections 64) || { echo "$race"; exit 1; }
echo >>"$work/admission.md"
echo "Race: $(sed -E 's/^RACE //' <<<"$race")" >>"$work/admission.md"
echo >>"$work/admission.md"
last=$(grep "^| admission #$runs " "$work/admission.md" | cut -d'|' -f3 | tr -d ' ')
echo "Last admission run at $(awk -v l="$last" -v f="$first" 'BEGIN{printf "%.0f", 100*l/f}') % of the first." >>"$work/admission.md"
mkdir -p "$out"
cp "$work/admission.md" "$out/admission.md"
cat "$out/admission.md"
