#!/usr/bin/env bash
# The cluster topology beside the single one, in one run: admission (202 after Kafka's acknowledgement) and the sold-out
# answer at 64 connections (wrk -t2), each a ratio to the trivial endpoint measured in the same run, on two stacks
# (Release, local mode, services in Production, no dashboard):
#   single:  one redis-server, librdkafka's mock broker with 1 broker, one replica of each service;
#   cluster: --AppHost:Topology=cluster, a Redis Cluster of 3 primaries and 3 replicas, the mock broker with 3 brokers
#            (topics of 3 copies), 2 ApplyApi, 3 Consumer and 2 RetryJob replicas.
# Then one hot event's ceiling: the admission function alone (FCALL, new users, redis-benchmark -c 50) against the
# Redis that holds the event, the single server and the cluster's shard: one event lives on one shard.
# Writes topology.md to --out (default bench/results).
# Usage: bench/topology.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
# Each applicant's token admits once: an admission run needs a token per request (minted at about 200 a second), so
# the runs are short. The quick mode's 3,000 are reused: its admission row holds 409s among the 202s (non-2xx says how
# many); it proves the harness, nothing more.
if $quick; then warmup=2s duration=3s requests=50000 tokens=3000; else warmup=5s duration=4s requests=500000 tokens=60000; fi

build_release Trivial Harness
start_trivial

load() { # target script env... ; prints "requests/s p50 p99 p99.9 non-2xx socket-errors"
  local target=$1 script=$2; shift 2
  env "$@" wrk -t2 -c64 -d"$duration" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2- || true
}
measure() { # name target script env...; the apply path warms up on the sold-out event, keeping the tokens for the run
  local name=$1; shift
  if [ "$1" = "$api" ]; then
    EVENT=bench-soldout wrk -t2 -c64 -d"$warmup" -s bench/apply.lua "$api" >/dev/null 2>&1 || true
  else
    env "${@:3}" wrk -t2 -c64 -d"$warmup" -s "bench/$2" "$1" >/dev/null 2>&1 || true
  fi
  echo "$name|$(load "$@")" | tee -a "$work/table"
}
create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
apply_once() { curl -sf -o /dev/null -X POST "$api/api/events/$1/applications" -H "Authorization: Bearer $(head -1 "$TOKENS")"; }
stop_stack() { kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; \
  for _ in $(seq 30); do pgrep -f 'CouponEvent\.[A-Za-z]+/bin/|redis-server|mariadbd' >/dev/null || break; sleep 1; done; }

# The port of the primary that holds KEY: the server itself, or the cluster node whose slots hold it.
owner_port() {
  local first=${1%%,*} key=$2 port
  port=${first##*:}
  if redis-cli -p "$port" INFO cluster | grep -q 'cluster_enabled:1'; then
    local slot
    slot=$(redis-cli -p "$port" CLUSTER KEYSLOT "$key")
    redis-cli -p "$port" CLUSTER NODES | awk -v s="$slot" '$3 ~ /master/ { for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1]; if (s >= r[1] && s <= r[2]) { split($2, a, "[:@]"); print a[2] } } }'
  else
    echo "$port"
  fi
}
ceiling() { # name event
  local name=$1 event=$2 redis port function
  redis=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ConnectionStrings__redis=//p')
  port=$(owner_port "$redis" "coupon:{$event}:meta")
  function=$(redis-cli -p "$port" FUNCTION LIST | grep -o 'couponevent_admit_[0-9a-f]*' | head -1)
  local rate
  rate=$(redis-benchmark -p "$port" -c 50 -n "$requests" -r 100000000 -q FCALL "$function" 2 "coupon:{$event}:meta" "coupon:{$event}:winners" __rand_int__ 0123456789abcdef0123456789abcdef \
    | tr '\r' '\n' | grep -oE '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1)
  echo "$name|$rate" | tee -a "$work/ceiling"
}

: >"$work/table"
: >"$work/ceiling"
for topology in single cluster; do
  echo "Stack: $topology"
  start_stack --AppHost:Topology=$topology
  mint_tokens "$tokens"
  create bench-admit 10000000
  create bench-soldout 1
  create bench-ceiling 10000000
  apply_once bench-soldout
  apply_once bench-ceiling
  measure "trivial ($topology)" "http://127.0.0.1:$trivial_port/" get.lua
  measure "admission (202), $topology" "$api" apply.lua EVENT=bench-admit
  measure "sold out (410), $topology" "$api" apply.lua EVENT=bench-soldout
  ceiling "$topology: the event's Redis" bench-ceiling
  stop_stack
done

{
  echo "Single and cluster topologies: wrk -t2 -c64, $duration after $warmup of warm-up, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| path, topology | requests/s | p50 ms | p99 ms | ratio to trivial (same stack) | non-2xx |"
  echo "|---|---|---|---|---|---|"
  awk -F'|' '{ split($2, f, " ") }
    $1 ~ /^trivial/ { base = f[1]; next }
    { printf "| %s | %d | %.2f | %.2f | %.0f%% | %d |\n", $1, f[1], f[2], f[3], 100*f[1]/base, f[5] }' "$work/table"
  echo
  echo "One event's ceiling: its admission function alone (FCALL, a new user each), redis-benchmark -c 50 -n $requests on the primary that holds it"
  echo
  echo "| Redis | FCALL admit/s |"
  echo "|---|---|"
  awk -F'|' '{ printf "| %s | %d |\n", $1, $2 }' "$work/ceiling"
} | tee "$out/topology.md"
