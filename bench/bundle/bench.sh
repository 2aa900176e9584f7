#!/usr/bin/env bash
# Offline bundle benchmark (issue #7), by hand, never in CI (needs nginx, golang-go, curl, jq).
#   usage: bench/bundle/bench.sh        Env: BENCH_GROUPS (default "0 1 2 3 4"), RUNS (full-import repeats, default 3)
# Site B holds version N of every module of the fixture corpus (N = the module's highest version), carried there by
# a full bundle from site A. Then version N+1 of a fifth of the modules is published (bench/bundle/gennext: N's zip
# with every path renamed to module@N+1/ and a line inserted in three .go files, the other entries' compressed
# bytes unchanged), A learns them (prewarm), B writes its inventory, A exports an --inventory bundle, B imports it.
# Reported per fifth (group g = the modules at sorted index i with i % 5 == g, so the five groups cover every
# module once): the bundle's size against the sum of the new zips' sizes, and import throughput. Aim: < 12%.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$(cd "$root/../shared/fixtures/gocorpus" && pwd)
BENCH_GROUPS=${BENCH_GROUPS:-"0 1 2 3 4"} RUNS=${RUNS:-3}
UP_PORT=${UP_PORT:-27491} A_PORT=${A_PORT:-27492} B_PORT=${B_PORT:-27493}
work=$(mktemp -d /tmp/ferry-bundle-bench.XXXXXX)
chmod 755 "$work" # nginx's workers (not root) read the upstream tree in it
pids=() a_pid= b_pid=
cleanup() {
	[ -n "$a_pid" ] && kill "$a_pid" 2>/dev/null; [ -n "$b_pid" ] && kill "$b_pid" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true; mkdir -p /tmp/ferry-bundle-bench-logs; cp "$work"/*.log "$work"/*.out /tmp/ferry-bundle-bench-logs/ 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
for t in nginx go curl jq; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
now() { date +%s.%N; }
mb() { awk "BEGIN{printf \"%.2f\", $1/1000000}"; }
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END{print s+0}'; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# The upstream: the fixture tree (symlinked) with every module's N+1 beside its versions.
echo "generating N+1 of every module..."
(cd "$root/bench/bundle/gennext" && GOFLAGS= GOPROXY=off GOWORK=off GOTOOLCHAIN=local go run . "$fixtures/proxy" "$work/next") >"$work/plan.txt"
cp -rs "$fixtures/proxy" "$work/proxy"
cp -r "$work/next/." "$work/proxy/"
cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$UP_PORT; root $work/proxy; }
}
NGX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/_meta/summary.json"
"$root/ferry" --version >/dev/null
KEY=$(cat "$fixtures/proxy/_meta/verifier.key")
DEAD=http://127.0.0.1:9

start_a() { # $1 data dir, rest extra flags
	local data=$1; shift
	"$root/ferry" serve --listen 127.0.0.1:$A_PORT --data "$data" --go-upstream http://127.0.0.1:$UP_PORT \
		--sumdb "$KEY" --bundle-root "$work" --no-access-log "$@" >>"$work/a.log" 2>&1 &
	a_pid=$!
	wait_http "http://127.0.0.1:$A_PORT/health"
}
start_b() { # $1 data dir: disconnected, trusts A's key
	"$root/ferry" serve --listen 127.0.0.1:$B_PORT --data "$1" --go-upstream off --sumdb "$KEY $DEAD" \
		--trust-key "$KEY_A" --bundle-root "$work" --no-access-log >>"$work/b.log" 2>&1 &
	b_pid=$!
	wait_http "http://127.0.0.1:$B_PORT/health"
}
stop_a() { kill "$a_pid"; wait "$a_pid" 2>/dev/null || true; a_pid=; }
stop_b() { kill "$b_pid"; wait "$b_pid" 2>/dev/null || true; b_pid=; }
A=http://127.0.0.1:$A_PORT B=http://127.0.0.1:$B_PORT

# Import through the admin API, timed by the server's own job record (and by wall clock, 20 ms polls).
# Prints "<seconds wall> <bytes/s reported by the job>" and leaves the job's last JSON in $work/import.json.
import_bundle() { # $1 data dir of B, $2 bundle dir
	local token; token=$(cat "$1/admin-token")
	local t0; t0=$(now)
	local id; id=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"from\": [\"$2\"]}" "$B/admin/api/imports" | jq -r .id)
	while :; do
		curl -fsS -H "Authorization: Bearer $token" "$B/admin/api/imports/$id" >"$work/import.json"
		[ "$(jq -r .state "$work/import.json")" = RUNNING ] || break
		sleep 0.02
	done
	local wall; wall=$(awk "BEGIN{printf \"%.3f\", $(now)-$t0}")
	[ "$(jq -r .state "$work/import.json")" = SUCCEEDED ] || { echo "import failed:"; cat "$work/import.json"; exit 1; }
	echo "$wall $(jq -r '(.bytesPerSecond // 0) | floor' "$work/import.json")"
}
only_bundle() { # the one bundle directory an export wrote into $1
	local d; d=$(find "$1" -mindepth 1 -maxdepth 1 -type d)
	[ -n "$d" ] && [ "$(echo "$d" | wc -l)" = 1 ] || { echo "not one bundle in $1: $d" >&2; exit 1; }
	echo "$d"
}

# --- baseline: A has N of every module, B gets it as a full bundle -----------------------------------------
"$root/ferry" keys generate --data "$work/a0" --name bench-site-a >"$work/keys.out"
KEY_A=$(grep -oE '[^[:space:]+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{40,}' "$work/keys.out" | head -1)
echo "A's key: $KEY_A"
start_a "$work/a0"
mapfile -t n_items < <(awk '{print $2 "@" $3}' "$work/plan.txt")
"$root/ferry" prewarm go "${n_items[@]}" --server $A --data "$work/a0" >"$work/prewarm0.out" 2>&1 || { cat "$work/prewarm0.out"; exit 1; }
tail -1 "$work/prewarm0.out"
"$root/ferry" export --to "$work/full" --site b --server $A --data "$work/a0" >"$work/export0.out" 2>&1 || { cat "$work/export0.out"; exit 1; }
full=$(only_bundle "$work/full")
stop_a
n_zip_bytes=$(awk '{print $2 " " $3}' "$work/plan.txt" | while read -r m v; do
	e=$(echo "$m" | sed -E 's/([A-Z])/!\L\1/g'); stat -c %s "$fixtures/proxy/$e/@v/$v.zip"; done | awk '{s+=$1} END{print s}')
echo "full bundle $(basename "$full"): $(dir_bytes "$full") bytes ($(mb "$(dir_bytes "$full")") MB) for N of 26 modules, zips $(mb "$n_zip_bytes") MB"
full_rates=() job_rates=()
for r in $(seq 1 "$RUNS"); do
	rm -rf "$work/b0"; start_b "$work/b0"
	read -r wall rate < <(import_bundle "$work/b0" "$full")
	[ -n "$wall" ] || { echo "import of the full bundle failed"; cat "$work/import.json"; exit 1; }
	full_rates+=("$(awk "BEGIN{printf \"%.1f\", $(dir_bytes "$full")/$wall/1000000}")")
	job_rates+=("$(mb "${rate%.*}")")
	echo "full import $r: ${wall} s wall, $(mb "${rate%.*}") MB/s by the job, ${full_rates[-1]} MB/s bundle bytes / wall"
	stop_b
done
jq -c '.summary' "$work/import.json" || true
# $work/b0 now holds the last run's import: B with N of every module, the base of every group below.

# --- per fifth: A learns N+1, B's inventory, the --inventory bundle, B imports it ------------------------------
printf '\n%-5s %-7s %11s %10s %7s %10s %6s %8s %9s %8s  %s\n' group modules "new zips B" "bundle B" ratio "manifest B" points "volumes" "import s" "job MB/s" "N+1 versions"
tot_new=0 tot_bundle=0
for g in $BENCH_GROUPS; do
	awk -v g="$g" '$1 % 5 == g' "$work/plan.txt" >"$work/group$g.txt"
	mapfile -t next_items < <(awk '{print $2 "@" $4}' "$work/group$g.txt")
	private=$(awk '{print $2}' "$work/group$g.txt" | paste -sd, -)
	new_bytes=$(awk '{s+=$5} END{print s}' "$work/group$g.txt")
	rm -rf "$work/ag" "$work/bg" "$work/inc$g"
	cp -a "$work/a0" "$work/ag"; cp -a "$work/b0" "$work/bg"
	# N+1 is not in the fixture's checksum database: A takes these modules as private (hash pinned on first fetch).
	start_a "$work/ag" --private "$private" --private-upstream http://127.0.0.1:$UP_PORT
	"$root/ferry" prewarm go "${next_items[@]}" --server $A --data "$work/ag" >"$work/prewarm$g.out" 2>&1 || { cat "$work/prewarm$g.out"; exit 1; }
	start_b "$work/bg"
	"$root/ferry" inventory --out "$work/inv$g" --server $B --data "$work/bg" >"$work/inv$g.out" 2>&1 || { cat "$work/inv$g.out"; exit 1; }
	"$root/ferry" export --to "$work/inc$g" --inventory "$work/inv$g" --site b --server $A --data "$work/ag" >"$work/export$g.out" 2>&1 \
		|| { cat "$work/export$g.out"; exit 1; }
	inc=$(only_bundle "$work/inc$g")
	bundle_bytes=$(dir_bytes "$inc")
	read -r wall rate < <(import_bundle "$work/bg" "$inc")
	[ -n "$wall" ] || { echo "import of $inc failed"; cat "$work/import.json"; exit 1; }
	# B now serves N+1 byte for byte.
	while read -r _ m _ v _; do
		e=$(echo "$m" | sed -E 's/([A-Z])/!\L\1/g')
		curl -fsS "$B/$e/@v/$v.zip" | cmp -s - "$work/next/$e/@v/$v.zip" || { echo "B serves $m@$v differently"; exit 1; }
	done <"$work/group$g.txt"
	stop_a; stop_b
	[ -z "${KEEP_MANIFESTS:-}" ] || { mkdir -p "$KEEP_MANIFESTS"; cp "$inc/manifest.gz" "$KEEP_MANIFESTS/group$g.manifest.gz"; }
	printf '%-5s %-7s %11s %10s %6.1f%% %10s %6.2f %8s %9s %8s  %s\n' "$g" "$(wc -l <"$work/group$g.txt")" "$new_bytes" "$bundle_bytes" \
		"$(awk "BEGIN{print 100*$bundle_bytes/$new_bytes}")" "$(stat -c %s "$inc/manifest.gz")" \
		"$(awk "BEGIN{print 100*$(stat -c %s "$inc/manifest.gz")/$new_bytes}")" \
		"$(find "$inc" -name 'vol-*.fvol' -printf '%s\n' | awk '{s+=$1} END{print s+0}')" "$wall" "$(mb "${rate%.*}")" \
		"$(awk '{print $2 "@" $4}' "$work/group$g.txt" | paste -sd' ' -)"
	sed 's/^/    /' "$work/export$g.out" | tail -4
	tot_new=$((tot_new + new_bytes)) tot_bundle=$((tot_bundle + bundle_bytes))
	rm -rf "$work/ag" "$work/bg"
done
echo
echo "all groups: bundles $tot_bundle bytes for $tot_new bytes of new zips: $(awk "BEGIN{printf \"%.1f\", 100*$tot_bundle/$tot_new}")% (aim < 12%)"
echo "full import (N of every module, $(mb "$(dir_bytes "$full")") MB), median of $RUNS: $(printf '%s\n' "${job_rates[@]}" | median) MB/s" \
	"as the job reports it (object bytes stored / import time), $(printf '%s\n' "${full_rates[@]}" | median) MB/s bundle bytes / wall"
echo "load: $(uptime)"
