#!/usr/bin/env bash
# What the stack costs with nothing happening, as events accumulate: each process's CPU (from /proc, over $idle of no
# traffic at all) and Redis's memory with 1, 2,000 and 20,000 events in MySQL, all settled but 5 live ones (no
# window, a few winners each); then a race on one live event among them (10,000 users for 1,000 coupons). Then what
# one winner costs in Redis (an event of 100,000 winners, with the key layout ApplyApi writes).
# One stack (Release, local mode, services in Production, no dashboard, every setting its default but
# Reconciliation__SettleAfter=00:00:05, so that closed events settle within a round or two).
# Writes lifecycle.md to --out (default bench/results).
# Usage: bench/lifecycle.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then sizes=(1 200 2000) idle=10 race_users=2000 race_quantity=200; else sizes=(1 2000 20000) idle=20 race_users=10000 race_quantity=1000; fi

export Reconciliation__SettleAfter=00:00:05
build_release Harness
start_stack
redis_port=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ConnectionStrings__redis=[^:]*:\([0-9]*\).*/\1/p')
create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }

processes=(applyapi consumer retryjob RaceView KafkaMock Identity redis-server mariadbd)
pids_now() { for p in "${processes[@]}"; do case $p in redis-server|mariadbd) pgrep -x "$p" | head -1 ;; *) pid_of "$p" ;; esac; done; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
idle_cpu() { # label: one row of percent of one core per process, and Redis's used memory
  local label=$1 pids before=() after=() i row hz
  hz=$(getconf CLK_TCK)
  mapfile -t pids < <(pids_now)
  for p in "${pids[@]}"; do before+=("$(ticks "$p")"); done
  sleep "$idle"
  for p in "${pids[@]}"; do after+=("$(ticks "$p")"); done
  row="| $label"
  local total=0
  for i in "${!pids[@]}"; do
    local pct=$(( (after[i] - before[i]) * 1000 / (hz * idle) ))
    total=$((total + pct))
    row+=" | $((pct / 10)).$((pct % 10))"
  done
  row+=" | $((total / 10)).$((total % 10)) | $(redis-cli -p "$redis_port" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p' | awk '{ printf "%.1f", $1 / 1048576 }') | $(redis-cli -p "$redis_port" DBSIZE) |"
  echo "$row" | tee -a "$work/idle"
}

# Five live events, a few winners each, among everything that settles.
mint_tokens 20
for i in 1 2 3 4 5; do
  create "live-$i" 1000
  for t in $(seq 1 "$i"); do curl -sf -o /dev/null -X POST "$api/api/events/live-$i/applications" -H "Authorization: Bearer $(sed -n "${t}p" "$TOKENS")"; done
done

# Past the start (JIT, first reconciliation rounds, the first state checks) before the first row is measured.
sleep 40
: >"$work/idle"
created=0
for size in "${sizes[@]}"; do
  more=$((size - 1 - created))
  if [ "$more" -gt 0 ]; then
    harness events --api "$api" --token "$token" --count "$more" --prefix "settled-$size" --closes-in 3
    created=$((created + more))
  fi
  # Every closed event settled (the default event and the 5 live ones stay live), and one more round past that.
  for _ in $(seq 600); do
    [ "$(sql "SELECT COUNT(*) FROM events WHERE settled_at IS NULL AND id LIKE 'settled-%'")" = 0 ] && break
    sleep 2
  done
  sleep 5
  events=$(sql "SELECT COUNT(*) FROM events")
  idle_cpu "$events events, $(sql "SELECT COUNT(*) FROM events WHERE settled_at IS NOT NULL") settled"
done

echo "Race on a live event among them"
race=$(harness race --api "$api" --token "$token" --issuer "$issuer" --users "$race_users" --quantity "$race_quantity" | grep '^RACE' | cut -d' ' -f2-)
echo "$race"

# One winner's cost: 100,000 fields of the winners hash's shape (a user id, a 32-hex application id) on a scratch key.
before=$(redis-cli -p "$redis_port" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
redis-cli -p "$redis_port" EVAL "for i = 1, 100000 do redis.call('HSET', KEYS[1], tostring(1000000 + i), string.format('%032x', i)) end" 1 'coupon:{bench-memory}:winners' >/dev/null
after=$(redis-cli -p "$redis_port" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
per_winner=$(( (after - before) / 100000 ))
redis-cli -p "$redis_port" DEL 'coupon:{bench-memory}:winners' >/dev/null

{
  echo "Idle cost as events accumulate: percent of one core per process over ${idle} s of no traffic, Redis's used memory and key count; $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo "(bench/lifecycle.sh$($quick && echo ' --quick'); settled events: closed 3 s after creation, settled 5 s later; 5 live events throughout)"
  echo
  echo "| events | ApplyApi | Consumer | RetryJob | RaceView | KafkaMock | Identity | Redis | MariaDB | all | Redis MiB | Redis keys |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  cat "$work/idle"
  echo
  echo "Race on a live event among them: $race"
  echo
  echo "Redis memory per winner (a winners hash of 100,000): $per_winner bytes; a live event of N winners holds about N × $per_winner bytes until it settles."
} | tee "$out/lifecycle.md"
