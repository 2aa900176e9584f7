#!/bin/bash
# Cost of checksum verification in ferry (run by hand, not in CI):
#   - cold `go mod download all` of the gocorpus fixture app through a fresh ferry, with --sumdb off and with
#     --sumdb <fixture key> (reached through the upstream's /sumdb/), median of RUNS runs each, and the ratio;
#   - sumdb requests ferry made per new module version (from /metrics), which shows whether tiles are reused.
# The upstream is python3's http.server over gocorpus/proxy (it also serves /sumdb/sum.fixture.example/).
# The go client runs with GOSUMDB=off in both modes so that only ferry's work differs.
#
#   usage: bench/checksum/bench.sh        env: RUNS=3 PORT=18190 FIXTURES=/work/shared/fixtures
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RUNS=${RUNS:-3}
PORT=${PORT:-18190}
FIXTURES=${FIXTURES:-$root/../shared/fixtures}
PROXY=$FIXTURES/gocorpus/proxy
KEY=$(cat "$PROXY/_meta/verifier.key")
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=$root/server/target/ferry-server.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -B -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-sumdb-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

python3 -m http.server --bind 127.0.0.1 --directory "$PROXY" "$PORT" >"$work/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/_meta/summary.json" 2>/dev/null && break; sleep 0.1; done

run() { # $1 = sumdb setting, $2 = run name; prints seconds; leaves metrics in $work/$2.metrics
	local data=$work/$2/data
	mkdir -p "$work/$2"
	"$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" serve --listen 127.0.0.1:0 --data "$data" \
		--go-upstream "http://127.0.0.1:$PORT" --sumdb "$1" --no-access-log >"$work/$2/ferry.log" 2>&1 &
	local pid=$!
	local url=""
	for _ in $(seq 1 300); do
		url=$(grep -o 'ferry ready on http://[^ ]*' "$work/$2/ferry.log" | head -1 | sed 's/ferry ready on //') && [ -n "$url" ] && break
		sleep 0.1
	done
	cp -r "$FIXTURES/gocorpus/app" "$work/$2/app"
	rm -f "$work/$2/app/go.sum"
	local t0 t1
	t0=$(date +%s.%N)
	(cd "$work/$2/app" && env -u GOFLAGS GOPATH="$work/$2/gopath" GOMODCACHE="$work/$2/modcache" GOCACHE="$work/$2/cache" \
		GOPROXY="$url" GOSUMDB=off GONOSUMDB= GOPRIVATE= GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off GOTOOLCHAIN=local \
		go mod download all) >"$work/$2/go.log" 2>&1 || { cat "$work/$2/go.log" >&2; kill "$pid"; exit 1; }
	t1=$(date +%s.%N)
	curl -fsS "$url/metrics" >"$work/$2.metrics"
	kill "$pid"; wait "$pid" 2>/dev/null || true
	awk "BEGIN{printf \"%.3f\", $t1-$t0}"
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
sum() { # $1 = metrics file, $2 = regex of series
	grep -E "^$2" "$1" | awk '{s+=$NF} END{printf "%d", s}'
}

off=(); on=()
for i in $(seq 1 "$RUNS"); do
	off+=("$(run off "off$i")")
	on+=("$(run "$KEY" "on$i")")
done
moff=$(printf '%s\n' "${off[@]}" | median)
mon=$(printf '%s\n' "${on[@]}" | median)
m=$work/on1.metrics
versions=$(sum "$m" 'ferry_http_requests_total\{endpoint="mod",method="GET",status="200",cache="miss"')
lookups=$(sum "$m" 'ferry_sumdb_requests_total\{kind="lookup"')
tiles=$(sum "$m" 'ferry_sumdb_requests_total\{kind="tile"')
latest=$(sum "$m" 'ferry_sumdb_requests_total\{kind="latest"')
ok=$(sum "$m" 'ferry_sumdb_verifications_total\{result="ok"')
echo "cold go mod download all, median of $RUNS: verification off ${moff}s (${off[*]}), on ${mon}s (${on[*]})"
awk "BEGIN{printf \"ratio on/off: %.2f\n\", $mon/$moff}"
echo "new module versions (.mod misses): $versions; files verified ok: $ok"
echo "sumdb requests: lookup $lookups, tile $tiles, latest $latest"
awk "BEGIN{printf \"sumdb requests per new module version: %.2f\n\", ($lookups+$tiles+$latest)/$versions}"
