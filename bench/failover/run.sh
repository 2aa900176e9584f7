#!/usr/bin/env bash
# Multi-upstream failover benchmark, by hand, never in CI.
# Cold `go mod download all` of the fixture app through ferry with
#   (a) one healthy upstream, and
#   (b) the same healthy upstream last, behind one that answers 503 and one that never answers (a black hole),
# each RUNS times (fresh ferry data and module cache every run). Prints the median wall time of each, the ratio
# b/a, and how many requests the broken upstreams received, in total and after their breakers opened.
#   usage: bench/failover/run.sh            (needs the packaged jar: ./mvnw -B -q -DskipTests package; golang-go; python3)
# Env: RUNS (default 5), ONLY_A=1 (scenario (a) only), FIRST_BYTE (first-byte timeout of the black hole in (b), default 2s).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
jar="$root/server/target/ferry-server.jar"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
RUNS=${RUNS:-5} FIRST_BYTE=${FIRST_BYTE:-2s}
HEALTHY=18591 UNAVAILABLE=18592 HOLE=18593 FERRY=18594
work=$(mktemp -d /tmp/ferry-failover-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

py="$root/bench/failover/upstreams.py"
python3 "$py" static $HEALTHY "$fixtures/proxy" "$work/healthy.log" & pids+=($!)
python3 "$py" 503 $UNAVAILABLE "$work/unavailable.log" & pids+=($!)
python3 "$py" blackhole $HOLE "$work/hole.log" & pids+=($!)
sleep 1
touch "$work/healthy.log" "$work/unavailable.log" "$work/hole.log"

sumdb_name=$(cut -d+ -f1 <"$fixtures/proxy/_meta/verifier.key")
gosumdb="$(cat "$fixtures/proxy/_meta/verifier.key") http://127.0.0.1:$HEALTHY/sumdb/$sumdb_name"

cat >"$work/b.yaml" <<YAML
go:
  upstream: http://127.0.0.1:$UNAVAILABLE|http://127.0.0.1:$HOLE|http://127.0.0.1:$HEALTHY
upstreams:
  - url: http://127.0.0.1:$HOLE
    firstByteTimeout: $FIRST_BYTE
YAML

# one_run LABEL LIST_OR_CONFIG... : prints the seconds `go mod download all` took
one_run() {
  local label=$1; shift
  local dir="$work/$label"
  rm -rf "$dir"; mkdir -p "$dir/app"
  cp "$fixtures/app/go.mod" "$fixtures/app/main.go" "$dir/app/"
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --listen 127.0.0.1:$FERRY --data "$dir/data" \
      --no-access-log "$@" >"$dir/ferry.log" 2>&1 & local ferry=$!
  for _ in $(seq 1 300); do grep -q "ferry ready" "$dir/ferry.log" && break; sleep 0.1; done
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$dir/app" && env -i PATH="$PATH" HOME="$dir" GOPATH="$dir/gopath" GOMODCACHE="$dir/modcache" GOCACHE="$dir/gocache" \
      GOPROXY="http://127.0.0.1:$FERRY" GOSUMDB="$gosumdb" GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local \
      go mod download all) >"$dir/go.log" 2>&1 || { echo "go mod download failed ($label):" >&2; cat "$dir/go.log" >&2; }
  t1=$(date +%s.%N)
  curl -fsS "http://127.0.0.1:$FERRY/metrics" >"$dir/metrics.txt" 2>/dev/null || true
  kill "$ferry"; wait "$ferry" 2>/dev/null || true
  echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

a_times=() b_times=()
for i in $(seq 1 "$RUNS"); do
  a_times+=("$(one_run "a$i" --go-upstream "http://127.0.0.1:$HEALTHY")")
  [ "${ONLY_A:-}" = 1 ] && { echo "run $i: a ${a_times[-1]}s"; continue; }
  u0=$(wc -l <"$work/unavailable.log"); h0=$(wc -l <"$work/hole.log")
  b_times+=("$(one_run "b$i" --config "$work/b.yaml")")
  # Requests the broken ones got in this run, and how many after their breaker opened (ferry logs the moment).
  u=$(( $(wc -l <"$work/unavailable.log") - u0 )); h=$(( $(wc -l <"$work/hole.log") - h0 ))
  open_u=$(grep -m1 "127.0.0.1:$UNAVAILABLE: circuit closed -> open" "$work/b$i/ferry.log" | awk '{print $1}' || true)
  open_h=$(grep -m1 "127.0.0.1:$HOLE: circuit closed -> open" "$work/b$i/ferry.log" | awk '{print $1}' || true)
  after() { # LOG FROM_LINE OPEN_TIMESTAMP
    [ -z "$3" ] && { echo "n/a"; return; }
    local at; at=$(date -d "$3" +%s.%N 2>/dev/null || echo 0)
    tail -n +"$(( $2 + 1 ))" "$1" | awk -v at="$at" '$1 > at {n++} END {print n+0}'
  }
  echo "run $i: a ${a_times[-1]}s, b ${b_times[-1]}s; 503 upstream: $u requests ($(after "$work/unavailable.log" "$u0" "$open_u") after its breaker opened), black hole: $h connections ($(after "$work/hole.log" "$h0" "$open_h") after its breaker opened)"
done
ma=$(printf '%s\n' "${a_times[@]}" | median)
[ "${ONLY_A:-}" = 1 ] && { echo "median (a): ${ma}s"; exit 0; }
mb=$(printf '%s\n' "${b_times[@]}" | median)
echo "median (a) one healthy upstream: ${ma}s"
echo "median (b) healthy behind 503 + black hole: ${mb}s"
echo "ratio b/a: $(echo "scale=2; $mb / $ma" | bc)"
