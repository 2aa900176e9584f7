#!/usr/bin/env bash
# Prints the JVM option that loads async-profiler as an agent, recording folded stacks of every thread into FILE:
#
#   java $(bench/async-profiler.sh /tmp/import.collapsed) -cp ... dev.ferry.bench.bundle.BundleThroughput ...
#   bench/oci/fold-stacks.py --shares /tmp/import.collapsed bundle-import-reader RocksDB.get 'rocksdb::CompactionJob'
#
# Why async-profiler beside JFR: JFR samples Java threads only, and RocksDB's flushes and compactions run on its own
# native threads (a third or more of a bundle import's CPU). event=itimer samples every thread of the process and
# needs no perf_event access (containers often forbid it); `threads` puts the thread's name first in each stack.
#
# The agent comes from Maven Central (tools.profiler:async-profiler, its jar carries the native library): fetched
# into ~/.m2 once (online), unpacked under bench/target. By hand only; nothing in the build or CI uses it.
set -euo pipefail
if [[ $# -ne 1 ]]; then
	echo "usage: $0 OUTPUT.collapsed  (prints -agentpath:... for java)" >&2
	exit 2
fi
version=4.1
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
lib="$root/bench/target/async-profiler-$version/linux-x64/libasyncProfiler.so"
case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*)
	echo "$0: only linux-x64 is set up here (the jar also has linux-arm64 and macos)" >&2
	exit 1
	;;
esac
if [[ ! -f "$lib" ]]; then
	if [[ ! -f "$jar" ]]; then
		(cd "$root" && ./mvnw -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$version") >&2
	fi
	mkdir -p "$(dirname "$(dirname "$lib")")"
	(cd "$(dirname "$(dirname "$lib")")" && unzip -q -o "$jar" 'linux-x64/*')
fi
echo "-agentpath:$lib=start,event=itimer,interval=1ms,threads,collapsed,file=$1"
