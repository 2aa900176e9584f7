#!/usr/bin/env bash
# Cluster benchmark, by hand, never in CI (docs/cluster.md): three ferries with --peers behind HAProxy (the
# configuration 'ferry cluster haproxy-config' writes), nginx serving the gocorpus fixture as their upstream.
#   1. warm small-file req/s and p99 (wrk): one ferry directly, HAProxy in front of that one ferry, HAProxy in front
#      of the three; alternating rounds, medians, the load printed with each round;
#   2. cold 'go mod download all' of the fixture app: through the cluster vs one ferry (fresh stores each round);
#   1b. what a node's loss costs: kill -9 one node of a warm cluster, then a fresh client's full download: its time
#      and the upstream requests it caused.
#   usage: bench/cluster/bench.sh [--rounds 3]   (needs haproxy, nginx, wrk, golang-go; the jar built: ./mvnw package)
# Env: DURATION (wrk seconds, default 10), WARMUP (default 3), CONNS (default 64), THREADS (default 2), PARTS (which of
# the parts to run, default "1 2": part 1 includes the node's loss).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
rounds=3
[ "${1:-}" = "--rounds" ] && rounds=$2
DURATION=${DURATION:-10} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
UP=18581 N0=18582 N1=18583 N2=18584 FRONT3=18585 FRONT1=18586 SOLO=18587
TOKEN=bench-cluster-token-0123456789
work=$(mktemp -d /tmp/ferry-cluster-bench.XXXXXX)
declare -A pid
cleanup() { for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for t in haproxy nginx wrk go; do command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "needs $t"; exit 1; }; done
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

wait_http() { for _ in $(seq 1 3000); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "no answer from $1" >&2; tail -n 20 "$work"/*.log >&2; return 1; }
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

cat >"$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log $work/upstream-access.log;
  sendfile on; keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$UP; root $fixtures/proxy; }
}
NGX
"$NGINX" -c "$work/nginx.conf" -g 'daemon off;' & pid[nginx]=$!
wait_http "http://127.0.0.1:$UP/_meta/summary.json"
SUMDB_KEY=$(cat "$fixtures/proxy/_meta/verifier.key")
PEERS=http://127.0.0.1:$N0,http://127.0.0.1:$N1,http://127.0.0.1:$N2

node() { # $1 = name, $2 = port, $3 = data dir, more args after
	local name=$1 port=$2 data=$3; shift 3
	FERRY_CLUSTER_TOKEN=$TOKEN FERRY_ADMIN_TOKEN=$TOKEN "$root/ferry" serve --listen 127.0.0.1:$port --data "$data" \
		--go-upstream http://127.0.0.1:$UP --sumdb "$SUMDB_KEY" --max-connections-per-client 0 "$@" \
		>>"$work/$name.log" 2>&1 & pid[$name]=$!
}
cluster_up() { # fresh stores under $work/$1
	node n0 $N0 "$work/$1/n0" --peers $PEERS --node-url http://127.0.0.1:$N0
	node n1 $N1 "$work/$1/n1" --peers $PEERS --node-url http://127.0.0.1:$N1
	node n2 $N2 "$work/$1/n2" --peers $PEERS --node-url http://127.0.0.1:$N2
	for p in $N0 $N1 $N2; do wait_http "http://127.0.0.1:$p/health/ready"; done
}
cluster_down() { for n in n0 n1 n2; do [ -n "${pid[$n]:-}" ] || continue; kill "${pid[$n]}" 2>/dev/null || true; wait "${pid[$n]}" 2>/dev/null || true; unset "pid[$n]"; done; }
front() { # $1 = name, $2 = port, nodes after
	local name=$1 port=$2; shift 2
	local args=(); for n in "$@"; do args+=(--node "$n"); done
	"$root/ferry" cluster haproxy-config --bind 127.0.0.1:$port "${args[@]}" >"$work/$name.cfg"
	"$HAPROXY" -db -f "$work/$name.cfg" >"$work/$name.log" 2>&1 & pid[$name]=$!
	sleep 3  # health checks mark the nodes up (rise 2, inter 2s is the first after start)
	wait_http "http://127.0.0.1:$port/health/ready"
}

gosetup() { # $1 = GOPROXY; fresh caches in $work/go
	chmod -R u+w "$work/go" 2>/dev/null || true; rm -rf "$work/go" "$work/app"
	mkdir -p "$work/go"; cp -r "$fixtures/app" "$work/app"; rm -f "$work/app/go.sum"
	export GOPATH=$work/go/path GOMODCACHE=$work/go/mod GOCACHE=$work/go/cache GOPROXY=$1 GOFLAGS=-mod=mod
	export GOSUMDB="$SUMDB_KEY $1/sumdb/sum.fixture.example"
	export GONOSUMDB= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local
}
godl() { # $1 = GOPROXY; prints wall seconds of go mod download all with fresh caches
	gosetup "$1"
	local t0 t1; t0=$(date +%s.%N); (cd "$work/app" && go mod download all) >/dev/null; t1=$(date +%s.%N)
	awk "BEGIN{printf \"%.2f\", $t1-$t0}"
}
wrkrun() { # $1 = base URL; prints "req/s p99_ms"
	WRK_PATHS=$work/small.txt wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP:-3}s" -s "$root/bench/goproxy/paths.lua" "$1" >/dev/null
	WRK_PATHS=$work/small.txt wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$root/bench/goproxy/paths.lua" "$1" >"$work/wrk.out"
	awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p=$2}
	     END { if (p ~ /us$/) {sub(/us/,"",p); p/=1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000};
	           printf "%.0f %.2f\n", rps, p }' "$work/wrk.out"
}

"$root/ferry" --version >/dev/null
(cd "$fixtures/proxy" && find . -path ./sumdb -prune -o \( -name '*.info' -o -name '*.mod' \) -print | sed 's|^\.||') >"$work/small.txt"

PARTS=${PARTS:-1 2}
if [[ " $PARTS " == *" 1 "* ]]; then
echo "== 1. warm small files ($(wc -l <"$work/small.txt") .info/.mod paths), wrk -t$THREADS -c$CONNS -d${DURATION}s, $rounds alternating rounds"
cluster_up warm
front front3 $FRONT3 http://127.0.0.1:$N0 http://127.0.0.1:$N1 http://127.0.0.1:$N2
front front1 $FRONT1 http://127.0.0.1:$N0
godl "http://127.0.0.1:$FRONT3" >/dev/null   # warms the cluster (each file on its owner)
godl "http://127.0.0.1:$N0" >/dev/null       # warms node 0 with everything (from its peers)
while read -r p; do curl -fsS -o /dev/null "http://127.0.0.1:$FRONT3$p"; curl -fsS -o /dev/null "http://127.0.0.1:$N0$p"; done <"$work/small.txt"
: >"$work/direct" ; : >"$work/one" ; : >"$work/three"
for r in $(seq 1 "$rounds"); do
	read -r a ap < <(wrkrun "http://127.0.0.1:$N0");     echo "$a $ap" >>"$work/direct"
	read -r b bp < <(wrkrun "http://127.0.0.1:$FRONT1"); echo "$b $bp" >>"$work/one"
	read -r c cp < <(wrkrun "http://127.0.0.1:$FRONT3"); echo "$c $cp" >>"$work/three"
	echo "round $r (load $(load)): ferry direct $a req/s p99 ${ap}ms | HAProxy->1 node $b req/s p99 ${bp}ms | HAProxy->3 nodes $c req/s p99 ${cp}ms"
done
for f in direct one three; do
	echo "median $f: $(cut -d' ' -f1 "$work/$f" | median) req/s, p99 $(cut -d' ' -f2 "$work/$f" | median) ms"
done
kill "${pid[front1]}"; unset "pid[front1]"

echo "== 1b. a node's loss: kill -9 node 2 of the warm cluster (node 0 holds every file: it was warmed directly above),"
echo "   then a fresh client's go mod download all"
before=$(wc -l <"$work/upstream-access.log")
kill -9 "${pid[n2]}"; wait "${pid[n2]}" 2>/dev/null || true; unset "pid[n2]"
t=$(godl "http://127.0.0.1:$FRONT3")
after=$(wc -l <"$work/upstream-access.log")
echo "after the kill (load $(load)): ${t}s, $((after - before)) upstream requests (every file is still held by a survivor)"
t=$(godl "http://127.0.0.1:$FRONT3")
echo "the next client: ${t}s"
FERRY_ADMIN_TOKEN=$TOKEN "$root/ferry" cluster status --node "$PEERS" || true
cluster_down; kill "${pid[front3]}"; unset "pid[front3]"
fi

[[ " $PARTS " == *" 2 "* ]] || exit 0
echo "== 2. cold go mod download all of the fixture app: three nodes behind HAProxy vs one ferry, fresh stores"
: >"$work/cold3.txt" ; : >"$work/cold1.txt"
for r in $(seq 1 "$rounds"); do
	cluster_up "cold$r"; front front3 $FRONT3 http://127.0.0.1:$N0 http://127.0.0.1:$N1 http://127.0.0.1:$N2
	c=$(godl "http://127.0.0.1:$FRONT3"); echo "$c" >>"$work/cold3.txt"
	cluster_down; kill "${pid[front3]}"; unset "pid[front3]"
	node solo $SOLO "$work/solo$r"; wait_http "http://127.0.0.1:$SOLO/health/ready"
	s=$(godl "http://127.0.0.1:$SOLO"); echo "$s" >>"$work/cold1.txt"
	kill "${pid[solo]}"; wait "${pid[solo]}" 2>/dev/null || true; unset "pid[solo]"
	echo "round $r (load $(load)): cluster ${c}s | one ferry ${s}s"
done
echo "median: cluster $(median <"$work/cold3.txt")s | one ferry $(median <"$work/cold1.txt")s"
