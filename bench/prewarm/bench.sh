#!/usr/bin/env bash
# Prewarm and eviction benchmark, by hand, never in CI (needs nginx, wrk, golang-go, curl, jq).
#   usage: bench/prewarm/bench.sh            Env: RUNS (default 3), QUOTA (part b, default 1MiB), DURATION (wrk s, 10)
# (a) `ferry prewarm go --gomod` of the fixture app vs `go mod download all` through a cold ferry, each run against
#     a fresh ferry data directory and the same cold upstream (nginx serving the static fixture GOPROXY tree and
#     its checksum database): wall times, median of RUNS, ratio prewarm/download.
# (b) the rate at which eviction frees space while serving load: a store filled by (a)'s download (nothing
#     pinned) is reopened with --quota QUOTA; wrk reads the stored .info/.mod files (the hot set) while the
#     eviction that the first commit queues runs (it takes the zips, least recently used); the rate is what the
#     store's own log line says: (size before - after) / elapsed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
RUNS=${RUNS:-3} QUOTA=${QUOTA:-1MiB} DURATION=${DURATION:-10}
UP_PORT=${UP_PORT:-27391} FERRY_PORT=${FERRY_PORT:-27392}
work=$(mktemp -d /tmp/ferry-prewarm-bench.XXXXXX)
pids=()
ferry_pid=
cleanup() { [ -n "$ferry_pid" ] && kill "$ferry_pid" 2>/dev/null; cp "$work"/d*.log /tmp/ 2>/dev/null || true; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for t in nginx wrk go curl jq; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.2f\", $(now)-$1}"; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log;
  sendfile on;
  types { application/zip zip; application/json info; }
  default_type text/plain;
  server { listen 127.0.0.1:$UP_PORT; root $fixtures/proxy; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/_meta/summary.json"
"$root/ferry" --version >/dev/null
KEY=$(cat "$fixtures/proxy/_meta/verifier.key")

start_ferry() { # $1 = data dir, rest = extra flags
	local data=$1; shift
	"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$data" --go-upstream http://127.0.0.1:$UP_PORT \
		--sumdb "$KEY" --no-access-log "$@" >>"$data.log" 2>&1 &
	ferry_pid=$!
	wait_http "http://127.0.0.1:$FERRY_PORT/health"
}
stop_ferry() { kill "$ferry_pid"; wait "$ferry_pid" 2>/dev/null || true; ferry_pid=; }

prewarm_times=() download_times=()
for i in $(seq 1 "$RUNS"); do
	start_ferry "$work/p$i"
	t0=$(now)
	"$root/ferry" prewarm go --gomod "$fixtures/app/go.mod" --server http://127.0.0.1:$FERRY_PORT --data "$work/p$i" >"$work/p$i.out" 2>&1 \
		|| { cat "$work/p$i.out"; exit 1; }
	prewarm_times+=("$(since "$t0")")
	stop_ferry

	start_ferry "$work/d$i"
	rm -rf "$work/go"; mkdir -p "$work/go"; cp -r "$fixtures/app" "$work/app$i"; rm -f "$work/app$i/go.sum"
	t0=$(now)
	(cd "$work/app$i" && GOPATH=$work/go/path GOMODCACHE=$work/go/mod GOCACHE=$work/go/cache GOFLAGS=-mod=mod \
		GOPROXY=http://127.0.0.1:$FERRY_PORT GOSUMDB="$KEY http://127.0.0.1:$FERRY_PORT/sumdb/${KEY%%+*}" \
		GONOSUMDB= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local go mod download all)
	download_times+=("$(since "$t0")")
	chmod -R u+w "$work/go"
	[ "$i" = "$RUNS" ] || stop_ferry
	echo "run $i: prewarm ${prewarm_times[-1]} s, go mod download all ${download_times[-1]} s"
done
tail -1 "$work/p1.out"
pm=$(printf '%s\n' "${prewarm_times[@]}" | median); dm=$(printf '%s\n' "${download_times[@]}" | median)
echo "(a) median of $RUNS: prewarm $pm s, go mod download all $dm s, ratio prewarm/download $(awk "BEGIN{printf \"%.2f\", $pm/$dm}")"

# (b) the last download's store, reopened under a quota, read by wrk while eviction runs.
data=$work/d$RUNS
curl -fsS -H "Authorization: Bearer $(cat "$data/admin-token")" http://127.0.0.1:$FERRY_PORT/admin/api/storage | jq -c '{objects, sizeBytes}'
(cd "$fixtures/proxy" && find . -path ./sumdb -prune -o \( -name '*.info' -o -name '*.mod' -o -name '*.zip' \) -print | sed 's|^\.||') >"$work/paths.txt"
grep -oE '"GET [^ ]+ ' "$work/nginx-access.log" | awk '{print $2}' | grep -v sumdb | grep -E '\.(info|mod|zip)$' | sort -u >"$work/stored.txt"
stop_ferry
start_ferry "$data" --quota "$QUOTA"
grep -E '\.(info|mod)$' "$work/stored.txt" >"$work/hot.txt"   # the hot set: small files, read all the time
WRK_PATHS=$work/hot.txt wrk -t2 -c16 -d"${DURATION}s" -s "$root/bench/goproxy/paths.lua" http://127.0.0.1:$FERRY_PORT >"$work/wrk.out" &
wrk_pid=$!
sleep 1
# one file not stored yet: its commit queues the eviction
curl -fsS -o /dev/null "http://127.0.0.1:$FERRY_PORT$(comm -23 <(sort "$work/paths.txt") "$work/stored.txt" | grep '\.mod$' | head -1)"
wait "$wrk_pid"
grep -E 'Requests/sec|Transfer/sec|Non-2xx|Socket errors' "$work/wrk.out" || true
curl -fsS -H "Authorization: Bearer $(cat "$data/admin-token")" http://127.0.0.1:$FERRY_PORT/admin/api/storage | jq -c '{objects, sizeBytes, quotaBytes, evicted, cache}'
grep -h "evicted .* objects" "$data.log" | head -5
grep -h "evicted .* objects" "$data.log" | head -1 | sed -E 's/.* in ([0-9]+) ms: size ([0-9]+) -> ([0-9]+) .*/\1 \2 \3/' \
	| awk '{ if ($1 == 0) $1 = 1; printf "(b) first eviction under load: %.1f MB freed in %d ms = %.1f MB/s\n", ($2-$3)/1e6, $1, ($2-$3)/1e6/($1/1000) }'
uptime
