#!/usr/bin/env bash
# A bundle of CHUNKS chunks (default 10 million) exported and imported at ferry's default heap (issue 20):
# bench/bundle/README.md, "No size ceiling from the heap". By hand, never in CI.
# Usage: bench/bundle/scale.sh [CHUNKS] [WORK]   (WORK is emptied; it needs about 1 KB per chunk of disk)
# SKIP_BUILD=1 uses the bench as built; SKIP_FILL=1 keeps the store in WORK and runs export, import and check.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHUNKS=${1:-10000000}
WORK=${2:-/tmp/ferry-bundle-scale}
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME MALLOC_ARENA_MAX=2
if [ -z "${SKIP_BUILD:-}" ]; then
	./mvnw -B -q -o -pl bench -am package -DskipTests -Derrorprone.skip
fi
CP="bench/target/classes:bench/target/lib/*"
step() { # step NAME HEAP ARGS...: one JVM, timed by /usr/bin/time -v
	local name=$1 heap=$2
	shift 2
	echo "== $name ($heap), $(uptime)"
	/usr/bin/time -v -o "$WORK.$name.time" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "$heap" -Xms32m \
		-cp "$CP" dev.ferry.bench.bundle.BundleScale "$@"
	grep -E "Elapsed|Maximum resident" "$WORK.$name.time" | sed 's/^\s*/   time -v: /'
}
if [ -z "${SKIP_FILL:-}" ]; then # SKIP_FILL=1: export and import the store a previous run filled
	rm -rf "$WORK"
	step fill -Xmx1g fill "$WORK" "$CHUNKS"
fi
step export -Xmx256m export "$WORK"
du -sh "$WORK/medium"
step import -Xmx256m import "$WORK"
step check -Xmx1g check "$WORK"
echo "== done, $(uptime)"
