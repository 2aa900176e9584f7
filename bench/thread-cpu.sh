# Sourced by the benches: where a ferry process's CPU goes, by kind of thread, from /proc/PID/task (no agent, no
# overhead). Take thread_cpu before and after the measured part, then cpu_split the two.

# CPU ms of each of process $1's threads, by name without its number ("C2 CompilerThread0" -> "C2_CompilerThread").
thread_cpu() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(tr ' ' '_' <"$t/comm" | sed 's/[0-9#]*$//')" "$(awk '{print ($14+$15)*10}' "$t/stat")"
	done 2>/dev/null | awk '{a[$1]+=$2} END {for (k in a) print k, a[k]}' | sort
}

# The CPU between two thread_cpu snapshots (files $1, $2), by kind: the JIT compilers; the request work (the carrier
# threads of virtual threads, the HTTP client's); RocksDB's flushes and compactions; GC; the rest.
cpu_split() {
	join -a 2 -e 0 -o 0,1.2,2.2 "$1" "$2" | awk '{
		d = $3 - $2; k = "other"
		if ($1 ~ /CompilerThre/) k = "JIT"; else if ($1 ~ /^(ForkJoinPool|HttpClient|helidon)/) k = "work"
		else if ($1 ~ /^rocksdb/) k = "RocksDB"; else if ($1 ~ /^(G1|GC)/) k = "GC"
		s[k] += d; t += d
	} END { printf "CPU %d ms: JIT %d, request work %d, RocksDB %d, GC %d, other %d", t, s["JIT"], s["work"], s["RocksDB"], s["GC"], s["other"] }'
}
