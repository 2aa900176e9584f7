#!/usr/bin/env bash
# GOPROXY serving benchmark, by hand, never in CI: nginx serving the fixture tree as static files vs warm ferry,
# same machine, same wrk load. Prints each figure and the ferry/nginx ratio.
#   usage: bench/goproxy/bench.sh [--versions 100000]     (needs nginx, wrk, golang-go: apt-get install)
# Env: DURATION (wrk seconds, default 15), WARMUP (unmeasured wrk seconds first, default 5), CONNS (default 64),
# THREADS (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
versions=100000
[ "${1:-}" = "--versions" ] && versions=$2
DURATION=${DURATION:-15} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
NGINX_PORT=18481 FERRY_PORT=18482 UP_PORT=18483 POP_PORT=18484
work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for t in nginx wrk go; do command -v $t >/dev/null || { echo "needs $t (apt-get install nginx wrk golang-go)"; exit 1; }; done

wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

# --- the peer: nginx with sendfile, as a static GOPROXY mirror is usually served
cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log $work/nginx-access.log;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types { application/zip zip; application/json info; }
  default_type text/plain;
  server { listen 127.0.0.1:$NGINX_PORT; root $fixtures/proxy; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/_meta/summary.json"

# --- ferry, warmed from that nginx
"$root/ferry" --version >/dev/null
SUMDB_KEY=$(cat "$fixtures/proxy/_meta/verifier.key")
"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/data" --go-upstream http://127.0.0.1:$NGINX_PORT \
	--sumdb "$SUMDB_KEY" >"$work/ferry.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$FERRY_PORT/health"

# Paths: every .info and .mod of the corpus; the largest zip.
(cd "$fixtures/proxy" && find . -path ./sumdb -prune -o \( -name '*.info' -o -name '*.mod' \) -print | sed 's|^\.||') >"$work/small.txt"
big=$(cd "$fixtures/proxy" && find . -name '*.zip' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2 | sed 's|^\.||')
echo "$big" >"$work/big.txt"
while read -r p; do curl -fsS -o /dev/null "http://127.0.0.1:$FERRY_PORT$p"; done <"$work/small.txt"
curl -fsS -o /dev/null "http://127.0.0.1:$FERRY_PORT$big"

gosetup() { # $1 = GOPROXY; fresh caches in $work/go
	rm -rf "$work/go" "$work/app"; chmod -R u+w "$work/go" 2>/dev/null || true
	mkdir -p "$work/go"; cp -r "$fixtures/app" "$work/app"; rm -f "$work/app/go.sum"
	export GOPATH=$work/go/path GOMODCACHE=$work/go/mod GOCACHE=$work/go/cache GOPROXY=$1 GOFLAGS=-mod=mod
	export GOSUMDB="$(cat "$fixtures/proxy/_meta/verifier.key") http://127.0.0.1:$NGINX_PORT/sumdb/sum.fixture.example"
	export GONOSUMDB= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local
}
godl() { # $1 = GOPROXY; prints wall seconds of go mod download all with fresh caches
	gosetup "$1"
	local t0 t1; t0=$(date +%s.%N); (cd "$work/app" && go mod download all); t1=$(date +%s.%N)
	chmod -R u+w "$work/go"; awk "BEGIN{printf \"%.2f\", $t1-$t0}"
}

wrkrun() { # $1 = base URL, $2 = paths file; prints "req/s p99_ms MB/s" of a measured run after a warm-up run
	WRK_PATHS=$2 wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP:-5}s" -s "$root/bench/goproxy/paths.lua" "$1" >/dev/null
	WRK_PATHS=$2 wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$root/bench/goproxy/paths.lua" "$1" >"$work/wrk.out"
	awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p=$2} /Transfer\/sec/ {t=$2}
	     END { if (p ~ /us$/) {sub(/us/,"",p); p/=1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000};
	           if (t ~ /GB$/) {sub(/GB/,"",t); t*=1024} else if (t ~ /MB$/) {sub(/MB/,"",t)} else if (t ~ /KB$/) {sub(/KB/,"",t); t/=1024};
	           printf "%.0f %.2f %.1f\n", rps, p, t }' "$work/wrk.out"
}
ratio() { awk "BEGIN{ if ($2 == 0) print \"n/a\"; else printf \"%.2f\", $1/$2 }"; }

echo "== small files (.info/.mod, $(wc -l <"$work/small.txt") paths), wrk -t$THREADS -c$CONNS -d${DURATION}s"
read -r n_rps n_p99 _ < <(wrkrun "http://127.0.0.1:$NGINX_PORT" "$work/small.txt")
read -r f_rps f_p99 _ < <(wrkrun "http://127.0.0.1:$FERRY_PORT" "$work/small.txt")
echo "nginx: $n_rps req/s p99 ${n_p99}ms | ferry: $f_rps req/s p99 ${f_p99}ms | ratio req/s $(ratio "$f_rps" "$n_rps"), p99 $(ratio "$f_p99" "$n_p99")"

echo "== largest zip ($big)"
read -r _ _ n_mbs < <(wrkrun "http://127.0.0.1:$NGINX_PORT" "$work/big.txt")
read -r _ _ f_mbs < <(wrkrun "http://127.0.0.1:$FERRY_PORT" "$work/big.txt")
echo "nginx: $n_mbs MB/s | ferry: $f_mbs MB/s | ratio $(ratio "$f_mbs" "$n_mbs")"

echo "== go mod download all of the fixture app, fresh module cache"
n_dl=$(godl "http://127.0.0.1:$NGINX_PORT")
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
rm -rf "$work/data"
"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/data" --go-upstream http://127.0.0.1:$NGINX_PORT \
	--sumdb "$SUMDB_KEY" >>"$work/ferry.log" 2>&1 & pids[1]=$!
wait_http "http://127.0.0.1:$FERRY_PORT/health"
f_cold=$(godl "http://127.0.0.1:$FERRY_PORT")
f_warm=$(godl "http://127.0.0.1:$FERRY_PORT")
echo "nginx: ${n_dl}s | ferry cold: ${f_cold}s (ratio $(ratio "$f_cold" "$n_dl")) | ferry warm: ${f_warm}s (ratio $(ratio "$f_warm" "$n_dl"))"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true

echo "== start-up time with a store of $versions module versions"
"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/big-store" --go-upstream http://127.0.0.1:$POP_PORT --sumdb off >"$work/ferry-pop.log" 2>&1 & pids[1]=$!
wait_http "http://127.0.0.1:$FERRY_PORT/health"
JAVA=$(. "$root/scripts/find-jdk.sh"; find_jdk)/bin/java
[ -f "$root/bench/target/classes/dev/ferry/bench/goproxy/Populate.class" ] \
	|| { echo "no bench classes: run ./mvnw -B -q -DskipTests package" >&2; exit 1; }
"$JAVA" -cp "$root/bench/target/classes" dev.ferry.bench.goproxy.Populate "http://127.0.0.1:$FERRY_PORT" $POP_PORT "$versions"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
echo "store on disk: $(du -sh "$work/big-store" | cut -f1)"
t0=$(date +%s.%N)
"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/big-store" --go-upstream off --sumdb off >"$work/ferry-start.log" 2>&1 & pids[1]=$!
wait_http "http://127.0.0.1:$FERRY_PORT/health"
t1=$(date +%s.%N)
echo "start to ready: $(awk "BEGIN{printf \"%.2f\", $t1-$t0}")s (includes JVM start; the jar was already built)"
