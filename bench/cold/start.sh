#!/usr/bin/env bash
# Start to ready of `./ferry serve` on a store of N module versions and M image tags, by hand, never in CI: alternating rounds with
# and without the launcher's class data sharing archive (server/target/ferry-serve.jsa, made by the first run), the
# time from the launch to the first 200 of /health/ready (polled every 20 ms), with the load before each round.
#   usage: bench/cold/start.sh [--versions 20000] [--tags 0] [--data KEPT_DATA_DIR] [--rounds 5]
# The store is filled through ferry by bench/goproxy/Populate.java (.info and .mod of each version) and
# bench/oci/PopulateTags.java (a manifest and tag record each); KEEP=1 keeps it for the next run (--data).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
versions=20000 tags=0 rounds=5 data=""
while [ $# -gt 0 ]; do
	case "$1" in
	--versions) versions=$2; shift 2 ;;
	--tags) tags=$2; shift 2 ;;
	--data) data=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
export JAVA_HOME
PORT=18597 UP_PORT=18598 OCI_PORT=18599
work=$(mktemp -d /tmp/ferry-start.XXXXXX)
pid=""
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
"$root/ferry" --version >/dev/null
ready() { until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/ready" 2>/dev/null; do sleep 0.02; done; }
if [ -z "$data" ]; then
	data="$work/data"
	"$root/ferry" serve --listen "127.0.0.1:$PORT" --data "$data" --go-upstream "http://127.0.0.1:$UP_PORT" --sumdb off \
		--registry "docker.io=http://127.0.0.1:$OCI_PORT" --default-registry docker.io \
		--no-access-log >"$work/populate.log" 2>&1 &
	pid=$!
	ready
	"$JAVA_HOME/bin/java" -cp "$root/bench/target/classes" dev.ferry.bench.goproxy.Populate \
		"http://127.0.0.1:$PORT" "$UP_PORT" "$versions" 16
	[ "$tags" = 0 ] || "$JAVA_HOME/bin/java" -cp "$root/bench/target/classes" dev.ferry.bench.oci.PopulateTags \
		"http://127.0.0.1:$PORT" "$OCI_PORT" "$tags" 16
	kill "$pid"; wait "$pid" || true; pid=""
fi
echo "store: $(du -sh "$data" | cut -f1) in $data"
start() { # $1 = label, rest = env; prints ms to ready
	local t0 ms
	t0=$(date +%s%N)
	env "${@:2}" "$root/ferry" serve --listen "127.0.0.1:$PORT" --data "$data" --go-upstream off --sumdb off \
		>"$work/$1.log" 2>&1 &
	pid=$!
	ready
	ms=$((($(date +%s%N) - t0) / 1000000))
	# CPU time the process used until ready (the launcher execs java, same pid): steadier than wall time under load.
	local cpu
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15 + $16 + $17) * 1000 / hz}' "/proc/$pid/stat")
	kill "$pid"; wait "$pid" || true; pid=""
	echo "$ms $cpu"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
start warmup FERRY_JAVA_OPTS= >/dev/null # makes the archive when it is missing or stale
: >"$work/cds"; : >"$work/plain"; : >"$work/cds.cpu"; : >"$work/plain.cpu"
for r in $(seq 1 "$rounds"); do
	l=$(cut -d' ' -f1-3 /proc/loadavg)
	if [ $((r % 2)) = 1 ]; then
		read -r a ac < <(start cds FERRY_JAVA_OPTS=); read -r b bc < <(start plain FERRY_JAVA_OPTS=-Xshare:auto)
	else
		read -r b bc < <(start plain FERRY_JAVA_OPTS=-Xshare:auto); read -r a ac < <(start cds FERRY_JAVA_OPTS=)
	fi
	echo "$a" >>"$work/cds"; echo "$b" >>"$work/plain"; echo "$ac" >>"$work/cds.cpu"; echo "$bc" >>"$work/plain.cpu"
	echo "round $r: with the archive $a ms (CPU $ac ms) | without $b ms (CPU $bc ms) (load $l)"
done
echo "medians: with the archive $(median <"$work/cds") ms (CPU $(median <"$work/cds.cpu") ms) | without $(median <"$work/plain") ms (CPU $(median <"$work/plain.cpu") ms) | load now $(cut -d' ' -f1-3 /proc/loadavg)"
