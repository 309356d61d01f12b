#!/usr/bin/env bash
# The course's lesson, measured: the same burst against
#   naive-count  bench/naive step 1: count() then save() on MySQL in the request (the course's first project);
#   naive-incr   bench/naive step 2: Redis INCR, then a synchronous MySQL insert in the request;
#   couponevent  this system: one Lua script in Redis, Kafka, the Consumer writing behind.
# Each: 100 coupons for 1,000 and for 10,000 users (64 connections), while 8 more connections read an unrelated page:
# a user's coupons, read from the same MySQL by a third, idle instance of bench/naive. Prints coupons issued (the naive
# design over-issues), requests/s and p99 of the apply endpoint, p99 of the unrelated page during the burst, and
# MySQL's queries per second and most threads running during it: the median of 3 runs (--quick: 1 run, 1,000 users).
# All three share one Redis and one MariaDB (the AppHost's local servers), on the same cores.
# Usage: bench/compare.sh [--quick] [--out DIR]   (writes compare.md and compare-timeline.png to DIR, default bench/results)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then repeats=1 sizes="1000"; else repeats=3 sizes="1000 10000"; fi
count_port=18082 incr_port=18083 page_port=18084

eng/install-servers.sh
echo "Building (Release)..."
dotnet build CouponEvent.sln -c Release -nologo -v quiet >/dev/null
dotnet build bench/naive -c Release -nologo -v quiet >/dev/null
dotnet build bench/Harness -c Release -nologo -v quiet >/dev/null

start_stack
# The naive apps use the stack's own servers: their connection strings are in a service's environment.
coupondb=$(tr '\0' '\n' <"/proc/$(pid_of consumer)/environ" | sed -n 's/^ConnectionStrings__coupondb=//p')
redis=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ConnectionStrings__redis=//p')

# Ports: step 1, step 2, and a third instance that only serves the unrelated page (the same for every design).
for step in 1 2 3; do
  port=$(case $step in 1) echo $count_port ;; 2) echo $incr_port ;; 3) echo $page_port ;; esac)
  ASPNETCORE_URLS=http://127.0.0.1:$port ConnectionStrings__coupondb=$coupondb ConnectionStrings__redis=$redis Naive__Step=$((step == 2 ? 2 : 1)) \
    dotnet bench/naive/bin/Release/net10.0/Naive.dll >"$work/naive$step.log" 2>&1 &
  pids+=($!)
done
for port in $count_port $incr_port $page_port; do
  for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$port/api/users/1/coupons" && break; sleep 0.5; done
done

# MySQL's activity during a burst: queries per second and the most threads running, sampled every 50 ms.
watch_mysql() { local max=0 n; while [ -f "$work/watching" ]; do n=$(sql "SHOW GLOBAL STATUS LIKE 'Threads_running'" | awk '{print $2}'); [ "$n" -gt "$max" ] && max=$n; echo "$max" >"$work/threads"; sleep 0.05; done; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
questions() { sql "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{print $2}'; }

# Warm-up: one unmeasured burst per design, so that JIT and connection pools are not what is measured.
curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"id":"cmp-warmup","name":"warm-up","quantity":100}'
# CouponEvent's applicants apply with their own tokens from the stack's issuer (minted before each burst, not timed).
for base in http://127.0.0.1:$count_port http://127.0.0.1:$incr_port $api; do
  applicants=(); [ "$base" = "$api" ] && applicants=(--issuer "$issuer")
  harness burst --url "$base/api/events/cmp-warmup/applications" --users 2000 --connections 64 "${applicants[@]}" >/dev/null
done

echo "design users run issued requests_per_s p99_ms unrelated_p99_ms mysql_qps mysql_threads_running" >"$work/runs"
for run in $(seq "$repeats"); do
  for users in $sizes; do
    for design in naive-count naive-incr couponevent; do
      event=cmp-$design-$users-$run-$RANDOM
      unrelated=http://127.0.0.1:$page_port/api/users/1/coupons
      applicants=()
      case $design in
        naive-count) base=http://127.0.0.1:$count_port ;;
        naive-incr) base=http://127.0.0.1:$incr_port ;;
        couponevent)
          base=$api applicants=(--issuer "$issuer")
          curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -d "{\"id\":\"$event\",\"name\":\"$event\",\"quantity\":100}" ;;
      esac
      before=$(questions); touch "$work/watching"; echo 0 >"$work/threads"; watch_mysql & watcher=$!
      # The first run at the largest size also records the unrelated page's latency over time, for the plot.
      timeline=(); [ "$run" = 1 ] && [ "$users" = "${sizes##* }" ] && timeline=(--timeline "$work/timeline.csv" --label "$design")
      line=$(harness burst --url "$base/api/events/$event/applications" --users "$users" --connections 64 --unrelated "$unrelated" "${applicants[@]}" "${timeline[@]}")
      rm -f "$work/watching"; wait "$watcher" || true
      seconds=$(grep -oE "seconds=[0-9.]+" <<<"$line" | cut -d= -f2)
      qps=$(awk -v a="$before" -v b="$(questions)" -v s="$seconds" 'BEGIN { printf "%.0f", (b - a) / s }')
      if [ $design = couponevent ]; then
        for _ in $(seq 100); do [ "$(curl -sf "$api/api/events/$event" | grep -oE '"issued":[0-9]+' | cut -d: -f2)" = 100 ] && break; sleep 0.1; done
        issued=$(curl -sf "$api/api/events/$event" | grep -oE '"issued":[0-9]+' | cut -d: -f2)
      else
        issued=$(sql "SELECT COUNT(*) FROM naive_coupons WHERE event_id = '$event'")
      fi
      get() { grep -oE "$1=[^ ]+" <<<"$line" | head -1 | cut -d= -f2; }
      echo "$design $users $run $issued $(get requests_per_s) $(get p99_ms) $(get unrelated_p99_ms) $qps $(cat "$work/threads")" >>"$work/runs"
      echo "  $design, $users users, run $run: $issued coupons issued; $line"
    done
  done
done

{
  echo "The course's designs under the same burst: 100 coupons, 64 connections applying, 8 more reading an unrelated page;"
  echo "median of $repeats run(s) (bench/compare.sh$($quick && echo " --quick"), $(nproc) cores, $(date -u +%Y-%m-%d))."
  echo
  echo "| design | users | coupons issued (of 100) | apply requests/s | apply p99 ms | unrelated page p99 ms | MySQL queries/s | MySQL threads running (max) |"
  echo "|---|---|---|---|---|---|---|---|"
  for users in $sizes; do
    for design in naive-count naive-incr couponevent; do
      row="| $design | $users |"
      for column in 4 5 6 7 8 9; do row="$row $(awk -v d=$design -v u="$users" -v c=$column '$1==d && $2==u { print $c }' "$work/runs" | median) |"; done
      echo "$row"
    done
  done
} | tee "$out/compare.md"

harness timeline --csv "$work/timeline.csv" --out "$out/compare-timeline.png" >/dev/null

# The invariant: CouponEvent issues exactly its quantity in every run.
if awk '$1=="couponevent" && $4!=100 { bad=1 } END { exit bad }' "$work/runs"; then
  echo "CouponEvent: exactly 100 coupons in every run" | tee -a "$out/compare.md"
else
  echo "CouponEvent over- or under-issued:"; cat "$work/runs"; exit 1
fi
