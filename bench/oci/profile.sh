#!/usr/bin/env bash
# Where a cold skopeo copy's CPU goes in ferry, by hand, never in CI: an upstream docker-registry with the bench
# images (make-images.py), a ferry on an empty store, one unprofiled cold copy of library/big:1 (it warms the JIT),
# then `perf record -g` over the cold copy of library/big2:1, and a breakdown of the samples by thread and by the
# frames that matter on the blob path (inclusive shares of ferry's samples).
#   usage: bench/oci/profile.sh [CHECKOUT]     (default: this checkout; needs docker-registry skopeo perf python3)
# Env: FREQ (perf sampling Hz, 999), KEEP=1 keeps the work directory (perf.data, the folded stacks for a flame
# graph, ferry.log, the store with RocksDB's LOG).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/oci
checkout=${1:-$root}
FREQ=${FREQ:-999}
UP_PORT=18494 FERRY_PORT=18495
for t in docker-registry skopeo perf python3 curl; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
work=$(mktemp -d /tmp/ferry-oci-profile.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
wait_http() { for _ in $(seq 1 900); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

python3 "$here/make-images.py" "$work/layout" >/dev/null
cat >"$work/upstream.yml" <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/upstream }, cache: { blobdescriptor: inmemory } }
http: { addr: 127.0.0.1:$UP_PORT, secret: ferry-oci-profile }
YML
docker-registry serve "$work/upstream.yml" >"$work/upstream.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$UP_PORT/v2/"
for i in big big2; do
	skopeo copy -q --dest-tls-verify=false "oci:$work/layout:$i-1" "docker://127.0.0.1:$UP_PORT/library/$i:1"
done
rm -rf "$work/layout"

"$checkout/ferry" --version >/dev/null
# Frame pointers for perf's call graphs through JIT code; the perf map names the JIT frames.
FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" \
	"$checkout/ferry" serve --listen 127.0.0.1:$FERRY_PORT --data "$work/data" --go-upstream off --sumdb off \
	--no-access-log --registry "docker.io=http://127.0.0.1:$UP_PORT" --default-registry docker.io \
	>"$work/ferry.log" 2>&1 & ferry=$!
pids+=($ferry)
wait_http "http://127.0.0.1:$FERRY_PORT/v2/"
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$ferry/stat"; }
copy() { # $1 = repository; prints wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$FERRY_PORT/library/$1:1" "dir:$work/copy"
	t1=$(date +%s.%N)
	rm -rf "$work/copy"
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'
}
c0=$(cpu); first=$(copy big); c1=$(cpu)
perf record -F "$FREQ" -g -p "$ferry" -o "$work/perf.data" 2>/dev/null & perf=$!
sleep 0.5
second=$(copy big2); c2=$(cpu)
kill -INT $perf; wait $perf 2>/dev/null || true
kill "$ferry"; wait "$ferry" 2>/dev/null || true # writes the perf map at exit
echo "cold copy ${first}s (server CPU $(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}')s), profiled 2nd image" \
	"${second}s (CPU $(awk -v a="$c1" -v b="$c2" 'BEGIN{printf "%.2f", b-a}')s), load $(cut -d' ' -f1-3 /proc/loadavg)"
perf script -i "$work/perf.data" 2>/dev/null | python3 "$here/fold-stacks.py" >"$work/folded.txt"
python3 "$here/fold-stacks.py" --shares "$work/folded.txt" \
	'ForkJoinPool' 'rocksdb:high' 'rocksdb:low' 'C2 CompilerThre' 'HttpClient' \
	'TeeInput.read' 'MessageDigest.update' 'RocksObjectWriter.write' 'PendingObject.storeChunk' 'Spool.append' \
	'Spool$Reader.read' 'NioSocket.write' 'UnflushedChunks.makeDurable' 'rocksdb::FlushJob::Run' \
	'rocksdb::CompactionJob::Run' 'BlobLogWriter::ConstructBlobHeader' 'copy_folio_from_iter_atomic'
