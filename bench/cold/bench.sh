#!/usr/bin/env bash
# Cold first fetch of the go command, by hand, never in CI: `go mod download all` of the gocorpus fixture app
# with a fresh module cache, straight from a static upstream (nginx serving the fixture tree) against a ferry
# started on an empty store in front of that same nginx. Rounds alternate the order (direct first, then ferry
# first); each ferry round starts a new ferry on a new store (start-up is not timed) and then also times a warm
# download from it. Prints every round with the load, then medians and ratios.
#   usage: bench/cold/bench.sh [--rounds 5] [--sumdb off|on] [--baseline CHECKOUT] [--goproxy BIN]
#          [--warm-jvm] [--upstream-delay MS]
#          (needs nginx, golang-go)
#   --baseline: also runs the ferry of another checkout (e.g. `git archive BASE | tar -x -C /tmp/base`) in each
#               round, in the same alternation: before/after figures from one period of the shared machine's load.
#   --sumdb off: ferry --sumdb off, client GOSUMDB=off (no verification anywhere).
#   --sumdb on : ferry verifies against the fixture database (served by nginx); both clients check the same
#                database too (GOSUMDB=KEY: the direct client reads it from nginx, the other from ferry's /sumdb/).
#   --goproxy BIN: also runs goproxy/goproxy's cmd/goproxy (the server behind goproxy.cn; build it yourself, its
#               code stays out of this repository) in each round, on a new cache directory in front of the same
#               nginx, verifying against the same database with --sumdb on, like ferry.
#   --warm-jvm : before each cold run, the new ferry's JVM first misses the .mod, .info and .zip of the fixture's
#                55 versions the app does not use (untimed): the cold run then pays the steady per-miss cost
#                only, not the fresh JVM's (class loading, interpreter, JIT) on its first misses.
#   --upstream-delay MS: the direct client, ferry and goproxy reach nginx through farproxy/, which delays every
#                byte MS ms each way (a far upstream: round trip 2 x MS), as a real one over the internet is.
# Env: FERRY_JAVA_OPTS passes on (e.g. a JFR recording), KEEP=1 keeps the work directory (logs, access logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
rounds=5 sumdb=off baseline="" warm_jvm=0 goproxy="" delay=0
while [ $# -gt 0 ]; do
	case "$1" in
	--warm-jvm) warm_jvm=1; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--sumdb) sumdb=$2; shift 2 ;;
	--baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
	--goproxy) goproxy=$(realpath "$2"); shift 2 ;;
	--upstream-delay) delay=$2; shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
NGINX_PORT=${NGINX_PORT:-18581} FERRY_PORT=${FERRY_PORT:-18582} GOPROXY_PORT=${GOPROXY_PORT:-18583}
FAR_PORT=${FAR_PORT:-18584}
work=$(mktemp -d /tmp/ferry-cold.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
for t in nginx go curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install nginx golang-go curl)"; exit 1; }; done
wait_http() { for _ in $(seq 1 1500); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.02; done; echo "no answer from $1" >&2; return 1; }

cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  # the timeline of the direct run: end of each request (msec) and its duration (request_time), in ms resolution
  log_format timed '\$msec \$request_time \$status \$body_bytes_sent "\$request"';
  access_log $work/nginx-access.log timed;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types { application/zip zip; application/json info; }
  default_type text/plain;
  server { listen 127.0.0.1:$NGINX_PORT; root $fixtures/proxy; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/_meta/summary.json"
# The upstream as the direct client, ferry and goproxy see it: nginx itself, or farproxy in front of it (every byte
# delayed by --upstream-delay ms each way: a far upstream, the round trip twice that).
UP="http://127.0.0.1:$NGINX_PORT"
if [ "$delay" != 0 ]; then
	(cd "$root/bench/cold/farproxy" && go build -o "$work/farproxy" main.go)
	"$work/farproxy" -listen 127.0.0.1:$FAR_PORT -to 127.0.0.1:$NGINX_PORT -delay "${delay}ms" 2>"$work/farproxy.log" &
	pids+=($!)
	UP="http://127.0.0.1:$FAR_PORT"
	wait_http "$UP/_meta/summary.json"
fi
"$root/ferry" --version >/dev/null # builds the jar when the sources changed, before anything is timed
[ -z "$baseline" ] || "$baseline/ferry" --version >/dev/null

KEY=$(cat "$fixtures/proxy/_meta/verifier.key")
if [ "$sumdb" = on ]; then
	ferry_sumdb="$KEY $UP/sumdb/sum.fixture.example"
	client_sumdb=$KEY
else
	ferry_sumdb=off
	client_sumdb=off
fi

godl() { # $1 = GOPROXY; prints wall seconds of go mod download all with fresh caches
	chmod -R u+w "$work/go" 2>/dev/null || true
	rm -rf "$work/go" "$work/app"
	mkdir -p "$work/go"; cp -r "$fixtures/app" "$work/app"; rm -f "$work/app/go.sum"
	local t0 t1
	t0=$(date +%s%N)
	(cd "$work/app" && GOPATH=$work/go/path GOMODCACHE=$work/go/mod GOCACHE=$work/go/cache GOPROXY=$1 GOFLAGS=-mod=mod \
		GOSUMDB=$client_sumdb GONOSUMDB= GONOSUMCHECK= GOPRIVATE= GONOPROXY= GOTOOLCHAIN=local go mod download all)
	t1=$(date +%s%N)
	awk "BEGIN{printf \"%.3f\", ($t1-$t0)/1e9}"
}
ferry_start() { # $1 = log name, $2 = checkout: a new ferry on a new store
	rm -rf "$work/data"
	"${2:-$root}/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/data" --go-upstream "$UP" \
		--sumdb "$ferry_sumdb" >"$work/$1.log" 2>&1 &
	fpid=$!
	wait_http "http://127.0.0.1:$FERRY_PORT/health/ready"
}
ferry_stop() { kill "$fpid"; wait "$fpid" 2>/dev/null || true; }
goproxy_round() { # a new goproxy on a new cache directory; prints "cold warm load"
	rm -rf "$work/gp-cache" "$work/gp-tmp"; mkdir -p "$work/gp-cache" "$work/gp-tmp"
	local gosumdb=off proxied="" l c w
	if [ "$sumdb" = on ]; then
		gosumdb="$KEY $UP/sumdb/sum.fixture.example"
		proxied="sum.fixture.example $UP/sumdb/sum.fixture.example"
	fi
	GOPROXY="$UP" GOSUMDB="$gosumdb" GONOSUMDB= GOPRIVATE= GONOPROXY= \
		"$goproxy" -address "127.0.0.1:$GOPROXY_PORT" -cacher-dir "$work/gp-cache" -temp-dir "$work/gp-tmp" \
		${proxied:+-proxied-sumdbs "$proxied"} >"$work/goproxy.log" 2>&1 &
	local gpid=$!
	for _ in $(seq 1 1500); do curl -sS -o /dev/null "http://127.0.0.1:$GOPROXY_PORT/" 2>/dev/null && break; sleep 0.02; done
	l=$(load); c=$(godl "http://127.0.0.1:$GOPROXY_PORT"); w=$(godl "http://127.0.0.1:$GOPROXY_PORT")
	kill "$gpid"; wait "$gpid" 2>/dev/null || true
	echo "$c $w $l"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk "BEGIN{ if ($2 == 0) print \"n/a\"; else printf \"%.2f\", $1/$2 }"; }

echo "== cold go mod download all of the fixture app, sumdb $sumdb, $rounds alternating rounds (load before each run)"
godl "http://127.0.0.1:$NGINX_PORT" >/dev/null # warms nginx's page cache and the go command's own files
# The fixture's versions the app does not use (escaped paths, for --warm-jvm): every version in modules.txt but
# those whose zip the download above fetched.
(cd "$work/go/mod/cache/download" && find . -name '*.zip' | sed 's|^\./||; s|/@v/|@|; s|\.zip$||') | sort >"$work/used"
grep -v '^#' "$fixtures/proxy/_meta/modules.txt" | awk '{print $1 "@" $2}' | sed 's/[A-Z]/!\L&/g' | sort |
	comm -23 - "$work/used" >"$work/others"
warm_jvm_on_others() {
	local mv
	while read -r mv; do
		for ext in mod info zip; do
			curl -fsS -o /dev/null "http://127.0.0.1:$FERRY_PORT/${mv%@*}/@v/${mv#*@}.$ext"
		done
	done <"$work/others"
	sleep 1.5 # a gap, so that timeline.py tells the warming requests from the cold run
}
# Untimed: each checkout's launcher makes its class data sharing archive (JDK 25: AOT cache) at the exit of a serve
# that has none, from what that run loaded and ran: a first serve that fetched the app, as a user's first one does.
for checkout in "$root" ${baseline:+"$baseline"}; do
	ferry_start prime "$checkout"; godl "http://127.0.0.1:$FERRY_PORT" >/dev/null; ferry_stop
done
: >"$work/direct" ; : >"$work/cold" ; : >"$work/warm"; : >"$work/base"; : >"$work/gp"
. "$root/bench/thread-cpu.sh"
ferry_round() { # $1 = log name, $2 = checkout; prints "cold warm load"; the cold run's CPU split goes to $work/$1.cpu
	ferry_start "$1" "$2"
	local l c w
	[ "$warm_jvm" = 0 ] || warm_jvm_on_others
	thread_cpu "$fpid" >"$work/$1.cpu0"
	l=$(load); c=$(godl "http://127.0.0.1:$FERRY_PORT")
	thread_cpu "$fpid" >"$work/$1.cpu1"
	cpu_split "$work/$1.cpu0" "$work/$1.cpu1" >"$work/$1.cpu"
	w=$(godl "http://127.0.0.1:$FERRY_PORT")
	ferry_stop
	echo "$c $w $l"
}
direct_round() { local l; l=$(load); echo "$(godl "$UP") $l"; }
for r in $(seq 1 "$rounds"); do
	b="" bl="" g="" gw="" gl=""
	if [ $((r % 2)) = 1 ]; then
		read -r d l1 < <(direct_round)
		read -r c w l2 < <(ferry_round "ferry-$r" "$root")
		[ -z "$baseline" ] || read -r b _ bl < <(ferry_round "base-$r" "$baseline")
		[ -z "$goproxy" ] || read -r g gw gl < <(goproxy_round)
	else
		[ -z "$goproxy" ] || read -r g gw gl < <(goproxy_round)
		[ -z "$baseline" ] || read -r b _ bl < <(ferry_round "base-$r" "$baseline")
		read -r c w l2 < <(ferry_round "ferry-$r" "$root")
		read -r d l1 < <(direct_round)
	fi
	[ -z "$g" ] || { echo "$g" >>"$work/gp"; echo "$(ratio "$g" "$d")" >>"$work/r.gp"; echo "$(ratio "$c" "$g")" >>"$work/r.fg"; }
	echo "$d" >>"$work/direct"; echo "$c" >>"$work/cold"; echo "$w" >>"$work/warm"
	echo "$(ratio "$c" "$d")" >>"$work/r.cold"
	[ -z "$b" ] || { echo "$b" >>"$work/base"; echo "$(ratio "$b" "$d")" >>"$work/r.base"; echo "$(ratio "$c" "$b")" >>"$work/r.pair"; }
	echo "round $r: direct ${d}s (load $l1) | ferry cold ${c}s, warm ${w}s (load $l2) | cold/direct $(ratio "$c" "$d")${b:+ | baseline cold ${b}s (load $bl), ratio $(ratio "$b" "$d")}${g:+ | goproxy cold ${g}s, warm ${gw}s (load $gl), ratio $(ratio "$g" "$d")}"
done
md=$(median <"$work/direct") mc=$(median <"$work/cold") mw=$(median <"$work/warm")
echo "medians: direct ${md}s | ferry cold ${mc}s (ratio $(ratio "$mc" "$md")) | ferry warm ${mw}s (ratio $(ratio "$mw" "$md")) | load now $(load)"
# The load drifts within a run: the median of each round's own ratio compares runs made seconds apart.
echo "median of the rounds' cold/direct ratios: $(median <"$work/r.cold")"
if [ -n "$baseline" ]; then
	mb=$(median <"$work/base")
	echo "baseline ($baseline) cold median ${mb}s (ratio $(ratio "$mb" "$md")); this checkout / baseline $(ratio "$mc" "$mb")"
	echo "median of the rounds' ratios: baseline cold/direct $(median <"$work/r.base"), this checkout / baseline $(median <"$work/r.pair")"
fi
if [ -n "$goproxy" ]; then
	echo "goproxy cold median $(median <"$work/gp")s; median of the rounds' ratios: goproxy cold/direct $(median <"$work/r.gp"), ferry cold / goproxy cold $(median <"$work/r.fg")"
fi
# Where the cold time goes: the misses in ferry's access log of the last round, by file kind (median and max ms),
# and the ferry process's CPU during the cold run of each round by kind of thread.
for who in ferry ${baseline:+base}; do
	for r in $(seq 1 "$rounds"); do echo "$who cold run, round $r: ferry $(cat "$work/$who-$r.cpu")"; done
	for kind in info mod zip; do
		grep -E "GET [^ ]+\.$kind .* miss(\"|$)" "$work/$who-$rounds.log" | grep -oE '[0-9.]+ms' | tr -d 'ms' | sort -n >"$work/ms" || true
		n=$(wc -l <"$work/ms")
		[ "$n" -gt 0 ] && echo "$who cold .$kind misses in the last round: $n, median $(median <"$work/ms") ms, max $(tail -1 "$work/ms") ms"
	done
done
true
