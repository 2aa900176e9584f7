#!/usr/bin/env bash
# Multi-upstream failover benchmark, by hand, never in CI.
# Cold `go mod download all` of the fixture app through ferry, with the healthy upstream GOOD alone and behind each
# kind of broken upstream (`X|GOOD`), and behind all six at once:
#   SLOW      answers at once, sends every body at 64 bytes/s
#   TAMPER    correct .info/.mod, every .zip altered by one byte
#   TRUNCATE  half of every body (full Content-Length), then closes
#   RESET     half of every body, then a connection reset
#   503       503 to everything, no Retry-After
#   BLACKHOLE accepts connections, never answers
# Scenarios alternate within each round (fresh ferry data and module cache every run); prints per scenario the
# median time, its ratio to GOOD's median, and the requests the broken upstreams got per run (median), and for
# TAMPER the .zip requests it got after its first mismatch (ferry logs the quarantine).
#   usage: bench/failover/run.sh   (needs the packaged jar: ./mvnw -B -q -DskipTests package; golang-go; python3)
# Env: ROUNDS (default 3), SCENARIOS (default "GOOD SLOW TAMPER TRUNCATE RESET 503 BLACKHOLE ALL6"), EXTRA (ferry flags).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
jar="$root/server/target/ferry-server.jar"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-GOOD SLOW TAMPER TRUNCATE RESET 503 BLACKHOLE ALL6}
declare -A PORT=([GOOD]=18591 [503]=18592 [BLACKHOLE]=18593 [SLOW]=18595 [TAMPER]=18596 [TRUNCATE]=18597 [RESET]=18598)
FERRY=18594
BROKEN="SLOW TAMPER TRUNCATE RESET 503 BLACKHOLE"
work=$(mktemp -d /tmp/ferry-failover-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

py="$root/bench/failover/upstreams.py"
proxy="$fixtures/proxy"
python3 "$py" static ${PORT[GOOD]} "$proxy" "$work/GOOD.log" & pids+=($!)
python3 "$py" 503 ${PORT[503]} "$work/503.log" & pids+=($!)
python3 "$py" blackhole ${PORT[BLACKHOLE]} "$work/BLACKHOLE.log" & pids+=($!)
for m in SLOW TAMPER TRUNCATE RESET; do
  python3 "$py" "$(echo $m | tr A-Z a-z)" ${PORT[$m]} "$proxy" "$work/$m.log" & pids+=($!)
done
sleep 1
for m in GOOD $BROKEN; do touch "$work/$m.log"; done

key=$(cat "$proxy/_meta/verifier.key")
sumdb_name=$(cut -d+ -f1 <<<"$key")
gosumdb="$key http://127.0.0.1:${PORT[GOOD]}/sumdb/$sumdb_name"
url() { echo "http://127.0.0.1:${PORT[$1]}"; }
list_for() {
  case $1 in
    GOOD) url GOOD ;;
    ALL6) local l=""; for m in $BROKEN; do l="$l$(url $m)|"; done; echo "$l$(url GOOD)" ;;
    *) echo "$(url $1)|$(url GOOD)" ;;
  esac
}

load() { cut -d' ' -f1 /proc/loadavg; }

# one_run SCENARIO ROUND : prints "seconds" and leaves the ferry log in $work/SCENARIO-ROUND
one_run() {
  local dir="$work/$1-$2"
  rm -rf "$dir"; mkdir -p "$dir/app"; : >"$dir/ferry.log"
  cp "$fixtures/app/go.mod" "$fixtures/app/main.go" "$dir/app/"
  # shellcheck disable=SC2086
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --listen 127.0.0.1:$FERRY --data "$dir/data" \
      --no-access-log --sumdb "$key" --go-upstream "$(list_for "$1")" ${EXTRA:-} >"$dir/ferry.log" 2>&1 & local ferry=$!
  for _ in $(seq 1 300); do grep -q "ferry ready" "$dir/ferry.log" && break; sleep 0.1; done
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$dir/app" && env -i PATH="$PATH" HOME="$dir" GOPATH="$dir/gopath" GOMODCACHE="$dir/modcache" GOCACHE="$dir/gocache" \
      GOPROXY="http://127.0.0.1:$FERRY" GOSUMDB="$gosumdb" GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local \
      go mod download all) >"$dir/go.log" 2>&1 || { echo "go mod download failed ($1):" >&2; tail -5 "$dir/go.log" >&2; }
  t1=$(date +%s.%N)
  kill "$ferry"; wait "$ferry" 2>/dev/null || true
  chmod -R u+w "$dir/modcache" 2>/dev/null || true
  echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A times asked zipsafter
for r in $(seq 1 "$ROUNDS"); do
  for s in $SCENARIOS; do
    declare -A before=()
    for m in $BROKEN; do before[$m]=$(wc -l <"$work/$m.log"); done
    t=$(one_run "$s" "$r")
    times[$s]="${times[$s]:-} $t"
    line="round $r $s: ${t}s (load $(load))"
    for m in $BROKEN; do
      n=$(( $(wc -l <"$work/$m.log") - ${before[$m]} ))
      if [ "$n" -gt 0 ] || [ "$s" = "$m" ]; then
        asked[$s.$m]="${asked[$s.$m]:-} $n"; line="$line, $m asked $n"
      fi
    done
    if [[ "$s" == TAMPER || "$s" == ALL6 ]]; then
      at=$(grep -m1 "$(url TAMPER) quarantined" "$work/$s-$r/ferry.log" | awk '{print $1}' || true)
      if [ -n "$at" ]; then
        since=$(date -d "$at" +%s.%N 2>/dev/null || echo 0)
        z=$(tail -n +"$(( ${before[TAMPER]} + 1 ))" "$work/TAMPER.log" | awk -v at="$since" '$1 > at && $2 ~ /\.zip$/ {n++} END {print n+0}')
      else
        z="n/a (no quarantine logged)"
      fi
      zipsafter[$s]="${zipsafter[$s]:-} $z"; line="$line, TAMPER .zip requests after its quarantine: $z"
    fi
    echo "$line"
  done
done

good=$(tr ' ' '\n' <<<"${times[GOOD]:-}" | grep . | median)
echo
echo "| scenario | median s | ratio to GOOD | requests at the broken ones per run (median) |"
echo "|---|---|---|---|"
for s in $SCENARIOS; do
  m=$(tr ' ' '\n' <<<"${times[$s]}" | grep . | median)
  ratio=$( [ "$good" != n/a ] && echo "scale=2; $m / $good" | bc || echo n/a)
  req=""
  for b in $BROKEN; do
    [ -n "${asked[$s.$b]:-}" ] && req="$req $b $(tr ' ' '\n' <<<"${asked[$s.$b]}" | grep . | median);"
  done
  [ -n "${zipsafter[$s]:-}" ] && req="$req TAMPER .zip after quarantine:${zipsafter[$s]};"
  echo "| $s | $m | $ratio |$req |"
done
echo "load at the end: $(cat /proc/loadavg)"
