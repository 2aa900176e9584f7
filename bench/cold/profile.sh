#!/usr/bin/env bash
# Where a cold small-file miss's time goes: ferry (with a JFR recording) in front of Populate's generating upstream,
# COUNT module versions' .info and .mod asked one at a time (the go command's critical path), then a summary of the
# recording's samples. By hand, never in CI.
#   usage: bench/cold/profile.sh [COUNT=1000] [IN_FLIGHT=1]     (the JFR file stays in the printed directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-1000} parallel=${2:-1}
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
export JAVA_HOME
PORT=18592 UP_PORT=18593
work=$(mktemp -d /tmp/ferry-profile.XXXXXX)
"$root/ferry" --version >/dev/null
[ -f "$root/bench/target/classes/dev/ferry/bench/goproxy/Populate.class" ] \
	|| { echo "no bench classes: run ./mvnw -B -q -pl bench -am -DskipTests package" >&2; exit 1; }
FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$work/rec.jfr,settings=profile,dumponexit=true" \
	"$root/ferry" serve --listen 127.0.0.1:$PORT --data "$work/data" --go-upstream http://127.0.0.1:$UP_PORT \
	--sumdb off --no-access-log >"$work/ferry.log" 2>&1 &
fpid=$!
trap 'kill $fpid 2>/dev/null || true' EXIT
until curl -fsS -o /dev/null http://127.0.0.1:$PORT/health/ready 2>/dev/null; do sleep 0.05; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" -cp "$root/bench/target/classes" dev.ferry.bench.goproxy.Populate "http://127.0.0.1:$PORT" $UP_PORT "$count" "$parallel"
kill $fpid; wait $fpid || true
echo "recording: $work/rec.jfr"
# Top frames of ferry's own code in the CPU samples, then top leaf frames.
"$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$work/rec.jfr" >"$work/samples.txt"
echo "samples: $(grep -c 'jdk.ExecutionSample' "$work/samples.txt")"
echo "-- leaf frames"
awk '/stackTrace = \[/ {getline; sub(/^ +/,""); sub(/line:.*/,""); print}' "$work/samples.txt" | sort | uniq -c | sort -rn | head -25
echo "-- samples per ferry method on the stack (inclusive)"
awk '/jdk.ExecutionSample/ {delete seen} /dev\.ferry\./ {sub(/^ +/,""); sub(/line:.*/,""); if (!seen[$0]++) print}' "$work/samples.txt" \
	| sort | uniq -c | sort -rn | head -40
