#!/usr/bin/env bash
# The benchmark: builds in Release, starts the stack through the AppHost (local mode, services in Production) and a
# trivial Kestrel endpoint as the yardstick, then measures, with every throughput a ratio to the trivial endpoint
# measured in the same run:
#   1. each path at 64 connections (wrk -t2): trivial, admission (202), sold out (410), duplicate (409);
#   2. throughput and p99 of trivial, admission and sold out at 16, 64, 256 and 1,024 connections;
#   3. issuance: applications produced straight into Kafka, drained into MySQL by the Consumer (100, 10,000, 1,000,000);
#   4. the race: 100,000 distinct users for 10,000 coupons, first request to last coupon row;
#   5. ApplyApi's RSS after each repetition of the admission run, and its peak;
# and checks the invariant in MySQL after the runs (a fast run that over-issues is a failure).
# Writes results.md, results.csv and the plots (connections.png, issuance.png) to --out (default bench/results).
# Usage: bench/run.sh [--quick] [--out DIR]
#   --quick: short runs and small sizes, about 2 minutes; proves the harness works, not a measurement to judge by.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then
  duration=3s warmup=3s sweep=2s repeats=2 quantities="100 10000" race_users=10000 race_quantity=1000
else
  duration=10s warmup=10s sweep=5s repeats=3 quantities="100 10000 1000000" race_users=100000 race_quantity=10000
fi
threads=2

build_release Trivial Harness
start_trivial
start_stack
# Applicants' tokens from the stack's issuer, before anything is measured (about 200 a second: bench/README.md). The
# quick mode's 3,000 are reused, so its admission rows hold 409s among the 202s: it proves the harness, nothing more.
mint_tokens "${BENCH_TOKENS:-$([ "$quick" = true ] && echo 3000 || echo 100000)}"
applyapi_pid=$(pid_of applyapi)

create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
field() { curl -sf "$api/api/events/$1" | grep -oE "\"$2\":[0-9]+" | cut -d: -f2; }
rss_mib() { echo $(( $(grep "$1" "/proc/$applyapi_pid/status" | awk '{print $2}') / 1024 )); }
# wrk once; prints "requests/s p50 p99 p99.9 non-2xx socket-errors".
load() { # connections duration target wrk-script [env...]
  local connections=$1 time=$2 target=$3 script=$4; shift 4
  local threads_now=$threads; [ "$connections" -lt "$threads" ] && threads_now=$connections
  env "$@" wrk -t"$threads_now" -c"$connections" -d"$time" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2- || true
}
trivial=(http://127.0.0.1:$trivial_port/ get.lua)

create bench-admit 10000000
create bench-soldout 1
create bench-dup 1000
curl -sf -o /dev/null -X POST "$api/api/events/bench-soldout/applications" -H "Authorization: Bearer $(head -1 "$TOKENS")"
# Every one of users 1..1000 takes its slot, so that the measured runs meet only 409s.
load 64 3s "$api" apply.lua EVENT=bench-dup USERS=1000 >/dev/null

echo "1/5 Each path at 64 connections ($warmup warm-up, $duration measured)"
: >"$work/table"
measure() { # name target script env...
  local name=$1; shift
  load 64 "$warmup" "${@:1:2}" "${@:3}" >/dev/null
  local line; line=$(load 64 "$duration" "${@:1:2}" "${@:3}")
  [ -n "$line" ] || { echo "wrk produced no result for $name"; exit 1; }
  echo "$name|$line" >>"$work/table"
}
measure "trivial" "${trivial[@]}"
rss_after=()
for i in $(seq "$repeats"); do
  measure "admission (202) #$i" "$api" apply.lua EVENT=bench-admit
  rss_after+=("$(rss_mib VmRSS)")
done
measure "sold out (410)" "$api" apply.lua EVENT=bench-soldout
measure "duplicate (409)" "$api" apply.lua EVENT=bench-dup USERS=1000

echo "2/5 Connections: 16, 64, 256, 1024 ($sweep each)"
echo "kind,scenario,x,requests_per_s,p99_ms" >"$work/results.csv"
for connections in 16 64 256 1024; do
  for scenario in trivial admission "sold out"; do
    case $scenario in
      trivial) args=("${trivial[@]}") ;;
      admission) args=("$api" apply.lua EVENT=bench-admit) ;;
      "sold out") args=("$api" apply.lua EVENT=bench-soldout) ;;
    esac
    load "$connections" 1s "${args[@]}" >/dev/null
    read -r rate _ p99 _ <<<"$(load "$connections" "$sweep" "${args[@]}")"
    echo "connections,$scenario,$connections,$rate,$p99" >>"$work/results.csv"
  done
done

echo "3/5 Issuance: $quantities applications queued in Kafka"
: >"$work/issuance"
for quantity in $quantities; do
  line=$(harness issuance --api "$api" --token "$token" --kafka "$kafka" --quantity "$quantity")
  echo "$line" >>"$work/issuance"
  drain=$(grep -oE "rows_per_s=[^ ]+" <<<"$line" | head -1 | cut -d= -f2)
  end_to_end=$(grep -oE "end_to_end_rows_per_s=[0-9]+" <<<"$line" | cut -d= -f2)
  [ "$drain" = "-" ] || echo "issuance,first to last row,$quantity,$drain,0" >>"$work/results.csv"
  echo "issuance,first produce to last row,$quantity,$end_to_end,0" >>"$work/results.csv"
done

echo "4/5 The race: $race_users users for $race_quantity coupons"
race=$(harness race --api "$api" --token "$token" --issuer "$issuer" --users "$race_users" --quantity "$race_quantity" --connections 64) || { echo "$race"; echo "The race failed its invariant"; exit 1; }

echo "5/5 Invariant"
admitted=$(field bench-admit admitted)
for _ in $(seq 300); do [ "$(field bench-admit issued)" = "$admitted" ] && break; sleep 0.2; done
issued=$(field bench-admit issued)
peak_rss=$(rss_mib VmHWM)

base=$(awk -F'|' '$1=="trivial"{split($2, f, " "); print f[1]}' "$work/table")
{
  echo "CouponEvent benchmark: $( $quick && echo "--quick, " )wrk -t$threads -c64, $duration per scenario after $warmup of warm-up, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| scenario | requests/s | p50 ms | p99 ms | p99.9 ms | ratio to trivial | non-2xx | socket errors |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'|' -v base="$base" '{ split($2, f, " ");
    printf "| %s | %d | %.2f | %.2f | %.2f | %.0f%% | %d | %d |\n", $1, f[1], f[2], f[3], f[4], 100*f[1]/base, f[5], f[6] }' "$work/table"
  echo
  echo "| connections | trivial req/s | admission req/s (p99 ms) | sold out req/s (p99 ms) |"
  echo "|---|---|---|---|"
  awk -F, '$1=="connections" { rate[$3","$2]=$4; p99[$3","$2]=$5; c[$3]=1 }
    END { n=split("16 64 256 1024", cs, " "); for (i=1; i<=n; i++) { x=cs[i];
      printf "| %s | %d | %d (%.1f) | %d (%.1f) |\n", x, rate[x",trivial"], rate[x",admission"], p99[x",admission"], rate[x",sold out"], p99[x",sold out"] } }' "$work/results.csv"
  echo
  echo "| applications queued | rows/s, first to last row | rows/s, first produce to last row | seconds to the last row |"
  echo "|---|---|---|---|"
  sed -E 's/.*quantity=([0-9]+).*last_row_s=([0-9.]+) rows_per_s=([-0-9.]+) end_to_end_rows_per_s=([0-9]+).*/| \1 | \3 | \4 | \2 |/' "$work/issuance"
  echo
  echo "Race: $(sed -E 's/^RACE //' <<<"$race")"
  echo "ApplyApi RSS after each admission run: $(IFS=,; echo "${rss_after[*]}" | sed 's/,/, /g') MiB; peak $peak_rss MiB"
  echo "Admission runs: $admitted admitted, $issued rows in MySQL"
} | tee "$out/results.md"
cp "$work/results.csv" "$out/results.csv"
harness plot --csv "$out/results.csv" --out "$out" >/dev/null

if [ "$issued" = "$admitted" ] && [ "$(field bench-soldout issued)" = 1 ] && [ "$(field bench-dup issued)" -le 1000 ]; then
  echo "Invariant: OK (every admission a row; sold-out event 1 of 1; duplicate event at most its 1,000; race exactly its quantity)" | tee -a "$out/results.md"
else
  echo "Invariant: FAILED (admitted $admitted, issued $issued)" | tee -a "$out/results.md"; exit 1
fi
