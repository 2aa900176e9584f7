#!/usr/bin/env bash
# Many clients missing the same files at once, by hand, never in CI (issue 18): each file must be fetched from
# the upstream exactly once, every client must get the right bytes, and the crowd must not wait on the upstream
# longer than one client does.
#   usage: bench/cold/concurrency.sh [--rounds 3] [--clients 100] [--go-clients 100] [--only oci|go]
# OCI: an upstream docker-registry on loopback holds one image with one 200 MiB layer (make-images.py ... one);
#   each round, alternating the order, on a ferry started on an empty store each time:
#   - single: one client pulls the blob cold (T1), then CLIENTS clients pull it at once warm (W);
#   - crowd:  CLIENTS clients pull it at once cold (C), and the upstream's access log counts its blob GETs.
#   The aim: C <= W + 1.2 x T1. Clients: pulls.go (a connection each, the body's length and SHA-256 checked).
# Go: nginx serves the gocorpus fixture tree (as bench/cold/bench.sh); each round, on a new ferry (--sumdb off):
#   one `go mod download all` of the fixture app cold (T1), GO_CLIENTS at once warm (W); on another new ferry
#   GO_CLIENTS at once cold (C), each with its own module cache, counting nginx's requests per path. Every client's
#   downloaded .mod files and zip hashes (.ziphash, the go command's own h1: of each zip) must equal those of a
#   download straight from nginx.
# Env: FERRY_JAVA_OPTS passes on, KEEP=1 keeps the work directory (logs, access logs). Ports 18601-18603.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/cold
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
rounds=3 clients=100 go_clients=100 only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--go-clients) go_clients=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
UP_PORT=18601 FERRY_PORT=18602 NGINX_PORT=18603
for t in docker-registry skopeo nginx go python3 curl; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
for p in $UP_PORT $FERRY_PORT $NGINX_PORT; do
	! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "port $p is in use"; exit 1; }
done
work=$(mktemp -d /tmp/ferry-concurrency.XXXXXX)
pids=() fpid=""
cleanup() {
	[ -z "$fpid" ] || kill "$fpid" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
wait_http() { for _ in $(seq 1 1500); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.02; done; echo "no answer from $1" >&2; return 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }
"$root/ferry" --version >/dev/null # builds the jar when the sources changed, before anything is timed
(cd "$here" && go build -o "$work/pulls" pulls.go)

ferry_start() { # $@ = upstream flags: a new ferry on a new store
	rm -rf "$work/data"
	"$root/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/data" --no-access-log "$@" >>"$work/ferry.log" 2>&1 &
	fpid=$!
	wait_http "http://127.0.0.1:$FERRY_PORT/health/ready"
}
ferry_stop() { kill "$fpid"; wait "$fpid" 2>/dev/null || true; fpid=""; }

oci() {
	echo "== OCI: $clients clients of one 200 MiB blob, $rounds rounds"
	python3 "$root/bench/oci/make-images.py" "$work/layout" one | sed 's/^/  /'
	cat >"$work/upstream.yml" <<YML
version: 0.1
log: { level: info, formatter: text }
storage: { filesystem: { rootdirectory: $work/upstream }, cache: { blobdescriptor: inmemory } }
http: { addr: 127.0.0.1:$UP_PORT, secret: ferry-concurrency-bench }
YML
	docker-registry serve "$work/upstream.yml" >"$work/upstream.log" 2>&1 & pids+=($!)
	wait_http "http://127.0.0.1:$UP_PORT/v2/"
	skopeo copy -q --dest-tls-verify=false "oci:$work/layout:one-1" "docker://127.0.0.1:$UP_PORT/library/one:1"
	local manifest blob size
	manifest=$(python3 -c 'import json,sys; print([m["digest"][7:] for m in json.load(sys.stdin)["manifests"]][0])' <"$work/layout/index.json")
	read -r blob size < <(python3 -c 'import json,sys; l=json.load(sys.stdin)["layers"][0]; print(l["digest"][7:], l["size"])' <"$work/layout/blobs/sha256/$manifest")
	rm -rf "$work/layout"
	local flags=(--go-upstream off --sumdb off --registry "docker.io=http://127.0.0.1:$UP_PORT" --default-registry docker.io)
	local url="http://127.0.0.1:$FERRY_PORT/v2/library/one/blobs/sha256:$blob"
	upstream_gets() { grep -c "\"GET /v2/library/one/blobs/sha256:$blob HTTP" "$work/upstream.log" || true; }
	pull() { "$work/pulls" -n "$1" -sha256 "$blob" -size "$size" "$url"; } # prints the pulls line
	single() { # prints "T1 W"
		ferry_start "${flags[@]}"
		local a b
		a=$(pull 1 | awk '{print $4}'); b=$(pull "$clients" | awk '{print $4}')
		ferry_stop
		echo "$a $b"
	}
	crowd() { # prints "C gets failed last-client"
		ferry_start "${flags[@]}"
		local before line
		before=$(upstream_gets)
		line=$(pull "$clients" || true)
		ferry_stop
		echo "$(awk '{print $4}' <<<"$line") $(($(upstream_gets) - before)) $(awk '{print $18}' <<<"$line") $(awk '{print $13}' <<<"$line")"
	}
	: >"$work/o.t1"; : >"$work/o.w"; : >"$work/o.c"; : >"$work/o.r"
	for r in $(seq 1 "$rounds"); do
		local l t1 w c gets failed last
		l=$(load)
		if [ $((r % 2)) = 1 ]; then
			read -r t1 w < <(single); read -r c gets failed last < <(crowd)
		else
			read -r c gets failed last < <(crowd); read -r t1 w < <(single)
		fi
		local aim; aim=$(calc "$w + 1.2 * $t1")
		echo "$t1" >>"$work/o.t1"; echo "$w" >>"$work/o.w"; echo "$c" >>"$work/o.c"; echo "$(calc "$c / $aim")" >>"$work/o.r"
		echo "round $r: one cold ${t1}s | $clients warm ${w}s | $clients cold ${c}s (slowest client ${last}s), upstream blob GETs $gets, failed clients $failed | cold/(warm + 1.2 x one) $(calc "$c / $aim") (load before $l, after $(load))"
	done
	local mt mw mc
	mt=$(median <"$work/o.t1") mw=$(median <"$work/o.w") mc=$(median <"$work/o.c")
	echo "medians: one cold ${mt}s | $clients warm ${mw}s | $clients cold ${mc}s | aim (warm + 1.2 x one) $(calc "$mw + 1.2 * $mt")s | median of the rounds' ratios $(median <"$work/o.r") (aim <= 1) | load now $(load)"
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
}

golang() {
	echo "== Go: $go_clients concurrent go mod download all of the fixture app, $rounds rounds"
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
	local flags=(--go-upstream "http://127.0.0.1:$NGINX_PORT" --sumdb off)
	# $1 = GOPROXY, $2 = client dir; the client's fingerprint: every downloaded .mod and zip hash.
	godl() {
		rm -rf "$2"; mkdir -p "$2"; cp -r "$fixtures/app" "$2/app"; rm -f "$2/app/go.sum"
		(cd "$2/app" && GOPATH=$2/path GOMODCACHE=$2/mod GOCACHE=$2/cache GOPROXY=$1 GOFLAGS=-mod=mod GOSUMDB=off \
			GONOSUMDB= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local go mod download all) >"$2.out" 2>&1 || { echo "FAILED" >"$2.fp"; return 0; }
		(cd "$2/mod/cache/download" && find . -type f \( -name '*.mod' -o -name '*.ziphash' \) | sort | xargs sha256sum | sha256sum | cut -d' ' -f1) >"$2.fp"
	}
	many() { # $1 = clients, $2 = GOPROXY; prints "seconds wrong-clients"
		local t0 t1 i
		t0=$(date +%s%N)
		for i in $(seq 1 "$1"); do godl "$2" "$work/c/$i" & done
		wait # this runs in a subshell (read < <(many ...)): only its own clients are its children
		t1=$(date +%s%N)
		local wrong=0
		for i in $(seq 1 "$1"); do [ "$(cat "$work/c/$i.fp")" = "$ref" ] || wrong=$((wrong + 1)); done
		chmod -R u+w "$work/c"; rm -rf "$work/c"
		echo "$(calc "($t1 - $t0) / 1e9") $wrong"
	}
	godl "http://127.0.0.1:$NGINX_PORT" "$work/ref"
	ref=$(cat "$work/ref.fp"); chmod -R u+w "$work/ref"; rm -rf "$work/ref"
	[ "$ref" != FAILED ] || { echo "the direct download failed: $(cat "$work/ref.out")"; exit 1; }
	local fetched=$((go_clients + 1))
	single() { # prints "T1 W wrong"
		ferry_start "${flags[@]}"
		local a b wa wb
		read -r a wa < <(many 1 "http://127.0.0.1:$FERRY_PORT"); read -r b wb < <(many "$go_clients" "http://127.0.0.1:$FERRY_PORT")
		ferry_stop
		echo "$a $b $((wa + wb))"
	}
	crowd() { # prints "C wrong paths max-fetches-of-a-path"
		ferry_start "${flags[@]}"
		: >"$work/nginx-access.log"; kill -USR1 "$(cat "$work/nginx.pid")"   # reopen: count this round only
		local c wrong
		read -r c wrong < <(many "$go_clients" "http://127.0.0.1:$FERRY_PORT")
		ferry_stop
		awk '{print $7}' "$work/nginx-access.log" | sort | uniq -c | sort -rn >"$work/per-path"
		echo "$c $wrong $(wc -l <"$work/per-path") $(awk 'NR==1 {print $1}' "$work/per-path")"
	}
	: >"$work/g.t1"; : >"$work/g.w"; : >"$work/g.c"
	for r in $(seq 1 "$rounds"); do
		local l t1 w c w1 w2 paths most
		l=$(load)
		if [ $((r % 2)) = 1 ]; then
			read -r t1 w w1 < <(single); read -r c w2 paths most < <(crowd)
		else
			read -r c w2 paths most < <(crowd); read -r t1 w w1 < <(single)
		fi
		echo "$t1" >>"$work/g.t1"; echo "$w" >>"$work/g.w"; echo "$c" >>"$work/g.c"
		echo "round $r: one cold ${t1}s | $go_clients warm ${w}s | $go_clients cold ${c}s, upstream: $paths paths, each fetched at most ${most:-0}x | wrong clients $((w1 + w2)) | cold/(warm + 1.2 x one) $(calc "$c / ($w + 1.2 * $t1)") (load before $l, after $(load))"
	done
	local mt mw mc
	mt=$(median <"$work/g.t1") mw=$(median <"$work/g.w") mc=$(median <"$work/g.c")
	echo "medians: one cold ${mt}s | $go_clients warm ${mw}s | $go_clients cold ${mc}s | aim (warm + 1.2 x one) $(calc "$mw + 1.2 * $mt")s | load now $(load)"
	echo "(the most fetched paths of the last crowd round, with their upstream fetches: $(head -3 "$work/per-path" | tr -s ' ' | tr '\n' ';'))"
}

[ "$only" = go ] || oci
[ "$only" = oci ] || golang
