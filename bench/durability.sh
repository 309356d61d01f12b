#!/usr/bin/env bash
# What Redis's durability settings cost admission. With them a Redis that crashes or fails over loses fewer (or no)
# admissions; without them nothing is over-issued either (the fence and MySQL's guard see to that, see the README's
# Guarantees), but every such loss means a recovery pause. Measures admission (202 after Kafka's acknowledgement) at
# 64 connections, each figure a ratio to the trivial endpoint measured in the same run, on two stacks (Release, local
# mode, services in Production, no dashboard):
#   stack 1: appendfsync everysec, appendfsync always, a replica attached with min-replicas-to-write 1, then the
#            first again (librdkafka's mock broker slows as its log grows: the repeat shows the drift);
#   stack 2: ApplyApi waits for the replica before each publish (Admission__ReplicaAcks=1, Redis WAIT, shared by
#            concurrent admissions), under appendfsync everysec.
# Writes durability.md to --out (default bench/results).
# Usage: bench/durability.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then warmup=2s duration=3s; else warmup=5s duration=10s; fi

build_release Trivial
start_trivial

load() { # target script env... ; prints "requests/s p50 p99 p99.9 non-2xx socket-errors"
  local target=$1 script=$2; shift 2
  env "$@" wrk -t2 -c64 -d"$duration" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2- || true
}
measure() { # name target script env...
  local name=$1; shift
  env "${@:3}" wrk -t2 -c64 -d"$warmup" -s "bench/$2" "$1" >/dev/null 2>&1 || true
  echo "$name|$(load "$@")" | tee -a "$work/table"
}
redis_port() { grep -oE "redis +redis +Running +[0-9.:]+" "$work/apphost.log" | awk '{print $4}' | cut -d: -f2; }
redis() { redis-cli -p "$(redis_port)" "$@" >/dev/null; }
create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":10000000}"; }
replica() { # a replica of the stack's Redis, synced
  mkdir -p "$work/replica"
  redis-server --port 0 --unixsocket "$work/replica.sock" --dir "$work/replica" --save '' --appendonly no \
    --replicaof 127.0.0.1 "$(redis_port)" --daemonize no >"$work/replica.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -s "$work/replica.sock" INFO replication 2>/dev/null | grep -q "master_link_status:up" && return; sleep 0.1; done
  echo "The replica did not sync:"; tail "$work/replica.log"; exit 1
}
stop_stack() { kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

: >"$work/table"
echo "Stack 1: the Redis settings"
start_stack
create durable
measure "trivial (stack 1)" "http://127.0.0.1:$trivial_port/" get.lua
redis CONFIG SET appendfsync everysec
measure "appendfsync everysec" "$api" apply.lua EVENT=durable
redis CONFIG SET appendfsync always
measure "appendfsync always" "$api" apply.lua EVENT=durable
redis CONFIG SET appendfsync everysec
replica
redis CONFIG SET min-replicas-to-write 1
redis CONFIG SET min-replicas-max-lag 10
measure "replica, min-replicas-to-write 1" "$api" apply.lua EVENT=durable
redis CONFIG SET min-replicas-to-write 0
measure "appendfsync everysec (again)" "$api" apply.lua EVENT=durable
stop_stack
stop_stack

echo "Stack 2: WAIT for the replica before each publish"
export Admission__ReplicaAcks=1
start_stack
unset Admission__ReplicaAcks
create durable
replica
measure "trivial (stack 2)" "http://127.0.0.1:$trivial_port/" get.lua
measure "replica, WAIT 1 before the publish" "$api" apply.lua EVENT=durable
redis-cli -s "$work/replica.sock" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
measure "WAIT 1, replica gone (every admission 503 after 200 ms)" "$api" apply.lua EVENT=durable

{
  echo "Redis durability settings and admission: wrk -t2 -c64, $duration after $warmup of warm-up, $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| setting | requests/s | p50 ms | p99 ms | ratio to trivial (same stack) | non-2xx |"
  echo "|---|---|---|---|---|---|"
  awk -F'|' '{ split($2, f, " ") }
    $1 ~ /^trivial/ { base = f[1]; next }
    { printf "| %s | %d | %.2f | %.2f | %.0f%% | %d |\n", $1, f[1], f[2], f[3], 100*f[1]/base, f[5] }' "$work/table"
} | tee "$out/durability.md"
