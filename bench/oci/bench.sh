#!/usr/bin/env bash
# OCI pull-through benchmark, by hand, never in CI: ferry vs docker-registry in its own proxy mode, both in front
# of the same upstream docker-registry on loopback, same machine, same load. Prints each figure per run, the
# medians and the ferry/registry ratios.
#   usage: bench/oci/bench.sh [registry|ferry|base]...    (default: registry ferry, and base when BASELINE is set;
#          needs docker-registry, skopeo, wrk, go, python3)
# Env: RUNS (rounds per server, default 3), DURATION (wrk seconds, default 10), WARMUP (unmeasured wrk seconds
# before each figure, default 5), CONNS (default 32), THREADS (default 2), FERRY_JAVA_OPTS (passed to ./ferry),
# KEEP=1 keeps the work directory (logs, stores) and prints its path, WAIT_LOAD=N waits before each round (up to
# 10 minutes) for the 1-minute load average to drop below N. COPIES_ONLY=1 measures the three copies only (no load runs). BASELINE=CHECKOUT adds "base": the ferry of another
# checkout (e.g. `git worktree add /tmp/base main`, built by its own ./ferry) in the same alternating rounds.
# FERRY=CMD runs CMD as "ferry" instead of this checkout's ./ferry (an unpacked installer's bin/ferry, with its
# start-up archive: what a site runs); a BASELINE directory may hold just a `ferry` script that execs another one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/oci
fixture=$(cd "$root/../shared/fixtures/oci" 2>/dev/null && pwd || true)
servers=("$@"); [ ${#servers[@]} -eq 0 ] && servers=(registry ferry ${BASELINE:+base})
RUNS=${RUNS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-5} CONNS=${CONNS:-32} THREADS=${THREADS:-2}
UP_PORT=18491 REG_PORT=18492 FERRY_PORT=18493
for t in docker-registry skopeo wrk go python3 curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install docker-registry skopeo wrk golang-go python3 curl)"; exit 1; }; done
for p in $UP_PORT $REG_PORT $FERRY_PORT; do
	! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "port $p is in use"; exit 1; }
done

work=$(mktemp -d /tmp/ferry-oci-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

wait_http() { for _ in $(seq 1 900); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="n/a" || b=="n/a" || b==0) print "n/a"; else printf "%.2f", a/b }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
. "$root/bench/thread-cpu.sh"
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$server/stat"; } # the server's CPU s so far

# docker-registry config: filesystem store, in-memory blob descriptor cache (Debian's default config has it),
# no access log (ferry writes none per request either). $1 = port, $2 = store, $3 = extra YAML (proxy section).
registry_config() {
	cat <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $2 }, cache: { blobdescriptor: inmemory }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$1, secret: ferry-oci-bench }
$3
YML
}

# --- the upstream: docker-registry holding the 200 MiB image, the 1 MiB blob image and the oci fixture
echo "building the images and headload..."
(cd "$here" && go build -o "$work/headload" headload.go)
python3 "$here/make-images.py" "$work/layout" | sed 's/^/  /'
registry_config $UP_PORT "$work/upstream" "" >"$work/upstream.yml"
docker-registry serve "$work/upstream.yml" >"$work/upstream.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/v2/"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:big-1" "docker://127.0.0.1:$UP_PORT/library/big:1"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:big2-1" "docker://127.0.0.1:$UP_PORT/library/big2:1"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:blob1m-1" "docker://127.0.0.1:$UP_PORT/library/blob1m:1"
if [ -n "$fixture" ]; then "$fixture/push.sh" "127.0.0.1:$UP_PORT" | sed 's/^/  /'; fi
BLOB=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])' \
	<"$work/layout/blobs/sha256/$(python3 -c 'import json,sys; print([m["digest"][7:] for m in json.load(sys.stdin)["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"]=="blob1m-1"][0])' <"$work/layout/index.json")")
rm -rf "$work/layout"   # the upstream has it now; keeps /tmp smaller

# --- the servers under test; each start is on an empty store. Both serve the upstream's names as they are.
start_registry() {
	rm -rf "$work/registry-store"
	registry_config $REG_PORT "$work/registry-store" "proxy: { remoteurl: http://127.0.0.1:$UP_PORT }" >"$work/registry.yml"
	docker-registry serve "$work/registry.yml" >>"$work/registry.log" 2>&1 & server=$!
	pids+=($server)
	base=http://127.0.0.1:$REG_PORT
	wait_http "$base/v2/"
}
start_ferry() { # $1 = checkout (default: this one, or $FERRY)
	local cmd=${1:+$1/ferry}
	rm -rf "$work/ferry-data"
	"${cmd:-${FERRY:-$root/ferry}}" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/ferry-data" --go-upstream off --sumdb off \
		--registry "docker.io=http://127.0.0.1:$UP_PORT" --default-registry docker.io >>"$work/ferry.log" 2>&1 & server=$!
	pids+=($server)
	base=http://127.0.0.1:$FERRY_PORT
	wait_http "$base/health"
	wait_http "$base/v2/"
}
start_base() { start_ferry "$BASELINE"; }
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; }

copy() { # $1 = repository, $2 = destination dir; prints wall seconds of skopeo copy of $1:1 (200 MiB) from the server
	local t0 t1
	t0=$(date +%s.%N)
	skopeo copy -q --src-tls-verify=false "docker://${base#http://}/library/$1:1" "dir:$2" >&2
	t1=$(date +%s.%N)
	[ "$(du -sm "$2" | cut -f1)" -ge 200 ] || { echo "copy to $2 is short" >&2; exit 1; }
	rm -rf "$2"
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'
}

# The kernel's count of TCP segments sent again and of receive queues pruned (memory): on loopback, a large body sent
# faster than wrk reads it gets a queue pruned, the segment dropped and resent after the retransmission timeout,
# which doubles each time (0.2 + 0.4 + ... s): the multi-second "timeouts" wrk reports, for either server.
tcp_drops() { awk '/^Tcp: [0-9]/ {r=$13} /^TcpExt: [0-9]/ {p=$6} END {print r, p}' /proc/net/snmp /proc/net/netstat; }
wrkrun() { # $1 = URL, $2 = lua script or ""; prints req/s of a measured run after an unmeasured warm-up run
	local script=(); [ -n "$2" ] && script=(-s "$2")
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${script[@]}" "$1" >/dev/null
	local before after; before=$(tcp_drops)
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "${script[@]}" "$1" >"$work/wrk.out"
	after=$(tcp_drops)
	if grep -q -e 'Non-2xx' -e 'Socket errors' "$work/wrk.out"; then
		echo "wrk on $1 saw failures:" >&2; grep -e 'Non-2xx' -e 'Socket errors' "$work/wrk.out" >&2
		echo "  meanwhile TCP resent $(( ${after% *} - ${before% *} )) segments and pruned $(( ${after#* } - ${before#* } )) receive queues (loopback drops, not the server: see tcp_drops)" >&2
	fi
	awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out"
}

# wrk 4.1 cannot measure HEAD: it waits for the body a HEAD answer's Content-Length announces and counts 0 requests.
# headload.go is built like wrk (threads with an epoll loop each, keep-alive connections, one request in flight each).
headrun() { # $1 = URL; prints req/s of a measured HEAD run after an unmeasured warm-up run
	local accept="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"
	"$work/headload" -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" -H "Accept: $accept" "$1" >/dev/null
	"$work/headload" -t "$THREADS" -c "$CONNS" -d "${DURATION}s" -H "Accept: $accept" "$1" >"$work/headload.out"
	grep -q ', 0 failed$' "$work/headload.out" || { echo "HEAD load on $1 saw failures: $(cat "$work/headload.out")" >&2; }
	awk '{printf "%.0f", $5}' "$work/headload.out"
}

check_answers() { # the three wrk targets must answer 200 with the right bytes before they are measured
	local accept="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
	curl -fsS -I -H "Accept: $accept" "$base/v2/library/blob1m/manifests/1" | grep -qi '^docker-content-digest: sha256:' \
		|| { echo "$base: HEAD manifest by tag lacks Docker-Content-Digest" >&2; exit 1; }
	curl -fsS -H "Accept: $accept" "$base/v2/library/blob1m/manifests/1" | grep -q "$BLOB" \
		|| { echo "$base: GET manifest by tag does not name the blob" >&2; exit 1; }
	[ "$(curl -fsSL "$base/v2/library/blob1m/blobs/$BLOB" | sha256sum | cut -d' ' -f1)" = "${BLOB#sha256:}" ] \
		|| { echo "$base: blob GET returned other bytes" >&2; exit 1; }
}

quiet() { # waits (at most 10 minutes) for the 1-minute load average to fall below WAIT_LOAD, when it is set
	[ -n "${WAIT_LOAD:-}" ] || return 0
	for _ in $(seq 1 120); do awk -v m="$WAIT_LOAD" '{exit !($1 < m)}' /proc/loadavg && return 0; sleep 5; done
	echo "   (load stayed above $WAIT_LOAD; measuring anyway)"
}

figures=(cold coldcpu cold2 cold2cpu warm head get blob rss)
declare -A result
for s in "${servers[@]}"; do   # builds the jars now, untimed
	[ "$s" != ferry ] || "$root/ferry" --version >/dev/null
	[ "$s" != base ] || "$BASELINE/ferry" --version >/dev/null
done
# Rounds alternate between the servers, so that a burst of load from elsewhere on the machine lands on both.
for r in $(seq 1 "$RUNS"); do
	for s in "${servers[@]}"; do
		quiet
		"start_$s"
		echo "== $s run $r/$RUNS (load before: $(load))"
		cpu0=$(cpu); thread_cpu "$server" >"$work/t0"
		cold=$(copy big "$work/copy-cold")
		cpu1=$(cpu); thread_cpu "$server" >"$work/t1"
		cold2=$(copy big2 "$work/copy-cold2")
		cpu2=$(cpu); thread_cpu "$server" >"$work/t2"
		coldcpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.2f", b-a}')
		cold2cpu=$(awk -v a="$cpu1" -v b="$cpu2" 'BEGIN{printf "%.2f", b-a}')
		warm=$(copy big "$work/copy-warm")
		check_answers
		head=n/a get=n/a blob=n/a
		if [ "${COPIES_ONLY:-}" != 1 ]; then
			# One unmeasured pass over all three loads first: a JIT compiles the manifest path during whichever load
			# comes first, and that one would otherwise measure the compiler (HEAD read 9k req/s next to GET's 21k).
			headrun "$base/v2/library/blob1m/manifests/1" >/dev/null
			wrkrun "$base/v2/library/blob1m/manifests/1" "$here/manifest-get.lua" >/dev/null
			wrkrun "$base/v2/library/blob1m/blobs/$BLOB" "" >/dev/null
			head=$(headrun "$base/v2/library/blob1m/manifests/1")
			get=$(wrkrun "$base/v2/library/blob1m/manifests/1" "$here/manifest-get.lua")
			blob=$(wrkrun "$base/v2/library/blob1m/blobs/$BLOB" "")
		fi
		rss=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$server/status")
		stop_server
		echo "   copy cold ${cold}s (server CPU ${coldcpu}s), 2nd image cold ${cold2}s (CPU ${cold2cpu}s), warm ${warm}s | manifest HEAD $head req/s, GET $get req/s | 1 MiB blob $blob req/s | peak RSS $rss MiB (load after: $(load))"
		if [ "$s" != registry ]; then
			echo "   $s's threads: cold copy $(cpu_split "$work/t0" "$work/t1"); 2nd image $(cpu_split "$work/t1" "$work/t2")"
		fi
		for f in "${figures[@]}"; do result[$s.$f]+="${!f} "; done
	done
done
echo
echo "== medians of $RUNS runs (wrk -t$THREADS -c$CONNS -d${DURATION}s, HEAD: headload -t$THREADS -c$CONNS -d${DURATION}s; each after ${WARMUP}s warm-up; load now: $(load))"
printf '%-30s %12s %12s %16s %12s %14s\n' figure registry ferry ferry/registry base ferry/base
row() { # $1 = label, $2 = figure
	local a b c
	a=$(tr ' ' '\n' <<<"${result[registry.$2]:-}" | grep . | median || true)
	b=$(tr ' ' '\n' <<<"${result[ferry.$2]:-}" | grep . | median || true)
	c=$(tr ' ' '\n' <<<"${result[base.$2]:-}" | grep . | median || true)
	printf '%-30s %12s %12s %16s %12s %14s\n' "$1" "${a:-n/a}" "${b:-n/a}" "$(ratio "${b:-n/a}" "${a:-n/a}")" \
		"${c:-n/a}" "$(ratio "${b:-n/a}" "${c:-n/a}")"
}
row "skopeo copy 200 MiB cold (s)" cold
row "  server CPU s during it" coldcpu
row "  2nd image, cold (s)" cold2
row "  server CPU s during it" cold2cpu
row "skopeo copy 200 MiB warm (s)" warm
row "manifest HEAD by tag (req/s)" head
row "manifest GET by tag (req/s)" get
row "1 MiB blob GET (req/s)" blob
row "peak RSS (MiB)" rss
echo "(ratios are ferry/registry: below 1 is better for times and RSS, above 1 is better for req/s)"
