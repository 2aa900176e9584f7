#!/usr/bin/env bash
# Toolchain benchmark, by hand, never in CI (needs nginx, curl, jq; builds ferry through `./ferry` when the sources
# changed, and the bench classes: ./mvnw -B -q -pl bench -am package -DskipTests).
#   usage: bench/toolchain/bench.sh        Env: RUNS (default 3), GOROOT_SRC (default /usr/lib/go-1.19), TREE (the
#          generated upstream tree, default /tmp/ferry-toolchain-tree; made once, reused), UP_PORT, FERRY_PORT
# One realistic toolchain: golang.org/toolchain@v0.0.1-go1.19.8.linux-amd64 made from the local Go installation in
# dl2mod's layout, and a made-up patch release go1.19.9 of it (binaries rebuilt, 1% of the sources edited), served
# by nginx with a checksum database of its own (bench.toolchain.ToolchainTree).
# Per round, in alternating order: (direct) curl the go1.19.8 zip from nginx; (ferry) a fresh ferry (empty data
# directory) and curl the same zip through it, cold: fetch, zip check, h1 against the checksum database, chunk and
# commit, then send (a zip miss is held back until it is stored). Then, still in that ferry: the same zip again
# (a hit), and the go1.19.9 zip cold, with the store's chunk bytes after each (GET /admin/api/storage).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} GOROOT_SRC=${GOROOT_SRC:-/usr/lib/go-1.19} TREE=${TREE:-/tmp/ferry-toolchain-tree}
UP_PORT=${UP_PORT:-27491} FERRY_PORT=${FERRY_PORT:-27492}
TOKEN=toolchain-bench
V1=v0.0.1-go1.19.8.linux-amd64 V2=v0.0.1-go1.19.9.linux-amd64
work=$(mktemp -d /tmp/ferry-toolchain-bench.XXXXXX)
pids=()
ferry_pid=
cleanup() { [ -n "$ferry_pid" ] && kill "$ferry_pid" 2>/dev/null; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for t in nginx curl jq; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
. "$root/scripts/find-jdk.sh"; JAVA=$(find_jdk)/bin/java
wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
fetch() { curl -fsS -o /dev/null -w '%{time_total}' "$1"; } # seconds, the whole body received

if [ ! -f "$TREE/_meta/verifier.key" ]; then
	[ -f "$root/bench/target/classes/dev/ferry/bench/toolchain/ToolchainTree.class" ] \
		|| { echo "no bench classes: run ./mvnw -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
	echo "writing $TREE from $GOROOT_SRC..."
	"$JAVA" -cp "$root/bench/target/classes:$root/bench/target/lib/*" dev.ferry.bench.toolchain.ToolchainTree \
		"$GOROOT_SRC" "$TREE" go1.19.8 go1.19.9 >/dev/null
fi
KEY=$(cat "$TREE/_meta/verifier.key")
Z1=$TREE/golang.org/toolchain/@v/$V1.zip Z2=$TREE/golang.org/toolchain/@v/$V2.zip
echo "zips: $V1 $(stat -c %s "$Z1") bytes, $V2 $(stat -c %s "$Z2") bytes"

cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { application/zip zip; application/json info; }
  default_type text/plain;
  server { listen 127.0.0.1:$UP_PORT; root $TREE; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/_meta/verifier.key"
"$root/ferry" --version >/dev/null

start_ferry() { # $1 = data dir
	FERRY_ADMIN_TOKEN=$TOKEN "$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$1" \
		--go-upstream http://127.0.0.1:$UP_PORT --sumdb "$KEY" --no-access-log >>"$1.log" 2>&1 &
	ferry_pid=$!
	wait_http "http://127.0.0.1:$FERRY_PORT/health"
}
stop_ferry() { kill "$ferry_pid"; wait "$ferry_pid" 2>/dev/null || true; ferry_pid=; }
chunk_bytes() { curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$FERRY_PORT/admin/api/storage" | jq -r "$1"; }

direct=() cold=() hit=() cold2=()
for i in $(seq 1 "$RUNS"); do
	order="direct ferry"; [ $((i % 2)) = 0 ] && order="ferry direct"
	for what in $order; do
		if [ "$what" = direct ]; then
			direct+=("$(fetch "http://127.0.0.1:$UP_PORT/golang.org/toolchain/@v/$V1.zip")")
		else
			start_ferry "$work/f$i"
			cold+=("$(fetch "http://127.0.0.1:$FERRY_PORT/golang.org/toolchain/@v/$V1.zip")")
			s1=$(chunk_bytes '"\(.objects) \(.chunks) \(.chunkBytes) \(.diskBytes)"')
			hit+=("$(fetch "http://127.0.0.1:$FERRY_PORT/golang.org/toolchain/@v/$V1.zip")")
			cold2+=("$(fetch "http://127.0.0.1:$FERRY_PORT/golang.org/toolchain/@v/$V2.zip")")
			s2=$(chunk_bytes '"\(.objects) \(.chunks) \(.chunkBytes) \(.diskBytes)"')
			stop_ferry
		fi
	done
	echo "round $i ($order): direct ${direct[-1]} s; ferry cold ${cold[-1]} s, hit ${hit[-1]} s, next release cold ${cold2[-1]} s"
	echo "  store after $V1 (objects chunks chunkBytes diskBytes): $s1; after $V2 too: $s2"
done
dm=$(printf '%s\n' "${direct[@]}" | median); cm=$(printf '%s\n' "${cold[@]}" | median)
hm=$(printf '%s\n' "${hit[@]}" | median); c2=$(printf '%s\n' "${cold2[@]}" | median)
echo "medians of $RUNS: direct $dm s, ferry cold $cm s (ratio $(awk "BEGIN{printf \"%.1f\", $cm/$dm}")), ferry hit $hm s (ratio $(awk "BEGIN{printf \"%.2f\", $hm/$dm}")), next release cold $c2 s"
read -r _ _ cb1 _ <<<"$s1"; read -r _ _ cb2 _ <<<"$s2"
# The store's files once RocksDB has flushed and dropped its write-ahead log (right after ingest the log still holds
# the chunks, so the disk use is about twice the chunk bytes until the next flush).
start_ferry "$work/f$RUNS"; reopened=$(chunk_bytes .diskBytes); stop_ferry
# The go command's view: `go mod download` of the toolchain (what a GOTOOLCHAIN switch does: download, verify
# against GOSUMDB, unpack) with a fresh module cache, straight from nginx vs through a cold ferry.
godl() { # $1 = GOPROXY, $2 = sumdb URL; prints seconds
	local home=$work/go-$RANDOM t0 t1
	mkdir -p "$home"
	t0=$(date +%s.%N)
	(cd "$home" && GOPATH=$home/path GOMODCACHE=$home/mod GOCACHE=$home/cache GOFLAGS= GOPROXY=$1 \
		GOSUMDB="$KEY $2" GONOSUMDB= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local \
		go mod download golang.org/toolchain@$V1) >/dev/null
	t1=$(date +%s.%N)
	chmod -R u+w "$home"; rm -rf "$home"
	awk "BEGIN{printf \"%.2f\", $t1-$t0}"
}
SUMDB=${KEY%%+*}
gd=() gf=()
if command -v go >/dev/null; then
	for i in $(seq 1 "$RUNS"); do
		order="direct ferry"; [ $((i % 2)) = 0 ] && order="ferry direct"
		for what in $order; do
			if [ "$what" = direct ]; then
				gd+=("$(godl "http://127.0.0.1:$UP_PORT" "http://127.0.0.1:$UP_PORT/sumdb/$SUMDB")")
			else
				start_ferry "$work/g$i"
				gf+=("$(godl "http://127.0.0.1:$FERRY_PORT" "http://127.0.0.1:$FERRY_PORT/sumdb/$SUMDB")")
				stop_ferry
			fi
		done
		echo "go mod download round $i ($order): from nginx ${gd[-1]} s, through a cold ferry ${gf[-1]} s"
	done
	gdm=$(printf '%s\n' "${gd[@]}" | median); gfm=$(printf '%s\n' "${gf[@]}" | median)
	echo "go mod download medians of $RUNS: from nginx $gdm s, through a cold ferry $gfm s (ratio $(awk "BEGIN{printf \"%.2f\", $gfm/$gdm}"))"
fi
echo "store: $V1 zip $(stat -c %s "$Z1") bytes -> $cb1 chunk bytes; $V2 zip $(stat -c %s "$Z2") bytes added $((cb2 - cb1)) chunk bytes ($(awk "BEGIN{printf \"%.0f\", 100*($cb2-$cb1)/$(stat -c %s "$Z2")}")% of it); disk after reopening the store: $reopened bytes"
uptime
