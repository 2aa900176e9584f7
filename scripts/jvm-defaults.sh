# Sourced by ./ferry and by the installed bin/ferry (deploy/): the JVM options ferry runs with, so a checkout, the
# offline installer and the container image start the same JVM.
#
# ferry_jvm_defaults NATIVE_DIR sets the array jvm_defaults. Each default is left out when the user's options
# (FERRY_JAVA_OPTS, JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS) set it:
# - a 256 MiB heap: without it the JVM takes a quarter of the machine's memory and grows into it under load
#   (1.1 GB peak RSS in bench/oci with no gain); ferry's heap holds per-download buffers of a few MiB, caches
#   and requests in flight, and RocksDB's caches and memtables live outside the heap. The memory budget
#   (heap, RocksDB, the JVM's own, files) is in docs/storage.md; bench/cold/footprint.sh measures it.
# - a 32 MiB initial heap: the JVM's own initial heap is 1/64 of the machine's memory, all of -Xmx256m on a
#   machine of 16 GB or more, and G1 then spreads its young generation over all of it: the whole heap was resident after a
#   few cold pulls. Starting small, G1 grows the heap only as far as the collections need (heap resident 84-110
#   MiB instead of 170-230 through bench/cold/footprint.sh's pulls and downloads).
# - MALLOC_ARENA_MAX=2 (exported, unless set): glibc gives each thread that mallocs its own arena, up to 8 per
#   core, and RocksDB's memtable blocks freed in one arena stay resident there; with the smaller memtables, RocksDB's part
#   of the RSS went from ~130 to ~60 MiB during cold 200 MiB pulls (bench/cold README).
# - the JDK HTTP client's receive buffers at 256 KiB instead of 16 KiB: fewer reads and hand-offs between its
#   selector and the thread storing a layer (bench/oci README).
# - java.library.path at NATIVE_DIR, where RocksDB's JNI library was put once (by the build, or in the installed
#   lib/): RocksDB loads it from there instead of unpacking a 17 MB copy into /tmp at every start, which is left
#   behind whenever the process is killed.
# - with ARCHIVE (ferry_jvm_defaults NATIVE_DIR ARCHIVE), a class data sharing archive of ferry's classes: made at
#   the exit of the first run (and again whenever the jars or the JDK change), mapped by the next ones, which then
#   skip most class loading and verification: start to ready went from ~4 s to ~2.3 s on the loaded 2-core machine
#   (bench/cold README). On JDK 25 and later it is an AOT cache (JEP 483/514/515, ARCHIVE-<jdk version>.aot) instead:
#   the first run records which classes it loaded and linked and how its methods ran, the JVM assembles the cache
#   when that run exits (a child JVM, seconds), and later runs start with the classes linked and the JIT compiling
#   the hot methods of a cold miss at once: the first misses of a fresh ferry took 90-180 ms instead of 90-510 ms
#   (bench/cold README). A new JDK gets a new file name; a cache of an older jar is removed by the launcher.
ferry_jvm_defaults() {
	local user_opts="${FERRY_JAVA_OPTS:-} ${JDK_JAVA_OPTIONS:-} ${JAVA_TOOL_OPTIONS:-}"
	jvm_defaults=(--enable-native-access=ALL-UNNAMED)
	case "$user_opts" in
	*-Xmx* | *MaxHeapSize* | *MaxRAMPercentage* | *MaxRAMFraction* | *-XX:MaxRAM=*) ;;
	*) jvm_defaults+=(-Xmx256m) ;;
	esac
	case "$user_opts" in
	*-Xms* | *InitialHeapSize* | *InitialRAMPercentage*) ;;
	*) jvm_defaults+=(-Xms32m) ;;
	esac
	export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
	case "$user_opts" in
	*jdk.httpclient.bufsize*) ;;
	*) jvm_defaults+=(-Djdk.httpclient.bufsize=262144) ;;
	esac
	case "$user_opts" in
	*java.library.path*) ;;
	*) jvm_defaults+=("-Djava.library.path=$1") ;;
	esac
	case "$user_opts" in
	*SharedArchiveFile* | *-Xshare* | *AOTCache*) ;;
	*) [ -z "${2:-}" ] || ferry_archive "$2" ;;
	esac
}

# ferry_archive ARCHIVE: the options of the archive (see above) for the JDK at JAVA_HOME.
ferry_archive() {
	local jdk
	jdk=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "${JAVA_HOME:-}/release" 2>/dev/null || true)
	case "$jdk" in
	2[5-9]* | [3-9][0-9]*)
		# Both may not be given: use the cache once it exists, else record this run to make it at exit.
		if [ -f "$1-$jdk.aot" ]; then
			jvm_defaults+=("-XX:AOTCache=$1-$jdk.aot")
		else
			jvm_defaults+=("-XX:AOTCacheOutput=$1-$jdk.aot")
		fi
		jvm_defaults+=("-Xlog:aot*=off,cds*=off")
		;;
	*) jvm_defaults+=("-XX:SharedArchiveFile=$1.jsa" -XX:+AutoCreateSharedArchive -Xlog:cds=off -Xlog:cds+dynamic=off) ;;
	esac
}
