#!/usr/bin/env bash
# Peak memory of ferry under the issue-18 workloads, by hand, never in CI: a ferry on an empty store with Native
# Memory Tracking on, in front of a docker-registry holding two 200 MiB images and an nginx serving the gocorpus
# fixture tree. Each round: skopeo copy of the first image cold, the second cold, the first warm, then
# `go mod download all` of the fixture app cold and warm; the peak RSS (VmHWM) after each step, and at the end
# the resident memory split by owner (memory-split.py: Native Memory Tracking's regions matched to
# /proc/PID/smaps) after the two cold copies and at the end. RocksDB's allocations are invisible to NMT: they are
# the part of glibc's malloc arenas beyond NMT's malloc total.
#   usage: bench/cold/footprint.sh [--rounds 3] [--baseline CHECKOUT]   (needs docker-registry, skopeo, nginx, go)
#   --baseline: also runs the ferry of another checkout in each round, alternating the order.
# Env: FERRY_JAVA_OPTS passes on to both (BASE_JAVA_OPTS, when set, to the baseline instead: the same checkout as
# --baseline then compares two option sets); KEEP=1 keeps the work directory (logs, NMT reports).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
rounds=3 baseline=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
UP_PORT=18661 NGINX_PORT=18662 FERRY_PORT=18663
for t in docker-registry skopeo nginx go python3 curl; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
export JAVA_HOME
work=$(mktemp -d /tmp/ferry-footprint.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
wait_http() { for _ in $(seq 1 1500); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.02; done; echo "no answer from $1" >&2; return 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "setting up the upstreams..."
python3 "$root/bench/oci/make-images.py" "$work/layout" >/dev/null
cat >"$work/upstream.yml" <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/upstream }, cache: { blobdescriptor: inmemory } }
http: { addr: 127.0.0.1:$UP_PORT, secret: ferry-footprint-bench }
YML
docker-registry serve "$work/upstream.yml" >"$work/upstream.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/v2/"
for i in big big2; do
	skopeo copy -q --dest-tls-verify=false "oci:$work/layout:$i-1" "docker://127.0.0.1:$UP_PORT/library/$i:1"
done
rm -rf "$work/layout"
cat >"$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  types { application/zip zip; application/json info; }
  default_type text/plain;
  server { listen 127.0.0.1:$NGINX_PORT; root $fixtures/proxy; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/_meta/summary.json"
"$root/ferry" --version >/dev/null # builds the jar when the sources changed, before anything is measured
[ -z "$baseline" ] || "$baseline/ferry" --version >/dev/null

hwm() { awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$fpid/status"; }
timed() { # runs "$@", appends its wall seconds to $work/t
	local t0 t1
	t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
	awk "BEGIN{printf \"%.2f \", ($t1-$t0)/1e9}" >>"$work/t"
}
copy() { # $1 = image; skopeo copy from ferry to a directory, checked for size
	skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$FERRY_PORT/library/$1:1" "dir:$work/copy"
	[ "$(du -sm "$work/copy" | cut -f1)" -ge 200 ] || { echo "copy of $1 is short" >&2; exit 1; }
	rm -rf "$work/copy"
}
godl() {
	chmod -R u+w "$work/go" 2>/dev/null || true
	rm -rf "$work/go" "$work/app"
	mkdir -p "$work/go"; cp -r "$fixtures/app" "$work/app"; rm -f "$work/app/go.sum"
	(cd "$work/app" && GOPATH=$work/go/path GOMODCACHE=$work/go/mod GOCACHE=$work/go/cache \
		GOPROXY=http://127.0.0.1:$FERRY_PORT GOFLAGS=-mod=mod GOSUMDB=off GONOSUMDB= GOPRIVATE= GONOPROXY= \
		GOTOOLCHAIN=local go mod download all)
}
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
round() { # $1 = label, $2 = checkout, $3 = JVM options; prints the round's figures
	rm -rf "$work/data"
	FERRY_JAVA_OPTS="$3 -XX:NativeMemoryTracking=detail" "$2/ferry" serve \
		--listen 127.0.0.1:$FERRY_PORT --data "$work/data" --go-upstream "http://127.0.0.1:$NGINX_PORT" --sumdb off \
		--registry "docker.io=http://127.0.0.1:$UP_PORT" --default-registry docker.io --no-access-log \
		>"$work/$1.log" 2>&1 &
	fpid=$!
	wait_http "http://127.0.0.1:$FERRY_PORT/health/ready"
	local l a b c d e
	l=$(load)
	: >"$work/t"
	timed copy big; a=$(hwm)
	timed copy big2; b=$(hwm)
	python3 "$root/bench/cold/memory-split.py" "$fpid" "$JAVA_HOME/bin/jcmd" "after the cold copies" >"$work/$1.after-copies.split"
	timed copy big; c=$(hwm)
	timed godl; d=$(hwm)
	timed godl; e=$(hwm)
	python3 "$root/bench/cold/memory-split.py" "$fpid" "$JAVA_HOME/bin/jcmd" "at the end" >"$work/$1.split"
	kill "$fpid"; wait "$fpid" 2>/dev/null || true
	echo "$e" >>"$work/peaks.$1"
	local t; read -ra t <"$work/t" || true
	echo "$1: peak RSS after cold copy ${a}, 2nd image ${b}, warm copy ${c}, go cold ${d}, go warm ${e} MiB (load $l)"
	echo "    times: copy cold ${t[0]}s, 2nd image ${t[1]}s, warm ${t[2]}s; go mod download all cold ${t[3]}s, warm ${t[4]}s"
	echo "${t[0]}" >>"$work/cold.$1"
	cat "$work/$1.after-copies.split" "$work/$1.split"
}
for r in $(seq 1 "$rounds"); do
	if [ -z "$baseline" ] || [ $((r % 2)) = 1 ]; then
		round "this-$r" "$root" "${FERRY_JAVA_OPTS:-}"
		[ -z "$baseline" ] || round "base-$r" "$baseline" "${BASE_JAVA_OPTS-${FERRY_JAVA_OPTS:-}}"
	else
		round "base-$r" "$baseline" "${BASE_JAVA_OPTS-${FERRY_JAVA_OPTS:-}}"
		round "this-$r" "$root" "${FERRY_JAVA_OPTS:-}"
	fi
done
echo "median peak RSS over all steps: this checkout $(cat "$work"/peaks.this-* | median) MiB${baseline:+, baseline $(cat "$work"/peaks.base-* | median) MiB} ($rounds rounds, load now $(load))"
echo "median cold copy: this checkout $(cat "$work"/cold.this-* | median) s${baseline:+, baseline $(cat "$work"/cold.base-* | median) s}"
