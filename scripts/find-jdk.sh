# Sourced by ./ferry and .ci/run: find_jdk prints the home of a JDK >= 21, or fails with a clear message.
# Order: JAVA_HOME, the java on PATH, then the newest JDK under /usr/lib/jvm.

jdk_major() { # $1 = JDK home; prints its feature version (17, 21, 25...) or nothing
	[ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
	"$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
	local candidates=() home best="" best_v=0 v
	[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
	if command -v java >/dev/null 2>&1; then
		candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
	fi
	for home in "${candidates[@]}"; do
		v=$(jdk_major "$home")
		if [ -n "$v" ] && [ "$v" -ge 21 ]; then
			echo "$home"
			return 0
		fi
	done
	for home in /usr/lib/jvm/*/; do
		home=${home%/}
		[ -L "$home" ] && continue
		v=$(jdk_major "$home")
		if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
			best=$home best_v=$v
		fi
	done
	if [ -n "$best" ]; then
		echo "$best"
		return 0
	fi
	echo "ferry needs a JDK 21 or newer (javac included); none found in JAVA_HOME, on PATH or under /usr/lib/jvm." >&2
	echo "On Debian: apt-get install openjdk-21-jdk (or any JDK >= 21), or set JAVA_HOME." >&2
	return 1
}
