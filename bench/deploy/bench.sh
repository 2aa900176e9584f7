#!/usr/bin/env bash
# Deployment figures, by hand, never in CI (docs/install.md#measurements): the installer's and the image's size;
# cold start to ready with a store of N module versions, from the installed runtime and from the image, in
# alternating rounds (medians); RSS after start with the default heap. Needs root, podman, mmdebstrap, buildah,
# skopeo (the image is built when --image is not given).
#   sudo bench/deploy/bench.sh [--versions 100000] [--rounds 5] [--installer TARBALL] [--image DOCKER_TAR]
# Env KEEP=1 keeps the work directory (and its populated store) for another run: --data DIR reuses one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
versions=100000 rounds=5 installer="" image="" data=""
while [ $# -gt 0 ]; do
	case "$1" in
	--versions) versions=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--installer) installer=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--data) data=$2; shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
work=$(mktemp -d /tmp/ferry-deploy-bench.XXXXXX)
PORT=18491 UP_PORT=18492
P=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp" --storage-driver vfs
	--cgroup-manager cgroupfs --events-backend file)
[ -x /usr/sbin/runc ] && P+=(--runtime /usr/sbin/runc)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"${P[@]}" rm -af >/dev/null 2>&1 || true
	"${P[@]}" rmi -af >/dev/null 2>&1 || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/podman"

[ -n "$installer" ] || installer=$("$root/deploy/build-installer.sh" --out "$work/out")
[ -n "$image" ] || image=$("$root/deploy/build-image.sh" --installer "$installer" --out "$work/out" | tail -n1)
version=$(basename "$installer" -linux-x86_64.tar.gz); version=${version#ferry-}
echo "installer $(stat -c %s "$installer") bytes; image archive $(stat -c %s "$image") bytes (docker format, uncompressed layers)"
tar -xzf "$installer" -C "$work"
home="$work/ferry-$version-linux-x86_64"
"${P[@]}" load -q -i "$image" >/dev/null
echo "image as stored by podman: $("${P[@]}" images --format '{{.Size}}' "localhost/ferry:$version")"
limits=(--ulimit "nofile=$(ulimit -n):$(ulimit -n)" --ulimit nproc=4096:4096)

ready_ms() { # $1 = start ns: waits for /health/ready, prints ms since $1
	until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/ready" 2>/dev/null; do sleep 0.02; done
	echo $((($(date +%s%N) - $1) / 1000000))
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The store: N module versions (.info and .mod each) fetched through the installed ferry from a generating upstream.
if [ -z "$data" ]; then
	data="$work/data"
	"$home/bin/ferry" serve --listen "127.0.0.1:$PORT" --data "$data" --go-upstream "http://127.0.0.1:$UP_PORT" \
		--sumdb off --no-access-log >"$work/populate.log" 2>&1 &
	pid=$!
	ready_ms "$(date +%s%N)" >/dev/null
	"$JAVA_HOME/bin/java" "$root/bench/goproxy/Populate.java" "http://127.0.0.1:$PORT" "$UP_PORT" "$versions"
	kill "$pid"; wait "$pid" || true; pid=""
fi
echo "store: $(du -sh "$data/store" | cut -f1) for $versions module versions"

installed() {
	local t0; t0=$(date +%s%N)
	"$home/bin/ferry" serve --listen "127.0.0.1:$PORT" --data "$data" --go-upstream off --sumdb off >>"$work/runs.log" 2>&1 &
	pid=$!
	local ms; ms=$(ready_ms "$t0")
	echo "installed $ms ms, RSS $(rss_kb "$pid") kB"
	kill "$pid"; wait "$pid" || true; pid=""
}
container() {
	chown -R 10001:10001 "$data"
	local t0; t0=$(date +%s%N)
	"${P[@]}" run --rm --name ferry-bench --network host "${limits[@]}" --read-only --tmpfs /tmp --no-healthcheck \
		-v "$data:/var/lib/ferry" -e "FERRY_LISTEN=127.0.0.1:$PORT" "localhost/ferry:$version" \
		serve --config /etc/ferry/ferry.yaml --go-upstream off --sumdb off >>"$work/runs.log" 2>&1 &
	pid=$!
	local ms; ms=$(ready_ms "$t0")
	local cpid; cpid=$("${P[@]}" inspect --format '{{.State.Pid}}' ferry-bench)
	echo "image $ms ms, RSS $(rss_kb "$cpid") kB"
	"${P[@]}" stop -t 120 ferry-bench >/dev/null; wait "$pid" || true; pid=""
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
: >"$work/results"
for i in $(seq 1 "$rounds"); do
	installed | tee -a "$work/results"
	container | tee -a "$work/results"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for kind in installed image; do
	echo "$kind: start to ready median $(grep "^$kind" "$work/results" | awk '{print $2}' | median) ms," \
		"RSS median $(grep "^$kind" "$work/results" | awk '{print $5}' | median) kB over $rounds rounds"
done
