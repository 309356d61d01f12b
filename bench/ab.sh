#!/usr/bin/env bash
# A/B of ApplyApi variants on one stack: for each round, each variant in turn runs as a second ApplyApi with the stack's
# own environment plus the variant's settings, and is measured on admission, sold out and duplicate (wrk, 64
# connections, 10 s after a warm-up), with its CPU per request and the whole machine's. Variants alternate, so the
# broker's growing log and the machine's noise fall on each of them alike. Writes ab.md to --out (bench/results).
# Usage: bench/ab.sh [--rounds N] [--out DIR] "label|VAR=VALUE ..." ...
#   a variant's VAR=VALUE pairs go into its environment (e.g. OTEL_TRACES_SAMPLER=always_off); DLL=path runs another
#   build of ApplyApi (e.g. the previous commit's: git worktree add /tmp/base HEAD~1 && dotnet build /tmp/base/... -c Release);
#   WRK:VAR=VALUE goes into wrk's (WRK:TOKENS= sends the {"userId": n} body of builds before applicants were tokens' subjects);
#   ISSUER=ALG: the variant's tokens come from a CouponEvent.Identity of its own that signs with ALG (RS256, ES256).
# Applicants apply with tokens from the stack's issuer, minted before anything is measured; the duplicate path
# measures 409s, so the per-applicant rate limit is off.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 args=()
while [ $# -gt 0 ]; do
  case $1 in --rounds) rounds=$2; shift ;; --out) args+=(--out "$2"); shift ;; *) break ;; esac
  shift
done
[ $# -gt 0 ] || { echo "usage: $0 [--rounds N] [--out DIR] \"label|VAR=VALUE ...\" ..." >&2; exit 2; }
source bench/stack.sh
parse_options "${args[@]}"

build_release Harness
start_stack
mint_tokens "${BENCH_AB_TOKENS:-100000}"
port=${BENCH_AB_PORT:-18190}
second=http://127.0.0.1:$port
environment=()
while IFS= read -r line; do
  case $line in ASPNETCORE_URLS=*|_=*|'') ;; *) environment+=("$line") ;; esac
done < <(tr '\0' '\n' <"/proc/$(pid_of applyapi)/environ")
environment+=(RateLimit__SubjectPermitsPerSecond=0)

# ISSUER=ALG: an issuer signing with ALG, started once, and its applicants' tokens.
declare -A alg_issuer=() alg_tokens=()
issuer_for() {
  local alg=$1 at
  [ -n "${alg_issuer[$alg]:-}" ] && return
  at=http://127.0.0.1:$((port + 1 + ${#alg_issuer[@]}))
  (cd CouponEvent.Identity && exec env DOTNET_ENVIRONMENT=Development ASPNETCORE_URLS="$at" Issuer__SigningAlgorithm="$alg" \
    Issuer__AdminClientSecret="bench-$RANDOM$RANDOM$RANDOM$RANDOM" dotnet bin/Release/net10.0/CouponEvent.Identity.dll) >"$work/issuer-$alg.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do curl -sf -o /dev/null "$at/.well-known/openid-configuration" && break; sleep 0.5; done
  alg_issuer[$alg]=$at/ alg_tokens[$alg]=$work/tokens-$alg
  harness tokens --issuer "$at/" --count "${BENCH_AB_TOKENS:-100000}" --out "${alg_tokens[$alg]}"
}

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }             # the machine's CPU time, in ticks
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }                          # a process's CPU time, in ticks
create() { curl -sf -o /dev/null -X POST "$api/api/events" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"id\":\"$1\",\"name\":\"ab\",\"quantity\":$2}"; }
measure() { # pid scenario wrk-env...: one 10-second run; prints requests/s, p99 and both CPU figures per request
  local pid=$1 scenario=$2; shift 2
  local t0 m0 t1 m1 rate p99
  t0=$(cpu "$pid"); m0=$(busy)
  read -r rate _ p99 _ < <(env "$@" wrk -t2 -c64 -d10s -s bench/apply.lua "$second" | grep '^RESULT' | cut -d' ' -f2-)
  t1=$(cpu "$pid"); m1=$(busy)
  # ticks are 10 ms: µs per request = ticks * 10,000 / (rate * 10 s)
  awk -v s="$scenario" -v r="$rate" -v p="$p99" -v a=$((t1 - t0)) -v m=$((m1 - m0)) \
    'BEGIN{printf "| %s | %d | %s | %.0f | %.0f |", s, r, p, a*1000/r, m*1000/r}'
}

{
  echo "| round | variant | path | requests/s | p99 ms | ApplyApi µs/request | machine µs/request |"
  echo "|---|---|---|---|---|---|---|"
} >"$work/ab.md"
for round in $(seq "$rounds"); do
  for variant in "$@"; do
    label=${variant%%|*} settings=() wrk_env=() dll=CouponEvent.ApplyApi/bin/Release/net10.0/CouponEvent.ApplyApi.dll
    [ "$label" != "$variant" ] && for setting in ${variant#*|}; do
      case $setting in
        DLL=*) dll=${setting#DLL=} ;;
        WRK:*) wrk_env+=("${setting#WRK:}") ;;
        ISSUER=*)
          issuer_for "${setting#ISSUER=}"
          settings+=("Authentication__Schemes__Bearer__Authority=${alg_issuer[${setting#ISSUER=}]}")
          wrk_env+=("TOKENS=${alg_tokens[${setting#ISSUER=}]}") ;;
        *) settings+=("$setting") ;;
      esac
    done
    dll=$(realpath "$dll")
    (cd CouponEvent.ApplyApi && exec env -i "${environment[@]}" ASPNETCORE_URLS="$second" "${settings[@]}" dotnet "$dll") \
      >"$work/second.log" 2>&1 &
    pid=$!
    for _ in $(seq 120); do curl -sf -o /dev/null "$second/health" && break; sleep 0.5; done
    curl -sf -o /dev/null "$second/health" || { echo "$label did not start:"; tail -20 "$work/second.log"; exit 1; }
    events=ab-$round-$RANDOM
    create "$events-admit" 10000000; create "$events-sold" 1; create "$events-dup" 1000
    create "$events-warm" 10000000
    # The one winner of the sold-out event; the warm-up's 410s below teach the instance that it is sold out.
    env "${wrk_env[@]}" EVENT=$events-sold USERS=1 wrk -t1 -c1 -d1s -s bench/apply.lua "$second" >/dev/null
    # The first 15 s of an instance run its JIT's first tiers: warm every path before measuring any (admission on an
    # event of its own, so that the measured one meets only new applicants).
    env "${wrk_env[@]}" EVENT=$events-warm wrk -t2 -c64 -d15s -s bench/apply.lua "$second" >/dev/null
    env "${wrk_env[@]}" EVENT=$events-sold wrk -t2 -c64 -d5s -s bench/apply.lua "$second" >/dev/null
    env "${wrk_env[@]}" EVENT=$events-dup USERS=1000 wrk -t2 -c64 -d5s -s bench/apply.lua "$second" >/dev/null
    for scenario in "admission|EVENT=$events-admit" "sold out|EVENT=$events-sold" "duplicate|EVENT=$events-dup USERS=1000"; do
      # shellcheck disable=SC2086 # the wrk environment is a list of words
      echo "| $round | $label $(measure "$pid" "${scenario%%|*}" "${wrk_env[@]}" ${scenario#*|})" | tee -a "$work/ab.md"
    done
    # The next variant binds the same port: wait until this one is gone, or it would answer for the next.
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
cp "$work/ab.md" "$out/ab.md"
