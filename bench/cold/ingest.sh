#!/usr/bin/env bash
# Sustained ingest of new small files through ferry's GOPROXY API (issue 18: >= 1,000 new files/s for a minute, store
# commit p99 under 50 ms, no write stall over 200 ms), by hand, never in CI. Each run starts a ferry on an empty store
# (--sumdb off, no access log) and runs bench/goproxy/Ingest.java in a separate JVM (its clients and the generating
# upstream: distinct .info and .mod bodies of 60 B-2 KiB) for SECONDS at each IN_FLIGHT count; prints each run's files/s
# per 10 s, request p50/p99, and from ferry's /metrics its store commits' p99, RocksDB's write stalls and log syncs,
# with the load before the run.
#   usage: bench/cold/ingest.sh [--seconds 60] [--warmup 15] [--in-flight "16 64"] [--rounds 3] [--baseline CHECKOUT]
# --warmup: seconds of the same load before the measured SECONDS, not counted (a fresh JVM's JIT; metrics are read
# after it).
# --baseline: another checkout's ferry (git archive BASE | tar -x -C /tmp/base, built there) runs in the same rounds,
# the order alternating per round; its figures lack the store metrics when it exports none.
# FERRY_JAVA_OPTS is passed to both ferries (e.g. a JFR recording); FERRY_ARGS adds serve flags to both (e.g.
# FERRY_ARGS="--quota 100GiB": with a quota every commit reads the store's size counter).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=60 warmup=15 inflight="16 64" rounds=3 baseline=""
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--in-flight) inflight=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
export JAVA_HOME
PORT=18671 UP_PORT=18672
[ -f "$root/bench/target/classes/dev/ferry/bench/goproxy/Ingest.class" ] \
	|| { echo "no bench classes: run ./mvnw -B -q -pl bench -am -DskipTests package" >&2; exit 1; }
work=$(mktemp -d /tmp/ferry-ingest.XXXXXX)
pid=""
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
"$root/ferry" --version >/dev/null
[ -z "$baseline" ] || "$baseline/ferry" --version >/dev/null
names=(this)
[ -z "$baseline" ] || names+=(base)
checkout() { if [ "$1" = this ]; then echo "$root"; else echo "$baseline"; fi; }

run() { # $1 = this|base, $2 = in flight, $3 = round
	local dir=$work/$1-$2-$3
	mkdir -p "$dir"
	"$(checkout "$1")/ferry" serve --listen "127.0.0.1:$PORT" --data "$dir/data" \
		--go-upstream "http://127.0.0.1:$UP_PORT" --sumdb off --no-access-log ${FERRY_ARGS:-} >"$dir/ferry.log" 2>&1 &
	pid=$!
	until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/ready" 2>/dev/null; do sleep 0.05; done
	local load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "== round $3, $1, $2 in flight, load $load"
	"$JAVA_HOME/bin/java" -Xmx512m -cp "$root/bench/target/classes" dev.ferry.bench.goproxy.Ingest \
		"http://127.0.0.1:$PORT" "$UP_PORT" "$seconds" "$2" "$dir/result" "$warmup" || echo "   (some requests failed)"
	kill "$pid"; wait "$pid" || true; pid=""
	echo "$1 $2 $3 load=${load%% *} $(cat "$dir/result" 2>/dev/null)" >>"$work/results"
	rm -rf "$dir/data"
}

for r in $(seq 1 "$rounds"); do
	order=("${names[@]}")
	if [ $((r % 2)) = 0 ] && [ ${#names[@]} = 2 ]; then order=(base this); fi
	for n in $inflight; do
		for who in "${order[@]}"; do
			run "$who" "$n" "$r"
		done
	done
done

echo
echo "== medians over $rounds rounds (each run: one fresh ferry, $warmup s warm-up, $seconds s measured)"
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { # $1 who, $2 in flight, $3 key
	awk -v w="$1" -v n="$2" -v k="$3" '$1 == w && $2 == n { for (i = 4; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == k) print kv[2] } }' "$work/results" | median
}
printf "%-5s %4s %10s %10s %10s %10s %12s %8s %12s %10s\n" who inflight files/s slowest10s req_p50 req_p99 commit_p99 stalls longest_ms load
for n in $inflight; do
	for who in "${names[@]}"; do
		printf "%-5s %4s %10s %10s %10s %10s %12s %8s %12s %10s\n" "$who" "$n" "$(field "$who" "$n" files_per_s)" \
			"$(field "$who" "$n" slowest_window)" "$(field "$who" "$n" req_p50_ms)" "$(field "$who" "$n" req_p99_ms)" \
			"$(field "$who" "$n" commit_grouped_p99_ms)" "$(field "$who" "$n" stalls)" \
			"$(field "$who" "$n" longest_stall_ms)" "$(field "$who" "$n" load)"
	done
done
if [ ${#names[@]} = 2 ]; then
	echo "median of the rounds' files/s ratio this/base:"
	for n in $inflight; do
		ratio=$(awk -v n="$n" '$2 == n { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "files_per_s") v[$1, $3] = kv[2] } }
			END { for (k in v) { split(k, p, SUBSEP); if (p[1] == "this" && v["base", p[2]] > 0) print v[k] / v["base", p[2]] } }' \
			"$work/results" | median)
		echo "  $n in flight: $ratio"
	done
fi
echo "all runs:"
cat "$work/results"
