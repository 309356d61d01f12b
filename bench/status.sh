#!/usr/bin/env bash
# Status polls against the trivial endpoint in one run (issue 31): 2,000 applicants race for 100 coupons, then their
# own statuses are read at random (64 connections): the losers', the winners' (issued), and everyone's, each beside
# the trivial endpoint and the sold-out answer, with MariaDB's CPU during each storm. Then the time from the first
# request to the last coupon row of a race, the median of 5 rounds (3 with --quick): alone; with 64 connections polling
# statuses at full speed all along; with 64 on the trivial endpoint instead (the floor any full-speed load sets on
# shared cores); and with 64 connections following each winner's status as the README tells a client to.
# Writes status.md to --out (bench/results).
# Usage: bench/status.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/stack.sh
parse_options "$@"
if $quick; then duration=4s race_users=10000 race_quantity=1000 rounds=3; else duration=10s race_users=100000 race_quantity=10000 rounds=5; fi

build_release Trivial Harness
start_trivial
start_stack
# One set of tokens for everything: the first 2,000 poll, and every race's users are the first N (each race a new event).
mint_tokens "$race_users"
all=$work/all
head -2000 "$TOKENS" >"$all"
api=$(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ" | sed -n 's/^ASPNETCORE_URLS=//p' | cut -d';' -f1 | sed 's/localhost/127.0.0.1/')

create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"$1\",\"quantity\":$2}"; }
load() { # connections duration target wrk-script [env...]
  local connections=$1 time=$2 target=$3 script=$4; shift 4
  env "$@" wrk -t2 -c"$connections" -d"$time" -s "bench/$script" "$target" 2>&1 | grep '^RESULT' | cut -d' ' -f2- || true
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
mariadb_pid=$(pgrep -x mariadbd | head -1)
hz=$(getconf CLK_TCK)

# The race: every applicant once (their tokens in order), then the rows.
create bench-status 100
xargs -P 32 -I '{}' curl -s -o /dev/null -X POST "$api/api/events/bench-status/applications" -H 'Authorization: Bearer {}' <"$all"
for _ in $(seq 60); do [ "$(sql "SELECT issued FROM events WHERE id = 'bench-status'")" = 100 ] && break; sleep 1; done
# Each applicant's token line is its subject's number (bench-N): split winners from losers by the rows.
sql "SELECT SUBSTRING(user_id, 7) FROM coupons WHERE event_id = 'bench-status'" | sort -n >"$work/winners.n"
awk 'NR==FNR { won[$1]; next } (FNR in won) { print > w; next } { print > l }' w="$work/winners" l="$work/losers" "$work/winners.n" "$all"

row() { # label target script [env...]
  local label=$1 target=$2 script=$3; shift 3
  load 64 3s "$target" "$script" "$@" >/dev/null
  local before; before=$(ticks "$mariadb_pid")
  read -r rate p50 p99 _ <<<"$(load 64 "$duration" "$target" "$script" "$@")"
  local cpu; cpu=$(awk -v t="$(( $(ticks "$mariadb_pid") - before ))" -v hz="$hz" -v d="${duration%s}" 'BEGIN{printf "%.1f", 100*t/hz/d}')
  echo "| $label | $rate | $p50 | $p99 | $(awk -v a="$rate" -v t="$trivial" 'BEGIN{printf "%.2f", a/t}') | $cpu |" >>"$work/status.md"
}
load 64 3s "http://127.0.0.1:$trivial_port/" get.lua >/dev/null
read -r trivial _ <<<"$(load 64 "$duration" "http://127.0.0.1:$trivial_port/" get.lua)"
{
  echo "| $duration, 64 connections | requests/s | p50 ms | p99 ms | ratio to trivial ($trivial req/s) | MariaDB CPU % of a core |"
  echo "|---|---|---|---|---|---|"
} >"$work/status.md"
row "sold-out answer (POST, the losers)" "$api" apply.lua EVENT=bench-status TOKENS="$work/losers" USERS=1900
row "status of losers (none)" "$api" status.lua EVENT=bench-status TOKENS="$work/losers"
row "status of winners (issued)" "$api" status.lua EVENT=bench-status TOKENS="$work/winners"
row "status of all 2,000 at random" "$api" status.lua EVENT=bench-status TOKENS="$all"

# The race in four settings, taken in turn for $rounds rounds (one race alone is too noisy to tell a few per cent; each
# setting's figure is its median): alone; with 64 connections reading statuses at full speed all along (the 2,000
# above, at random); with 64 on the trivial endpoint instead (the floor any full-speed load sets on shared cores); and
# with 64 connections following each winner's status as the README tells a client to (If-None-Match, Prefer: wait).
race() { harness race --api "$api" --token "$token" --tokens "$TOKENS" --users "$race_users" --quantity "$race_quantity" --connections 64 "$@"; }
run() { # setting: one race in it, its RACE line added to $work/race.<setting>
  local line load="" extra=()
  case $1 in
    polled) EVENT=bench-status TOKENS=$all wrk -t1 -c64 -d600s -s bench/status.lua "$api" >/dev/null 2>&1 & load=$! ;;
    hammered) wrk -t1 -c64 -d600s -s bench/get.lua "http://127.0.0.1:$trivial_port/" >/dev/null 2>&1 & load=$! ;;
    followed) extra=(--followers 64) ;;
  esac
  if [ -n "$load" ]; then sleep 2; fi
  local before; before=$(ticks "$mariadb_pid")
  line=$(race "${extra[@]}") || { echo "$line"; exit 1; }
  if [ -n "$load" ]; then kill "$load" 2>/dev/null || true; fi
  echo "$line mariadb_cpu_s=$(awk -v t="$(( $(ticks "$mariadb_pid") - before ))" -v hz="$hz" 'BEGIN{printf "%.2f", t/hz}')" >>"$work/race.$1"
}
settings=(alone polled hammered followed)
for _ in $(seq "$rounds"); do for setting in "${settings[@]}"; do run "$setting"; done; done
rows() { sed -nE "s/.* ${2:-last_row_s}=([0-9.]+)( .*|$)/\1/p" "$work/race.$1"; }
median() { rows "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
alone=$(median alone)
{
  echo
  echo "Race of $race_users users for $race_quantity coupons, 64 connections applying, first request to last coupon row;"
  echo "$rounds rounds, the four races in turn in each:"
  echo
  echo "| race | last row, median s | against alone | each round's last row, s | MariaDB CPU during the race, median s |"
  echo "|---|---|---|---|---|"
  for setting in "${settings[@]}"; do
    case $setting in
      alone) label="alone" ;;
      polled) label="64 connections polling statuses at full speed all along" ;;
      hammered) label="64 connections on the trivial endpoint at full speed all along" ;;
      followed) label="64 connections following each winner's status (If-None-Match, Prefer: wait=30)" ;;
    esac
    m=$(median "$setting")
    echo "| $label | $m | $(awk -v a="$alone" -v b="$m" 'BEGIN{printf "%+.0f %%", 100*(b-a)/a}') | $(rows "$setting" | paste -sd' ') | $(median "$setting" mariadb_cpu_s) |"
  done
  echo
  echo "Followers, each round: $(sed -nE 's/.*(followed=[0-9]+ status_polls=[0-9]+ last_seen_issued_s=[0-9.]+).*/\1/p' "$work/race.followed" | paste -sd';' | sed 's/;/; /g')"
} >>"$work/status.md"
cp "$work/status.md" "$out/status.md"
cat "$out/status.md"
