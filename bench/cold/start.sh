#!/usr/bin/env bash
# Start to ready of `./ferry serve` on a store of N module versions and M image tags, by hand, never in CI: alternating rounds with
# and without the launcher's class data sharing archive (server/target/ferry-serve-JDK.jsa, or on JDK 25 the AOT cache
# ferry-serve-JDK.aot, made by the first run), the
# time from the launch to the first 200 of /health/ready (polled every 20 ms), with the load before each round.
#   usage: bench/cold/start.sh [--versions 20000] [--tags 0] [--data KEPT_DATA_DIR] [--rounds 5] [--baseline CHECKOUT]
#                              [--launcher BIN_FERRY]
# --baseline: instead of with/without the archive, this checkout against another one (each on a store it filled
# itself, both with their archives; --data is this checkout's).
# --launcher: the installed layout's bin/ferry (an unpacked installer, or install.sh --destdir) instead of ./ferry,
# with its build-time AOT cache against without it (the store is still filled by this checkout's ./ferry).
# The store is filled through ferry by bench/goproxy/Populate.java (.info and .mod of each version) and
# bench/oci/PopulateTags.java (a manifest and tag record each); KEEP=1 keeps it for the next run (--data).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
versions=20000 tags=0 rounds=5 data="" baseline="" launcher=""
while [ $# -gt 0 ]; do
	case "$1" in
	--versions) versions=$2; shift 2 ;;
	--tags) tags=$2; shift 2 ;;
	--data) data=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
	--launcher) launcher=$(readlink -f "$2"); shift 2 ;;
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
populate() { # $1 = ferry launcher, $2 = data directory: fills a new store through that ferry
	"$1" serve --listen "127.0.0.1:$PORT" --data "$2" --go-upstream "http://127.0.0.1:$UP_PORT" --sumdb off \
		--registry "docker.io=http://127.0.0.1:$OCI_PORT" --default-registry docker.io \
		--no-access-log >>"$work/populate.log" 2>&1 &
	pid=$!
	ready
	"$JAVA_HOME/bin/java" -cp "$root/bench/target/classes" dev.ferry.bench.goproxy.Populate \
		"http://127.0.0.1:$PORT" "$UP_PORT" "$versions" 16
	[ "$tags" = 0 ] || "$JAVA_HOME/bin/java" -cp "$root/bench/target/classes" dev.ferry.bench.oci.PopulateTags \
		"http://127.0.0.1:$PORT" "$OCI_PORT" "$tags" 16
	kill "$pid"; wait "$pid" || true; pid=""
}
if [ -z "$data" ]; then
	data="$work/data"
	populate "$root/ferry" "$data"
fi
echo "store: $(du -sh "$data" | cut -f1) in $data"
# The two variants: checkout, store, JVM options.
a_cmd=$root/ferry a_data=$data a_opts="" a_name="with the archive"
b_cmd=$root/ferry b_data=$data b_opts=-Xshare:auto b_name="without"
if [ -n "$baseline" ]; then
	"$baseline/ferry" --version >/dev/null
	# Filled by the baseline itself, not copied: a ferry before store format 2 (inline chunks) refuses a format-2
	# store, and each version should start on the store it writes.
	populate "$baseline/ferry" "$work/base-data"
	b_cmd=$baseline/ferry b_data=$work/base-data b_opts="" a_name="this checkout" b_name="baseline"
fi
if [ -n "$launcher" ]; then
	a_cmd=$launcher b_cmd=$launcher a_name="installed, with its AOT cache" b_name="installed, without"
fi
start() { # $1 = a|b; prints ms to ready and CPU ms
	local t0 ms r d o
	r=${1}_cmd d=${1}_data o=${1}_opts
	t0=$(date +%s%N)
	FERRY_JAVA_OPTS=${!o} "${!r}" serve --listen "127.0.0.1:$PORT" --data "${!d}" --go-upstream off --sumdb off \
		>>"$work/$1.log" 2>&1 &
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
# Unmeasured: makes each checkout's archive when it is missing or stale (and a first close of the store).
start a >/dev/null
[ -z "$baseline" ] || start b >/dev/null
: >"$work/a"; : >"$work/b"; : >"$work/a.cpu"; : >"$work/b.cpu"
for r in $(seq 1 "$rounds"); do
	l=$(cut -d' ' -f1-3 /proc/loadavg)
	if [ $((r % 2)) = 1 ]; then
		read -r a ac < <(start a); read -r b bc < <(start b)
	else
		read -r b bc < <(start b); read -r a ac < <(start a)
	fi
	echo "$a" >>"$work/a"; echo "$b" >>"$work/b"; echo "$ac" >>"$work/a.cpu"; echo "$bc" >>"$work/b.cpu"
	echo "round $r: $a_name $a ms (CPU $ac ms) | $b_name $b ms (CPU $bc ms) (load $l)"
done
echo "medians: $a_name $(median <"$work/a") ms (CPU $(median <"$work/a.cpu") ms) | $b_name $(median <"$work/b") ms (CPU $(median <"$work/b.cpu") ms) | load now $(cut -d' ' -f1-3 /proc/loadavg)"
