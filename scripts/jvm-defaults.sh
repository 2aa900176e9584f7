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
# - with ARCHIVE (ferry_jvm_defaults NATIVE_DIR ARCHIVE [MODE]), a class data sharing archive of ferry's classes,
#   mapped at start, which then skips most class loading and verification: start to ready went from ~4 s to ~2.3 s
#   on the loaded 2-core machine (bench/cold README). On JDK 25 and later it is an AOT cache (JEP 483/514/515): the
#   recording run notes which classes it loaded and linked and how its methods ran, the JVM assembles the cache
#   when that run exits (a child JVM, seconds), and later runs start with the classes linked and the JIT compiling
#   the hot methods of a cold miss at once: the first misses of a fresh ferry took 90-180 ms instead of 90-510 ms
#   (bench/cold README). Before JDK 25 it is a dynamic CDS archive on top of the JDK's own.
#   MODE make (a checkout's ./ferry): ARCHIVE-<jdk version>.aot (.jsa), made by the first run and again for a new
#   JDK. Each recording run writes its own file, ARCHIVE-<jdk>.aot.<pid>.part, and a later start renames a
#   finished one into place: two first runs that exit at once never write the same file, and a start never maps a
#   half-written one (rename is atomic). The launcher removes an archive of an older jar.
#   MODE use (the installer's and the image's bin/ferry, whose lib/ is read-only to the ferry user): ARCHIVE.aot
#   or ARCHIVE.jsa, made at build time by a trial serve with the bundled runtime (deploy/build-installer.sh), used
#   when present. In both modes the JVM checks the archive against its own build and the jars (paths relative to
#   the installation, sizes, times) and, when it does not match, starts without it, silently.
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
	*) [ -z "${2:-}" ] || ferry_archive "$2" "${3:-make}" ;;
	esac
}

# ferry_archive ARCHIVE MODE: the options of the archive (see above) for the JDK at JAVA_HOME.
ferry_archive() {
	if [ "$2" = use ]; then
		if [ -f "$1.aot" ]; then
			jvm_defaults+=("-XX:AOTCache=$1.aot" "-Xlog:aot*=off,cds*=off")
		elif [ -f "$1.jsa" ]; then
			jvm_defaults+=("-XX:SharedArchiveFile=$1.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
		fi
		return 0
	fi
	local jdk made
	jdk=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "${JAVA_HOME:-}/release" 2>/dev/null || true)
	case "$jdk" in
	2[5-9]* | [3-9][0-9]*) made="$1-$jdk.aot" ;;
	*) made="$1-$jdk.jsa" ;;
	esac
	ferry_archive_settle "$made" || return 0
	if [ -f "$made" ]; then
		case "$made" in
		*.aot) jvm_defaults+=("-XX:AOTCache=$made" "-Xlog:aot*=off,cds*=off") ;;
		*) jvm_defaults+=("-XX:SharedArchiveFile=$made" -Xlog:cds=off -Xlog:cds+dynamic=off) ;;
		esac
	else
		# $$ is the JVM's pid too: the launcher execs it.
		case "$made" in
		*.aot) jvm_defaults+=("-XX:AOTCacheOutput=$made.$$.part" "-Xlog:aot*=off,cds*=off") ;;
		*) jvm_defaults+=("-XX:ArchiveClassesAtExit=$made.$$.part" -Xlog:cds=off -Xlog:cds+dynamic=off) ;;
		esac
	fi
}

# ferry_archive_settle FILE: renames a finished recording (FILE.<pid>.part whose JVM has exited and, for an AOT
# cache, whose assembly is over: the JVM removes FILE.<pid>.part.config once the cache is written) to FILE when
# FILE is missing, and removes the other finished ones. Fails (so this run records nothing: its recording would be
# thrown away) while another run is still recording.
ferry_archive_settle() {
	local part pid recording=no
	for part in "$1".*.part; do
		[ -f "$part" ] || continue
		pid=${part%.part}
		pid=${pid##*.}
		if kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ]; then
			recording=yes
		elif [ -f "$part.config" ]; then
			# Still being assembled, unless a kill -9 stopped that long ago: then it is not finished and never will be.
			if [ -n "$(find "$part.config" -mmin -10 2>/dev/null)" ]; then
				recording=yes
			else
				rm -f "$part" "$part.config"
			fi
		elif [ -f "$1" ]; then
			rm -f "$part"
		else
			mv -f "$part" "$1" 2>/dev/null || true
		fi
	done
	[ -f "$1" ] || [ "$recording" = no ]
}
